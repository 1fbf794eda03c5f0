// The rules that keep a saturating fill, a sure off-heap rise, climbing live objects and a tail still
// climbing after a drop from a settled verdict (issue 9 classes 1 and 3; decision-rules.ts), each on
// synthetic series with fixed seeds: each rule flips where its number says and not elsewhere.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NON_GO_SURE_RISE_RSS_SHARE,
  OBJECTS_SURE_RISE_P,
  OBJECTS_SURE_RISE_SHARE,
  PLATEAU_TAIL_P,
  SATURATION_CHI2,
  SATURATION_MAX_PACE,
} from './decision-rules.js';
import { objectsSurelyRising } from './analyze-recording.js';
import { mannKendall } from './robust-stats.js';
import { saturationFit, seriesTrend, type SeriesPoint } from './trend.js';
import { judgeSeries, NON_GO_THRESHOLDS } from './verdict.js';

const MiB = 1024 * 1024;

/** Deterministic noise (a linear congruential generator with a fixed seed), uniform in ±1. */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

/** n looks over `seconds`, the work axis proportional to time, y = f(u) for u in 0..1, plus noise. */
function series(n: number, seconds: number, f: (u: number) => number, amp: number, seed = 7): SeriesPoint[] {
  const r = noise(seed);
  return Array.from({ length: n }, (_, i) => {
    const u = i / (n - 1);
    return { x: u * 100, t: 1_700_000_000_000 + u * seconds * 1000, y: 4 * MiB + f(u) + amp * r() };
  });
}

/** A keyspace cache's fill over the window: A·(1 − e^(−k·u)) / (1 − e^(−k)), pace e^(−k) at its end. */
const fill = (pace: number, total: number) => (u: number) => (total * (1 - Math.pow(pace, u))) / (1 - pace);

test('SATURATION_CHI2: a fill slowing to a third of its pace is decelerating; a steady leak with the same growth is not', () => {
  const cache = seriesTrend(series(12, 130, fill(0.35, 10 * MiB), 0.3 * MiB), { warmupFraction: 0 });
  assert.equal(cache.decelerating, true);
  const leak = seriesTrend(
    series(12, 130, (u) => 10 * MiB * u, 0.3 * MiB),
    { warmupFraction: 0 },
  );
  assert.equal(leak.decelerating, false);
  // The flip is at the number: the leak's statistic is under it, the cache's above.
  const xy = (pts: SeriesPoint[]) => pts.map((p) => ({ x: p.x, y: p.y }));
  assert.ok(saturationFit(xy(leak.fitted))!.chi2 <= SATURATION_CHI2);
  assert.ok(saturationFit(xy(cache.fitted))!.chi2 > SATURATION_CHI2);
});

test('SATURATION_CHI2 over many seeds: steady leaks read as bending in about one window in ten at most', () => {
  let bent = 0;
  const runs = 200;
  for (let seed = 1; seed <= runs; seed++) {
    if (
      seriesTrend(
        series(20, 130, (u) => 10 * MiB * u, 1 * MiB, seed),
        { warmupFraction: 0 },
      ).decelerating
    )
      bent++;
  }
  // p = 0.10 per axis, and both axes must bend (here they are the same axis scaled): at most ~10 %.
  assert.ok(bent / runs <= 0.15, `${bent} of ${runs} steady leaks read as decelerating`);
});

test('SATURATION_MAX_PACE: only curves that slowed to that pace count; a barely bending rise stays a line', () => {
  // Noise-free, a curve that slowed to 0.95 of its pace is closer to a line than to any curve that slowed to 0.7.
  const barely = seriesTrend(series(20, 130, fill(0.95, 10 * MiB), 0), { warmupFraction: 0 });
  assert.equal(barely.decelerating, false);
  const slowed = seriesTrend(series(20, 130, fill(SATURATION_MAX_PACE * 0.8, 10 * MiB), 0.05 * MiB), { warmupFraction: 0 });
  assert.equal(slowed.decelerating, true);
});

test('saturationFit: readings taken mid-burst (spikes) do not make a steady leak bend', () => {
  const pts = series(40, 180, (u) => 3 * MiB * u, 0.05 * MiB);
  for (const i of [24, 30, 37]) pts[i] = { ...pts[i], y: pts[i].y + 2 * MiB };
  pts[27] = { ...pts[27], y: 0 };
  assert.equal(seriesTrend(pts, { warmupFraction: 0 }).decelerating, false);
});

