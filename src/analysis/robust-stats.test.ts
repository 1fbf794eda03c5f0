import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capPoints, mad, mannKendall, median, normalCdf, prefixL1Costs, quantile, theilSen, theilSenInterval } from './robust-stats.js';
import { seededRandom } from '../test-support/seeded-random.js';

test('median and MAD of small sets', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  // MAD of 1..5 is median(|x−3|) = 1, scaled by 1.4826.
  assert.ok(Math.abs(mad([1, 2, 3, 4, 5]) - 1.4826) < 1e-9);
  assert.equal(quantile([0, 10], 0.25), 2.5);
});

test('Theil–Sen ignores a spike that moves least squares', () => {
  const pts = Array.from({ length: 21 }, (_, i) => ({ x: i, y: 2 * i + 5 }));
  pts[20].y = 1000; // one wild point at the end
  const fit = theilSen(pts);
  assert.ok(Math.abs(fit.slope - 2) < 1e-9, `slope ${fit.slope}`);
  assert.ok(Math.abs(fit.intercept - 5) < 1e-9);
});

test('Mann–Kendall: monotone rise is significant, noise is not', () => {
  const rising = Array.from({ length: 20 }, (_, i) => i);
  const mk = mannKendall(rising);
  assert.equal(mk.tau, 1);
  assert.ok(mk.pRising < 1e-6);
  const rnd = seededRandom(42);
  const noise = Array.from({ length: 60 }, () => rnd());
  const mkn = mannKendall(noise);
  assert.ok(mkn.pRising > 0.01, `noise p ${mkn.pRising}`);
  // All ties: no trend, no division by zero.
  assert.deepEqual(mannKendall([5, 5, 5, 5]).z, 0);
});

test('normalCdf matches known values', () => {
  assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-7);
  assert.ok(Math.abs(normalCdf(1.959964) - 0.975) < 1e-6);
  assert.ok(Math.abs(normalCdf(-3) - 0.0013499) < 1e-6);
});

test('capPoints keeps the first and the last point', () => {
  const v = Array.from({ length: 10_000 }, (_, i) => i);
  const c = capPoints(v, 100);
  assert.equal(c.length, 100);
  assert.equal(c[0], 0);
  assert.equal(c[99], 9999);
});

test('median by selection agrees with sorting, duplicates and odd/even sizes included', () => {
  const rnd = seededRandom(7);
  for (let trial = 0; trial < 200; trial++) {
    const n = 1 + Math.floor(rnd() * 50);
    const v = Array.from({ length: n }, () => Math.floor(rnd() * 10));
    const s = [...v].sort((a, b) => a - b);
    const expected = n % 2 ? s[n >> 1] : (s[(n >> 1) - 1] + s[n >> 1]) / 2;
    assert.equal(median(v), expected, JSON.stringify(v));
  }
});

test('Mann–Kendall is exact for few points without ties', () => {
  // 7 strictly rising points: only the identity permutation has S = 21, p = 1/7!.
  assert.ok(Math.abs(mannKendall([1, 2, 3, 4, 5, 6, 7]).pRising - 1 / 5040) < 1e-12);
  // One swap: S = 19, permutations with at most one inversion: 1 + 6.
  assert.ok(Math.abs(mannKendall([1, 2, 4, 3, 5, 6, 7]).pRising - 7 / 5040) < 1e-12);
  // No trend in the other direction.
  assert.equal(mannKendall([7, 6, 5, 4, 3, 2, 1]).pRising, 1);
});

test("Sen's slope interval covers the true slope about 90% of the time, and narrows with more points", () => {
  const rnd = seededRandom(11);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const widths: Record<number, number[]> = { 6: [], 24: [] };
  let covered = 0;
  const trials = 300;
  for (let k = 0; k < trials; k++) {
    for (const n of [6, 24]) {
      const pts = Array.from({ length: n }, (_, i) => ({ x: i, y: 2 * i + 3 * gauss() }));
      const { lo, hi } = theilSenInterval(pts);
      widths[n].push(hi - lo);
      if (n === 24 && lo <= 2 && 2 <= hi) covered++;
    }
  }
  assert.ok(covered / trials > 0.84 && covered / trials < 0.97, `coverage ${covered / trials}`);
  // Six noisy points can say little about a slope: the interval is several times wider.
  assert.ok(median(widths[6]) > 3 * median(widths[24]), `widths ${median(widths[6])} vs ${median(widths[24])}`);
  // Too few points for any interval at all.
  assert.equal(
    theilSenInterval([
      { x: 0, y: 0 },
      { x: 1, y: 1 },
      { x: 2, y: 2 },
      { x: 3, y: 3 },
    ]).hi,
    Number.POSITIVE_INFINITY,
  );
});

test('prefixL1Costs equals each prefix’s deviation about its own median (ties, odd and even counts)', () => {
  const rnd = seededRandom(11);
  for (const n of [0, 1, 2, 3, 7, 64, 257]) {
    // Whole numbers with many ties (gctrace prints whole MiB), and one set of fractions.
    for (const values of [Array.from({ length: n }, () => Math.floor(rnd() * 8)), Array.from({ length: n }, () => rnd() * 1e6 - 5e5)]) {
      const costs = prefixL1Costs(values);
      assert.equal(costs.length, n + 1);
      for (let k = 0; k <= n; k++) {
        const m = median(values.slice(0, k));
        const direct = values.slice(0, k).reduce((a, v) => a + Math.abs(v - m), 0);
        assert.ok(Math.abs(costs[k] - direct) <= 1e-9 * Math.max(1, Math.abs(direct)), `n=${n} k=${k}: ${costs[k]} vs ${direct}`);
      }
    }
  }
});

test("Sen's interval by selection gives the very slopes a full sort ranks there, ties and equal x included", () => {
  const rnd = seededRandom(17);
  for (let trial = 0; trial < 40; trial++) {
    const n = 3 + Math.floor(rnd() * 60);
    // Whole-number y (ties, as goroutine counts), and repeated x now and then (two samples at one step).
    const pts = Array.from({ length: n }, (_, i) => ({ x: i - (rnd() < 0.1 ? 1 : 0), y: Math.round(50 * rnd() + (trial % 3) * i) }));
    const slopes: number[] = [];
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (pts[j].x !== pts[i].x) slopes.push((pts[j].y - pts[i].y) / (pts[j].x - pts[i].x));
    slopes.sort((a, b) => a - b);
    const c = 1.645 * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18);
    const lower = Math.floor((slopes.length - c) / 2);
    const upper = Math.ceil((slopes.length + c) / 2);
    const got = theilSenInterval(pts);
    assert.equal(got.lo, lower >= 0 ? slopes[lower] : Number.NEGATIVE_INFINITY, `n=${n} lower rank ${lower}`);
    assert.equal(got.hi, upper < slopes.length ? slopes[upper] : Number.POSITIVE_INFINITY, `n=${n} upper rank ${upper}`);
  }
});
