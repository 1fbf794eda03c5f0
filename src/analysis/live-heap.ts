// The live heap after GC, estimated from whatever a recording holds. Raw HeapAlloc is a sawtooth (it
// climbs to the heap goal between collections and includes dead objects not yet swept) and RSS includes
// retained and non-Go memory, so neither may be trended; this module turns a process segment into one
// point per observed GC cycle (or block of polls) whose value is the live heap or a tight upper bound.
//
// Sources, best first: an exact marked-bytes number (/gc/heap/live, Go 1.21+); gctrace's third number
// (whole MiB, so only when the heap or its range spans many MiB); HeapAlloc minus the bytes allocated
// since the last GC (TotalAlloc interpolated at LastGC), refined by the heap goal where NextGC keeps a
// steady ratio to it; the lower envelope of HeapAlloc; heap profile inuse totals; NextGC/(1+GOGC/100).
//
// The non-obvious decision: the lower envelope (minimum HeapAlloc per GC-cycle window, or per block of
// polls when almost every poll sees a new cycle) is what the literature suggests, but when polls and
// GCs run at similar regular periods their beat makes the envelope drift like a trend. Subtracting the
// allocation since the last GC removes the dependence on where in the sawtooth a poll lands, so it is
// preferred whenever polls carry LastGC and TotalAlloc and there are enough GC cycles to trend.

import type { GcCycle, MemorySample } from '../model/memory.js';
import type { TimedGcCycle, TimedProfile } from '../model/recording.js';
import type { LiveHeapSource, WorkAxis } from './findings.js';
import { mad, median, quantile, minOf } from './robust-stats.js';
import { estimateGcCycles } from './gc-estimate.js';
import { FREED_MIN_BYTES, FREED_SHARE } from './decision-rules.js';

export interface LivePoint {
  /** Unix ms when known. */
  t?: number;
  /** Cumulative work at this point on the chosen axis, when known. */
  work?: number;
  /** Position in the input order (for series without clock or work). */
  order: number;
  bytes: number;
}

export interface LiveHeapSeries {
  source?: LiveHeapSource;
  points: LivePoint[];
  /** GC cycles the series spans (from NumGC, gctrace or profile count). */
  gcCycles: number;
  /**
   * Lowest HeapAlloc in each GC cycle's window of polls, when polls are denser than collections. Each
   * is an upper bound on the live heap at that GC; their rise is the leak evidence when GC is rare.
   */
  gcFloors?: number[];
  /** Each point is one GC cycle's own value (not a block of polls): the points are the floors. */
  onePointPerGc?: boolean;
  /** gcCycles is an estimate (no GC counter; bytes allocated over the heap goal's headroom, gc-estimate.ts). */
  gcCyclesEstimated?: boolean;
  notes: string[];
}

/** Goals at or below 4.5 MiB may be the runtime's minimum heap goal (4 MiB × GOGC/100), not the heap's. */
const MIN_GOAL_BYTES = 4.5 * 1024 * 1024;

/** Polls per block when the GC runs more often than we poll. */
export const ENVELOPE_BLOCK = 4;
/** Below this median live heap, gctrace's whole-MiB values are too coarse to trend: a bounded cache
 * settling from 8 to 9 MiB reads as a 12 % step. The HeapAlloc/NextGC estimate resolves bytes. */
const GCTRACE_MIN_BYTES = 32 * 1024 * 1024;

export interface LiveHeapInput {
  samples: MemorySample[];
  gcCycles: TimedGcCycle[];
  heapProfiles: TimedProfile[];
}

/** Value of the work axis for a sample, or undefined when the sample lacks it. */
export function sampleWork(s: MemorySample, axis: WorkAxis): number | undefined {
  switch (axis) {
    case 'work-metric':
      return s.work;
    case 'bytes-allocated':
      return s.totalAlloc;
    case 'objects-allocated':
      return s.mallocs;
    default:
      return undefined;
  }
}

