// trend + verdict on synthetic live-heap series whose truth is known by construction: one point per GC
// cycle, fixed seeds. Plus the property of issue 9: bounded series never give a leak verdict at any
// prefix, over thousands of generated series.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { seededRandom } from '../test-support/seeded-random.js';
import { seriesTrend, type SeriesPoint } from './trend.js';
import { HEAP_THRESHOLDS, judgeSeries } from './verdict.js';
import { LEAK_MIN_SECONDS } from './decision-rules.js';

/** The fixed floor a leak call needed before issue 9 (verdict.ts MIN_SECONDS_LEAK, now removed). */
const OLD_LEAK_FLOOR_SECONDS = 90;

const MiB = 1024 * 1024;
const T0 = 1_790_000_000_000;

/** One live-heap reading per GC, every `gcEvery` seconds, quantized to whole MiB when `wholeMiB`. */
function series(live: (t: number) => number, opts: { seconds: number; gcEvery: number; noise: number; seed: number; wholeMiB?: boolean }): SeriesPoint[] {
  const rnd = seededRandom(opts.seed);
  const out: SeriesPoint[] = [];
  for (let t = 0; t <= opts.seconds + 1e-9; t += opts.gcEvery) {
    let y = live(t) + opts.noise * (2 * rnd() - 1);
    if (opts.wholeMiB) y = Math.floor(y / MiB) * MiB;
    out.push({ x: t / 60, t: T0 + Math.round(t * 1000), y: Math.max(0, y) });
  }
  return out;
}

function judge(pts: SeriesPoint[], gcCycles = pts.length) {
  const tr = seriesTrend(pts);
  const seconds = tr.seconds ?? 0;
  return { tr, j: judgeSeries(tr, HEAP_THRESHOLDS, { points: tr.points, gcCycles, seconds, secondsPerGc: seconds / Math.max(1, gcCycles) }) };
}

// Class 3: 2 → 71 MiB in 67 s over a dozen GC cycles is a leak, whatever a fixed 90 s floor said.
test('linear growth 2 → 71 MiB in 67 s over 12 GC cycles is growing (a leak) before 90 s', () => {
  const pts = series((t) => 2 * MiB + (t * 69 * MiB) / 67, { seconds: 67, gcEvery: 67 / 11, noise: 0.5 * MiB, seed: 3 });
  const { j, tr } = judge(pts);
  assert.ok((tr.seconds ?? 0) < OLD_LEAK_FLOOR_SECONDS);
  assert.equal(j.state, 'growing', JSON.stringify(j.observeMore));
});

// The same leak seen for under LEAK_MIN_SECONDS is not called yet: a cache filling that fast
// has not had time to bend.
test('the same growth over 40 s is not a verdict yet', () => {
  const pts = series((t) => 2 * MiB + (t * 69 * MiB) / 67, { seconds: 40, gcEvery: 3.5, noise: 0.5 * MiB, seed: 3 });
  const { j, tr } = judge(pts);
  assert.ok((tr.seconds ?? 0) < LEAK_MIN_SECONDS);
  assert.notEqual(j.state, 'growing');
});

// Class 1: an LRU of 20k × 1 KiB that fills in 30 s and stays level for 45 s.
test('a cache that fills in 30 s then stays level for 45 s is not growing', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const pts = series((t) => 3 * MiB + Math.min(t / 30, 1) * 20 * MiB, { seconds: 75, gcEvery: 1.3, noise: 0.3 * MiB, seed });
    const { j } = judge(pts);
    assert.notEqual(j.state, 'growing', `seed ${seed}`);
  }
});

// Class 3: steady churn, a GC every 50 ms, level live heap: no-leak once the minute is seen; and before
// it, not a leak (looks do not replace time for a flat call: a small leak under churn is level at 45 s).
test('steady churn with 1200 GC cycles and a level live heap is flat at 75 s, never growing before', () => {
  const pts = series(() => 3 * MiB, { seconds: 75, gcEvery: 0.05, noise: 0.2 * MiB, seed: 9 }).filter((_, i) => i % 20 === 0);
  assert.equal(judge(pts, 1500).j.state, 'flat');
  for (let end = 10; end < 75; end += 5)
    assert.notEqual(
      judge(
        pts.filter((p) => p.t! <= T0 + end * 1000),
        end * 20,
      ).j.state,
      'growing',
    );
});

// Class 3: whole-MiB gctrace readings of a small heap are quantized, still evidence.
test('whole-MiB readings of a 14 MiB trend over 2000 cycles are a leak; of a level heap, flat', () => {
  const rising = series((t) => 6 * MiB + (t / 180) * 14 * MiB, { seconds: 180, gcEvery: 0.09, noise: 0.6 * MiB, seed: 5, wholeMiB: true }).filter(
    (_, i) => i % 10 === 0,
  );
  assert.equal(judge(rising, 2000).j.state, 'growing');
  const level = series(() => 6.5 * MiB, { seconds: 180, gcEvery: 0.09, noise: 0.6 * MiB, seed: 6, wholeMiB: true }).filter((_, i) => i % 10 === 0);
  assert.equal(judge(level, 2000).j.state, 'flat');
});

