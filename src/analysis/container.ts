// The container's view of one service: which layer of what the cgroup is charged with grows (page cache,
// tmpfs, kernel memory or anonymous memory), the OOM kills the cgroup counted across restarts, and how
// long the limit lasts at the measured rate. Pure: samples and restarts in, findings out.
//
// The non-obvious decisions: (1) growth is attributed by layer deltas between the median of the first
// and of the last EDGE_SAMPLES samples of the judged lifetime, so that one reading taken mid-writeback
// does not decide it. (2) Page cache growing is not a leak — the kernel reclaims it under pressure
// before it OOM-kills anyone — but tmpfs (shmem) is: it is charged, not reclaimable without swap, and
// the OOM killer counts it. (3) Time to the limit is measured on the working set minus what is
// reclaimable, i.e. anon + tmpfs + kernel, because page cache would be dropped first.

import type { MemorySample } from '../model/memory.js';
import type { ContainerFindings, RestartInfo } from './findings.js';
import { containerWaterfall } from './breakdown.js';
import { describeGcCost, estimateGcCost, type GcCostInput } from './gc-cost.js';

const MiB = 1024 * 1024;

/** Samples at each end whose median stands for the start and the end (odd, so the median is a reading). */
export const EDGE_SAMPLES = 3;
/**
 * Usage growth below this is not "growing": a service's cgroup usage wobbles by a few MiB with log
 * writes and the binary's own pages (the same floor as non-Go growth in verdict.ts, NON_GO_THRESHOLDS).
 */
export const CONTAINER_MIN_GROWTH = 8 * MiB;
/** A layer is "the growing layer" when it accounts for at least this share of the usage growth. */
export const LAYER_SHARE = 0.5;
/**
 * GOMEMLIMIT as a share of the container limit: 85 %, the middle of the 80–90 % usually recommended,
 * leaving the rest for page cache the kernel must keep and for spikes between GC cycles.
 */
export const GOMEMLIMIT_SHARE = 0.85;

/**
 * Confidence of an off-heap-growth verdict made from tmpfs growth alone: the attribution is exact (the
 * kernel's shmem counter), but a median-to-median delta carries no test that the rise persists, so the
 * verdict is put only a little past even odds.
 */
export const TMPFS_GROWTH_CONFIDENCE = 0.6;

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function edge(samples: MemorySample[], pick: (s: MemorySample) => number | undefined, end: boolean): number | undefined {
  const vals = samples.map(pick).filter((v): v is number => v !== undefined && Number.isFinite(v));
  return median(end ? vals.slice(-EDGE_SAMPLES) : vals.slice(0, EDGE_SAMPLES));
}

/** Least-squares slope in bytes per second over samples with a time and a value. */
function slopePerSecond(samples: MemorySample[], pick: (s: MemorySample) => number | undefined): number | undefined {
  const pts = samples.filter((s) => s.t !== undefined && pick(s) !== undefined).map((s) => [s.t! / 1000, pick(s)!] as const);
  if (pts.length < 2) return undefined;
  const mx = pts.reduce((a, p) => a + p[0], 0) / pts.length;
  const my = pts.reduce((a, p) => a + p[1], 0) / pts.length;
  let num = 0;
  let den = 0;
  for (const [x, y] of pts) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den > 0 ? num / den : undefined;
}

const pageCache = (s: MemorySample) => {
  const g = s.cgroup;
  if (!g) return undefined;
  return g.activeFile !== undefined && g.inactiveFile !== undefined
    ? g.activeFile + g.inactiveFile
    : g.file !== undefined
      ? g.file - (g.shmem ?? 0)
      : undefined;
};
/** What the kernel cannot reclaim without swap: what an OOM kill is about. */
const unreclaimable = (s: MemorySample) => {
  const g = s.cgroup;
  if (!g || g.anon === undefined) return undefined;
  return g.anon + (g.shmem ?? 0) + (g.kernel ?? 0);
};

export function mib(b: number): string {
  return `${(b / MiB).toFixed(b < 10 * MiB ? 1 : 0)} MiB`;
}

function duration(sec: number): string {
  if (sec < 120) return `${Math.round(sec)} s`;
  if (sec < 7200) return `${Math.round(sec / 60)} minutes`;
  return `${(sec / 3600).toFixed(1)} hours`;
}

/**
 * Container findings for a recording: `lifetime` is the judged process lifetime's samples, `all` every
 * sample (for the OOM-kill cycle), `restarts` the splits between lifetimes.
 */
