// analyzeRecording: a Recording in, Findings out — the one entry point `analyze`, `check`, `demo` and the
// reports share. It splits the recording at restarts, builds the live-heap, goroutine and non-Go series
// of each process lifetime, judges them (verdict.ts), and adds culprits, breakdown and advice.
//
// The non-obvious decision: with several process lifetimes, a leak in any one of them is a leak, and
// memory rising in two or more lifetimes that each end in a restart is a leak too (the OOM-kill cycle)
// even when no single lifetime is long enough on its own; otherwise the current (last) lifetime speaks.

import type { GoroutineSnapshot } from '../model/goroutines.js';
import type { MemorySample } from '../model/memory.js';
import type { BuildInfo } from '../model/buildinfo.js';
import type { Recording, TimedGcCycle, TimedProfile } from '../model/recording.js';
import { adviseFor } from './advice.js';
import { goMapped, memoryBreakdown, nonGoBytes } from './breakdown.js';
import { containerAdvice, containerFindings, TMPFS_GROWTH_CONFIDENCE } from './container.js';
import type { GcCostInput } from './gc-cost.js';
import { GC_ESTIMATE_CONFIDENCE_FACTOR } from './decision-rules.js';
import { goroutineCulprits, heapCulprits, httpRequester } from './culprits.js';
import { mainModuleOf } from './user-frame.js';
import { applyGoroutineProof, goroutineProof } from './goroutine-proof.js';
import { offHeapPattern, refineHttpPatterns } from './patterns.js';
import { mannKendall, maxOf, minOf } from './robust-stats.js';
import type { Evidence, Findings, LiveHeapSummary, ObservedWindow, Rates, RestartInfo, TrendStats, Verdict, WorkAxis } from './findings.js';
import { liveHeapSeries, objectsAtGcPoints, sampleWork, type LiveHeapSeries } from './live-heap.js';
import { splitAtRestarts, splitGcCycles } from './restarts.js';
import { describeEvidence, summarize } from './summary.js';
import { seriesTrend, type SeriesPoint, type Trend } from './trend.js';
import {
  INTERVAL_CONFIDENCE_FACTOR,
  LEAK_MIN_LOOKS,
  LEAK_MIN_TAU,
  MADV_FREE_SLOPE,
  MIN_LOOKS_RETAINING,
  MIN_RELEASE_STEPS,
  NON_GO_RSS_SHARE,
  NON_GO_SURE_RISE_RSS_SHARE,
  OBJECTS_SURE_RISE_P,
  OBJECTS_SURE_RISE_SHARE,
  RELEASE_STEP_BYTES,
  AXIS_MIN_SHARE,
  HEAP_HELD_BY_GOROUTINES_P,
  LEAK_MIN_SNR,
  LEAK_P,
  LEAK_TAIL_PACE,
  OBJECTS_LEAK_MIN_RELATIVE,
  OFF_HEAP_GO_MAPPED_SHARE,
  OOM_CYCLE_CONFIDENCE_MAX,
  OOM_CYCLE_CONFIDENCE_MIN,
  OOM_CYCLE_CONFIDENCE_PER_LIFETIME,
  OOM_CYCLE_HEAP_P,
  OOM_CYCLE_MIN_LIFETIMES,
  PREVIOUS_LIFETIME_CONFIDENCE_FACTOR,
  RETAINING_FLOOR_TOLERANCE,
  RETAINING_MIN_MULTIPLE,
  RETAINING_MIN_TAU,
  RISING_LIFETIME_MIN_POINTS,
  RISING_LIFETIME_MIN_RELATIVE,
  RISING_LIFETIME_MIN_TAU,
} from './decision-rules.js';
import { combine, GOROUTINE_THRESHOLDS, HEAP_THRESHOLDS, judgeSeries, NON_GO_THRESHOLDS, OBJECT_THRESHOLDS, type SeriesJudgement } from './verdict.js';

export interface AnalyzeOptions {
  /** Name of the user's work counter (sample.work), e.g. requests served. */
  workMetric?: string;
  /** Build info of the target's binary (analyze --binary), in place of the recording's own. */
  buildInfo?: BuildInfo;
}

export interface SegmentInput {
  samples: MemorySample[];
  gcCycles: TimedGcCycle[];
  heapProfiles: TimedProfile[];
  goroutineSnapshots: GoroutineSnapshot[];
}

export interface SegmentAnalysis {
  input: SegmentInput;
  axis: WorkAxis;
  live: LiveHeapSeries;
  liveTrend?: Trend;
  goroutineTrend?: Trend;
  nonGoTrend?: Trend;
  rssTrend?: Trend;
  goMappedTrend?: Trend;
  /** What the x axis of the live-heap and goroutine fits was (work only when every point had it). */
  liveX: XAxis;
  goroutineX: XAxis;
  heap: SeriesJudgement;
  goroutines: SeriesJudgement;
  nonGo: SeriesJudgement;
  verdict: Verdict;
  confidence: number;
  observeMore?: Findings['observeMore'];
  gcCycles: number;
  seconds?: number;
}

const GiB = 1024 * 1024 * 1024;

export function chooseAxis(samples: MemorySample[], gcCycles: TimedGcCycle[], workMetric?: string): WorkAxis {
  const share = (f: (s: MemorySample) => unknown) => (samples.length ? samples.filter((s) => f(s) !== undefined).length / samples.length : 0);
  if (workMetric && share((s) => s.work) >= AXIS_MIN_SHARE) return 'work-metric';
  if (share((s) => s.totalAlloc) >= AXIS_MIN_SHARE) return 'bytes-allocated';
  if (share((s) => s.mallocs) >= AXIS_MIN_SHARE) return 'objects-allocated';
  if (samples.length === 0 && gcCycles.length > 0) return 'bytes-allocated';
  if (samples.length > 0 && share((s) => s.t) >= AXIS_MIN_SHARE) return 'time';
  return 'order';
}

