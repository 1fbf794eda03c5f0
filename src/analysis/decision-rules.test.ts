// Each decision-rule number on its own: the rule it belongs to flips at that number and not elsewhere.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemorySample } from '../model/memory.js';
import { nonGoWithinInterval, releasesKeptResident } from './analyze-recording.js';
import {
  BOUNDED_MIN_LOOKS,
  FLAT_HORIZON_SECONDS,
  FLAT_MAX_PROJECTION,
  FREED_MIN_BYTES,
  FREED_SHARE,
  INTERVAL_CONFIDENCE_FACTOR,
  LEAK_EARLY_MULTIPLE,
  LEAK_FLOOR_BYTES_PER_HORIZON,
  LEAK_MIN_LOOKS,
  LEAK_MIN_SECONDS,
  LEAK_MIN_SNR,
  LEAK_MIN_TAU,
  LEAK_P,
  LEAK_P_RETAINING,
  LEAK_TAIL_PACE,
  LEAK_TAIL_PACE_EARLY,
  MIN_LOOKS,
  MIN_LOOKS_RETAINING,
  STEP_FIT_SHARE,
  STEP_LEVEL_P,
  STEP_MIN_NOISE,
  STEP_MIN_POINTS,
  MADV_FREE_SLOPE,
  MIN_RELEASE_STEPS,
  RELEASE_STEP_BYTES,
  HEAP_LEAK_MIN_BYTES,
  HEAP_LEAK_MIN_RELATIVE,
  HEAP_FLAT_BYTES,
  HEAP_FLAT_RELATIVE,
  GOROUTINE_LEAK_MIN,
  GOROUTINE_LEAK_MIN_RELATIVE,
  GOROUTINE_FLAT,
  GOROUTINE_FLAT_RELATIVE,
  OBJECTS_LEAK_MIN,
  OBJECTS_LEAK_MIN_RELATIVE,
  OBJECTS_FLAT,
  OBJECTS_FLAT_RELATIVE,
  NON_GO_LEAK_MIN_BYTES,
  NON_GO_LEAK_MIN_RELATIVE,
  NON_GO_FLAT_BYTES,
  NON_GO_FLAT_RELATIVE,
  NO_TENDENCY_P,
  NO_TENDENCY_MAX_SNR,
  SMALL_FIT_MIN_POINTS,
  SMALL_FIT_MIN_P,
  MAD_BOUND_SIGMAS,
} from './decision-rules.js';
import type { Trend } from './trend.js';
import { capByLaterEvidence } from './live-heap.js';
import { mannKendall, theilSenInterval } from './robust-stats.js';
import { stepShape, type SeriesPoint } from './trend.js';
import {
  GOROUTINE_THRESHOLDS,
  HEAP_THRESHOLDS,
  judgeSeries,
  looksOf,
  NON_GO_THRESHOLDS,
  OBJECT_THRESHOLDS,
  type SeriesJudgement,
  type Sufficiency,
  type Thresholds,
} from './verdict.js';

const MiB = 1024 * 1024;

/** Polls where HeapReleased steps by `step` each time and RSS moves by `slope` × that step. */
function releases(n: number, step: number, slope: number): MemorySample[] {
  const out: MemorySample[] = [];
  for (let i = 0; i < n; i++) {
    const released = 100 * MiB + (i % 2 === 0 ? 0 : step);
    out.push({ source: 'expvar', sys: 400 * MiB, heapReleased: released, rss: 300 * MiB + slope * (released - 100 * MiB) });
  }
  return out;
}

test('MADV_FREE_SLOPE: RSS that drops with releases (slope −1) is DONTNEED; one that stays (0) is MADV_FREE; the tip is at the constant', () => {
  assert.equal(releasesKeptResident(releases(10, 8 * MiB, -1)), false);
  assert.equal(releasesKeptResident(releases(10, 8 * MiB, 0)), true);
  assert.equal(releasesKeptResident(releases(10, 8 * MiB, MADV_FREE_SLOPE - 0.05)), false);
  assert.equal(releasesKeptResident(releases(10, 8 * MiB, MADV_FREE_SLOPE + 0.05)), true);
});

