// What analysis concludes, as plain data: the contract between analysis (which decides) and the
// renderers (which only show). `heapsight analyze --json` is this object serialised, so field names
// here are the documented JSON schema.

import type { Frame } from '../model/frame.js';
import type { GoroutineProof } from './goroutine-proof.js';
import type { BuildInfo } from '../model/buildinfo.js';

export type Verdict = 'heap-leak' | 'goroutine-leak' | 'off-heap-growth' | 'no-leak' | 'inconclusive';

/** Known leak shapes that come with a named fix. */
export type PatternId =
  | 'unbounded-map'
  | 'unbounded-sync-map'
  | 'blocked-channel'
  | 'unclosed-response-body'
  | 'transport-per-request'
  | 'unstopped-ticker'
  | 'subslice-retention'
  | 'off-heap-cgo';

export interface CulpritGrowth {
  /** Last value minus first value of `series` (bytes for heap, goroutines for goroutine); a site absent from a profile counts 0 there. */
  delta: number;
  unit: 'bytes' | 'objects' | 'goroutines';
  /** Per minute of wall time, when profiles have times. */
  perMinute?: number;
  /** Fraction of consecutive distinct profiles (repeats with no GC between them dropped) in which the value rose, 0..1. */
  monotonicity: number;
  /** Share of what all growing sites added that this site explains, 0..1. */
  share: number;
  /** The value in each distinct profile, oldest first, for sparklines. */
  series: number[];
}

/** One flat allocation site under a cumulative culprit. */
export interface CulpritSite {
  function: string;
  file: string;
  line: number;
  /** In-use bytes it added between the first and last profile (on stacks through the culprit). */
  delta: number;
  /** Share of what all growing sites added, 0..1. */
  share: number;
}

export interface Culprit {
  /**
   * First frame that is the user's code (outside runtime, the standard library and golang.org/x).
   * net/http's connection goroutines and buffers have none; when the goroutine profiles show the
   * pile-up they are attributed to the user's growing request line (attributeHttpConnections),
   * otherwise named by the first frame that says something (siteFrame in analysis/user-frame.ts).
   */
  function: string;
  file: string;
  line: number;
  kind: 'heap' | 'goroutine';
  pattern?: PatternId;
  /** One sentence naming the fix, when a pattern is recognised. */
  fix?: string;
  growth: CulpritGrowth;
  /** Full stack, leaf first, for evidence. */
  stack: Frame[];
  /** Heap culprits: average size of the site's live objects in the last profile, bytes (big = buffers). */
  avgObjectBytes?: number;
  /** Goroutine culprits: wait state and creation site. */
  state?: string;
  createdBy?: Frame;
  /**
   * Heap culprits named after a frame of the program's own code whose call-path subtree explains most
   * of the growth (growth spread over many small sites): the flat allocation sites under it, by growth
   * between the first and last profile. Absent for a culprit that is a single site.
   */
  sites?: CulpritSite[];
  /**
   * Why the culprit carries a name that is not on its own stack: the goroutines or buffers that grow
   * are the standard library's (net/http's connections), and the name is the program's own function
   * on the path that creates them. The stack stays the growing one, as evidence.
   */
  attribution?: string;
  /** Score used for ranking: Theil–Sen slope (per minute when timed, else per profile) × monotonicity; compare only within one list. */
  score: number;
}

/** Where the live-heap numbers came from, best first. */
export type LiveHeapSource = 'runtime-metric' | 'gctrace' | 'heapalloc-at-gc' | 'heapalloc-envelope' | 'heap-profile' | 'heap-goal';

/** What "work done" means on the x axis of the growth-versus-work fit. */
export type WorkAxis = 'work-metric' | 'bytes-allocated' | 'objects-allocated' | 'time' | 'order';