export type XAxis = 'work' | 'time' | 'order';

/** Place points on one x axis: work when every point has it, else minutes, else input order. */
function toSeries<T extends { t?: number; work?: number; order: number }>(pts: T[], y: (p: T) => number | undefined): { points: SeriesPoint[]; xAxis: XAxis } {
  const usable = pts.filter((p) => {
    const v = y(p);
    return v !== undefined && Number.isFinite(v);
  });
  const xAxis: XAxis =
    usable.length && usable.every((p) => p.work !== undefined) ? 'work' : usable.length && usable.every((p) => p.t !== undefined) ? 'time' : 'order';
  const points = usable.map((p) => ({
    x: xAxis === 'work' ? p.work! : xAxis === 'time' ? p.t! / 60000 : p.order,
    t: p.t,
    y: y(p)!,
  }));
  return { points, xAxis };
}

function secondsOf(samples: { t?: number }[]): number | undefined {
  const ts = samples.map((s) => s.t).filter((t): t is number => t !== undefined);
  if (ts.length < 2) return undefined;
  return (maxOf(ts) - minOf(ts)) / 1000;
}

export function analyzeSegment(input: SegmentInput, opts: AnalyzeOptions = {}): SegmentAnalysis {
  const { samples } = input;
  const axis = chooseAxis(samples, input.gcCycles, opts.workMetric);
  const live = liveHeapSeries(input, axis);
  const sampleSeconds = secondsOf(samples);

  // Live heap.
  const liveSeries = toSeries(live.points, (p) => p.bytes);
  const liveTrend = liveSeries.points.length ? seriesTrend(liveSeries.points) : undefined;
  const liveSeconds = liveTrend?.seconds ?? sampleSeconds;
  const gcCycles = live.gcCycles;
  // When almost everything allocated stays live (light traffic, a heap that doubles between GCs), few
  // collections happen at all; then fewer cycles suffice, as long as the floor rose at each of them.
  const perGc = live.onePointPerGc ? live.points.map((p) => p.bytes) : live.gcFloors;
  const retaining = liveTrend !== undefined && liveTrend.tau >= RETAINING_MIN_TAU && floorsKeepRising(perGc);
  let heap = judgeSeries(liveTrend, HEAP_THRESHOLDS, {
    points: liveTrend?.points ?? 0,
    gcCycles: live.source === 'heap-profile' ? undefined : gcCycles,
    seconds: liveSeconds,
    retaining,
    secondsPerGc: liveSeconds && gcCycles > 0 ? liveSeconds / gcCycles : undefined,
    secondsPerPoint: liveSeconds && liveTrend && liveTrend.points > 1 ? liveSeconds / (liveTrend.points - 1) : undefined,
  });

  // The lower envelope of HeapAlloc, when GC is slower than polls, is many polls inside few GC cycles:
  // the sawtooth between two collections is allocation, not retention, so a leak must show in the
  // floors each GC cycle leaves, LEAK_MIN_LOOKS of them rising with τ ≥ LEAK_MIN_TAU (the corpus's
  // burst-retained without gctrace: 31 polls over 9 GCs, one climb of the sawtooth, called a leak).
  if (heap.state === 'growing' && live.source === 'heapalloc-envelope' && ((live.gcFloors?.length ?? 0) > 0 || gcCycles + 1 < live.points.length)) {
    // No floors to read (polls without NumGC) while GCs are fewer than the polls: nothing shows retention.
    const floors = live.gcFloors ?? [];
    const rising =
      floors.length >= (retaining ? MIN_LOOKS_RETAINING : LEAK_MIN_LOOKS) &&
      mannKendall(floors).tau >= LEAK_MIN_TAU &&
      floors[floors.length - 1] - floors[0] >= HEAP_THRESHOLDS.minGrowth;
    if (!rising) {
      heap = {
        state: 'rising',
        strength: 0,
        progress: heap.progress,
        observeMore: {
          seconds: liveSeconds && gcCycles > 0 ? Math.ceil(Math.max(30, (LEAK_MIN_LOOKS - floors.length) * (liveSeconds / gcCycles))) : undefined,
          reason: `HeapAlloc rises between polls, but the floors its ${floors.length} GC cycles left do not (yet) rise like a leak's`,
        },
      };
    }
  }

  // Live objects at each GC, a second view of the live heap: a no-leak call on the bytes must not stand
  // while the objects are still climbing steadily (a leak of small objects hides in bytes' noise).
  const objectPts = objectsAtGcPoints(samples, axis);
  const objectsTrend = objectPts.length >= 6 ? seriesTrend(toSeries(objectPts, (p) => p.bytes).points) : undefined;
  const objectsUnbounded =
    objectsTrend !== undefined &&
    (objectsStillClimbing(objectsTrend) ||
      // Only against a flat call: a bounded one already rests on a shape (a cache's fill and level),
      // which the objects share, and their rise over the whole window is that fill.
      (heap.state === 'flat' && objectsSurelyRising(objectsTrend) && !objectsTrend.plateau && objectsTrend.step === undefined));
  if ((heap.state === 'flat' || heap.state === 'bounded') && objectsTrend && objectsUnbounded) {
    heap = {
      state: 'rising',
      strength: 0,
      progress: heap.progress,
      observeMore: {
        seconds: liveSeconds ? Math.ceil(Math.max(30, liveSeconds / 2)) : undefined,
        reason: `the live heap looks level in bytes, but live objects are still climbing (+${Math.round(objectsTrend.relativeGrowth * 100)}%, τ = ${objectsTrend.tau.toFixed(2)}): not yet clearly bounded`,
      },
    };
  }

  // Both views measure the same live heap: once the bytes call a leak, the confidence is that of the more
  // convincing view (objects are often far steadier: sizes drop out). The verdict itself stays the bytes'.
  if (heap.state === 'growing' && objectsTrend) {
    const objects = judgeSeries(objectsTrend, OBJECT_THRESHOLDS, {
      points: objectsTrend.points,
      gcCycles: live.source === 'heap-profile' ? undefined : gcCycles,
      seconds: objectsTrend.seconds ?? liveSeconds,
    });
    if (objects.state === 'growing' && objects.strength > heap.strength) heap = { ...heap, strength: objects.strength };
  }

  // Goroutines: from polls when they carry the count, else from profiles/dumps.
  const indexed = samples.map((s, order) => ({ t: s.t, work: sampleWork(s, axis), order, s }));
  let goroutineTrend: Trend | undefined;
  let goroutineX: XAxis = 'order';
  const withG = indexed.filter((p) => p.s.goroutines !== undefined);
  if (withG.length >= 3) {
    const gs = toSeries(withG, (p) => p.s.goroutines);
    goroutineX = gs.xAxis;
    goroutineTrend = seriesTrend(gs.points);
  } else if (input.goroutineSnapshots.length >= 3) {
    const snaps = input.goroutineSnapshots.map((g, order) => ({ t: g.t, order, total: g.total }));
    const gs = toSeries(snaps, (p) => p.total);
    goroutineX = gs.xAxis;
    goroutineTrend = seriesTrend(gs.points);
  }
  const gSeconds = goroutineTrend?.seconds ?? sampleSeconds;
  const goroutines = judgeSeries(goroutineTrend, GOROUTINE_THRESHOLDS, {
    points: goroutineTrend?.points ?? 0,
    seconds: gSeconds,
    secondsPerPoint: gSeconds && goroutineTrend && goroutineTrend.points > 1 ? gSeconds / (goroutineTrend.points - 1) : undefined,
  });

  // RSS outside the runtime's mappings, and the runtime's mappings themselves.
  let nonGoTrend: Trend | undefined;
  let rssTrend: Trend | undefined;
  let goMappedTrend: Trend | undefined;
  const withNonGo = indexed.filter((p) => nonGoBytes(p.s) !== undefined);
  if (withNonGo.length >= 3) {
    // Below zero, RSS is under what the runtime has mapped: pages of its spans not touched yet, or
    // released and not yet counted. How far under moves with the heap (a burst's fresh spans, the
    // scavenger's pace), not with cgo or mmap; trended raw, a dip and its recovery read as off-heap
    // growth. So the series is what is *above* zero, as the breakdown shows it.
    nonGoTrend = seriesTrend(toSeries(withNonGo, (p) => Math.max(0, nonGoBytes(p.s)!)).points);
    goMappedTrend = seriesTrend(toSeries(withNonGo, (p) => goMapped(p.s)).points);
  }
  const withRss = indexed.filter((p) => p.s.rss !== undefined);
  if (withRss.length >= 3) rssTrend = seriesTrend(toSeries(withRss, (p) => p.s.rss! - (p.s.lazyFree ?? 0)).points);
  const nonGoTh = {
    ...NON_GO_THRESHOLDS,
    minGrowth: Math.max(NON_GO_THRESHOLDS.minGrowth, NON_GO_RSS_SHARE * (rssTrend?.baseline ?? 0)),
    surelyRisingFloor: rssTrend ? NON_GO_SURE_RISE_RSS_SHARE * rssTrend.baseline : undefined,
  };
  let nonGo = judgeSeries(nonGoTrend, nonGoTh, {
    points: nonGoTrend?.points ?? 0,
    seconds: nonGoTrend?.seconds ?? sampleSeconds,
  });
  // Without LazyFree, released pages may still be resident (MADV_FREE): non-Go memory is then only known
  // within [RSS − Sys, RSS − (Sys − HeapReleased)]. The upper end is the series above; the lower end
  // assumes every released page is still in RSS. The verdict must hold for whichever end is true.
  // Which end is true shows in RSS at the moments the runtime releases pages: with MADV_DONTNEED RSS
  // drops by what was released, with MADV_FREE it does not. Only when the recording shows releases
  // that RSS did not follow is the lower end a live possibility.
  const madvUnknown = withNonGo.length >= 3 && withNonGo.every((p) => p.s.lazyFree === undefined) && releasesKeptResident(withNonGo.map((p) => p.s)) === true;
  if (madvUnknown && nonGoTrend) {
    const lowerTrend = seriesTrend(toSeries(withNonGo, (p) => nonGoBytes(p.s)! - p.s.heapReleased!).points);
    const lower = judgeSeries(lowerTrend, nonGoTh, { points: lowerTrend.points, seconds: lowerTrend.seconds ?? sampleSeconds });
    nonGo = nonGoWithinInterval(lower, nonGo, rssTrend);
  }
  // Off-heap means the runtime's own mapped memory did not follow: if Go-mapped memory grew by half as
  // much or more, the growth is the Go heap's (judged above), not cgo or mmap.
  if (nonGo.state === 'growing' && goMappedTrend && nonGoTrend && goMappedExplains(goMappedTrend, nonGoTrend)) {
    nonGo = { ...nonGo, state: 'rising', strength: 0 };
  }

  const { verdict, confidence, observeMore } = combine(heap, goroutines, nonGo);
  return {
    input,
    axis,
    live,
    liveTrend,
    goroutineTrend,
    nonGoTrend,
    rssTrend,
    goMappedTrend,
    liveX: liveSeries.xAxis,
    goroutineX,
    heap,
    goroutines,
    nonGo,
    verdict,
    confidence,
    observeMore,
    gcCycles,
    seconds: sampleSeconds ?? liveTrend?.seconds ?? goroutineTrend?.seconds,
  };
}

