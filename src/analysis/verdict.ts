// The verdict for one process lifetime (a segment between restarts): is the live heap, the goroutine
// count or the non-Go part of RSS growing without bound, is everything bounded, or is it too early to
// tell. Pure: trends in, a judgement with its reasons and confidence out.
//
// The non-obvious decision: a leak verdict demands more than significance. Growth must be large
// against both the noise and the starting level, still going in the last third of the window (a cache
// that fills and then stops looks exactly like a leak while it fills), not explained by the traffic
// rate, and seen over at least MIN_SECONDS_LEAK and MIN_GC_CYCLES_LEAK collections. "No leak" needs
// evidence too: the upper end of the growth's confidence interval, not its point estimate. Until
// then the answer is "inconclusive, observe this much longer", never a guess: a healthy service must not
// be called leaking at any moment of its life, and a leak only needs a little more patience.

import type { ObserveMore, Verdict } from './findings.js';
import { clamp } from './robust-stats.js';
import type { Trend } from './trend.js';
import { EARLY_LEAK_MIN_SECONDS, EARLY_LEAK_MULTIPLE, EARLY_LEAK_TAIL_PACE, EARLY_LEAK_TAU } from './decision-rules.js';

export const MIN_POINTS = 6;
export const MIN_GC_CYCLES = 6;
export const MIN_SECONDS = 60;
/**
 * A leak verdict needs longer: a cache filling at a steady pace is indistinguishable from a leak until
 * it is full, and the common ones fill within a minute or so of start or of a traffic change.
 */
export const MIN_SECONDS_LEAK = 90;
/** And over at least this many GC cycles (each is one look at the live heap), unless the heap keeps everything. */
export const MIN_GC_CYCLES_LEAK = 10;
/** Fewer GC cycles are enough when the heap doubles between collections (light traffic, everything kept). */
export const MIN_GC_CYCLES_RETAINING = 3;

const MiB = 1024 * 1024;

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
}

export const HEAP_THRESHOLDS: Thresholds = { minGrowth: 1 * MiB, minRelative: 0.2, flatGrowth: 1 * MiB, flatRelative: 0.1 };
export const GOROUTINE_THRESHOLDS: Thresholds = { minGrowth: 10, minRelative: 0.25, flatGrowth: 5, flatRelative: 0.1 };
/** Live objects (HeapObjects at GC): only ever corroborates the bytes' leak call, never makes one. */
export const OBJECT_THRESHOLDS: Thresholds = { minGrowth: 1000, minRelative: 0.2, flatGrowth: 500, flatRelative: 0.1 };
export const NON_GO_THRESHOLDS: Thresholds = { minGrowth: 8 * MiB, minRelative: 0.15, flatGrowth: 4 * MiB, flatRelative: 0.1 };

export interface Sufficiency {
  points: number;
  gcCycles?: number;
  seconds?: number;
  /**
   * The heap's floor rose at every GC and at least doubled: everything allocated is being kept. Then
   * fewer GC cycles (MIN_GC_CYCLES_RETAINING) and a weaker p-value (0.01) suffice, because light
   * traffic produces few collections and each one is already strong evidence.
   */
  retaining?: boolean;
  /** Seconds per GC cycle and per point, to translate shortfalls into wall time. */
  secondsPerGc?: number;
  secondsPerPoint?: number;
  /** Set by judgeSeries: the series already shows an early leak's evidence (see earlyLeakEvidence). */
  earlyLeak?: boolean;
}

/**
 * A leak shown before MIN_SECONDS_LEAK by evidence instead of time: at least MIN_GC_CYCLES_LEAK looks,
 * the heap grown to EARLY_LEAK_MULTIPLE times its start, the last third still rising at
 * EARLY_LEAK_TAIL_PACE of the first third's pace on every axis, and the rise consistent (τ ≥ 0.8).
 * A cache that fills shows its bend in the tail; one still filling at full pace at that size is only
 * told from a leak by waiting, which is what the time floor does for every other case.
 */