/** A robust trend of one series over the analysed window. */
export interface TrendStats {
  /** Points fitted (after warm-up was dropped). */
  points: number;
  /** Theil–Sen slope against work (unit per work unit) and against time (unit per minute). */
  slopePerWork?: number;
  slopePerMinute?: number;
  /** Fitted change over the window (slope × span), in the series' unit. */
  growth: number;
  /** Median of the first third of the window: the level growth is compared with. */
  baseline: number;
  /** Median of the last third. */
  latest: number;
  /** growth / baseline. */
  relativeGrowth: number;
  /** Robust noise (MAD of residuals around the fit), in the series' unit. */
  noise: number;
  /** Mann–Kendall: Kendall's tau (−1..1) and the one-sided p-value for "rising". */
  tau: number;
  pRising: number;
  /** Slope of the last third over that of the first third, the larger of the work-axis and time-axis ratios; near 0 = growth stopped. */
  lastThirdSlopeRatio?: number;
  /** Growth that decelerated to about zero. */
  plateau: boolean;
  /** The last points are back near the first third's level. */
  returnedToBaseline: boolean;
  /** 10th percentile of the last third: the level a bursty series keeps coming back to. */
  floor?: number;
  /**
   * Set only when the rate of work varied: growth explained by the rate of work (traffic) rather than
   * by the amount of work done, and whether the amount of work still explains part of it.
   */
  tracksTraffic?: boolean;
  growsWithWork?: boolean;
}

export interface ObservedWindow {
  /** Wall time covered, when samples carry times. */
  seconds?: number;
  /** Unix ms of the first and last observation used. */
  startMs?: number;
  endMs?: number;
  samples: number;
  /** GC cycles completed during the window (from NumGC or gctrace), summed over process segments. */
  gcCycles: number;
  heapProfiles: number;
  goroutineProfiles: number;
  /** Work done during the window in workUnit (bytes allocated, objects, or the work metric). */
  workDone?: number;
  workAxis: WorkAxis;
  /** The work metric's name when workAxis is 'work-metric'. */
  workMetric?: string;
}

export interface Rates {
  liveHeapBytesPerMinute?: number;
  /** Per GiB allocated (workAxis bytes-allocated). */
  liveHeapBytesPerGiBAllocated?: number;
  /** Per 1,000 units of the work metric (e.g. per 1,000 requests). */
  liveHeapBytesPer1000Work?: number;
  goroutinesPerMinute?: number;
  goroutinesPer1000Work?: number;
  goroutinesPerGiBAllocated?: number;
  rssBytesPerMinute?: number;
  /** RSS not mapped by the Go runtime (cgo, mmap, …). */
  nonGoBytesPerMinute?: number;
  goMappedBytesPerMinute?: number;
}

export interface Evidence {
  /** Plain sentences with the numbers behind the verdict, most important first. */
  reasons: string[];
  rates: Rates;
  liveHeap?: TrendStats;
  goroutines?: TrendStats;
  rss?: TrendStats;
  /** RSS − (Sys − HeapReleased) − LazyFree. */
  nonGo?: TrendStats;
  /** Sys − HeapReleased. */
  goMapped?: TrendStats;
  /** Heap held by leaked goroutines' allocations (goroutine-leak with a growing heap), bytes. */
  heapHeldByGoroutines?: number;
}

export interface LiveHeapSummary {
  source?: LiveHeapSource;
  points: number;
  first?: number;
  last?: number;
  min?: number;
  max?: number;
  /** A compact series for sparklines: up to 60 values, oldest first (bytes). */
  series: number[];
}

export interface BreakdownPart {
  id: 'live-heap' | 'dead-not-yet-collected' | 'heap-unused-in-spans' | 'heap-free-retained' | 'stacks' | 'runtime-metadata' | 'lazy-free' | 'non-go';
  label: string;
  bytes: number;
  /** Share of RSS (or of Go-mapped memory when RSS is unknown), 0..1. */
  share: number;
  /** Change since the first sample of the same process, when known. */
  delta?: number;
}

export interface MemoryBreakdown {
  /** Unix ms of the sample described. */
  t?: number;
  rss?: number;
  /** Sys − HeapReleased: what the runtime has mapped and not returned (what GOMEMLIMIT governs). */
  goMapped?: number;
  sys?: number;
  heapReleased?: number;
  parts: BreakdownPart[];
  /** Caveats: estimates used, negative non-Go remainder, missing fields. */
  notes: string[];
}