export function liveHeapSeries(input: LiveHeapInput, axis: WorkAxis): LiveHeapSeries {
  const counted = numGcSpan(input.samples);
  // No GC counter (go_gc_duration_seconds relabeled away, issue 9 class 7): estimate the cycles rather
  // than count none; the verdict's confidence is lowered for it (analyze-recording.ts).
  const est = counted === undefined && input.gcCycles.length === 0 ? estimateGcCycles(input.samples) : undefined;
  const r = liveHeapSeriesWith(input, axis, counted ?? (est ? Math.floor(est.cycles) : undefined));
  if (est) {
    r.gcCyclesEstimated = true;
    r.notes.push(
      `no GC cycle counter (NumGC, go_gc_duration_seconds_count): ~${Math.floor(est.cycles)} GC cycles estimated from bytes allocated over the heap goal's headroom (NextGC − live heap) across ${est.steps} steps`,
    );
  }
  return r;
}

function liveHeapSeriesWith(input: LiveHeapInput, axis: WorkAxis, gcSpan: number | undefined): LiveHeapSeries {
  const series = liveHeapEstimate(input, axis, gcSpan);
  if (series.source === undefined || series.source === 'heap-profile') return series;
  const capped = capByLaterEvidence(series.points, input.samples, input.gcCycles);
  if (capped.count === 0) return series;
  return {
    ...series,
    points: capped.points,
    notes: [
      ...series.notes,
      `${capped.count} live-heap reading${capped.count > 1 ? 's' : ''} (up to ${Math.round(capped.largest / 1048576)} MiB) were freed by the time of a later GC or poll (its HeapAlloc or live heap at least ${FREED_SHARE * 100}% lower): the heap a GC saw mid-burst, not memory kept; each is taken at that later bound`,
    ],
  };
}

/**
 * Retained memory is never given back, so whatever is retained at one GC is still counted at every
 * later poll (HeapAlloc includes all live objects) and marked at every later GC. A reading that a later
 * poll's HeapAlloc or a later GC's live heap undercuts by FREED_SHARE of itself (and by at least
 * FREED_MIN_BYTES) was not retained: a burst's buffers marked while in use. It is replaced by that
 * later bound, which still bounds what was retained then from above, so a leak (whose retained memory
 * only grows) is untouched while a burst that was freed stops reading as growth. Every gctrace cycle
 * counts as later evidence, including the ones lastCyclePerPoll set aside, and so does every poll, also
 * those after the trace's last line. The margin is far above any estimator's noise, so level noisy
 * series are untouched (lowering only their high outliers would tilt them).
 */
export function capByLaterEvidence(
  points: LivePoint[],
  samples: MemorySample[],
  cycles: TimedGcCycle[],
): { points: LivePoint[]; count: number; largest: number } {
  const later: { t: number; bytes: number }[] = [];
  for (const s of samples) if (s.t !== undefined && s.heapAlloc !== undefined) later.push({ t: s.t, bytes: s.heapAlloc });
  for (const c of cycles) if (c.t !== undefined) later.push({ t: c.t, bytes: c.liveHeapBytes });
  for (const p of points) if (p.t !== undefined) later.push({ t: p.t, bytes: p.bytes });
  if (later.length === 0 || points.some((p) => p.t === undefined)) return { points, count: 0, largest: 0 };
  later.sort((a, b) => a.t - b.t);
  // Minimum strictly after each time, from the right.
  const suffixMin = new Array<number>(later.length + 1).fill(Number.POSITIVE_INFINITY);
  for (let i = later.length - 1; i >= 0; i--) suffixMin[i] = Math.min(suffixMin[i + 1], later[i].bytes);
  let count = 0;
  let largest = 0;
  const out = points.map((p) => {
    const after = firstAtOrAfter(later.length, (i) => later[i].t, p.t! + 1);
    const bound = suffixMin[after];
    if (!Number.isFinite(bound)) return p;
    const freed = p.bytes - bound;
    if (freed >= FREED_MIN_BYTES && freed >= FREED_SHARE * p.bytes) {
      count++;
      largest = Math.max(largest, p.bytes);
      return { ...p, bytes: bound };
    }
    return p;
  });
  return { points: out, count, largest };
}

