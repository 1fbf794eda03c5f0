// The container section of every report (terminal, Markdown, HTML): the waterfall from what the cgroup
// is charged with down to the live heap, the limit with its headroom, and each restart with its cause
// and the memory charged when it came. One view, built from Findings, so the three formats show the
// same rows with the same words; each renderer only lays them out.
//
// The non-obvious decision: the layers are indented by what contains what (page cache and anon inside
// the usage, RSS inside anon, Go-mapped inside RSS, the live heap inside that), because the waterfall
// is read top-down as "of which", not as parts that add up; shares are of the limit when there is one
// (how close to the kill), else of the usage.

import type { Findings, RestartInfo, WaterfallLayer } from '../analysis/findings.js';

export interface ContainerLayerRow {
  id: WaterfallLayer['id'];
  /** Short name for a table row; `detail` is the analysis's full label. */
  label: string;
  detail: string;
  bytes: number;
  delta?: number;
  /** Share of the limit (or of the usage without a limit), 0..1. */
  share: number;
  /** Nesting: 0 = the cgroup's whole charge, 1 = of which, 2 = of which of that, … */
  depth: number;
}

export interface RestartRow {
  /** Unix ms of the first sample of the new process, when known. */
  t?: number;
  /** 'OOM kill' or 'restart'. */
  cause: string;
  reason: string;
  /** Memory charged to the cgroup (else peak RSS) just before, and the limit then, bytes. */
  memoryBefore?: number;
  memoryWhat?: 'cgroup usage' | 'peak RSS';
  limit?: number;
}

export interface ContainerView {
  heading: string;
  cgroupVersion?: 1 | 2;
  limit?: number;
  headroom?: number;
  secondsToLimit?: number;
  growingLayer?: string;
  layers: ContainerLayerRow[];
  restarts: RestartRow[];
  /** OOM-kill cycle in one line (count, interval, memory at kill), when there were kills. */
  oomSummary?: string;
}

const DEPTH: Record<WaterfallLayer['id'], number> = {
  'cgroup-usage': 0,
  'working-set': 1,
  'page-cache': 1,
  'page-cache-inactive': 2,
  tmpfs: 1,
  kernel: 1,
  'cgroup-anon': 1,
  rss: 2,
  'go-mapped': 3,
  'live-heap': 4,
};

const SHORT: Record<WaterfallLayer['id'], string> = {
  'cgroup-usage': 'charged to the cgroup',
  'working-set': 'working set (usage − inactive_file)',
  'page-cache': 'page cache (reclaimable)',
  'page-cache-inactive': 'inactive file (not in the working set)',
  tmpfs: 'tmpfs / shared memory (not reclaimable)',
  kernel: 'kernel memory',
  'cgroup-anon': 'anonymous memory (all processes)',
  rss: 'RSS of the target',
  'go-mapped': 'Go-mapped (Sys − HeapReleased)',
  'live-heap': 'live heap',
};

export function restartRows(restarts: RestartInfo[]): RestartRow[] {
  return restarts.map((r) => {
    const oom = r.cause === 'oom-kill';
    const memoryBefore = r.usageBefore ?? r.peakRssBefore;
    return {
      t: r.t,
      cause: oom ? 'OOM kill' : 'restart',
      reason: r.reason,
      memoryBefore,
      memoryWhat: memoryBefore === undefined ? undefined : r.usageBefore !== undefined ? 'cgroup usage' : 'peak RSS',
      limit: r.limit,
    };
  });
}

/** The container view of findings, or undefined when the recording had no cgroup and no restarts. */
export function containerView(f: Findings): ContainerView | undefined {
  const c = f.container;
  const restarts = restartRows(f.restarts);
  if (!c && restarts.length === 0) return undefined;
  const w = c?.waterfall;
  const limit = w?.limit ?? c?.oomKills?.limit;
  const usage = w?.layers.find((l) => l.id === 'cgroup-usage')?.bytes;
  const base = limit ?? usage;
  const layers: ContainerLayerRow[] = (w?.layers ?? []).map((l) => ({
    id: l.id,
    label: SHORT[l.id],
    detail: l.label,
    bytes: l.bytes,
    delta: l.delta,
    share: base ? l.bytes / base : 0,
    depth: DEPTH[l.id],
  }));
  const kills = restarts.filter((r) => r.cause === 'OOM kill').length;
  const heading = w ? `Container (cgroup v${w.cgroupVersion})` : kills ? 'Restarts and OOM kills' : 'Restarts';
  return {
    heading,
    cgroupVersion: w?.cgroupVersion,
    limit,
    headroom: c?.headroom,
    secondsToLimit: c?.secondsToLimit,
    growingLayer: c?.growingLayer,
    layers,
    restarts,
    oomSummary: c?.reasons.find((r) => r.startsWith('killed by the OOM killer')),
  };
}