/** One layer of the container waterfall, from the cgroup's charge down to the live heap. */
export interface WaterfallLayer {
  id: 'cgroup-usage' | 'working-set' | 'page-cache' | 'page-cache-inactive' | 'tmpfs' | 'kernel' | 'cgroup-anon' | 'rss' | 'go-mapped' | 'live-heap';
  label: string;
  bytes: number;
  /** Change since the first sample of the same process, when known. */
  delta?: number;
}

export interface ContainerWaterfall {
  t?: number;
  cgroupVersion: 1 | 2;
  /** The cgroup's limit, bytes; undefined when unlimited. */
  limit?: number;
  layers: WaterfallLayer[];
}

/** What the container's numbers say: which layer grows, OOM kills, and the limit's headroom. */
export interface ContainerFindings {
  waterfall?: ContainerWaterfall;
  /** The layer that accounts for most of the cgroup usage growth over the judged lifetime, if it grew. */
  growingLayer?: 'page-cache' | 'tmpfs' | 'kernel' | 'anon';
  /** Usage growth over the judged lifetime, bytes, and per second. */
  usageGrowth?: number;
  workingSetRate?: number;
  /** Bytes of the limit not yet used by the working set, and the seconds to reach the limit at the measured rate. */
  headroom?: number;
  secondsToLimit?: number;
  oomKills?: { count: number; meanSecondsBetween?: number; meanUsageBefore?: number; limit?: number };
  /** The target's open files on tmpfs at the last sample that listed them, largest first. */
  tmpfsFiles?: { path: string; bytes: number }[];
  /** Reasons in plain words, appended to the evidence. */
  reasons: string[];
}

export interface Advice {
  id: string;
  text: string;
  /** The numbers the advice rests on, as short "name = value" strings. */
  basedOn: string[];
}

export interface RestartInfo {
  /** Unix ms of the first sample of the new process, when known. */
  t?: number;
  /** Index of the first sample of the new process. */
  sampleIndex: number;
  reason: string;
  /** Peak RSS and live heap of the process that ended, when known. */
  peakRssBefore?: number;
  liveHeapBefore?: number;
  /** 'oom-kill' when the memory cgroup counted an OOM kill across this restart. */
  cause?: 'oom-kill';
  /** The cgroup's usage (else RSS) at the last sample before an OOM kill, and its limit, bytes. */
  usageBefore?: number;
  limit?: number;
}

export interface ObserveMore {
  /** Estimated further wall time needed, when times are known. */
  seconds?: number;
  gcCycles?: number;
  reason: string;
}

export interface Findings {
  schema: 'heapsight-findings/1';
  verdict: Verdict;
  /** 0..1, derived from the statistics (points, monotonicity, fit, growth against noise). */
  confidence: number;
  /** One paragraph in plain words. */
  summary: string;
  goVersion?: string;
  observed: ObservedWindow;
  evidence: Evidence;
  liveHeap: LiveHeapSummary;
  breakdown?: MemoryBreakdown;
  /** The container's view (cgroup), when the samples carry it. */
  container?: ContainerFindings;
  culprits: Culprit[];
  /** A recognised leak shape that no culprit carries (off-heap growth: no Go profile can see it). */
  pattern?: PatternId;
  advice: Advice[];
  restarts: RestartInfo[];
  /** Set when the verdict is inconclusive (and sometimes when a verdict is young). */
  observeMore?: ObserveMore;
  /** Data problems and caveats (missing endpoints, torn lines, estimates used). */
  notes: string[];
  /** Goroutines the runtime proved leaked (goroutineleak profile, Go 1.26+), see goroutine-proof.ts. */
  provenGoroutineLeaks?: GoroutineProof;
  /** The target binary's build info (local target, or analyze --binary). */
  buildInfo?: BuildInfo;
}