/** The estimate before capByLaterEvidence: one point per GC (or block of polls) from the best source at hand. */
export function liveHeapEstimate(input: LiveHeapInput, axis: WorkAxis, gcSpan = numGcSpan(input.samples)): LiveHeapSeries {
  const { samples, gcCycles, heapProfiles } = input;
  const notes: string[] = [];

  const exact = samples.map((s, order) => ({ s, order })).filter(({ s }) => s.liveHeap !== undefined);
  if (exact.length >= 2) {
    // /gc/heap/live changes once per GC: keep one point per distinct cycle so that a slow GC is not
    // counted as many agreeing observations.
    const points: LivePoint[] = [];
    let lastGc: number | undefined;
    for (const { s, order } of exact) {
      if (s.numGC !== undefined && s.numGC === lastGc) continue;
      lastGc = s.numGC;
      points.push({ t: s.t, work: sampleWork(s, axis), order, bytes: s.liveHeap! });
    }
    return { source: 'runtime-metric', points, gcCycles: gcSpan ?? points.length, onePointPerGc: true, notes };
  }

  const withHeapAlloc = samples.filter((s) => s.heapAlloc !== undefined).length;
  if (gcCycles.length >= 2) {
    const lives = gcCycles.map((c) => c.liveHeapBytes);
    const med = median(lives);
    // Whole MiB are fine when the heap, or its range, spans many of them.
    if (withHeapAlloc < 4 || med >= GCTRACE_MIN_BYTES || quantile(lives, 0.9) - quantile(lives, 0.1) >= GCTRACE_MIN_BYTES) {
      const points = lastCyclePerPoll(gctracePoints(gcCycles, samples, axis), samples);
      if (points.length < gcCycles.length)
        notes.push(
          `gctrace: ${gcCycles.length} GC cycles, the last one before each poll kept (${points.length}): cycles in quick succession are one moment of the heap, a burst's climb, not many observations`,
        );
      return { source: 'gctrace', points, gcCycles: gcCycles.length, onePointPerGc: true, notes };
    }
    notes.push(`gctrace live heap (median ${Math.round(med / 1048576)} MiB) is printed in whole MiB; used the estimate from HeapAlloc instead`);
  }

  const atGc = heapAtLastGcPoints(samples, axis);
  // One exact-ish point per GC beats many upper bounds, even when GCs are rare (high GOGC, light
  // traffic): the envelope's first poll after a rare GC can sit far up the sawtooth.
  if (atGc.length >= 3 && atGc.length >= 0.5 * envelopeWindowsEstimate(samples)) {
    const gcFloors = envelopePoints(samples, axis).gcFloors;
    const byGoal = goalCalibrated(atGc, samples);
    if (byGoal) {
      notes.push(
        `live heap from the heap goal (NextGC) divided by ${byGoal.ratio.toFixed(2)}, its steady ratio to the marked heap estimated from HeapAlloc and TotalAlloc`,
      );
      return { source: 'heap-goal', points: byGoal.points, gcCycles: gcSpan ?? atGc.length, gcFloors, onePointPerGc: true, notes };
    }
    return { source: 'heapalloc-at-gc', points: atGc, gcCycles: gcSpan ?? atGc.length, gcFloors, onePointPerGc: true, notes };
  }

  if (withHeapAlloc >= 2) {
    const { points, gcFloors } = envelopePoints(samples, axis);
    return { source: 'heapalloc-envelope', points, gcCycles: gcSpan ?? 0, gcFloors, notes };
  }

  if (heapProfiles.length >= 2) {
    return { source: 'heap-profile', points: profilePoints(heapProfiles, axis), gcCycles: heapProfiles.length, notes };
  }

  const goals = samples.map((s, order) => ({ s, order })).filter(({ s }) => (s.nextGC ?? s.heapGoal) !== undefined);
  if (goals.length >= 2) {
    notes.push(
      'live heap estimated from the heap goal (NextGC / (1 + GOGC/100)); since Go 1.18 the goal also covers stacks and globals, so this overstates the heap',
    );
    return {
      source: 'heap-goal',
      points: goals.map(({ s, order }) => ({
        t: s.t,
        work: sampleWork(s, axis),
        order,
        bytes: (s.nextGC ?? s.heapGoal)! / (1 + (s.gogcPercent ?? 100) / 100),
      })),
      gcCycles: gcSpan ?? 0,
      notes,
    };
  }
  return { points: [], gcCycles: gcSpan ?? gcCycles.length, notes };
}