test('RELEASE_STEP_BYTES and MIN_RELEASE_STEPS: too small or too few releases say nothing', () => {
  assert.equal(releasesKeptResident(releases(10, RELEASE_STEP_BYTES / 2, 0)), undefined);
  // n polls give n − 1 steps.
  assert.equal(releasesKeptResident(releases(MIN_RELEASE_STEPS, 8 * MiB, 0)), undefined);
  assert.equal(releasesKeptResident(releases(MIN_RELEASE_STEPS + 1, 8 * MiB, 0)), true);
});

const flat: SeriesJudgement = { state: 'flat', strength: 0.9, progress: 1 };
const growing: SeriesJudgement = { state: 'growing', strength: 0.8, progress: 1 };
const rising: SeriesJudgement = { state: 'rising', strength: 0, progress: 1 };

test('INTERVAL_CONFIDENCE_FACTOR: a flat call on one end of the interval is weaker by that factor; growth needs both ends', () => {
  const j = nonGoWithinInterval(flat, growing, undefined);
  assert.equal(j.state, 'flat');
  assert.equal(j.strength, Math.round(0.9 * INTERVAL_CONFIDENCE_FACTOR * 100) / 100);
  assert.equal(nonGoWithinInterval(growing, growing, undefined).state, 'growing');
  assert.notEqual(nonGoWithinInterval(growing, rising, undefined).state, 'growing');
  assert.notEqual(nonGoWithinInterval(rising, growing, undefined).state, 'growing');
});

/** A leak's trend by every measure (12 looks over 60 s, 6× growth, tail at full pace), with one field changed. */
function trend(over: Partial<Trend>): Trend {
  return {
    points: 12,
    growth: 60 * MiB,
    baseline: 10 * MiB,
    latest: 70 * MiB,
    relativeGrowth: 6,
    noise: 0.5 * MiB,
    tau: 0.95,
    pRising: 1e-6,
    plateau: false,
    returnedToBaseline: false,
    lastThirdSlopeRatio: 1,
    firstThirdRoseClearly: true,
    fitted: [],
    xSpan: 1,
    growthUpper: 62 * MiB,
    growthLower: 58 * MiB,
    baseGrowth: 60 * MiB,
    baseGrowthUpper: 62 * MiB,
    decelerating: false,
    seconds: 60,
    slopePerMinute: 60 * MiB,
    ...over,
  };
}

const suff = (over: Partial<Sufficiency> = {}): Sufficiency => ({ points: 12, gcCycles: 20, seconds: 60, ...over });
const state = (over: Partial<Trend>, s: Partial<Sufficiency> = {}) =>
  judgeSeries(trend(over), HEAP_THRESHOLDS, suff({ seconds: over.seconds ?? 60, ...s })).state;

test('the leak trend above is growing (the yardstick every rule below flips)', () => {
  assert.equal(state({}), 'growing');
});

test('MIN_LOOKS: fewer independent looks are insufficient; looks are points capped by GC cycles + 1', () => {
  assert.equal(state({ points: MIN_LOOKS - 1 }, { points: MIN_LOOKS - 1 }), 'insufficient');
  assert.notEqual(state({ points: MIN_LOOKS }, { points: MIN_LOOKS }), 'insufficient');
  // 20 polls inside 3 GC cycles are 4 looks at the live heap.
  assert.equal(looksOf({ points: 20, gcCycles: 3 }), 4);
  assert.equal(state({ points: 20 }, { points: 20, gcCycles: MIN_LOOKS - 2 }), 'insufficient');
  assert.equal(looksOf({ points: 20 }), 20);
  // And the reason the number is 5: with 4 points the slope's 90 % interval is unbounded, with 5 it is not.
  const line = (n: number) => Array.from({ length: n }, (_, i) => ({ x: i, y: i + (i % 2) * 0.1 }));
  assert.equal(theilSenInterval(line(MIN_LOOKS - 1)).hi, Number.POSITIVE_INFINITY);
  assert.ok(Number.isFinite(theilSenInterval(line(MIN_LOOKS)).hi));
});

test('MIN_LOOKS_RETAINING: a heap keeping all it allocates is judged from that many looks', () => {
  assert.equal(state({ points: MIN_LOOKS_RETAINING }, { points: MIN_LOOKS_RETAINING, retaining: true }), 'growing');
  assert.equal(state({ points: MIN_LOOKS_RETAINING - 1 }, { points: MIN_LOOKS_RETAINING - 1, retaining: true }), 'insufficient');
});