test('a decelerating rise that passes every other leak rule is "rising" (inconclusive), with the reason', () => {
  const cache = seriesTrend(series(12, 130, fill(0.35, 10 * MiB), 0.3 * MiB), { warmupFraction: 0 });
  const heap = { minGrowth: 1 * MiB, minRelative: 0.2, flatGrowth: 1 * MiB, flatRelative: 0.1 };
  const asLine = judgeSeries({ ...cache, decelerating: false }, heap, { points: 12, gcCycles: 20, seconds: 130 });
  assert.equal(asLine.state, 'growing', 'the same trend without the bend is a leak (the rule is what holds it back)');
  const j = judgeSeries(cache, heap, { points: 12, gcCycles: 20, seconds: 130 });
  assert.equal(j.state, 'rising');
  assert.match(j.observeMore?.reason ?? '', /saturating curve/);
});

test('NON_GO_SURE_RISE_RSS_SHARE: a sure off-heap rise at that share of RSS a minute is not flat, under it may be', () => {
  const rss = 16 * MiB;
  const th = { ...NON_GO_THRESHOLDS, surelyRisingFloor: NON_GO_SURE_RISE_RSS_SHARE * rss };
  // 120 s of non-Go memory rising surely from 0.2 MiB, its upper bound far under the 4 MiB allowance.
  const base = seriesTrend(
    series(60, 120, (u) => 1 * MiB * u, 0.02 * MiB),
    { warmupFraction: 0 },
  );
  const at = (perMinute: number) =>
    judgeSeries(
      {
        ...base,
        baseline: 0.2 * MiB,
        growth: 2 * perMinute,
        relativeGrowth: (2 * perMinute) / (0.2 * MiB),
        growthLower: 0.1 * MiB,
        baseGrowth: 2 * perMinute,
        baseGrowthUpper: 2 * perMinute,
        growthUpper: 2 * perMinute,
        plateau: false,
        decelerating: false,
      },
      th,
      {
        points: 60,
        seconds: 120,
      },
    ).state;
  assert.notEqual(at(NON_GO_SURE_RISE_RSS_SHARE * rss), 'flat');
  assert.equal(at(NON_GO_SURE_RISE_RSS_SHARE * rss * 0.9), 'flat');
});

test('OBJECTS_SURE_RISE_SHARE: live objects surely rising by that share of their level are no bound', () => {
  const sure = { growthLower: 1, relativeGrowth: OBJECTS_SURE_RISE_SHARE, pRising: OBJECTS_SURE_RISE_P / 2 };
  assert.equal(objectsSurelyRising(sure), true);
  assert.equal(objectsSurelyRising({ ...sure, relativeGrowth: OBJECTS_SURE_RISE_SHARE - 0.01 }), false);
  assert.equal(objectsSurelyRising({ ...sure, growthLower: 0 }), false);
});

test("OBJECTS_SURE_RISE_P: the objects' rise must be that significant", () => {
  const sure = { growthLower: 1, relativeGrowth: 1 };
  assert.equal(objectsSurelyRising({ ...sure, pRising: OBJECTS_SURE_RISE_P * 0.99 }), true);
  assert.equal(objectsSurelyRising({ ...sure, pRising: OBJECTS_SURE_RISE_P }), false);
});

test('PLATEAU_TAIL_P: a rise, a drop, and a tail that keeps climbing after it is no plateau', () => {
  const r = noise(3);
  // 40 polls rising 9 -> 12 MiB, a 1 MiB drop, then 20 polls climbing 0.025 MiB each (p far under the number).
  const ys = [
    ...Array.from({ length: 40 }, (_, i) => 9 * MiB + (3 * MiB * i) / 39 + 0.02 * MiB * r()),
    ...Array.from({ length: 24 }, (_, i) => 11.2 * MiB + 0.025 * MiB * i),
  ];
  const pts = ys.map((y, i) => ({ x: i, t: 1_700_000_000_000 + i * 2000, y }));
  assert.ok(mannKendall(ys.slice(-12)).pRising <= PLATEAU_TAIL_P);
  assert.equal(seriesTrend(pts).plateau, false);
  // The same with a level tail is a plateau (the rule is what tells them apart).
  const level = [...ys.slice(0, 40), ...Array.from({ length: 24 }, () => 11.2 * MiB + 0.02 * MiB * r())];
  const levelPts = level.map((y, i) => ({ x: i, t: 1_700_000_000_000 + i * 2000, y }));
  assert.ok(mannKendall(level.slice(-12)).pRising > PLATEAU_TAIL_P);
  assert.equal(seriesTrend(levelPts).plateau, true);
});
