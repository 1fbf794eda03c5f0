// What a soft memory limit (GOMEMLIMIT) costs in GC CPU, estimated from measured numbers. Pure.
//
// The model: the GC starts a cycle when the heap reaches its goal; the goal is the smaller of the GOGC
// goal (live × (1 + GOGC/100)) and what the limit leaves for the heap (limit − the runtime's non-heap
// memory: stacks and metadata). Between cycles the program allocates (goal − live) bytes, so cycles per
// second = allocation rate / (goal − live). A cycle's CPU is mostly marking, which scales with the live
// heap, not with the goal; so at the same live heap each cycle costs what the measured ones cost, and
// GC CPU scales with the cycle rate. The runtime's GC CPU limiter caps the GC at about half the CPU when
// the limit keeps it running, after which the heap is let past the limit (and the OOM killer decides).
//
// The non-obvious decision: nothing is invented. Without an allocation rate or a live heap the cycle
// rate under the limit is unknown; without a measured GC CPU share (gctrace's lifetime percent or
// MemStats.GCCPUFraction) only the cycle rates are stated, and the answer says which number was missing.

const MiB = 1024 * 1024;

/**
 * The runtime's GC CPU limiter (Go 1.19+, with GOMEMLIMIT) keeps GC CPU at or below about 50 % of
 * GOMAXPROCS over a window; past it the heap is allowed to exceed the limit. So no estimate goes above it.
 */
export const GC_LIMITER_CPU_CAP = 0.5;
/**
 * Below this much room between the live heap and the heap goal, the GC is taken to run back to back:
 * the runtime's minimum heap goal is 4 MiB, so a smaller gap means the limit is at the live heap.
 */
export const MIN_GOAL_GAP_BYTES = 1 * MiB;

export interface GcCostInput {
  /** The soft limit being advised, bytes. */
  softLimit: number;
  /** Bytes allocated per second over the window. */
  allocBytesPerSecond?: number;
  liveHeap?: number;
  /** Memory the runtime maps outside the heap (stacks, MSpan, MCache, BuckHash, GC, Other), bytes. */
  nonHeapGo?: number;
  /** GOGC; 100 when unknown (an assumption the result states). */
  gogcPercent?: number;
  /** Measured GC cycles per second over the window, when a GC counter exists. */
  gcCyclesPerSecond?: number;
  /** Measured GC CPU share (0..1 of all CPUs GOMAXPROCS gives), and where it came from. */
  gcCpuFraction?: number;
  gcCpuSource?: string;
}

export interface GcCostEstimate {
  heapGoalNow?: number;
  heapGoalAtLimit?: number;
  cyclesPerMinuteNow?: number;
  cyclesPerMinuteAtLimit?: number;
  gcCpuNow?: number;
  gcCpuAtLimit?: number;
  /** The limit leaves no room above the live heap: the GC would run continuously, at the limiter's cap. */
  continuous: boolean;
  /** The limit is above the GOGC goal now: no extra GC until the live heap reaches this, bytes. */
  bitesAtLiveHeap?: number;
  missing: string[];
  assumptions: string[];
}