/** GC cycles between the first and last sample that report NumGC. */
export function numGcSpan(samples: MemorySample[]): number | undefined {
  const gcs = samples.map((s) => s.numGC).filter((n): n is number => n !== undefined);
  if (gcs.length === 0) return undefined;
  return Math.max(0, gcs[gcs.length - 1] - gcs[0]);
}

/** Per GC-cycle windows need this many cycles before they are trusted as the series on their own. */
const MIN_WINDOWS = 8;

function envelopePoints(samples: MemorySample[], axis: WorkAxis): { points: LivePoint[]; gcFloors: number[] } {
  const idx = samples.map((s, order) => ({ s, order })).filter(({ s }) => s.heapAlloc !== undefined);
  // Windows of polls that saw the same NumGC.
  const windows: { s: MemorySample; order: number }[][] = [];
  for (const e of idx) {
    const last = windows[windows.length - 1];
    if (last && e.s.numGC !== undefined && last[0].s.numGC === e.s.numGC) last.push(e);
    else windows.push([e]);
  }
  const hasNumGc = idx.some((e) => e.s.numGC !== undefined);
  const multi = windows.filter((w) => w.length >= 2).length;
  const gcSlowerThanPolls = hasNumGc && multi >= 0.6 * windows.length;
  const minOf = (g: { s: MemorySample; order: number }[]) => {
    let best = g[0];
    for (const e of g) if (e.s.heapAlloc! < best.s.heapAlloc!) best = e;
    return best;
  };
  const gcFloors = gcSlowerThanPolls ? windows.map((w) => minOf(w).s.heapAlloc!) : [];
  let groups: typeof windows;
  if (gcSlowerThanPolls && windows.length >= MIN_WINDOWS) {
    groups = windows;
  } else {
    // Too few GC cycles to trend their floors (every poll is then an upper bound on its own), or GC
    // faster than polls (a block's minimum is then the tightest bound at hand).
    const k = gcSlowerThanPolls ? 1 : Math.max(2, Math.min(ENVELOPE_BLOCK, Math.floor(idx.length / 12)));
    groups = [];
    for (let i = 0; i < idx.length; i += k) groups.push(idx.slice(i, i + k));
    // A short tail block is a worse bound than the others; fold it into the previous block.
    if (k > 1 && groups.length >= 2 && groups[groups.length - 1].length < k / 2) {
      const tail = groups.pop()!;
      groups[groups.length - 1].push(...tail);
    }
  }
  const points = groups.map((g) => {
    const best = minOf(g);
    return { t: best.s.t, work: sampleWork(best.s, axis), order: best.order, bytes: best.s.heapAlloc! };
  });
  return { points, gcFloors };
}

/** How many GC-cycle windows the polls span (for comparing estimators' coverage). */
function envelopeWindowsEstimate(samples: MemorySample[]): number {
  const gcs = new Set(samples.map((s) => s.numGC).filter((n) => n !== undefined));
  return Math.min(gcs.size, samples.length);
}

/** A level that allocation raises and GC lowers, and the cumulative allocation that raises it. */
interface AtGcCounter {
  level: (s: MemorySample) => number | undefined;
  cumulative: (s: MemorySample) => number | undefined;
}
const BYTES: AtGcCounter = { level: (s) => s.heapAlloc, cumulative: (s) => s.totalAlloc };
const OBJECTS: AtGcCounter = { level: (s) => s.heapObjects, cumulative: (s) => s.mallocs };

/**
 * Live objects as the last GC left them (HeapObjects less the objects allocated since, from Mallocs),
 * one point per GC: a second view of the live heap. Sizes drop out, so a leak of many small objects
 * next to big short-lived buffers shows more plainly here than in bytes.
 */