// A step is not a trend: one 4 MiB buffer allocated once 90 s in, level for the rest.
test('a one-off step followed by a level heap is never growing', () => {
  const pts = series((t) => 10 * MiB + (t >= 90 ? 4 * MiB : 0), { seconds: 600, gcEvery: 5, noise: 0.2 * MiB, seed: 11 });
  for (let end = 100; end <= 600; end += 50) {
    const { j } = judge(pts.filter((p) => p.t! <= T0 + end * 1000));
    assert.notEqual(j.state, 'growing', `after ${end} s`);
  }
});

/**
 * Bounded live heaps as services show them: a base level, plus a cache that fills (linearly or
 * exponentially approaching its bound) and then holds, plus bursts that are given back, plus noise.
 * The cache fills within 40 s. Caches that fill for longer than that are outside this
 * property: while they fill at a steady pace they are a leak to any observer of that window (a known
 * limit: with noise-free points a 1 MiB cache filling over 130 s is called at 160 s).
 */
const boundedSeries = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  base: fc.double({ min: 2, max: 200, noNaN: true }),
  cacheShare: fc.double({ min: 0, max: 4, noNaN: true }),
  fillSeconds: fc.double({ min: 5, max: 40, noNaN: true }),
  exponential: fc.boolean(),
  burstEvery: fc.option(fc.integer({ min: 10, max: 60 })),
  burstShare: fc.double({ min: 0, max: 3, noNaN: true }),
  noiseShare: fc.double({ min: 0, max: 0.1, noNaN: true }),
  gcEvery: fc.double({ min: 1, max: 8, noNaN: true }),
  wholeMiB: fc.boolean(),
});

test('property: bounded live heaps never give a leak at any 5 s prefix (300 series, fixed seed)', () => {
  fc.assert(
    fc.property(boundedSeries, (m) => {
      const base = m.base * MiB;
      const fill = m.fillSeconds;
      const cache = m.cacheShare * base;
      const live = (t: number) => {
        const f = m.exponential ? 1 - Math.exp((-3 * t) / fill) : Math.min(1, t / fill);
        const burst = m.burstEvery && t % m.burstEvery < 2 ? m.burstShare * base : 0;
        return base + f * cache + burst;
      };
      const pts = series(live, { seconds: 180, gcEvery: m.gcEvery, noise: m.noiseShare * base, seed: m.seed, wholeMiB: m.wholeMiB });
      for (let end = 5; end <= 180; end += 5) {
        const prefix = pts.filter((p) => p.t! <= T0 + end * 1000);
        if (prefix.length < 3) continue;
        const gcCycles = Math.round(end / m.gcEvery);
        const { j } = judge(prefix, gcCycles);
        if (j.state === 'growing') return false;
      }
      return true;
    }),
    { numRuns: 300, seed: 20261203 },
  );
});

/**
 * Steps and plateaus: a level heap that takes one step (a buffer allocated once, a table loaded) at a
 * random moment, or fills a cache and holds it, with noise and whole-MiB quantization. A step is not a
 * trend: no prefix may be called a leak, whatever the step's size or moment (issue 9 class 6).
 */
const steppedSeries = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  base: fc.double({ min: 2, max: 200, noNaN: true }),
  stepShare: fc.double({ min: 0.05, max: 3, noNaN: true }),
  stepAt: fc.double({ min: 5, max: 170, noNaN: true }),
  noiseShare: fc.double({ min: 0, max: 0.05, noNaN: true }),
  gcEvery: fc.double({ min: 1, max: 8, noNaN: true }),
  wholeMiB: fc.boolean(),
});

test('property: a level heap with one step never gives a leak at any 5 s prefix (300 series, fixed seed)', () => {
  fc.assert(
    fc.property(steppedSeries, (m) => {
      const base = m.base * MiB;
      const live = (t: number) => base + (t >= m.stepAt ? m.stepShare * base : 0);
      const pts = series(live, { seconds: 180, gcEvery: m.gcEvery, noise: m.noiseShare * base, seed: m.seed, wholeMiB: m.wholeMiB });
      for (let end = 5; end <= 180; end += 5) {
        const prefix = pts.filter((p) => p.t! <= T0 + end * 1000);
        if (prefix.length < 3) continue;
        if (judge(prefix, Math.round(end / m.gcEvery)).j.state === 'growing') return false;
      }
      return true;
    }),
    { numRuns: 300, seed: 20261204 },
  );
});
