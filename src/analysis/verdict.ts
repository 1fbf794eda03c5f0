// The verdict for one process lifetime (a segment between restarts): is the live heap, the goroutine
// count or the non-Go part of RSS growing without bound, is everything bounded, or is it too early to
// tell. Pure: trends in, a judgement with its reasons and confidence out.
//
// The non-obvious decision: both calls rest on evidence, not on a fixed time. A leak verdict needs the
// lower end of the growth's interval (or a tiny p-value) to be a leak's worth, growth large against the
// noise and the starting level, the end of the window still rising at the first part's pace (a cache
// that fills and then stops looks exactly like a leak while it fills; LEAK_MIN_SECONDS is the one time
// floor, with its reason), and no explanation by the traffic rate. "No leak" needs the upper end of the
// growth's interval, projected over FLAT_HORIZON_SECONDS, to be too small to matter. The number of
// independent looks (GC cycles for the live heap) sets how wide those intervals are. Until then the
// answer is "inconclusive, observe this much longer", never a guess: a healthy service must not be
// called leaking at any moment of its life, and a leak only needs a little more patience. Every number
// a rule here turns on is named in decision-rules.ts.

import type { ObserveMore, Verdict } from './findings.js';
import { clamp, minOf } from './robust-stats.js';
import type { Trend } from './trend.js';
import { leakConfidence, settledConfidence } from './confidence.js';
import {
  BOUNDED_MIN_LOOKS,
  FLAT_HORIZON_SECONDS,
  FLAT_MAX_PROJECTION,
  LEAK_FLOOR_BYTES_PER_HORIZON,
  LEAK_EARLY_MULTIPLE,
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

export type SeriesState = 'missing' | 'insufficient' | 'growing' | 'rising' | 'bounded' | 'flat';

export interface SeriesJudgement {
  state: SeriesState;
  /** 0..1 strength of the state (growing: leak confidence; flat/bounded: stability). */
  strength: number;
  /** Data progress towards the minimum, 0..1. */
  progress: number;
  observeMore?: ObserveMore;
}

export interface Thresholds {
  /** Smallest absolute growth worth a verdict, in the series' unit. */
  minGrowth: number;
  /** Smallest growth relative to the baseline level. */
  minRelative: number;
  /** Growth below this (absolute and relative) counts as flat. */
  flatGrowth: number;
  flatRelative: number;
  /** A sure rise at least this fast per FLAT_HORIZON_SECONDS is never flat (LEAK_FLOOR_BYTES_PER_HORIZON for the heap). */
  surelyRisingFloor?: number;
}

export const HEAP_THRESHOLDS: Thresholds = {
  minGrowth: HEAP_LEAK_MIN_BYTES,
  minRelative: HEAP_LEAK_MIN_RELATIVE,
  flatGrowth: HEAP_FLAT_BYTES,
  flatRelative: HEAP_FLAT_RELATIVE,
  surelyRisingFloor: LEAK_FLOOR_BYTES_PER_HORIZON,
};
export const GOROUTINE_THRESHOLDS: Thresholds = {
  minGrowth: GOROUTINE_LEAK_MIN,
  minRelative: GOROUTINE_LEAK_MIN_RELATIVE,
  flatGrowth: GOROUTINE_FLAT,
  flatRelative: GOROUTINE_FLAT_RELATIVE,
};
/** Live objects (HeapObjects at GC): only ever corroborates the bytes' leak call, never makes one. */
export const OBJECT_THRESHOLDS: Thresholds = {
  minGrowth: OBJECTS_LEAK_MIN,
  minRelative: OBJECTS_LEAK_MIN_RELATIVE,
  flatGrowth: OBJECTS_FLAT,
  flatRelative: OBJECTS_FLAT_RELATIVE,
};
/** Non-Go memory; its surelyRisingFloor is set per recording from RSS (NON_GO_SURE_RISE_RSS_SHARE). */
export const NON_GO_THRESHOLDS: Thresholds = {
  minGrowth: NON_GO_LEAK_MIN_BYTES,
  minRelative: NON_GO_LEAK_MIN_RELATIVE,
  flatGrowth: NON_GO_FLAT_BYTES,
  flatRelative: NON_GO_FLAT_RELATIVE,
};

export interface Sufficiency {
  points: number;
  gcCycles?: number;
  seconds?: number;
  /**
   * The heap's floor rose at every GC and at least doubled: everything allocated is being kept. Then
   * fewer looks (MIN_LOOKS_RETAINING) and a weaker p-value (LEAK_P_RETAINING) suffice, because light
   * traffic produces few collections and each one is already strong evidence.
   */
  retaining?: boolean;
  /** Seconds per GC cycle and per point, to translate shortfalls into wall time. */
  secondsPerGc?: number;
  secondsPerPoint?: number;
}

/**
 * Independent looks at the series: its points, but no more than the GC cycles they span plus one when
 * those are known (polls between two collections see the same live heap, each only an upper bound).
 */
export function looksOf(s: Sufficiency): number {
  return s.gcCycles === undefined ? s.points : Math.min(s.points, s.gcCycles + 1);
}

function progressOf(s: Sufficiency): { progress: number; observeMore?: ObserveMore } {
  const need = s.retaining ? MIN_LOOKS_RETAINING : MIN_LOOKS;
  const looks = looksOf(s);
  const progress = Math.min(1, looks / need);
  if (looks >= need) return { progress };
  const more = need - looks;
  // The shortfall is in GC cycles when they are what limits the looks, else in points (polls).
  const byGc = s.gcCycles !== undefined && s.gcCycles + 1 <= s.points;
  const perLook = byGc ? s.secondsPerGc : (s.secondsPerPoint ?? s.secondsPerGc);
  return {
    progress,
    observeMore: {
      seconds: perLook ? Math.ceil(more * perLook) : undefined,
      gcCycles: s.gcCycles !== undefined ? more : undefined,
      reason: `too little observed yet (${looks} of ${need} independent looks${s.gcCycles !== undefined ? `: ${s.points} points over ${s.gcCycles} GC cycles` : ''})`,
    },
  };
}

/** Growth over a window of `seconds`, scaled up to FLAT_HORIZON_SECONDS when the window is shorter. */
export function overHorizon(growth: number, seconds: number | undefined): number {
  if (seconds === undefined || !(seconds > 0) || seconds >= FLAT_HORIZON_SECONDS || !(growth > 0)) return growth;
  return (growth * FLAT_HORIZON_SECONDS) / seconds;
}

/** The tail pace a leak call needs at this window length (see LEAK_TAIL_PACE_EARLY). */
export function leakTailPace(seconds: number | undefined): number {
  return seconds !== undefined && seconds < 2 * LEAK_MIN_SECONDS ? LEAK_TAIL_PACE_EARLY : LEAK_TAIL_PACE;
}

/** Judge one series' trend against thresholds and the evidence its looks give. */
export function judgeSeries(tr: Trend | undefined, th: Thresholds, suff: Sufficiency): SeriesJudgement {
  if (!tr || tr.points === 0) return { state: 'missing', strength: 0, progress: 0 };
  const { progress, observeMore } = progressOf(suff);
  const seconds = suff.seconds ?? tr.seconds;
  const snr = tr.noise > 0 ? tr.growth / tr.noise : tr.growth > 0 ? Number.POSITIVE_INFINITY : 0;
  const leakWorth = Math.max(th.minGrowth, th.minRelative * Math.max(tr.baseline, 0));
  // Significance: a tiny p-value, or with few looks (where p cannot get that small) the lower end of
  // the growth's interval already a leak's worth.
  const significant = tr.tau >= LEAK_MIN_TAU && (tr.pRising < (suff.retaining ? LEAK_P_RETAINING : LEAK_P) || tr.growthLower >= leakWorth);
  const big = tr.growth >= th.minGrowth && tr.relativeGrowth >= th.minRelative && snr >= LEAK_MIN_SNR;
  // The end of the window still rising at the first part's pace, on every axis. Early on that must be
  // measured (a shape to judge); later, a first third that did not rise clearly has no pace to compare.
  const pace = leakTailPace(seconds);
  const early = pace === LEAK_TAIL_PACE_EARLY;
  const stillGoing = tr.lastThirdSlopeRatio === undefined ? !early : tr.lastThirdSlopeRatio >= pace || (!early && !tr.firstThirdRoseClearly);
  // Under changing traffic, growth counts only when the amount of work explains it beyond the rate.
  const workExplains = tr.growsWithWork !== false;
  // A shape that explains the growth away rules a leak out at once; it settles the series (bounded)
  // only when read from enough looks (BOUNDED_MIN_LOOKS).
  // A single step between two level stretches is not a trend (issue 9 class 6): it never makes a leak.
  // It settles the series once the level after it has lasted long enough that any staircase with
  // steps that size and that far apart would be slower than a flat call allows: at most `size` per
  // `afterSeconds`, under the allowance per FLAT_HORIZON_SECONDS.
  const step = tr.step;
  const stepAllowance = step ? Math.max(th.flatGrowth, th.flatRelative * step.level) : 0;
  const stepWait = step ? (step.size * FLAT_HORIZON_SECONDS) / stepAllowance : 0;
  const stepSettled =
    step !== undefined &&
    step.afterSeconds !== undefined &&
    step.afterSeconds >= stepWait &&
    overHorizon(step.afterGrowthUpper, step.afterSeconds) < stepAllowance;
  const explainedShape = tr.plateau || tr.returnedToBaseline || tr.tracksTraffic === true || step !== undefined;
  const explained = ((tr.plateau || tr.returnedToBaseline || tr.tracksTraffic === true) && looksOf(suff) >= BOUNDED_MIN_LOOKS) || stepSettled;
  // Flat needs positive evidence: even the upper end of the growth's confidence interval, projected
  // over FLAT_HORIZON_SECONDS, is too small to matter. "Not significant" is not flat — a leak seen
  // through a few noisy heap-at-GC points is not significant either — and a point estimate under the
  // threshold is not flat when the noise allows a leak's worth of growth; the interval narrows as GC
  // cycles accumulate, so a level heap gets there.
  // Judged on the base under any bursts (see trend.ts): bursts come and go, a leak lifts the base.
  const upper = overHorizon(Math.max(tr.baseGrowth, tr.baseGrowthUpper), seconds);
  const fullHorizon = seconds === undefined || seconds >= FLAT_HORIZON_SECONDS;
  const projectable = seconds === undefined || seconds * FLAT_MAX_PROJECTION >= FLAT_HORIZON_SECONDS;
  // A rise that is surely there (the lower end of its interval above zero) and already a leak's share
  // of the level is not flat, however few bytes it is.
  const perHorizon = (g: number) => (seconds && seconds > 0 ? (g * FLAT_HORIZON_SECONDS) / seconds : g);
  const surelyRising =
    tr.growthLower > 0 && tr.relativeGrowth >= th.minRelative && th.surelyRisingFloor !== undefined && perHorizon(tr.growth) >= th.surelyRisingFloor;
  // A series swamped by bursts (the live heap at a GC that lands mid-burst) has no usable interval;
  // there, no upward tendency at all (tau ≤ 0) still counts, as a noisy leak's points keep tau above 0
  // — with no interval to project, only once the full horizon has been seen.
  const noTendency = tr.pRising > NO_TENDENCY_P && tr.tau <= 0 && snr < NO_TENDENCY_MAX_SNR && fullHorizon;
  // Bursts (GCs that land mid-burst, under half the points) widen that distribution-free interval
  // while the robust noise (MAD) ignores them; then a normal-theory bound on the MAD noise —
  // the base's growth + 2σ·√(12/n), a fitted line's slope error over its span — may speak instead,
  // given enough points and no consistent rise.
  const madUpper = overHorizon(tr.baseGrowth + MAD_BOUND_SIGMAS * tr.noise * Math.sqrt(12 / Math.max(1, tr.points)), seconds);
  // The absolute threshold only over the full horizon: on a 1 MiB heap, 1 MiB a minute is a leak's
  // doubling, and a short window's projection is no evidence against it (the corpus's
  // syncmap-traffic-rising, 38 s of a leak under rising traffic: +0.7 MiB/min at the upper end, "flat").
  // The relative threshold is projected.
  const absoluteOk = fullHorizon && upper < th.flatGrowth;
  const smallAbsolute = fullHorizon && madUpper < th.flatGrowth;
  const smallFit =
    (smallAbsolute || (tr.baseline > 0 && madUpper / tr.baseline < th.flatRelative)) && tr.points >= SMALL_FIT_MIN_POINTS && tr.pRising > SMALL_FIT_MIN_P;
  const flat = projectable && !surelyRising && (absoluteOk || (tr.baseline > 0 && upper / tr.baseline < th.flatRelative) || noTendency || smallFit);

  if (observeMore) {
    return { state: 'insufficient', strength: 0, progress, observeMore };
  }
  const enoughLooks = looksOf(suff) >= (suff.retaining ? MIN_LOOKS_RETAINING : LEAK_MIN_LOOKS);
  const bigEnoughEarly = !early || (tr.baseline > 0 && tr.latest >= LEAK_EARLY_MULTIPLE * tr.baseline);
  const leakLikeShape = significant && big && stillGoing && workExplains && !explainedShape && enoughLooks && bigEnoughEarly;
  // Growth a saturating curve fitted to the same data explains better than a line, and that has slowed
  // materially, is a cache filling towards its bound until shown otherwise (SATURATION_CHI2): not yet a leak.
  const leakLike = leakLikeShape && !tr.decelerating;
  if (leakLikeShape && tr.decelerating) {
    return {
      state: 'rising',
      strength: 0,
      progress,
      observeMore: {
        seconds: Math.ceil(Math.max(30, (seconds ?? 60) / 2)),
        reason: 'growing, but slowing down the way a cache approaching its bound does (a saturating curve fits better than a straight line): not yet a leak',
      },
    };
  }
  // The one time floor, with its reason (LEAK_MIN_SECONDS): a cache that fills fast has not bent yet.
  if (leakLike && seconds !== undefined && seconds < LEAK_MIN_SECONDS) {
    return {
      state: 'rising',
      strength: 0,
      progress,
      observeMore: {
        seconds: Math.ceil(LEAK_MIN_SECONDS - seconds),
        reason: `growing like a leak, but a leak is only called after ${LEAK_MIN_SECONDS} seconds of growth (a cache that fills looks the same until it is full)`,
      },
    };
  }
  if (leakLike) {
    const strength = leakConfidence({
      pRising: tr.pRising,
      lowerBoundIsLeak: tr.growthLower >= leakWorth,
      tau: tr.tau,
      snr,
      points: tr.points,
      gcCycles: suff.gcCycles,
      tailPace: tr.firstThirdRoseClearly ? (tr.lastThirdSlopeRatio ?? 1) : undefined,
    });
    return { state: 'growing', strength, progress };
  }
  if (explained || flat) {
    // A goroutine count or RSS is read directly at every poll: GC cycles are no measure of its evidence,
    // so they neither add to nor (as a neutral factor would) hold back its stability.
    // Flatness: how far under a leak's worth of growth even the upper bound stays (absolute, since a
    // relative measure means nothing when the baseline is near zero, as non-Go memory often is).
    const strength = settledConfidence({
      points: tr.points,
      gcCycles: suff.gcCycles,
      seconds,
      flatness: explained ? undefined : 1 - clamp(Math.max(0, Math.min(upper, madUpper)) / leakWorth, 0, 1),
    });
    return { state: explained && !flat ? 'bounded' : 'flat', strength, progress };
  }
  // Rising, but not (yet) enough for a verdict: say how long until it would be.
  let wait: number | undefined;
  const need = Math.max(leakWorth, LEAK_MIN_SNR * tr.noise);
  if (tr.slopePerMinute && tr.slopePerMinute > 0 && tr.seconds) {
    const toThreshold = ((need - tr.growth) / tr.slopePerMinute) * 60;
    // And at least half the window again, to see whether it levels off.
    wait = Math.ceil(Math.max(toThreshold, tr.seconds / 2, 30));
  }
  if (step && step.afterSeconds !== undefined) {
    return {
      state: 'rising',
      strength: 0,
      progress,
      observeMore: {
        seconds: Math.ceil(Math.max(30, stepWait - step.afterSeconds)),
        reason: `a single step (+${(step.size / 1048576).toFixed(1)} MiB) followed by a level stretch of ${Math.round(step.afterSeconds)} s: not a trend, but bounded only once level for ${Math.round(stepWait)} s (a staircase with steps that far apart would still be a leak)`,
      },
    };
  }
  return {
    state: 'rising',
    strength: 0,
    progress,
    observeMore: { seconds: wait, reason: 'the series is rising but not yet clearly without bound (it may still level off)' },
  };
}

/** Combine the three series' judgements into the segment's verdict. */
export function combine(
  heap: SeriesJudgement,
  goroutines: SeriesJudgement,
  nonGo: SeriesJudgement,
): { verdict: Verdict; confidence: number; observeMore?: ObserveMore } {
  if (goroutines.state === 'growing') return { verdict: 'goroutine-leak', confidence: goroutines.strength };
  if (heap.state === 'growing') return { verdict: 'heap-leak', confidence: heap.strength };
  if (nonGo.state === 'growing') return { verdict: 'off-heap-growth', confidence: nonGo.strength };
  const settled = (j: SeriesJudgement) => j.state === 'flat' || j.state === 'bounded';
  const okOrMissing = (j: SeriesJudgement) => settled(j) || j.state === 'missing';
  if (settled(heap) && okOrMissing(goroutines) && okOrMissing(nonGo)) {
    const parts = [heap, goroutines, nonGo].filter(settled).map((j) => j.strength);
    return { verdict: 'no-leak', confidence: minOf(parts) };
  }
  const pending = [heap, goroutines, nonGo].filter((j) => j.state === 'insufficient' || j.state === 'rising');
  const observeMore = pending
    .map((j) => j.observeMore)
    .filter((o): o is ObserveMore => o !== undefined)
    .sort((a, b) => (b.seconds ?? 0) - (a.seconds ?? 0))[0];
  const progress = heap.state === 'missing' ? 0 : minOf([heap, goroutines, nonGo].filter((j) => j.state !== 'missing').map((j) => j.progress));
  return {
    verdict: 'inconclusive',
    confidence: Math.round(0.5 * progress * 100) / 100,
    observeMore:
      observeMore ?? (heap.state === 'missing' ? { reason: 'no live-heap data: record /debug/vars or /metrics (or a gctrace log) over time' } : undefined),
  };
}