export function objectsAtGcPoints(samples: MemorySample[], axis: WorkAxis): LivePoint[] {
  return heapAtLastGcPoints(samples, axis, OBJECTS);
}

/**
 * The heap as the last GC left it, one point per GC: HeapAlloc minus the bytes allocated since that GC
 * ended. Sweeping frees only what the GC found dead, so after it HeapAlloc = marked bytes + everything
 * allocated since; TotalAlloc at the GC's end (MemStats.LastGC) is interpolated between the polls
 * around it. Unlike the envelope this does not depend on where in the sawtooth a poll happens to land,
 * which matters when polls and GCs run at similar, regular periods (their beat looks like a trend).
 */
function heapAtLastGcPoints(samples: MemorySample[], axis: WorkAxis, counter: AtGcCounter = BYTES): LivePoint[] {
  const { level, cumulative } = counter;
  const polls = samples
    .map((s, order) => ({ s, order }))
    .filter(({ s }) => s.t !== undefined && level(s) !== undefined && cumulative(s) !== undefined && s.lastGCUnixNanos !== undefined);
  const byGc = new Map<bigint, { est: number[]; first: { s: MemorySample; order: number } }>();
  for (let k = 1; k < polls.length; k++) {
    const cur = polls[k].s;
    const gcMs = Number(cur.lastGCUnixNanos! / 1_000_000n);
    // The poll just before the GC ended, and the one at or after it (this poll or an earlier one).
    const j = Math.max(
      firstAtOrAfter(k, (i) => polls[i].s.t!, gcMs),
      1,
    );
    if (polls[j - 1].s.t! >= gcMs) continue;
    const before = polls[j - 1].s;
    const after = polls[j].s;
    if (after.t! === before.t! || cumulative(after)! < cumulative(before)!) continue;
    const atGc = cumulative(before)! + ((cumulative(after)! - cumulative(before)!) * (gcMs - before.t!)) / (after.t! - before.t!);
    const est = level(cur)! - (cumulative(cur)! - atGc);
    if (!(est > 0) || est > level(cur)!) continue;
    const entry = byGc.get(cur.lastGCUnixNanos!);
    if (entry) entry.est.push(est);
    else byGc.set(cur.lastGCUnixNanos!, { est: [est], first: polls[k] });
  }
  // The smallest estimate of each GC: a poll right after a GC may see objects not yet swept (too high);
  // later polls of the same cycle subtract the same interpolated TotalAlloc, so their spread is sweeping.
  return [...byGc.values()].map(({ est, first }) => ({
    t: first.s.t,
    work: sampleWork(first.s, axis),
    order: first.order,
    bytes: minOf(est),
  }));
}

/**
 * The heap goal is an exact function of the marked heap (goal = marked × (1 + GOGC/100) + a small
 * stacks-and-globals term), so where NextGC / estimate is steady across GCs, NextGC divided by that ratio
 * is the same series without the estimate's errors (a poll before sweeping finished, a burst of
 * allocation between polls). It is not used when the ratio drifts — a binding GOMEMLIMIT caps the goal
 * while the heap may still grow — nor at the 4 MiB minimum goal, which says nothing about the heap.
 */
function goalCalibrated(atGc: LivePoint[], samples: MemorySample[]): { points: LivePoint[]; ratio: number } | undefined {
  const rows = atGc
    .map((p) => ({ p, goal: samples[p.order].nextGC ?? samples[p.order].heapGoal }))
    .filter((r): r is { p: LivePoint; goal: number } => r.goal !== undefined && r.goal > MIN_GOAL_BYTES && r.p.bytes > 0);
  if (rows.length < 4 || rows.length < 0.8 * atGc.length) return undefined;
  const ratios = rows.map((r) => r.goal / r.p.bytes);
  const ratio = median(ratios);
  if (!(ratio > 1) || mad(ratios) / ratio > 0.15) return undefined;
  return { ratio, points: rows.map((r) => ({ ...r.p, bytes: r.goal / ratio })) };
}