/** Stable order by time when every element has one; otherwise the given order. */
function ordered<T extends { t?: number }>(items: T[]): T[] {
  if (items.length && items.every((i) => i.t !== undefined)) {
    return items
      .map((v, i) => ({ v, i }))
      .sort((a, b) => a.v.t! - b.v.t! || a.i - b.i)
      .map((e) => e.v);
  }
  return [...items];
}

/** Split the recording into process lifetimes, each with the cycles, profiles and dumps that belong to it. */
export function segmentRecording(rec: Recording): { segments: SegmentInput[]; restarts: RestartInfo[]; notes: string[] } {
  const notes: string[] = [];
  const samples = ordered(rec.samples);
  const heapProfiles = ordered(rec.heapProfiles);
  const snaps = ordered(rec.goroutineSnapshots);
  const { segments: ranges, restarts } = splitAtRestarts(samples, rec.events);
  const gcSegs = splitGcCycles(rec.gcCycles);

  if (ranges.length === 0) {
    // No samples: gctrace lifetimes, if any, carry the structure; profiles and dumps go to the last one.
    const segs: SegmentInput[] = (gcSegs.length ? gcSegs : [[]]).map((c) => ({ samples: [], gcCycles: c, heapProfiles: [], goroutineSnapshots: [] }));
    segs[segs.length - 1].heapProfiles = heapProfiles;
    segs[segs.length - 1].goroutineSnapshots = snaps;
    const gcRestarts: RestartInfo[] = segs
      .slice(1)
      .map((s, i) => ({ sampleIndex: 0, reason: `gctrace cycle numbers restarted (lifetime ${i + 2})`, t: s.gcCycles[0]?.t }));
    return { segments: segs, restarts: gcRestarts, notes };
  }

  const segs: SegmentInput[] = ranges.map((r) => ({ samples: samples.slice(r.start, r.end), gcCycles: [], heapProfiles: [], goroutineSnapshots: [] }));
  const starts = segs.map((s) => s.samples[0].t);
  const timedSegs = starts.every((t) => t !== undefined);
  const segmentAt = (t: number | undefined): number => {
    if (t === undefined || !timedSegs) return segs.length - 1;
    let k = 0;
    for (let i = 0; i < starts.length; i++) if (t >= starts[i]!) k = i;
    return k;
  };
  for (const p of heapProfiles) segs[segmentAt(p.t)].heapProfiles.push(p);
  for (const g of snaps) segs[segmentAt(g.t)].goroutineSnapshots.push(g);
  if (gcSegs.length) {
    if (gcSegs.every((c) => c.every((x) => x.t !== undefined)) && timedSegs) {
      // Only the cycles inside the recording's window: a trace read from process start holds the
      // start-up's collections (16 within its first 2 s, seconds before the first poll), which would
      // count as looks and stretch the window the samples do not cover (issue 9 class 6: they turned
      // no-leak into inconclusive, and gave a map leak "no-leak" at 5 s).
      const from = starts[0]!;
      const all = gcSegs.flat();
      const inside = all.filter((c) => c.t! >= from);
      if (inside.length < all.length)
        notes.push(
          `gctrace: ${all.length - inside.length} GC cycle${all.length - inside.length > 1 ? 's' : ''} from before the recording's first poll set aside`,
        );
      for (const c of inside) segs[segmentAt(c.t)].gcCycles.push(c);
    } else if (gcSegs.length === segs.length) {
      gcSegs.forEach((c, i) => (segs[i].gcCycles = c));
    } else {
      segs[segs.length - 1].gcCycles = gcSegs[gcSegs.length - 1];
      notes.push(`gctrace shows ${gcSegs.length} process lifetimes and the samples ${segs.length}; only the last gctrace lifetime was used`);
    }
  }
  return { segments: segs, restarts, notes };
}