export function earlyLeakEvidence(tr: Trend, gcCycles: number | undefined): boolean {
  return (
    (gcCycles === undefined || gcCycles >= MIN_GC_CYCLES_LEAK) &&
    tr.baseline > 0 &&
    tr.latest >= EARLY_LEAK_MULTIPLE * tr.baseline &&
    tr.tau >= EARLY_LEAK_TAU &&
    tr.lastThirdSlopeRatio !== undefined &&
    tr.lastThirdSlopeRatio >= EARLY_LEAK_TAIL_PACE &&
    !tr.plateau
  );
}

function progressOf(s: Sufficiency): { progress: number; observeMore?: ObserveMore } {
  const parts: number[] = [Math.min(1, s.points / MIN_POINTS)];
  const waits: number[] = [];
  const why: string[] = [];
  if (s.points < MIN_POINTS) {
    why.push(`${s.points} of ${MIN_POINTS} points`);
    if (s.secondsPerPoint) waits.push((MIN_POINTS - s.points) * s.secondsPerPoint);
  }
  const minGc = s.retaining ? MIN_GC_CYCLES_RETAINING : MIN_GC_CYCLES;
  if (s.gcCycles !== undefined) {
    parts.push(Math.min(1, s.gcCycles / minGc));
    if (s.gcCycles < minGc) {
      why.push(`${s.gcCycles} of ${minGc} GC cycles`);
      if (s.secondsPerGc) waits.push((minGc - s.gcCycles) * s.secondsPerGc);
    }
  }
  // The time floor bounds how slow a leak a flat call can miss, so for a no-leak call looks (GC cycles)
  // cannot stand in for it (a small leak under heavy churn is level over 45 s and 700 cycles); only an
  // early leak's evidence (see earlyLeakEvidence) shortens it, and never under EARLY_LEAK_MIN_SECONDS.
  const waived = s.seconds !== undefined && s.earlyLeak === true && s.seconds >= EARLY_LEAK_MIN_SECONDS;
  if (s.seconds !== undefined && !waived) {
    parts.push(Math.min(1, s.seconds / MIN_SECONDS));
    if (s.seconds < MIN_SECONDS) {
      why.push(`${Math.round(s.seconds)} of ${MIN_SECONDS} seconds`);
      waits.push(MIN_SECONDS - s.seconds);
    }
  }
  const progress = Math.min(...parts);
  if (why.length === 0) return { progress };
  return {
    progress,
    observeMore: {
      seconds: waits.length ? Math.ceil(Math.max(...waits)) : undefined,
      gcCycles: s.gcCycles !== undefined && s.gcCycles < minGc ? minGc - s.gcCycles : undefined,
      reason: `too little observed yet (${why.join(', ')})`,
    },
  };
}