export function containerFindings(
  lifetime: MemorySample[],
  all: MemorySample[],
  restarts: RestartInfo[],
  liveHeap?: { first?: number; last?: number },
): ContainerFindings | undefined {
  const withCg = lifetime.filter((s) => s.cgroup);
  const kills = restarts.filter((r) => r.cause === 'oom-kill');
  if (withCg.length === 0 && kills.length === 0) return undefined;
  const out: ContainerFindings = { reasons: [] };
  const last = withCg[withCg.length - 1];
  const first = withCg[0];
  if (last) out.waterfall = containerWaterfall(last, liveHeap?.last, first !== last ? first : undefined, liveHeap?.first);

  const listed = [...lifetime].reverse().find((s) => s.tmpfsFiles?.length);
  if (listed) out.tmpfsFiles = listed.tmpfsFiles;

  if (withCg.length >= 2) {
    const d = (pick: (s: MemorySample) => number | undefined) => {
      const a = edge(withCg, pick, false);
      const b = edge(withCg, pick, true);
      return a !== undefined && b !== undefined ? b - a : undefined;
    };
    const usage = d((s) => s.cgroup!.usage);
    out.usageGrowth = usage;
    if (usage !== undefined && usage >= CONTAINER_MIN_GROWTH) {
      const layers: [NonNullable<ContainerFindings['growingLayer']>, number | undefined][] = [
        ['page-cache', d(pageCache)],
        ['tmpfs', d((s) => s.cgroup!.shmem)],
        ['kernel', d((s) => s.cgroup!.kernel)],
        // The cgroup's anon includes tmpfs on neither version (shmem is its own counter), so no double count.
        ['anon', d((s) => s.cgroup!.anon)],
      ];
      const best = layers.filter((l) => l[1] !== undefined).sort((a, b) => b[1]! - a[1]!)[0];
      if (best && best[1]! >= LAYER_SHARE * usage) {
        out.growingLayer = best[0];
        const g = mib(best[1]!);
        if (best[0] === 'page-cache') {
          out.reasons.push(
            `the container's usage grew ${mib(usage)}, ${g} of it page cache: the container's working set grows with page cache of files the service writes or reads; the kernel reclaims it under pressure, so this is not a leak (tmpfs is not reclaimed; it grew ${mib(Math.max(0, layers[1][1] ?? 0))})`,
          );
        } else if (best[0] === 'tmpfs') {
          const where = out.tmpfsFiles?.length
            ? `open tmpfs files: ${out.tmpfsFiles.map((f) => `${f.path} ${mib(f.bytes)}`).join(', ')}`
            : 'files in a tmpfs mount such as /dev/shm or an emptyDir with medium Memory';
          out.reasons.push(
            `the container's usage grew ${mib(usage)}, ${g} of it tmpfs/shared memory (${where}): real growth — the kernel cannot reclaim tmpfs without swap, it counts against the limit and the OOM killer`,
          );
        } else if (best[0] === 'kernel') {
          out.reasons.push(
            `the container's usage grew ${mib(usage)}, ${g} of it kernel memory charged to the cgroup (sockets, dentries, page tables): not the Go heap`,
          );
        }
      }
    }
    out.workingSetRate = slopePerSecond(withCg, unreclaimable);
  }
  const limit = last?.cgroup?.limit ?? kills.find((k) => k.limit !== undefined)?.limit;
  if (last?.cgroup && limit !== undefined) {
    const ws = last.cgroup.workingSet ?? last.cgroup.usage;
    out.headroom = limit - ws;
    const now = unreclaimable(last);
    if (out.workingSetRate !== undefined && out.workingSetRate > 0 && now !== undefined) out.secondsToLimit = Math.max(0, (limit - now) / out.workingSetRate);
  }

  if (kills.length) {
    // Lifetimes that ended in a kill: from the first sample after the previous split to the kill.
    const starts = [0, ...restarts.map((r) => r.sampleIndex)];
    const lifetimes: number[] = [];
    restarts.forEach((r, i) => {
      if (r.cause !== 'oom-kill') return;
      const t0 = all[starts[i]]?.t;
      const t1 = all[r.sampleIndex - 1]?.t;
      if (t0 !== undefined && t1 !== undefined && t1 > t0) lifetimes.push((t1 - t0) / 1000);
    });
    const usages = kills.map((k) => k.usageBefore).filter((u): u is number => u !== undefined);
    out.oomKills = {
      count: kills.length,
      meanSecondsBetween: lifetimes.length ? lifetimes.reduce((a, b) => a + b, 0) / lifetimes.length : undefined,
      meanUsageBefore: usages.length ? usages.reduce((a, b) => a + b, 0) / usages.length : undefined,
      limit,
    };
    const o = out.oomKills;
    out.reasons.push(
      `killed by the OOM killer ${o.count} time${o.count === 1 ? '' : 's'}${o.meanSecondsBetween !== undefined ? `, every ~${duration(o.meanSecondsBetween)}` : ''}${o.meanUsageBefore !== undefined ? ` at ~${mib(o.meanUsageBefore)}` : ''}${limit !== undefined ? ` (limit ${mib(limit)})` : ''}`,
    );
  }
  return out;
}