test('LEAK_MIN_LOOKS: a leak is called from that many looks, not one fewer', () => {
  assert.equal(state({ points: LEAK_MIN_LOOKS }, { points: LEAK_MIN_LOOKS }), 'growing');
  assert.notEqual(state({ points: LEAK_MIN_LOOKS - 1 }, { points: LEAK_MIN_LOOKS - 1 }), 'growing');
});

test('LEAK_MIN_SECONDS: the same leak evidence is a leak at that many seconds and not a second before', () => {
  assert.equal(state({ seconds: LEAK_MIN_SECONDS }), 'growing');
  assert.equal(state({ seconds: LEAK_MIN_SECONDS - 1 }), 'rising');
});

test('LEAK_TAIL_PACE_EARLY and LEAK_TAIL_PACE: the tail pace needed flips at each, before and after 2 × LEAK_MIN_SECONDS', () => {
  const early = LEAK_MIN_SECONDS + 10;
  const late = 2 * LEAK_MIN_SECONDS;
  assert.equal(state({ seconds: early, lastThirdSlopeRatio: LEAK_TAIL_PACE_EARLY }), 'growing');
  assert.notEqual(state({ seconds: early, lastThirdSlopeRatio: LEAK_TAIL_PACE_EARLY - 0.01 }), 'growing');
  assert.equal(state({ seconds: late, lastThirdSlopeRatio: LEAK_TAIL_PACE }), 'growing');
  assert.notEqual(state({ seconds: late, lastThirdSlopeRatio: LEAK_TAIL_PACE - 0.01 }), 'growing');
  // Early, an end that cannot be judged (no ratio) is no leak; later it is judged on the rest.
  assert.notEqual(state({ seconds: early, lastThirdSlopeRatio: undefined }), 'growing');
  assert.equal(state({ seconds: late, lastThirdSlopeRatio: undefined }), 'growing');
});

test("LEAK_MIN_TAU, LEAK_P, LEAK_P_RETAINING: significance flips at each; the growth's lower bound stands in for p", () => {
  assert.notEqual(state({ tau: LEAK_MIN_TAU - 0.01 }), 'growing');
  assert.equal(state({ tau: LEAK_MIN_TAU }), 'growing');
  const weak = { growthLower: 0.5 * MiB };
  assert.equal(state({ ...weak, pRising: LEAK_P * 0.99 }), 'growing');
  assert.notEqual(state({ ...weak, pRising: LEAK_P }), 'growing');
  assert.equal(state({ ...weak, pRising: LEAK_P_RETAINING * 0.99 }, { retaining: true }), 'growing');
  assert.notEqual(state({ ...weak, pRising: LEAK_P_RETAINING }, { retaining: true }), 'growing');
  // p = 0.02 (seven noisy looks), but even the lower end of the growth is a leak's worth: growing.
  assert.equal(state({ pRising: 0.02, growthLower: 3 * MiB }), 'growing');
  assert.notEqual(state({ pRising: 0.02, growthLower: 1.9 * MiB }), 'growing');
});

test('LEAK_MIN_SNR: growth must stand that many noise widths out of the scatter', () => {
  assert.equal(state({ noise: (60 * MiB) / LEAK_MIN_SNR }), 'growing');
  assert.notEqual(state({ noise: (60 * MiB) / LEAK_MIN_SNR + 1 }), 'growing');
});

const level = { growth: 0, relativeGrowth: 0, tau: 0, pRising: 0.5, noise: 5 * MiB, baseGrowth: 0, growthLower: -1 * MiB, lastThirdSlopeRatio: undefined };

test('FLAT_HORIZON_SECONDS: the relative bound is projected over the horizon; the absolute one needs the whole horizon', () => {
  // 100 MiB heap, flatRelative 10 %: 3 MiB over 30 s projects to 6 MiB a minute (flat), 6 MiB to 12 (not).
  const half = FLAT_HORIZON_SECONDS / 2;
  assert.equal(state({ ...level, seconds: half, baseline: 100 * MiB, baseGrowthUpper: 3 * MiB }), 'flat');
  assert.notEqual(state({ ...level, seconds: half, baseline: 100 * MiB, baseGrowthUpper: 6 * MiB }), 'flat');
  // A 0.5 MiB heap, 0.2 MiB at most over the window: flat by the absolute bound (1 MiB) over the full
  // horizon, not over half of it (where only the relative bound, 10 % of 0.5 MiB, may speak).
  const small = { ...level, baseline: 0.5 * MiB, baseGrowthUpper: 0.2 * MiB };
  assert.equal(state({ ...small, seconds: FLAT_HORIZON_SECONDS }), 'flat');
  assert.notEqual(state({ ...small, seconds: FLAT_HORIZON_SECONDS - 1 }), 'flat');
});