/** Judge one series' trend against thresholds and data minimums. */
export function judgeSeries(tr: Trend | undefined, th: Thresholds, suff: Sufficiency): SeriesJudgement {
  if (!tr || tr.points === 0) return { state: 'missing', strength: 0, progress: 0 };
  const early = earlyLeakEvidence(tr, suff.gcCycles);
  const { progress, observeMore } = progressOf({ ...suff, earlyLeak: early });
  const snr = tr.noise > 0 ? tr.growth / tr.noise : tr.growth > 0 ? Number.POSITIVE_INFINITY : 0;
  const significant = tr.pRising < (suff.retaining ? 0.01 : 0.001) && tr.tau >= 0.5;
  const big = tr.growth >= th.minGrowth && tr.relativeGrowth >= th.minRelative && snr >= 4;
  // Deceleration only counts where the first third's pace was measurable (see trend.ts).
  const stillGoing = tr.lastThirdSlopeRatio === undefined || tr.lastThirdSlopeRatio >= 0.35 || !tr.firstThirdRoseClearly;
  // Under changing traffic, growth counts only when the amount of work explains it beyond the rate.
  const workExplains = tr.growsWithWork !== false;
  const explained = tr.plateau || tr.returnedToBaseline || tr.tracksTraffic === true;
  // Flat needs positive evidence: even the upper end of the growth's confidence interval is too small
  // to matter. "Not significant" is not flat — a leak seen through a few noisy heap-at-GC points is not
  // significant either — and a point estimate under the threshold is not flat when the noise allows a
  // leak's worth of growth; the interval narrows as GC cycles accumulate, so a level heap gets there.
  // Judged on the base under any bursts (see trend.ts): bursts come and go, a leak lifts the base.
  const upper = Math.max(tr.baseGrowth, tr.baseGrowthUpper);
  // A series swamped by bursts (the live heap at a GC that lands mid-burst) has no usable interval;
  // there, no upward tendency at all (tau ≤ 0) still counts, as a noisy leak's points keep tau above 0.
  const noTendency = tr.pRising > 0.3 && tr.tau <= 0 && snr < 2;
  // Bursts (GCs that land mid-burst, under half the points) widen that distribution-free interval
  // while the robust noise (MAD) ignores them; then a normal-theory bound on the MAD noise —
  // the base's growth + 2σ·√(12/n), a fitted line's slope error over its span — may speak instead,
  // given enough points and no consistent rise.
  const madUpper = tr.baseGrowth + 2 * tr.noise * Math.sqrt(12 / Math.max(1, tr.points));
  const smallFit = (madUpper < th.flatGrowth || (tr.baseline > 0 && madUpper / tr.baseline < th.flatRelative)) && tr.points >= 12 && tr.pRising > 0.01;
  const flat = upper < th.flatGrowth || (tr.baseline > 0 && upper / tr.baseline < th.flatRelative) || noTendency || smallFit;

  if (observeMore) {
    return { state: 'insufficient', strength: 0, progress, observeMore };
  }
  const leakLike = significant && big && stillGoing && workExplains && !explained;
  if (leakLike && !(early && (suff.seconds ?? 0) >= EARLY_LEAK_MIN_SECONDS) && suff.seconds !== undefined && suff.seconds < MIN_SECONDS_LEAK) {
    return {
      state: 'rising',
      strength: 0,
      progress,
      observeMore: {
        seconds: Math.ceil(MIN_SECONDS_LEAK - suff.seconds),
        reason: `growing like a leak, but a leak is only called after ${MIN_SECONDS_LEAK} seconds of growth (a cache that fills looks the same until it is full)`,
      },
    };
  }
  // The same floor in collections: each GC cycle is one independent look at the live heap, and a leak
  // seen in fewer than MIN_GC_CYCLES_LEAK of them (GOGC=400, light traffic) rests on too few points,
  // however long it took. A heap that keeps everything it allocates needs fewer (see Sufficiency).
  if (leakLike && suff.gcCycles !== undefined && !suff.retaining && suff.gcCycles < MIN_GC_CYCLES_LEAK) {
    const more = MIN_GC_CYCLES_LEAK - suff.gcCycles;
    return {
      state: 'rising',
      strength: 0,
      progress,
      observeMore: {
        seconds: suff.secondsPerGc ? Math.ceil(more * suff.secondsPerGc) : undefined,
        gcCycles: more,
        reason: `growing like a leak, but a leak is only called after ${MIN_GC_CYCLES_LEAK} GC cycles (${suff.gcCycles} so far): each cycle is one look at the live heap`,
      },
    };
  }
  if (leakLike) {
    const fP = clamp((-Math.log10(Math.max(tr.pRising, 1e-300)) - 3) / 5, 0, 1);
    const fTau = clamp((tr.tau - 0.5) / 0.4, 0, 1);
    const fSnr = clamp((snr - 4) / 12, 0, 1);
    const fData = clamp(tr.points / 30, 0, 1);
    const fGc = suff.gcCycles === undefined ? 0.5 : clamp(suff.gcCycles / 40, 0, 1);
    const fLast = tr.firstThirdRoseClearly ? clamp(((tr.lastThirdSlopeRatio ?? 1) - 0.35) / 0.4, 0, 1) : 0.5;
    return { state: 'growing', strength: 0.6 + 0.39 * mean([fP, fTau, fSnr, fData, fGc, fLast]), progress };
  }
  if (explained || flat) {
    const fData = clamp(tr.points / 30, 0, 1);
    // A goroutine count or RSS is read directly at every poll: GC cycles are no measure of its evidence,
    // so they neither add to nor (as a neutral 0.5 would) hold back its stability.
    const fGc = suff.gcCycles === undefined ? [] : [clamp(suff.gcCycles / 40, 0, 1)];
    const fTime = suff.seconds === undefined ? 0.5 : clamp(suff.seconds / (3 * MIN_SECONDS), 0, 1);
    // How far under a leak's worth of growth even the upper bound stays (absolute, since a relative
    // measure means nothing when the baseline is near zero, as non-Go memory often is).
    const leakWorth = Math.max(th.minGrowth, th.minRelative * Math.max(tr.baseline, 0));
    const fFlat = explained ? 0.8 : 1 - clamp(Math.max(0, Math.min(upper, madUpper)) / leakWorth, 0, 1);
    return { state: explained && !flat ? 'bounded' : 'flat', strength: 0.55 + 0.4 * mean([fData, ...fGc, fTime, fFlat]), progress };
  }
  // Rising, but not (yet) enough for a verdict: say how long until it would be.
  let seconds: number | undefined;
  const need = Math.max(th.minGrowth, th.minRelative * Math.max(tr.baseline, 0), 4 * tr.noise);
  if (tr.slopePerMinute && tr.slopePerMinute > 0 && tr.seconds) {
    const toThreshold = ((need - tr.growth) / tr.slopePerMinute) * 60;
    // And at least half the window again, to see whether it levels off.
    seconds = Math.ceil(Math.max(toThreshold, tr.seconds / 2, 30));
  }
  return {
    state: 'rising',
    strength: 0,
    progress,
    observeMore: { seconds, reason: 'the series is rising but not yet clearly without bound (it may still level off)' },
  };
}