/**
 * Advice against the limit: headroom, time to reach it, and a GOMEMLIMIT in numbers. The soft limit is
 * GOMEMLIMIT_SHARE of the container limit minus what is charged to the cgroup but not managed by the Go
 * runtime (anonymous memory outside Go, tmpfs, kernel memory), since GOMEMLIMIT only bounds Sys − HeapReleased.
 */
export function containerAdvice(
  c: ContainerFindings,
  s: MemorySample | undefined,
  leaking: boolean,
  goVersion?: string,
  gc?: Omit<GcCostInput, 'softLimit'>,
): { id: string; text: string; basedOn: string[] }[] {
  const out: { id: string; text: string; basedOn: string[] }[] = [];
  const g = s?.cgroup;
  const limit = g?.limit ?? c.oomKills?.limit;
  if (limit === undefined) return out;
  const basedOn = [`cgroup limit = ${mib(limit)}`];
  if (c.headroom !== undefined) basedOn.push(`headroom (limit − working set) = ${mib(c.headroom)}`);
  if (c.workingSetRate !== undefined) basedOn.push(`unreclaimable (anon + tmpfs + kernel) rate = ${mib(c.workingSetRate * 60)}/min`);
  if (c.secondsToLimit !== undefined) {
    out.push({
      id: 'container-time-to-limit',
      text: `At the measured rate the container's unreclaimable memory reaches its ${mib(limit)} limit in about ${duration(c.secondsToLimit)}; then the OOM killer ends the process.`,
      basedOn,
    });
  }
  const goMappedNow = s?.sys !== undefined && s.heapReleased !== undefined ? s.sys - s.heapReleased : undefined;
  if (g && g.anon !== undefined) {
    const nonGoAnon = goMappedNow !== undefined ? Math.max(0, g.anon - goMappedNow) : 0;
    const notGo = nonGoAnon + (g.shmem ?? 0) + (g.kernel ?? 0);
    const soft = Math.floor(GOMEMLIMIT_SHARE * limit - notGo);
    const softMiB = Math.floor(soft / MiB);
    const v = goVersion ? /go1\.(\d+)/.exec(goVersion) : null;
    const hasLimit = !v || Number(v[1]) >= 19;
    // What it costs in GC CPU, from the measured allocation rate, live heap and GC CPU (gc-cost.ts).
    const cost = estimateGcCost({ ...gc, softLimit: soft });
    const costText = describeGcCost(cost, soft);
    const text = leaking
      ? `GOMEMLIMIT cannot save a real leak: as the live heap nears a soft limit the GC runs nearly continuously (capped at ~50% CPU) and the kill comes anyway, later and slower. Fix the growth; a soft limit of GOMEMLIMIT=${softMiB}MiB only makes the end visible in GC CPU first. ${costText}`
      : `${hasLimit ? '' : 'GOMEMLIMIT needs Go 1.19+; '}Set GOMEMLIMIT=${softMiB}MiB: ${Math.round(GOMEMLIMIT_SHARE * 100)}% of the ${mib(limit)} container limit minus ${mib(notGo)} the cgroup is charged for that Go does not manage (non-Go anon, tmpfs, kernel). No released Go (through 1.27) derives GOMEMLIMIT from the cgroup limit, so without it the heap goal ignores the container.${goMappedNow !== undefined ? ` (Go-mapped now ${mib(goMappedNow)}.)` : ''} The cost: ${costText}`;
    const costBasis = [
      gc?.allocBytesPerSecond !== undefined ? `allocation rate = ${mib(gc.allocBytesPerSecond * 60)}/min` : undefined,
      gc?.liveHeap !== undefined ? `live heap = ${mib(gc.liveHeap)}` : undefined,
      gc?.nonHeapGo !== undefined ? `Go non-heap (stacks, metadata) = ${mib(gc.nonHeapGo)}` : undefined,
      cost.cyclesPerMinuteNow !== undefined ? `GC cycles now = ${cost.cyclesPerMinuteNow.toFixed(1)}/min` : undefined,
      gc?.gcCpuFraction !== undefined ? `GC CPU (${gc.gcCpuSource ?? 'measured'}) = ${(gc.gcCpuFraction * 100).toFixed(1)}%` : undefined,
      'GC cycles/s ≈ allocation rate / (heap goal − live heap); heap goal with the limit = min(live × (1 + GOGC/100), GOMEMLIMIT − Go non-heap)',
      ...cost.assumptions.map((a) => `assumed: ${a}`),
    ].filter((x): x is string => x !== undefined);
    out.push({
      id: 'container-gomemlimit',
      text,
      basedOn: [...basedOn, `not managed by Go = ${mib(notGo)}`, `GOMEMLIMIT = ${GOMEMLIMIT_SHARE} × limit − not managed by Go = ${mib(soft)}`, ...costBasis],
    });
  }
  return out;
}