test('FLAT_MAX_PROJECTION: no flat call from a window shorter than the horizon over that factor', () => {
  const tight = { ...level, baseline: 100 * MiB, baseGrowthUpper: 0.1 * MiB };
  assert.equal(state({ ...tight, seconds: FLAT_HORIZON_SECONDS / FLAT_MAX_PROJECTION }), 'flat');
  assert.notEqual(state({ ...tight, seconds: FLAT_HORIZON_SECONDS / FLAT_MAX_PROJECTION - 1 }), 'flat');
});

test("LEAK_FLOOR_BYTES_PER_HORIZON: a sure rise of a leak's share is not flat from that rate on", () => {
  // 0.4 MiB heap over 120 s, rising surely (lower bound > 0) by 50 %: under the floor it may be flat, at it not.
  const sure = {
    ...level,
    seconds: 120,
    baseline: 0.4 * MiB,
    relativeGrowth: 0.5,
    growthLower: 0.01 * MiB,
    baseGrowthUpper: 0.3 * MiB,
    tau: 0.3,
    pRising: 0.05,
  };
  const atFloor = 2 * LEAK_FLOOR_BYTES_PER_HORIZON; // over 120 s = the floor per minute
  assert.notEqual(state({ ...sure, growth: atFloor, baseGrowth: atFloor }), 'flat');
  assert.equal(state({ ...sure, growth: atFloor - 1024, baseGrowth: atFloor - 1024 }), 'flat');
  assert.equal(state({ ...sure, growth: atFloor, baseGrowth: atFloor, growthLower: 0 }), 'flat');
});

test('BOUNDED_MIN_LOOKS: a return to the start read from fewer looks does not settle the series', () => {
  const returned = { returnedToBaseline: true, growth: 3 * MiB, relativeGrowth: 0.3, tau: 0.1, pRising: 0.3, growthLower: -5 * MiB, baseGrowthUpper: 20 * MiB };
  assert.equal(state({ ...returned, points: 20 }, { points: 20, gcCycles: BOUNDED_MIN_LOOKS - 1 }), 'bounded');
  assert.equal(state({ ...returned, points: 20 }, { points: 20, gcCycles: BOUNDED_MIN_LOOKS - 2 }), 'rising');
});

test('FREED_SHARE and FREED_MIN_BYTES: a reading is freed when a later one undercuts it by that share and that many bytes', () => {
  const at = (bytes: number, laterBytes: number) =>
    capByLaterEvidence([{ t: 1000, order: 0, bytes }], [{ source: 'expvar', t: 2000, heapAlloc: laterBytes }], []).count;
  const big = 100 * MiB;
  assert.equal(at(big, big * (1 - FREED_SHARE)), 1);
  assert.equal(at(big, big * (1 - FREED_SHARE) + MiB), 0);
  // A small heap: the share is met, the bytes decide.
  assert.equal(at(FREED_MIN_BYTES * 1.5, FREED_MIN_BYTES * 0.5), 1);
  assert.equal(at(FREED_MIN_BYTES * 1.5, FREED_MIN_BYTES * 0.5 + 1024), 0);
  // An earlier reading is no evidence.
  assert.equal(capByLaterEvidence([{ t: 3000, order: 0, bytes: big }], [{ source: 'expvar', t: 2000, heapAlloc: MiB }], []).count, 0);
});

/** `before` points alternating 0/d, then `after` points alternating S/S+d: two levels, residuals ±d/2 (MAD 0.7413·d). */
function stepPts(before: number, after: number, size: number, d = 1, afterRise = 0): SeriesPoint[] {
  return Array.from({ length: before + after }, (_, i) => {
    const y = (i < before ? 0 : size + afterRise * (i - before)) + (i % 2) * d;
    return { x: i, t: 1_790_000_000_000 + i * 5000, y: 100 + y };
  });
}
const residualMad = 1.4826 * 0.5;

test('STEP_MIN_POINTS: each level stretch needs that many points', () => {
  assert.ok(stepShape(stepPts(STEP_MIN_POINTS, STEP_MIN_POINTS, 20), 100));
  assert.equal(stepShape(stepPts(STEP_MIN_POINTS, STEP_MIN_POINTS - 1, 20), 100), undefined);
});