function mean(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}

/** Combine the three series' judgements into the segment's verdict. */
export function combine(heap: SeriesJudgement, goroutines: SeriesJudgement, nonGo: SeriesJudgement): { verdict: Verdict; confidence: number; observeMore?: ObserveMore } {
  if (goroutines.state === 'growing') return { verdict: 'goroutine-leak', confidence: goroutines.strength };
  if (heap.state === 'growing') return { verdict: 'heap-leak', confidence: heap.strength };
  if (nonGo.state === 'growing') return { verdict: 'off-heap-growth', confidence: nonGo.strength };
  const settled = (j: SeriesJudgement) => j.state === 'flat' || j.state === 'bounded';
  const okOrMissing = (j: SeriesJudgement) => settled(j) || j.state === 'missing';
  if (settled(heap) && okOrMissing(goroutines) && okOrMissing(nonGo)) {
    const parts = [heap, goroutines, nonGo].filter(settled).map((j) => j.strength);
    return { verdict: 'no-leak', confidence: Math.min(...parts) };
  }
  const pending = [heap, goroutines, nonGo].filter((j) => j.state === 'insufficient' || j.state === 'rising');
  const observeMore = pending
    .map((j) => j.observeMore)
    .filter((o): o is ObserveMore => o !== undefined)
    .sort((a, b) => (b.seconds ?? 0) - (a.seconds ?? 0))[0];
  const progress = heap.state === 'missing' ? 0 : Math.min(...[heap, goroutines, nonGo].filter((j) => j.state !== 'missing').map((j) => j.progress));
  return {
    verdict: 'inconclusive',
    confidence: Math.round(0.5 * progress * 100) / 100,
    observeMore:
      observeMore ??
      (heap.state === 'missing' ? { reason: 'no live-heap data: record /debug/vars or /metrics (or a gctrace log) over time' } : undefined),
  };
}