export interface RecordingVerdict {
  verdict: Verdict;
  confidence: number;
  analyses: SegmentAnalysis[];
  /** The lifetime that speaks for the recording. */
  chosen: SegmentAnalysis;
  restarts: RestartInfo[];
  notes: string[];
  oomCycle?: string;
  workMetric?: string;
}

/**
 * The verdict alone, without culprits, breakdown or advice: what replays of a run's prefixes and
 * `watch`'s running verdict need, at a fraction of analyzeRecording's cost.
 */
export function recordingVerdict(rec: Recording, opts: AnalyzeOptions = {}): RecordingVerdict {
  const workMetric = opts.workMetric ?? rec.meta?.workMetric;
  const { segments, restarts, notes } = segmentRecording(rec);
  const analyses = segments.map((s) => analyzeSegment(s, { workMetric }));
  const last = analyses[analyses.length - 1];

  // Pick the lifetime that speaks for the recording.
  let chosen = last;
  let verdict: Verdict = last.verdict;
  let confidence = last.confidence;
  const leaks = analyses.filter((a) => a.verdict !== 'no-leak' && a.verdict !== 'inconclusive');
  let oomCycle: string | undefined;
  if (leaks.length) {
    chosen = leaks.reduce((a, b) => (b.confidence > a.confidence ? b : a));
    verdict = chosen.verdict;
    confidence = chosen.confidence;
  } else if (analyses.length >= 2) {
    // The OOM-kill cycle: each lifetime that ended in a restart had its memory rising.
    const ended = analyses.slice(0, -1);
    const cycle = oomCycleOf(ended);
    if (cycle) {
      verdict = cycle.verdict;
      confidence = cycle.confidence;
      chosen = ended[ended.length - 1];
      const peaks = restarts.map((r) => r.peakRssBefore).filter((p): p is number => p !== undefined);
      oomCycle = `the process restarted ${restarts.length} times and memory rose in each of the ${ended.length} lifetimes that ended${
        peaks.length ? ` (peak RSS before each restart: ${peaks.map((p) => `${(p / 1048576).toFixed(0)} MiB`).join(', ')})` : ''
      }: the pattern of a leak ending in out-of-memory kills`;
    }
  }
  if (verdict === 'inconclusive' && analyses.length >= 2) {
    const earlier = analyses.slice(0, -1).filter((a) => a.verdict === 'no-leak');
    if (earlier.length) {
      chosen = earlier[earlier.length - 1];
      verdict = 'no-leak';
      confidence = Math.round(chosen.confidence * PREVIOUS_LIFETIME_CONFIDENCE_FACTOR * 100) / 100;
      notes.push('the current process lifetime is too short to judge; the verdict comes from the previous lifetime');
    }
  }

  return { verdict, confidence, analyses, chosen, restarts, notes, oomCycle, workMetric };
}

