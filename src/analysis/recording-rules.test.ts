// The recording-level decision numbers of analyze-recording.ts, each on its own: the rule flips at the
// number and not elsewhere.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemorySample } from '../model/memory.js';
import { chooseAxis, floorsKeepRising, goMappedExplains, objectsStillClimbing, oomCycleConfidence, oomCycleOf, risingLifetime } from './analyze-recording.js';
import {
  AXIS_MIN_SHARE,
  LEAK_MIN_SNR,
  LEAK_MIN_TAU,
  LEAK_P,
  LEAK_TAIL_PACE,
  MIN_LOOKS_RETAINING,
  OBJECTS_LEAK_MIN_RELATIVE,
  OFF_HEAP_GO_MAPPED_SHARE,
  OOM_CYCLE_CONFIDENCE_MAX,
  OOM_CYCLE_CONFIDENCE_MIN,
  OOM_CYCLE_CONFIDENCE_PER_LIFETIME,
  OOM_CYCLE_HEAP_P,
  OOM_CYCLE_MIN_LIFETIMES,
  RETAINING_FLOOR_TOLERANCE,
  RETAINING_MIN_MULTIPLE,
  RETAINING_MIN_TAU,
  RISING_LIFETIME_MIN_POINTS,
  RISING_LIFETIME_MIN_RELATIVE,
  RISING_LIFETIME_MIN_TAU,
  GROWS_WITH_WORK_MIN_T,
  TRACKS_TRAFFIC_MAX_T_WORK,
  TRACKS_TRAFFIC_MIN_T_RATE,
  TRAFFIC_MIN_RATE_SPREAD,
} from './decision-rules.js';
import { mad, mannKendall, median } from './robust-stats.js';
import { trafficFit, trafficReading, type SeriesPoint, type Trend } from './trend.js';

const MiB = 1024 * 1024;

test('AXIS_MIN_SHARE: a work axis is used when that share of polls carry it, not one poll fewer', () => {
  const n = 10;
  const atShare = Math.ceil(AXIS_MIN_SHARE * n);
  const polls = (withAlloc: number): MemorySample[] =>
    Array.from({ length: n }, (_, i) => ({ source: 'expvar', t: 1000 * i, ...(i < withAlloc ? { totalAlloc: 1000 * i } : {}) }));
  assert.equal(chooseAxis(polls(atShare), []), 'bytes-allocated');
  assert.equal(chooseAxis(polls(atShare - 1), []), 'time');
  const withMallocs = (k: number): MemorySample[] => Array.from({ length: n }, (_, i) => ({ source: 'expvar', ...(i < k ? { mallocs: i } : {}) }));
  assert.equal(chooseAxis(withMallocs(atShare), []), 'objects-allocated');
  assert.equal(chooseAxis(withMallocs(atShare - 1), []), 'order');
});

test('RETAINING_MIN_MULTIPLE: the floors must have at least doubled', () => {
  const start = 10 * MiB;
  const rising = (last: number) => Array.from({ length: MIN_LOOKS_RETAINING }, (_, i) => start + ((last - start) * i) / (MIN_LOOKS_RETAINING - 1));
  assert.equal(floorsKeepRising(rising(RETAINING_MIN_MULTIPLE * start)), true);
  assert.equal(floorsKeepRising(rising(RETAINING_MIN_MULTIPLE * start - 1)), false);
  const doubledInFewer = Array.from({ length: MIN_LOOKS_RETAINING - 1 }, (_, i) => start * (1 + (RETAINING_MIN_MULTIPLE - 1) * i));
  assert.equal(floorsKeepRising(doubledInFewer), false, 'fewer than MIN_LOOKS_RETAINING floors');
});

test('RETAINING_FLOOR_TOLERANCE: a floor may sit that share under the highest before it, not lower', () => {
  const dip = (share: number) => [10, 20, 20 * share, 30, 40].map((v) => v * MiB);
  assert.equal(floorsKeepRising(dip(RETAINING_FLOOR_TOLERANCE)), true);
  assert.equal(floorsKeepRising(dip(RETAINING_FLOOR_TOLERANCE - 0.01)), false);
});

test('RETAINING_MIN_TAU: the floors must rise that consistently', () => {
  // Five floors with one pair out of order: τ = (9 − 1) / 10 = 0.8; two pairs out of order among six: 11/15.
  const one = [10, 12, 11.9, 15, 21].map((v) => v * MiB);
  const two = [10, 12, 11.9, 15, 14.9, 21].map((v) => v * MiB);
  assert.ok(Math.abs(mannKendall(one).tau - RETAINING_MIN_TAU) < 1e-9, `τ ${mannKendall(one).tau}`);
  assert.ok(mannKendall(two).tau < RETAINING_MIN_TAU);
  assert.equal(floorsKeepRising(one), true);
  assert.equal(floorsKeepRising(two), false);
});