test('STEP_MIN_NOISE: the step must be that many residual widths', () => {
  const at = STEP_MIN_NOISE * residualMad;
  assert.ok(stepShape(stepPts(8, 8, at + 0.01), 100));
  assert.equal(stepShape(stepPts(8, 8, at - 0.01), 100), undefined);
});

test('STEP_FIT_SHARE: the two levels must fit that much better than the line', () => {
  assert.ok(stepShape(stepPts(8, 8, 20), residualMad / STEP_FIT_SHARE + 0.001));
  assert.equal(stepShape(stepPts(8, 8, 20), residualMad / STEP_FIT_SHARE - 0.001), undefined);
});

test('STEP_LEVEL_P: a stretch that keeps rising after the step is not one step', () => {
  const rising = stepPts(8, 10, 20, 0.01, 0.5);
  assert.ok(mannKendall(rising.slice(9).map((p) => p.y)).pRising <= STEP_LEVEL_P);
  assert.equal(stepShape(rising, 100), undefined);
  assert.ok(stepShape(stepPts(8, 10, 20, 0.01, 0), 100));
});

test('LEAK_EARLY_MULTIPLE: before 2 × LEAK_MIN_SECONDS a leak needs the heap at that many times its start; later not', () => {
  const early = LEAK_MIN_SECONDS + 10;
  assert.equal(state({ seconds: early, latest: LEAK_EARLY_MULTIPLE * 10 * MiB }), 'growing');
  assert.notEqual(state({ seconds: early, latest: LEAK_EARLY_MULTIPLE * 10 * MiB - MiB }), 'growing');
  assert.equal(state({ seconds: 2 * LEAK_MIN_SECONDS, latest: 2 * 10 * MiB }), 'growing');
});

// The per-series amounts. Each table is checked through judgeSeries on a window of 120 s (past the
// early-window rules), with everything but the amount under test well inside its rule.
const tables: [string, Thresholds, { leak: number; leakRel: number; flat: number; flatRel: number }][] = [
  ['HEAP', HEAP_THRESHOLDS, { leak: HEAP_LEAK_MIN_BYTES, leakRel: HEAP_LEAK_MIN_RELATIVE, flat: HEAP_FLAT_BYTES, flatRel: HEAP_FLAT_RELATIVE }],
  [
    'GOROUTINE',
    GOROUTINE_THRESHOLDS,
    { leak: GOROUTINE_LEAK_MIN, leakRel: GOROUTINE_LEAK_MIN_RELATIVE, flat: GOROUTINE_FLAT, flatRel: GOROUTINE_FLAT_RELATIVE },
  ],
  ['OBJECTS', OBJECT_THRESHOLDS, { leak: OBJECTS_LEAK_MIN, leakRel: OBJECTS_LEAK_MIN_RELATIVE, flat: OBJECTS_FLAT, flatRel: OBJECTS_FLAT_RELATIVE }],
  ['NON_GO', NON_GO_THRESHOLDS, { leak: NON_GO_LEAK_MIN_BYTES, leakRel: NON_GO_LEAK_MIN_RELATIVE, flat: NON_GO_FLAT_BYTES, flatRel: NON_GO_FLAT_RELATIVE }],
];

/** A clean rise of `growth` on a level of `baseline` over 120 s. */
const rise = (baseline: number, growth: number): Partial<Trend> => ({
  seconds: 120,
  baseline,
  growth,
  latest: baseline + growth,
  relativeGrowth: growth / baseline,
  noise: growth / 100,
  growthLower: 0.95 * growth,
  growthUpper: 1.05 * growth,
  baseGrowth: growth,
  baseGrowthUpper: 1.05 * growth,
  slopePerMinute: growth / 2,
});
/** A level series over 120 s whose growth's upper bound is `upper`; neither the burst rules nor a sure rise apply. */
const levelWithin = (baseline: number, upper: number): Partial<Trend> => ({
  seconds: 120,
  baseline,
  growth: 0,
  latest: baseline,
  relativeGrowth: 0,
  tau: 0,
  pRising: 0.005,
  noise: upper / 100,
  growthLower: -upper,
  baseGrowth: 0,
  baseGrowthUpper: upper,
  lastThirdSlopeRatio: undefined,
});
const judged = (th: Thresholds, over: Partial<Trend>) => judgeSeries(trend(over), th, suff({ seconds: over.seconds ?? 60 })).state;