export function analyzeRecording(rec: Recording, opts: AnalyzeOptions = {}): Findings {
  const judged = recordingVerdict(rec, opts);
  const { analyses, chosen, restarts, notes, oomCycle, workMetric } = judged;
  let { verdict, confidence } = judged;
  const buildInfo = opts.buildInfo ?? rec.meta?.buildInfo;
  // The binary's build info knows the version when no sample does (expvar has none).
  const goVersion = [...rec.samples].reverse().find((s) => s.goVersion)?.goVersion ?? buildInfo?.goVersion;
  const heapProfilesForCulprits = chosen.input.heapProfiles.length >= 2 ? chosen.input.heapProfiles : rec.heapProfiles;
  const snapsForCulprits = chosen.input.goroutineSnapshots.length >= 2 ? chosen.input.goroutineSnapshots : rec.goroutineSnapshots;
  // The program's own code: its main module when the build info is known (user-frame.ts isOwnFrame).
  const own = { mainModule: mainModuleOf(buildInfo) };
  const gCulprits = goroutineCulprits(ordered(snapsForCulprits), { goVersion, own });
  // Heap growth at net/http's connection buffers names the HTTP pattern only with the goroutines' help,
  // and connections are named after the program's function that makes the requests.
  const requester = httpRequester(ordered(heapProfilesForCulprits), ordered(snapsForCulprits), own);
  const hCulprits = refineHttpPatterns(heapCulprits(ordered(heapProfilesForCulprits), { goVersion, own }), gCulprits, requester);
  // A no-leak verdict names no code: what grew a little inside a bounded heap is not to blame, and a
  // "top suspect" beside "no leak" reads as a contradiction. Inconclusive keeps its culprits: they are
  // what to look at if the growth turns out to be real.
  // (Applied once the verdict is final, below: the runtime's goroutine-leak proof can still change it.)
  const culprits = [...gCulprits, ...hCulprits];
  // Goroutine culprits first for a goroutine leak, heap culprits first otherwise; each list is ranked.
  if (verdict !== 'goroutine-leak') culprits.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'heap' ? -1 : 1));

  const lastSample = chosen.input.samples[chosen.input.samples.length - 1];
  const firstSample = chosen.input.samples[0];
  const livePts = chosen.live.points;
  const liveAt = (s: MemorySample | undefined): number | undefined => {
    if (!s || livePts.length === 0) return undefined;
    if (s.liveHeap !== undefined) return s.liveHeap;
    // The live-heap point nearest to the sample (by time, else by order).
    const idx = chosen.input.samples.indexOf(s);
    let best = livePts[0];
    for (const p of livePts) {
      const d = s.t !== undefined && p.t !== undefined ? Math.abs(p.t - s.t) : Math.abs(p.order - idx);
      const bd = s.t !== undefined && best.t !== undefined ? Math.abs(best.t - s.t) : Math.abs(best.order - idx);
      if (d < bd) best = p;
    }
    return best.bytes;
  };
  const breakdown = lastSample
    ? memoryBreakdown(lastSample, liveAt(lastSample), firstSample !== lastSample ? firstSample : undefined, liveAt(firstSample))
    : undefined;

  const container = containerFindings(chosen.input.samples, rec.samples, restarts, { first: liveAt(firstSample), last: liveAt(lastSample) });
  // tmpfs is charged to the container and not reclaimable: growth there is real even with Go's memory flat.
  if (container?.growingLayer === 'tmpfs' && (verdict === 'no-leak' || verdict === 'inconclusive')) {
    verdict = 'off-heap-growth';
    confidence = TMPFS_GROWTH_CONFIDENCE;
  }

  // GC cycles counted from a model (no GC counter) are fewer sure looks at the live heap than counted ones.
  if (chosen.live.gcCyclesEstimated && (verdict === 'heap-leak' || verdict === 'no-leak')) confidence *= GC_ESTIMATE_CONFIDENCE_FACTOR;

  const observed = observedWindow(rec, analyses, chosen, workMetric);
  const rates = tidyRates(ratesOf(chosen));
  const evidence: Evidence = {
    reasons: [],
    rates,
    liveHeap: strip(chosen.liveTrend),
    goroutines: strip(chosen.goroutineTrend),
    rss: strip(chosen.rssTrend),
    nonGo: strip(chosen.nonGoTrend),
    goMapped: strip(chosen.goMappedTrend),
  };
  if (verdict === 'goroutine-leak' && chosen.liveTrend && chosen.liveTrend.growth > 0 && chosen.liveTrend.pRising < HEAP_HELD_BY_GOROUTINES_P) {
    evidence.heapHeldByGoroutines = chosen.liveTrend.growth;
  }
  evidence.reasons = describeEvidence(verdict, chosen, breakdown, observed);
  if (oomCycle) evidence.reasons.unshift(oomCycle);
  if (container) evidence.reasons.unshift(...container.reasons);

  const liveHeap = summarizeLive(chosen.live);
  const findings: Findings = {
    schema: 'heapsight-findings/1',
    verdict,
    confidence: round2(confidence),
    summary: '',
    goVersion,
    observed,
    evidence,
    liveHeap,
    breakdown,
    container,
    culprits,
    // Off-heap growth has a recognised shape but no Go frame to pin it on.
    pattern: verdict === 'off-heap-growth' ? offHeapPattern().pattern : undefined,
    advice: [],
    restarts,
    observeMore: verdict === 'inconclusive' ? chosen.observeMore : undefined,
    notes: [...notes, ...chosen.live.notes, ...recordingNotes(rec)],
  };
  // What the runtime proved outranks what the trends suggest (goroutine-proof.ts).
  applyGoroutineProof(findings, goroutineProof(rec.goroutineLeakSnapshots ?? [], rec.goroutineSnapshots));
  if (findings.verdict === 'no-leak') findings.culprits = [];
  if (buildInfo) findings.buildInfo = buildInfo;
  findings.advice = adviseFor(findings, lastSample, firstSample);
  if (container)
    findings.advice.push(...containerAdvice(container, lastSample, verdict !== 'no-leak', goVersion, gcMeasures(chosen.input, liveAt(lastSample))));
  findings.summary = summarize(findings);
  return findings;
}