export function estimateGcCost(x: GcCostInput): GcCostEstimate {
  const missing: string[] = [];
  const assumptions: string[] = [];
  const gogc = x.gogcPercent ?? 100;
  if (x.gogcPercent === undefined) assumptions.push('GOGC=100 (not reported by the target)');
  const nonHeap = x.nonHeapGo ?? 0;
  if (x.nonHeapGo === undefined) assumptions.push("the runtime's non-heap memory (stacks, metadata) taken as 0: not reported");
  const out: GcCostEstimate = { continuous: false, missing, assumptions };
  if (x.liveHeap === undefined) missing.push('live heap');
  if (x.allocBytesPerSecond === undefined || !(x.allocBytesPerSecond > 0)) missing.push('allocation rate (TotalAlloc over time)');
  if (x.liveHeap === undefined) return out;
  const live = x.liveHeap;
  const goalGogc = live * (1 + gogc / 100);
  const goalLimit = x.softLimit - nonHeap;
  out.heapGoalNow = goalGogc;
  out.heapGoalAtLimit = Math.min(goalGogc, goalLimit);
  if (goalLimit >= goalGogc) out.bitesAtLiveHeap = goalLimit / (1 + gogc / 100);
  const gapAt = out.heapGoalAtLimit - live;
  if (gapAt < MIN_GOAL_GAP_BYTES) out.continuous = true;
  const alloc = x.allocBytesPerSecond !== undefined && x.allocBytesPerSecond > 0 ? x.allocBytesPerSecond : undefined;
  const perSecNow = x.gcCyclesPerSecond ?? (alloc !== undefined ? alloc / Math.max(MIN_GOAL_GAP_BYTES, goalGogc - live) : undefined);
  if (x.gcCyclesPerSecond === undefined && perSecNow !== undefined)
    assumptions.push('GC cycles now computed from the allocation rate over the GOGC goal (no GC counter)');
  if (perSecNow !== undefined) out.cyclesPerMinuteNow = perSecNow * 60;
  const perSecAt = out.continuous ? undefined : alloc !== undefined ? alloc / gapAt : undefined;
  if (perSecAt !== undefined) out.cyclesPerMinuteAtLimit = perSecAt * 60;
  if (x.gcCpuFraction === undefined) missing.push('GC CPU share (gctrace or MemStats.GCCPUFraction)');
  else {
    out.gcCpuNow = x.gcCpuFraction;
    assumptions.push(
      `each cycle costs what the measured ones did (${x.gcCpuSource ?? 'measured'} GC CPU ${(x.gcCpuFraction * 100).toFixed(1)}%, a lifetime average), at the same live heap`,
    );
    if (out.continuous) out.gcCpuAtLimit = GC_LIMITER_CPU_CAP;
    else if (perSecAt !== undefined && perSecNow !== undefined && perSecNow > 0)
      out.gcCpuAtLimit = Math.min(GC_LIMITER_CPU_CAP, x.gcCpuFraction * (perSecAt / perSecNow));
  }
  return out;
}

function mib(b: number): string {
  return `${(b / MiB).toFixed(b < 10 * MiB ? 1 : 0)} MiB`;
}
const pct = (f: number) => `${(f * 100).toFixed(f < 0.01 ? 2 : f < 0.1 ? 1 : 0)}%`;
const perMin = (n: number) => (n >= 10 ? Math.round(n).toString() : n.toFixed(1));

/** The estimate in one or two sentences, numbers first; says what is missing rather than guessing. */
export function describeGcCost(e: GcCostEstimate, softLimit: number): string {
  const lim = `GOMEMLIMIT=${Math.floor(softLimit / MiB)}MiB`;
  if (e.heapGoalNow === undefined) return `What ${lim} costs in GC CPU cannot be estimated: no ${e.missing.join(', no ')} was measured.`;
  const parts: string[] = [];
  if (e.bitesAtLiveHeap !== undefined) {
    parts.push(
      `At today's live heap ${lim} costs no extra GC: the GOGC goal (${mib(e.heapGoalNow)}) is below it; the limit starts to add cycles once the live heap passes ~${mib(e.bitesAtLiveHeap)}`,
    );
    if (e.cyclesPerMinuteNow !== undefined)
      parts.push(`(now ${perMin(e.cyclesPerMinuteNow)} GC cycles/min${e.gcCpuNow !== undefined ? `, GC CPU ${pct(e.gcCpuNow)}` : ''})`);
    return `${parts.join(' ')}.`;
  }
  if (e.continuous) {
    return `With ${lim} the heap goal (${mib(e.heapGoalAtLimit!)}) is at the live heap: the GC would run back to back, held at the limiter's ~${pct(GC_LIMITER_CPU_CAP)} of CPU${e.gcCpuNow !== undefined ? ` (now ${pct(e.gcCpuNow)})` : ''}, and the heap then passes the limit anyway.`;
  }
  parts.push(`With ${lim} the heap goal falls from ${mib(e.heapGoalNow)} to ${mib(e.heapGoalAtLimit!)}`);
  if (e.cyclesPerMinuteAtLimit !== undefined)
    parts.push(
      `: ~${perMin(e.cyclesPerMinuteAtLimit)} GC cycles/min${e.cyclesPerMinuteNow !== undefined ? ` instead of ${perMin(e.cyclesPerMinuteNow)}` : ''}`,
    );
  if (e.gcCpuAtLimit !== undefined) parts.push(`, GC CPU ~${pct(e.gcCpuAtLimit)} instead of ${pct(e.gcCpuNow!)}`);
  let text = `${parts.join('')}.`;
  if (e.missing.length) text += ` Not estimated: ${e.missing.join(', ')} missing.`;
  return text;
}
