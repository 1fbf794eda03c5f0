import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from './seeded-random.js';

test('seededRandom: a seed replays its sequence, seeds differ, draws are uniform in [0, 1)', () => {
  const draws = (seed: number, n: number) => {
    const r = seededRandom(seed);
    return Array.from({ length: n }, () => r());
  };
  assert.deepEqual(draws(42, 100), draws(42, 100));
  assert.notDeepEqual(draws(42, 100), draws(43, 100));
  const xs = draws(7, 20_000);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  // Ten equal bins of 2,000 expected draws each: a uniform generator stays within ±10 % (≈ 4.7 σ).
  const bins = new Array<number>(10).fill(0);
  for (const x of xs) bins[Math.floor(x * 10)]++;
  for (const b of bins) assert.ok(Math.abs(b - 2000) < 200, `bin count ${b}`);
});