/**
 * Did RSS stay put when the runtime released pages? The least-squares slope of RSS's change on
 * HeapReleased's change, over polls where HeapReleased moved by at least RELEASE_STEP_BYTES: about −1
 * when released pages leave RSS (MADV_DONTNEED), about 0 when they stay (MADV_FREE). Undefined when
 * too few releases were seen to tell.
 */
export function releasesKeptResident(samples: MemorySample[]): boolean | undefined {
  let sxy = 0;
  let sxx = 0;
  let n = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1];
    const b = samples[i];
    if (a.rss === undefined || b.rss === undefined || a.heapReleased === undefined || b.heapReleased === undefined) continue;
    const dr = b.heapReleased - a.heapReleased;
    if (Math.abs(dr) < RELEASE_STEP_BYTES) continue;
    // Sys grows when the heap maps new spans; that growth is resident under either policy, so it is
    // taken out of RSS's change before comparing.
    const dSys = (b.sys ?? 0) - (a.sys ?? 0);
    sxy += dr * (b.rss - a.rss - dSys);
    sxx += dr * dr;
    n++;
  }
  if (n < MIN_RELEASE_STEPS || sxx === 0) return undefined;
  return sxy / sxx > MADV_FREE_SLOPE;
}

/**
 * Non-Go memory known only within an interval whose ends are judged separately. Growth is claimed only
 * when both ends grow (the truth grows whichever end it is). Flat when either end is flat and RSS itself
 * is not growing: the two ends differ by exactly HeapReleased, so one end rising while the other stays
 * level is the runtime releasing (or reusing) pages, which moves no resident memory. Otherwise the
 * less settled end speaks.
 */
export function nonGoWithinInterval(lower: SeriesJudgement, upper: SeriesJudgement, rss: Trend | undefined): SeriesJudgement {
  if (lower.state === 'growing' && upper.state === 'growing') return lower.strength <= upper.strength ? lower : upper;
  const settled = (j: SeriesJudgement) => j.state === 'flat' || j.state === 'bounded';
  const rssGrowing = rss !== undefined && rss.pRising < LEAK_P && rss.growth >= NON_GO_THRESHOLDS.minGrowth && !rss.plateau && !rss.returnedToBaseline;
  if (settled(lower) && settled(upper)) return lower.strength <= upper.strength ? lower : upper;
  if ((settled(lower) || settled(upper)) && !rssGrowing) {
    const s = settled(lower) ? lower : upper;
    return { ...s, strength: Math.round(s.strength * INTERVAL_CONFIDENCE_FACTOR * 100) / 100 };
  }
  if (lower.state === 'growing') return { ...upper };
  if (upper.state === 'growing') return { ...lower };
  return lower.state === 'insufficient' ? lower : upper;
}

/**
 * The heap keeps what it allocates: the floor each GC leaves never falls back (RETAINING_FLOOR_TOLERANCE
 * for the estimates' noise), rises consistently (RETAINING_MIN_TAU), and has at least doubled
 * (RETAINING_MIN_MULTIPLE).
 */
export function floorsKeepRising(floors: number[] | undefined): boolean {
  if (!floors || floors.length < MIN_LOOKS_RETAINING || !(floors[0] > 0)) return false;
  for (let i = 1; i < floors.length; i++) if (floors[i] < RETAINING_FLOOR_TOLERANCE * maxOf(floors.slice(0, i))) return false;
  return floors[floors.length - 1] >= RETAINING_MIN_MULTIPLE * floors[0] && mannKendall(floors).tau >= RETAINING_MIN_TAU;
}

/** Live objects surely rising by a leak's share of their level (OBJECTS_SURE_RISE_SHARE): no bound shown. */
export function objectsSurelyRising(tr: Pick<Trend, 'growthLower' | 'relativeGrowth' | 'pRising'>): boolean {
  return tr.growthLower > 0 && tr.relativeGrowth >= OBJECTS_SURE_RISE_SHARE && tr.pRising < OBJECTS_SURE_RISE_P;
}

/**
 * Live objects rising the way a leak rises, by the heap's own bars: significant (LEAK_P) and consistent
 * (LEAK_MIN_TAU), a leak's share of their level (OBJECTS_LEAK_MIN_RELATIVE) and well out of the noise
 * (LEAK_MIN_SNR), not levelled off or given back, and not slowing to a stop (LEAK_TAIL_PACE).
 */
export function objectsStillClimbing(tr: Trend): boolean {
  const stillGoing = tr.lastThirdSlopeRatio === undefined || tr.lastThirdSlopeRatio >= LEAK_TAIL_PACE || !tr.firstThirdRoseClearly;
  return (
    tr.pRising < LEAK_P &&
    tr.tau >= LEAK_MIN_TAU &&
    tr.relativeGrowth >= OBJECTS_LEAK_MIN_RELATIVE &&
    tr.growth >= LEAK_MIN_SNR * tr.noise &&
    !tr.plateau &&
    !tr.returnedToBaseline &&
    stillGoing
  );
}