for (const [name, th, n] of tables) {
  test(`${name}_LEAK_MIN and ${name}_LEAK_MIN_RELATIVE: a leak needs both amounts; each flips the call at its value`, () => {
    // On a level equal to the minimum, the absolute amount decides.
    assert.equal(judged(th, rise(n.leak, n.leak)), 'growing');
    assert.notEqual(judged(th, rise(n.leak, 0.99 * n.leak)), 'growing');
    // On a level a hundred times it, the relative amount decides.
    assert.equal(judged(th, rise(100 * n.leak, n.leakRel * 100 * n.leak)), 'growing');
    assert.notEqual(judged(th, rise(100 * n.leak, 0.99 * n.leakRel * 100 * n.leak)), 'growing');
  });

  test(`${name}_FLAT and ${name}_FLAT_RELATIVE: flat when the upper bound is under either; each flips at its value`, () => {
    // On a level equal to the flat amount, the relative bound (a tenth of it) cannot speak: the absolute one decides.
    assert.equal(judged(th, levelWithin(n.flat, 0.99 * n.flat)), 'flat');
    assert.notEqual(judged(th, levelWithin(n.flat, n.flat)), 'flat');
    // On a level a hundred times it, the relative one decides.
    assert.equal(judged(th, levelWithin(100 * n.flat, 0.99 * n.flatRel * 100 * n.flat)), 'flat');
    assert.notEqual(judged(th, levelWithin(100 * n.flat, n.flatRel * 100 * n.flat)), 'flat');
    // Flat and leak never meet: the flat amounts are at most the leak minima.
    assert.ok(n.flat <= n.leak && n.flatRel <= n.leakRel);
  });
}

/** A series swamped by bursts: no usable interval (upper bound 100 MiB), a wide MAD noise. */
const swamped = (over: Partial<Trend>): Partial<Trend> => ({
  ...levelWithin(10 * MiB, 100 * MiB),
  points: 12,
  noise: 5 * MiB,
  pRising: NO_TENDENCY_P + 0.01,
  ...over,
});

test('NO_TENDENCY_P and NO_TENDENCY_MAX_SNR: without an interval, flat only with no tendency at all', () => {
  assert.equal(judged(HEAP_THRESHOLDS, swamped({})), 'flat');
  assert.notEqual(judged(HEAP_THRESHOLDS, swamped({ pRising: NO_TENDENCY_P })), 'flat');
  assert.equal(judged(HEAP_THRESHOLDS, swamped({ growth: 0.99 * NO_TENDENCY_MAX_SNR * 5 * MiB })), 'flat');
  assert.notEqual(judged(HEAP_THRESHOLDS, swamped({ growth: NO_TENDENCY_MAX_SNR * 5 * MiB })), 'flat');
});

/** Bursts widen the interval (upper bound 50 MiB) while the MAD noise stays small; p not consistent. */
const bursty = (over: Partial<Trend>, noise = 0.1 * MiB): Partial<Trend> => ({
  ...levelWithin(2 * MiB, 50 * MiB),
  points: SMALL_FIT_MIN_POINTS,
  noise,
  pRising: SMALL_FIT_MIN_P + 0.01,
  ...over,
});

test('SMALL_FIT_MIN_POINTS and SMALL_FIT_MIN_P: the MAD bound speaks from that many points, and only while p is above the bar', () => {
  assert.equal(judged(HEAP_THRESHOLDS, bursty({})), 'flat');
  assert.notEqual(judged(HEAP_THRESHOLDS, bursty({ points: SMALL_FIT_MIN_POINTS - 1 })), 'flat');
  assert.notEqual(judged(HEAP_THRESHOLDS, bursty({ pRising: SMALL_FIT_MIN_P })), 'flat');
});

test('MAD_BOUND_SIGMAS: the MAD bound is the growth plus that many standard errors, σ·√(12/n)', () => {
  // With 12 points √(12/n) is 1: the bound is MAD_BOUND_SIGMAS × σ, flat while under HEAP_FLAT_BYTES.
  const sigma = HEAP_FLAT_BYTES / MAD_BOUND_SIGMAS;
  assert.equal(judged(HEAP_THRESHOLDS, bursty({}, 0.99 * sigma)), 'flat');
  assert.notEqual(judged(HEAP_THRESHOLDS, bursty({}, sigma)), 'flat');
});