test("OFF_HEAP_GO_MAPPED_SHARE: non-Go growth is the heap's when Go-mapped memory grew by more than that share of it", () => {
  const nonGo = { growth: 20 * MiB };
  assert.equal(goMappedExplains({ growth: OFF_HEAP_GO_MAPPED_SHARE * 20 * MiB + 1 }, nonGo), true);
  assert.equal(goMappedExplains({ growth: OFF_HEAP_GO_MAPPED_SHARE * 20 * MiB }, nonGo), false);
});

/** A lifetime whose live heap rose cleanly, with one field changed. */
function lifetimeTrend(over: Partial<Trend> = {}): Trend {
  return {
    points: 10,
    growth: 40 * MiB,
    baseline: 20 * MiB,
    latest: 60 * MiB,
    relativeGrowth: 2,
    noise: 1 * MiB,
    tau: 0.9,
    pRising: 1e-5,
    plateau: false,
    returnedToBaseline: false,
    lastThirdSlopeRatio: 1,
    firstThirdRoseClearly: true,
    fitted: [],
    xSpan: 1,
    growthUpper: 42 * MiB,
    growthLower: 38 * MiB,
    baseGrowth: 40 * MiB,
    baseGrowthUpper: 42 * MiB,
    decelerating: false,
    seconds: 60,
    ...over,
  };
}

test('RISING_LIFETIME_MIN_POINTS, _MIN_TAU, _MIN_RELATIVE: a lifetime rose at each bar and not under it', () => {
  const rose = (over: Partial<Trend>) => risingLifetime({ liveTrend: lifetimeTrend(over), rssTrend: undefined });
  assert.equal(rose({}), true);
  assert.equal(rose({ points: RISING_LIFETIME_MIN_POINTS }), true);
  assert.equal(rose({ points: RISING_LIFETIME_MIN_POINTS - 1 }), false);
  assert.equal(rose({ tau: RISING_LIFETIME_MIN_TAU }), true);
  assert.equal(rose({ tau: RISING_LIFETIME_MIN_TAU - 0.01 }), false);
  assert.equal(rose({ relativeGrowth: RISING_LIFETIME_MIN_RELATIVE }), true);
  assert.equal(rose({ relativeGrowth: RISING_LIFETIME_MIN_RELATIVE - 0.01 }), false);
  // Without a live heap, RSS speaks.
  assert.equal(risingLifetime({ liveTrend: undefined, rssTrend: lifetimeTrend() }), true);
});

test('OOM_CYCLE_MIN_LIFETIMES: restarts read as an OOM-kill cycle only when that many lifetimes ended, every one rising', () => {
  const up = { liveTrend: lifetimeTrend(), rssTrend: undefined };
  const flat = { liveTrend: lifetimeTrend({ tau: 0, relativeGrowth: 0 }), rssTrend: undefined };
  assert.equal(oomCycleOf(Array(OOM_CYCLE_MIN_LIFETIMES).fill(up))?.verdict, 'heap-leak');
  assert.equal(oomCycleOf(Array(OOM_CYCLE_MIN_LIFETIMES - 1).fill(up)), undefined);
  assert.equal(oomCycleOf([...Array(OOM_CYCLE_MIN_LIFETIMES).fill(up), flat]), undefined, 'one lifetime that did not rise');
});

test('OOM_CYCLE_HEAP_P: the cycle is a heap leak when every live heap rose under that p, else off-heap growth', () => {
  const withP = (p: number) => ({ liveTrend: lifetimeTrend({ pRising: p }), rssTrend: undefined });
  assert.equal(oomCycleOf([withP(OOM_CYCLE_HEAP_P / 2), withP(OOM_CYCLE_HEAP_P / 2)])?.verdict, 'heap-leak');
  assert.equal(oomCycleOf([withP(OOM_CYCLE_HEAP_P / 2), withP(OOM_CYCLE_HEAP_P)])?.verdict, 'off-heap-growth');
  // Only RSS known: growth outside what is measured as heap.
  assert.equal(oomCycleOf([0, 1].map(() => ({ liveTrend: undefined, rssTrend: lifetimeTrend() })))?.verdict, 'off-heap-growth');
});

test('OOM_CYCLE_CONFIDENCE_MIN, _PER_LIFETIME, _MAX: confidence grows with each rising lifetime, up to the cap', () => {
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(oomCycleConfidence(2), OOM_CYCLE_CONFIDENCE_MIN + 2 * OOM_CYCLE_CONFIDENCE_PER_LIFETIME);
  close(oomCycleConfidence(3) - oomCycleConfidence(2), OOM_CYCLE_CONFIDENCE_PER_LIFETIME);
  close(oomCycleConfidence(100), OOM_CYCLE_CONFIDENCE_MAX);
  assert.ok(oomCycleConfidence(OOM_CYCLE_MIN_LIFETIMES) < OOM_CYCLE_CONFIDENCE_MAX, 'the fewest lifetimes do not reach the cap');
});