/**
 * gctrace cycles as points. Work is the cumulative allocation the trace implies (heap at this GC's start
 * minus the live heap the previous GC left), unless samples with times give the chosen axis directly.
 */
/**
 * Of the GC cycles between two polls, only the last. A burst of allocation runs several cycles within
 * a fraction of a second, each marking the burst's buffers while they are still in use (3, 6, 13 … 200
 * MiB); counted one by one they outnumber the quiet cycles at the baseline and read as growth. A poll
 * sees the heap as the last of them left it, and so does this. Cycles without a clock are all kept.
 */
function lastCyclePerPoll(points: LivePoint[], samples: MemorySample[]): LivePoint[] {
  const polls = samples.map((s) => s.t).filter((t): t is number => t !== undefined);
  if (polls.length < 2 || points.some((p) => p.t === undefined)) return points;
  polls.sort((a, b) => a - b);
  const kept: LivePoint[] = [];
  let lastBucket = -1;
  for (const p of points) {
    const bucket = firstAtOrAfter(polls.length, (i) => polls[i], p.t!);
    if (bucket === lastBucket) kept[kept.length - 1] = p;
    else kept.push(p);
    lastBucket = bucket;
  }
  return kept;
}

/** The first index in [0, n) whose time is at or after `t` (n if none), for times sorted ascending. */
function firstAtOrAfter(n: number, timeAt: (i: number) => number, t: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (timeAt(mid) >= t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function gctracePoints(cycles: TimedGcCycle[], samples: MemorySample[], axis: WorkAxis): LivePoint[] {
  const timedWork = samples.filter((s) => s.t !== undefined && sampleWork(s, axis) !== undefined).map((s) => ({ t: s.t!, w: sampleWork(s, axis)! }));
  let allocated = 0;
  let prev: GcCycle | undefined;
  // A trace on its own has only seconds since process start: good enough for durations and rates.
  const relativeClock = samples.every((s) => s.t === undefined) && cycles.every((c) => c.t === undefined);
  return cycles.map((c, order) => {
    allocated += Math.max(0, c.heapStartBytes - (prev ? prev.liveHeapBytes : 0));
    prev = c;
    let work: number | undefined;
    if (axis === 'bytes-allocated' && (timedWork.length < 2 || c.t === undefined)) work = allocated;
    else if (c.t !== undefined && timedWork.length >= 2) work = interpolate(timedWork, c.t);
    else if (axis === 'bytes-allocated' || axis === 'objects-allocated' || axis === 'time' || axis === 'order') work = allocated;
    return { t: c.t ?? (relativeClock ? Math.round(c.atSeconds * 1000) : undefined), work, order, bytes: c.liveHeapBytes };
  });
}

function interpolate(series: { t: number; w: number }[], t: number): number | undefined {
  if (t < series[0].t || t > series[series.length - 1].t) return undefined;
  for (let i = 1; i < series.length; i++) {
    if (series[i].t >= t) {
      const a = series[i - 1];
      const b = series[i];
      return b.t === a.t ? b.w : a.w + ((b.w - a.w) * (t - a.t)) / (b.t - a.t);
    }
  }
  return undefined;
}

/** Total of one sample type over a profile (e.g. inuse_space), or undefined when the type is absent. */
export function profileTotal(p: TimedProfile, type: string): number | undefined {
  const i = p.profile.sampleTypes.findIndex((st) => st.type === type);
  if (i < 0) return undefined;
  let sum = 0;
  for (const s of p.profile.samples) sum += s.values[i] ?? 0;
  return sum;
}

function profilePoints(profiles: TimedProfile[], axis: WorkAxis): LivePoint[] {
  const out: LivePoint[] = [];
  profiles.forEach((p, order) => {
    const inuse = profileTotal(p, 'inuse_space');
    if (inuse === undefined) return;
    // alloc_space is cumulative since process start: the profile's own "bytes allocated" axis.
    const alloc = axis === 'bytes-allocated' ? profileTotal(p, 'alloc_space') : undefined;
    out.push({ t: p.t, work: alloc, order, bytes: inuse });
  });
  return out;
}