/** Did a lifetime that ended in a restart have its memory rising (RISING_LIFETIME_*)? The live heap when known, else RSS. */
export function risingLifetime(a: Pick<SegmentAnalysis, 'liveTrend' | 'rssTrend'>): boolean {
  const tr = a.liveTrend ?? a.rssTrend;
  return (
    !!tr && tr.points >= RISING_LIFETIME_MIN_POINTS && tr.tau >= RISING_LIFETIME_MIN_TAU && tr.growth > 0 && tr.relativeGrowth >= RISING_LIFETIME_MIN_RELATIVE
  );
}

/** Did the runtime's own mapped memory grow with the non-Go series (OFF_HEAP_GO_MAPPED_SHARE of it or more)? Then the growth is the Go heap's. */
export function goMappedExplains(goMapped: Pick<Trend, 'growth'>, nonGo: Pick<Trend, 'growth'>): boolean {
  return goMapped.growth > OFF_HEAP_GO_MAPPED_SHARE * nonGo.growth;
}

/**
 * Restarts as a leak ending in out-of-memory kills: every lifetime that ended rose, and at least
 * OOM_CYCLE_MIN_LIFETIMES did. A heap leak when each one's live heap rose (OOM_CYCLE_HEAP_P), else
 * growth outside the heap. Undefined when the lifetimes do not show the cycle.
 */
export function oomCycleOf(
  ended: Pick<SegmentAnalysis, 'liveTrend' | 'rssTrend'>[],
): { verdict: 'heap-leak' | 'off-heap-growth'; confidence: number } | undefined {
  const rose = ended.filter((a) => risingLifetime(a));
  if (rose.length < OOM_CYCLE_MIN_LIFETIMES || rose.length !== ended.length) return undefined;
  const heapRose = rose.every((a) => a.liveTrend && a.liveTrend.pRising < OOM_CYCLE_HEAP_P && a.liveTrend.growth > 0);
  return { verdict: heapRose ? 'heap-leak' : 'off-heap-growth', confidence: oomCycleConfidence(rose.length) };
}