test("objectsStillClimbing uses the heap's own bars: LEAK_P, LEAK_MIN_TAU, OBJECTS_LEAK_MIN_RELATIVE, LEAK_MIN_SNR, LEAK_TAIL_PACE", () => {
  const climbing = (over: Partial<Trend>) => objectsStillClimbing(lifetimeTrend({ growth: 10_000, baseline: 10_000, relativeGrowth: 1, noise: 100, ...over }));
  assert.equal(climbing({}), true);
  assert.equal(climbing({ pRising: LEAK_P }), false);
  assert.equal(climbing({ tau: LEAK_MIN_TAU }), true);
  assert.equal(climbing({ tau: LEAK_MIN_TAU - 0.01 }), false);
  assert.equal(climbing({ relativeGrowth: OBJECTS_LEAK_MIN_RELATIVE }), true);
  assert.equal(climbing({ relativeGrowth: OBJECTS_LEAK_MIN_RELATIVE - 0.01 }), false);
  assert.equal(climbing({ noise: 10_000 / LEAK_MIN_SNR }), true);
  assert.equal(climbing({ noise: 10_000 / LEAK_MIN_SNR + 1 }), false);
  assert.equal(climbing({ lastThirdSlopeRatio: LEAK_TAIL_PACE }), true);
  assert.equal(climbing({ lastThirdSlopeRatio: LEAK_TAIL_PACE - 0.01 }), false);
  assert.equal(climbing({ lastThirdSlopeRatio: 0, firstThirdRoseClearly: false }), true, 'no pace to compare');
});

test('TRACKS_TRAFFIC_MIN_T_RATE, TRACKS_TRAFFIC_MAX_T_WORK, GROWS_WITH_WORK_MIN_T: each reading flips at its t value; between the bars neither is claimed', () => {
  const read = (tRate: number, tWork: number) => trafficReading({ varies: true, tRate, tWork });
  assert.deepEqual(read(TRACKS_TRAFFIC_MIN_T_RATE, 0), { tracksTraffic: true, growsWithWork: false });
  assert.equal(read(TRACKS_TRAFFIC_MIN_T_RATE - 0.01, 0).tracksTraffic, false);
  assert.equal(read(10, TRACKS_TRAFFIC_MAX_T_WORK - 0.01).tracksTraffic, true);
  assert.equal(read(10, TRACKS_TRAFFIC_MAX_T_WORK).tracksTraffic, false);
  assert.equal(read(0, GROWS_WITH_WORK_MIN_T).growsWithWork, true);
  assert.equal(read(0, GROWS_WITH_WORK_MIN_T - 0.01).growsWithWork, false);
  // Between the bars: neither.
  assert.deepEqual(read(10, (TRACKS_TRAFFIC_MAX_T_WORK + GROWS_WITH_WORK_MIN_T) / 2), { tracksTraffic: false, growsWithWork: false });
  // A rate that did not vary says nothing either way.
  assert.deepEqual(trafficReading({ varies: false }), { tracksTraffic: undefined, growsWithWork: undefined });
});

test('TRAFFIC_MIN_RATE_SPREAD: the fit runs only when the work rate spreads by that share of its median', () => {
  // 40 polls a second apart; the work rate is 100/s for the first half and 100·(1 + d)/s after.
  const polls = (d: number): SeriesPoint[] => {
    const out: SeriesPoint[] = [];
    let x = 0;
    for (let i = 0; i < 40; i++) {
      out.push({ x, y: x, t: 1000 * i });
      x += i < 20 ? 100 : 100 * (1 + d);
    }
    return out;
  };
  // The rates trafficFit reads (over h neighbours each side), and their spread, by the same definition.
  const spreadOf = (pts: SeriesPoint[]) => {
    const h = Math.max(1, Math.floor(pts.length / 10));
    const rates: number[] = [];
    for (let i = h; i < pts.length - h; i++) rates.push((pts[i + h].x - pts[i - h].x) / (pts[i + h].t! - pts[i - h].t!));
    return mad(rates) / median(rates);
  };
  let seenBoth = { under: false, over: false };
  for (let d = 0; d <= 1; d += 0.01) {
    const pts = polls(d);
    const over = spreadOf(pts) >= TRAFFIC_MIN_RATE_SPREAD;
    assert.equal(trafficFit(pts).varies, over, `d = ${d.toFixed(2)}, spread ${spreadOf(pts)}`);
    seenBoth = { under: seenBoth.under || !over, over: seenBoth.over || over };
  }
  assert.deepEqual(seenBoth, { under: true, over: true }, 'the range crosses the threshold');
});