/** Confidence of an OOM-kill cycle read from `lifetimes` rising lifetimes. */
export function oomCycleConfidence(lifetimes: number): number {
  return Math.min(OOM_CYCLE_CONFIDENCE_MAX, OOM_CYCLE_CONFIDENCE_MIN + OOM_CYCLE_CONFIDENCE_PER_LIFETIME * lifetimes);
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** Numbers as a reader (or a JSON consumer) wants them: 4 significant digits, p-values untouched. */
function tidy(v: number | undefined): number | undefined {
  if (v === undefined || !Number.isFinite(v) || v === 0) return v;
  return Number(v.toPrecision(Math.abs(v) >= 1e4 ? Math.ceil(Math.log10(Math.abs(v))) : 4));
}

/**
 * The public TrendStats of a trend, field by field: a field added to the internal Trend (fitted points,
 * bounds the rules use) does not reach heapsight-findings/1 unless it is added here and to the type, and
 * the type is what docs/analyze-json.md documents (src/report/json.test.ts holds the two together).
 */
function strip(t: Trend | undefined): TrendStats | undefined {
  if (!t) return undefined;
  const out: TrendStats = {
    points: t.points,
    growth: tidy(t.growth)!,
    baseline: tidy(t.baseline)!,
    latest: tidy(t.latest)!,
    relativeGrowth: tidy(t.relativeGrowth)!,
    noise: tidy(t.noise)!,
    tau: tidy(t.tau)!,
    pRising: t.pRising,
    plateau: t.plateau,
    returnedToBaseline: t.returnedToBaseline,
  };
  if (t.slopePerWork !== undefined) out.slopePerWork = tidy(t.slopePerWork);
  if (t.slopePerMinute !== undefined) out.slopePerMinute = tidy(t.slopePerMinute);
  if (t.lastThirdSlopeRatio !== undefined) out.lastThirdSlopeRatio = tidy(t.lastThirdSlopeRatio);
  if (t.floor !== undefined) out.floor = tidy(t.floor);
  if (t.tracksTraffic !== undefined) out.tracksTraffic = t.tracksTraffic;
  if (t.growsWithWork !== undefined) out.growsWithWork = t.growsWithWork;
  return out;
}

function tidyRates(r: Rates): Rates {
  const out: Rates = {};
  for (const [k, v] of Object.entries(r) as [keyof Rates, number | undefined][]) if (v !== undefined) out[k] = tidy(v);
  return out;
}

function summarizeLive(live: LiveHeapSeries): LiveHeapSummary {
  const ys = live.points.map((p) => p.bytes);
  const series: number[] = [];
  if (ys.length) {
    const n = Math.min(60, ys.length);
    for (let i = 0; i < n; i++) series.push(ys[Math.round((i * (ys.length - 1)) / Math.max(1, n - 1))]);
  }
  return {
    source: live.source,
    points: ys.length,
    first: ys[0],
    last: ys[ys.length - 1],
    min: ys.length ? minOf(ys) : undefined,
    max: ys.length ? maxOf(ys) : undefined,
    series,
  };
}

function observedWindow(rec: Recording, analyses: SegmentAnalysis[], chosen: SegmentAnalysis, workMetric?: string): ObservedWindow {
  const ts = rec.samples.map((s) => s.t).filter((t): t is number => t !== undefined);
  const gcTs = rec.gcCycles.map((c) => c.t).filter((t): t is number => t !== undefined);
  const profTs = [...rec.heapProfiles, ...rec.goroutineSnapshots].map((p) => p.t).filter((t): t is number => t !== undefined);
  const all = ts.length ? ts : [...gcTs, ...profTs];
  let seconds = all.length >= 2 ? (maxOf(all) - minOf(all)) / 1000 : undefined;
  if (seconds === undefined && rec.gcCycles.length >= 2) {
    seconds = analyses.reduce(
      (a, s) => a + (s.input.gcCycles.length >= 2 ? s.input.gcCycles[s.input.gcCycles.length - 1].atSeconds - s.input.gcCycles[0].atSeconds : 0),
      0,
    );
  }
  const gcCycles = analyses.reduce((a, s) => a + s.gcCycles, 0);
  const workPts = chosen.input.samples.map((s) => sampleWork(s, chosen.axis)).filter((w): w is number => w !== undefined);
  return {
    seconds: seconds === undefined ? undefined : Math.round(seconds * 10) / 10,
    startMs: all.length ? minOf(all) : undefined,
    endMs: all.length ? maxOf(all) : undefined,
    samples: rec.samples.length,
    gcCycles,
    heapProfiles: rec.heapProfiles.length,
    goroutineProfiles: rec.goroutineSnapshots.length,
    workDone: workPts.length >= 2 ? workPts[workPts.length - 1] - workPts[0] : undefined,
    workAxis: chosen.axis,
    workMetric: chosen.axis === 'work-metric' ? workMetric : undefined,
  };
}

function ratesOf(a: SegmentAnalysis): Rates {
  const r: Rates = {};
  const perWork = (tr: Trend, x: XAxis, setGiB: (v: number) => void, set1000: (v: number) => void) => {
    if (x !== 'work' || tr.slopePerWork === undefined) return;
    if (a.axis === 'bytes-allocated') setGiB(tr.slopePerWork * GiB);
    if (a.axis === 'work-metric') set1000(tr.slopePerWork * 1000);
  };
  const lt = a.liveTrend;
  if (lt) {
    r.liveHeapBytesPerMinute = lt.slopePerMinute;
    perWork(
      lt,
      a.liveX,
      (v) => (r.liveHeapBytesPerGiBAllocated = v),
      (v) => (r.liveHeapBytesPer1000Work = v),
    );
  }
  const gt = a.goroutineTrend;
  if (gt) {
    r.goroutinesPerMinute = gt.slopePerMinute;
    perWork(
      gt,
      a.goroutineX,
      (v) => (r.goroutinesPerGiBAllocated = v),
      (v) => (r.goroutinesPer1000Work = v),
    );
  }
  if (a.rssTrend) r.rssBytesPerMinute = a.rssTrend.slopePerMinute;
  if (a.nonGoTrend) r.nonGoBytesPerMinute = a.nonGoTrend.slopePerMinute;
  if (a.goMappedTrend) r.goMappedBytesPerMinute = a.goMappedTrend.slopePerMinute;
  return r;
}

function recordingNotes(rec: Recording): string[] {
  const out: string[] = [];
  for (const m of rec.meta?.missing ?? []) out.push(`${m.endpoint} was missing: ${m.cost}`);
  const gaps = rec.events.filter((e) => e.kind === 'gap');
  if (gaps.length)
    out.push(
      `${gaps.length} gap${gaps.length > 1 ? 's' : ''} in the recording (target unreachable), longest ${Math.round(maxOf(gaps.map((g) => g.durationMs ?? 0)) / 1000)} s`,
    );
  for (const e of rec.events.filter((e) => e.kind === 'note')) out.push(e.detail);
  return out;
}

/**
 * What the GC costs now, measured over one lifetime: allocation rate (TotalAlloc over time), GC cycles
 * per second (NumGC, else gctrace), the runtime's non-heap memory, and the GC CPU share (gctrace's
 * lifetime percent, else MemStats.GCCPUFraction). Absent numbers stay absent.
 */
function gcMeasures(seg: SegmentInput, liveHeap: number | undefined): Omit<GcCostInput, 'softLimit'> {
  const withT = seg.samples.filter((s) => s.t !== undefined);
  const rate = (pick: (s: MemorySample) => number | undefined): number | undefined => {
    const xs = withT.filter((s) => pick(s) !== undefined);
    if (xs.length < 2) return undefined;
    const a = xs[0];
    const b = xs[xs.length - 1];
    const dt = (b.t! - a.t!) / 1000;
    return dt > 0 ? (pick(b)! - pick(a)!) / dt : undefined;
  };
  const last = seg.samples[seg.samples.length - 1];
  const cycles = seg.gcCycles;
  const gctraceRate =
    cycles.length >= 2 && cycles[cycles.length - 1].atSeconds > cycles[0].atSeconds
      ? (cycles[cycles.length - 1].n - cycles[0].n) / (cycles[cycles.length - 1].atSeconds - cycles[0].atSeconds)
      : undefined;
  const meta = last ? [last.stackSys ?? last.stackInuse, last.mspanSys, last.mcacheSys, last.buckHashSys, last.gcSys, last.otherSys] : [];
  const lastCycle = cycles[cycles.length - 1];
  // GCCPUFraction is exact; gctrace's percent is truncated to a whole number (0 says only "under 1%").
  const gcCpu =
    last?.gcCpuFraction !== undefined
      ? { f: last.gcCpuFraction, src: 'GCCPUFraction' }
      : lastCycle && lastCycle.cpuPercent > 0
        ? { f: lastCycle.cpuPercent / 100, src: 'gctrace' }
        : undefined;
  return {
    allocBytesPerSecond: rate((s) => s.totalAlloc),
    liveHeap,
    nonHeapGo: meta.some((m) => m !== undefined) ? meta.reduce<number>((a, m) => a + (m ?? 0), 0) : undefined,
    gogcPercent: last?.gogcPercent,
    gcCyclesPerSecond: rate((s) => s.numGC) ?? gctraceRate,
    gcCpuFraction: gcCpu?.f,
    gcCpuSource: gcCpu?.src,
  };
}
