// The data behind the HTML report and the live page: Findings (what analysis decided) plus chart series
// taken from the Recording's raw numbers. Shared by report.html and the live page so both draw the same.
//
// The non-obvious decision: the per-sample memory bands are rendering, not analysis. Live heap per sample
// comes from the same estimator analysis used (liveHeapSeries on each process lifetime, nearest point),
// so the chart and the verdict never disagree; everything else is a subtraction of runtime counters.
// Series are thinned to MAX_POINTS (keeping each bucket's RSS peak) so a long watch stays small.

import type { Findings, WorkAxis } from '../../analysis/findings.js';
import { liveHeapSeries } from '../../analysis/live-heap.js';
import { segmentRecording } from '../../analysis/analyze-recording.js';
import { isRuntimeFrame } from '../../analysis/user-frame.js';
import { minOf } from '../../analysis/robust-stats.js';
import type { Frame } from '../../model/frame.js';
import type { MemorySample } from '../../model/memory.js';
import type { Recording, TimedProfile } from '../../model/recording.js';
import { containerView, type ContainerView } from '../container-view.js';
import { buildInfoRows, proofSites, type ProofSiteText, type ReportRow } from '../build-and-proof.js';

export interface ReportInput {
  findings: Findings;
  recording: Recording;
  /** Shown in the page title and header: the target, the example name or the recording path. */
  title?: string;
}

type Num = number | null;

export interface FlameData {
  sampleType: string;
  unit: string;
  fromT?: number;
  toT?: number;
  /** Interned function names; nodes refer to them by index. */
  names: string[];
  /** Flat tree in depth-first order: [nameIndex, parentIndex (−1 for root), before, after]. */
  nodes: [number, number, number, number][];
  totalBefore: number;
  totalAfter: number;
}

export interface GoroutineGroupRow {
  creator: string;
  waitSite: string;
  state?: string;
  counts: number[];
  stack: Frame[];
}

export interface ReportData {
  schema: 'heapsight-report/1';
  title: string;
  generatedAt: string;
  target?: string;
  /** The recording's free-text note (example name, command line). */
  note?: string;
  live: boolean;
  findings: Findings;
  /** Seconds since `t0` (Unix ms) per charted sample. */
  t0: number;
  x: number[];
  /** Cumulative work per charted sample, made monotonic across restarts, when the recording has it. */
  work?: { label: string; unit: 'bytes' | 'count'; values: Num[] };
  mem: {
    live: Num[];
    heapNotLive: Num[];
    retained: Num[];
    released: Num[];
    stacks: Num[];
    metadata: Num[];
    nonGo: Num[];
    /** Released with MADV_FREE but not reclaimed yet: still counted in RSS (smaps_rollup LazyFree). */
    lazyFree: Num[];
    rss: Num[];
  };
  goroutines: Num[];
  gc: { numGC: Num[]; heapGoal: Num[] };
  liveHeap: { x: number[]; bytes: number[]; source?: string; trend?: { x0: number; x1: number; y0: number; y1: number }; plateau?: number };
  /** The container section (waterfall, limit, restarts) and the cgroup's series per charted sample. */
  container?: ContainerView & { series?: { usage: Num[]; workingSet: Num[]; pageCache: Num[]; anon: Num[]; limit: Num[] } };
  markers: { gc: number[]; restarts: { x: number; reason: string }[]; gaps: { x: number; seconds: number; detail: string }[] };
  /** Seconds since t0 of each heap profile (culprit sparklines are one value per profile). */
  heapProfileX: number[];
  flame?: FlameData;
  goroutineGroups?: { x: number[]; groups: GoroutineGroupRow[] };
  /** Samples in the recording before thinning. */
  sampleCount: number;
  /** The target binary's build info as the other reports show it (build-and-proof.ts). */
  build?: ReportRow[];
  /** Goroutines the runtime proved leaked, as text rows (findings.provenGoroutineLeaks has the numbers). */
  proven?: { total: number; sites: ProofSiteText[] };
}

export const MAX_POINTS = 1200;
const MAX_FLAME_NODES = 2500;
const MAX_GOROUTINE_GROUPS = 20;

function nearestLive(points: { t?: number; bytes: number }[], t: number | undefined): number | undefined {
  if (!points.length || t === undefined) return undefined;
  let best = points[0];
  for (const p of points) if (p.t !== undefined && best.t !== undefined && Math.abs(p.t - t) < Math.abs(best.t - t)) best = p;
  return best.bytes;
}

function workValue(s: MemorySample, axis: WorkAxis): number | undefined {
  if (axis === 'work-metric') return s.work;
  if (axis === 'bytes-allocated') return s.totalAlloc;
  if (axis === 'objects-allocated') return s.mallocs;
  return undefined;
}

function sum(...xs: (number | undefined)[]): number | undefined {
  let total = 0;
  let any = false;
  for (const x of xs)
    if (x !== undefined) {
      total += x;
      any = true;
    }
  return any ? total : undefined;
}

/** Indices to keep: all when few, else per bucket the sample with the highest RSS (peaks matter) plus the bucket's first. */
function thin(samples: MemorySample[], max: number): number[] {
  if (samples.length <= max) return samples.map((_, i) => i);
  const buckets = Math.floor(max / 2);
  const keep = new Set<number>();
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor((b * samples.length) / buckets);
    const hi = Math.floor(((b + 1) * samples.length) / buckets);
    keep.add(lo);
    let peak = lo;
    for (let i = lo; i < hi; i++) if ((samples[i].rss ?? samples[i].sys ?? 0) > (samples[peak].rss ?? samples[peak].sys ?? 0)) peak = i;
    keep.add(peak);
  }
  keep.add(samples.length - 1);
  return [...keep].sort((a, b) => a - b);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function frameName(f: Frame | undefined): string {
  return f ? f.function || '?' : '?';
}

/** Icicle tree of the diff between two heap profiles, root = all stacks, children = callees. */
export function heapDiffTree(before: TimedProfile, after: TimedProfile, type = 'inuse_space'): FlameData | undefined {
  const ib = before.profile.sampleTypes.findIndex((st) => st.type === type);
  const ia = after.profile.sampleTypes.findIndex((st) => st.type === type);
  if (ib < 0 || ia < 0) return undefined;
  interface Node {
    name: string;
    before: number;
    after: number;
    children: Map<string, Node>;
  }
  const root: Node = { name: 'all', before: 0, after: 0, children: new Map() };
  const add = (tp: TimedProfile, vi: number, field: 'before' | 'after') => {
    const p = tp.profile;
    for (const s of p.samples) {
      const v = s.values[vi] ?? 0;
      if (!v) continue;
      root[field] += v;
      let node = root;
      // Sample locations are leaf first and a location's lines innermost first: walk both backwards.
      for (let li = s.locations.length - 1; li >= 0; li--) {
        const loc = p.locations[s.locations[li]];
        if (!loc) continue;
        for (let k = loc.lines.length - 1; k >= 0; k--) {
          const name = loc.lines[k].function || '?';
          let child = node.children.get(name);
          if (!child) node.children.set(name, (child = { name, before: 0, after: 0, children: new Map() }));
          child[field] += v;
          node = child;
        }
      }
    }
  };
  add(before, ib, 'before');
  add(after, ia, 'after');
  // Prune what would be narrower than a hair: width is before + after (linear, so children fit their parent).
  const total = root.before + root.after;
  let minWidth = total * 0.001;
  const names: string[] = [];
  const nameIdx = new Map<string, number>();
  const intern = (n: string) => {
    let i = nameIdx.get(n);
    if (i === undefined) {
      i = names.length;
      names.push(n);
      nameIdx.set(n, i);
    }
    return i;
  };
  const emit = (): [number, number, number, number][] => {
    const nodes: [number, number, number, number][] = [];
    const walk = (n: Node, parent: number) => {
      const idx = nodes.length;
      nodes.push([intern(n.name), parent, n.before, n.after]);
      const kids = [...n.children.values()].filter((c) => c.before + c.after >= minWidth).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const c of kids) walk(c, idx);
    };
    walk(root, -1);
    return nodes;
  };
  let nodes = emit();
  for (let i = 0; i < 8 && nodes.length > MAX_FLAME_NODES; i++) {
    minWidth *= 2.5;
    names.length = 0;
    nameIdx.clear();
    nodes = emit();
  }
  const st = after.profile.sampleTypes[ia];
  return { sampleType: st.type, unit: st.unit, fromT: before.t, toT: after.t, names, nodes, totalBefore: root.before, totalAfter: root.after };
}

function waitSiteOf(stack: Frame[]): string {
  return frameName(stack.find((f) => !isRuntimeFrame(f)) ?? stack[0]);
}

function creatorOf(g: { stack: Frame[]; createdBy?: Frame }): string {
  if (g.createdBy) return frameName(g.createdBy);
  // Without debug=2's "created by", the goroutine's entry function (outermost frame) names it.
  const outer = [...g.stack].reverse().find((f) => f.function !== 'runtime.goexit');
  return frameName(outer);
}

function goroutineGroups(rec: Recording, x: (t: number | undefined) => number): ReportData['goroutineGroups'] {
  const snaps = rec.goroutineSnapshots;
  if (!snaps.length) return undefined;
  // Proto profiles come every round, debug=2 dumps every few: count from the most frequent kind, take
  // states from debug=2 where it agrees on the group.
  const byKind = new Map<string, typeof snaps>();
  for (const s of snaps) byKind.set(s.kind, [...(byKind.get(s.kind) ?? []), s]);
  const counted = [...byKind.values()].sort((a, b) => b.length - a.length)[0];
  counted.sort((a, b) => (a.t ?? 0) - (b.t ?? 0));
  const rows = new Map<string, GoroutineGroupRow>();
  counted.forEach((snap, i) => {
    for (const g of snap.groups) {
      const creator = creatorOf(g);
      const waitSite = waitSiteOf(g.stack);
      const key = `${creator}\u0000${waitSite}`;
      let row = rows.get(key);
      if (!row) rows.set(key, (row = { creator, waitSite, counts: new Array(counted.length).fill(0), stack: g.stack }));
      row.counts[i] += g.count;
    }
  });
  for (const snap of byKind.get('debug2') ?? []) {
    for (const g of snap.groups) {
      const row = rows.get(`${creatorOf({ stack: g.stack })}\u0000${waitSiteOf(g.stack)}`) ?? rows.get(`${creatorOf(g)}\u0000${waitSiteOf(g.stack)}`);
      if (row && g.state && !row.state) row.state = g.state;
    }
  }
  const groups = [...rows.values()]
    .sort((a, b) => b.counts[b.counts.length - 1] - a.counts[a.counts.length - 1] || b.counts[0] - a.counts[0])
    .slice(0, MAX_GOROUTINE_GROUPS);
  return { x: counted.map((s) => x(s.t)), groups };
}

export function buildReportData(input: ReportInput, opts: { live?: boolean; now?: Date } = {}): ReportData {
  const { findings, recording: rec } = input;
  const samples = [...rec.samples].sort((a, b) => (a.t ?? 0) - (b.t ?? 0));
  const times = [
    ...samples.map((s) => s.t),
    ...rec.heapProfiles.map((p) => p.t),
    ...rec.goroutineSnapshots.map((g) => g.t),
    ...rec.gcCycles.map((c) => c.t),
  ].filter((t): t is number => t !== undefined);
  // minOf, not Math.min(...times): 200,000 GC cycles' times overflowed the stack as arguments (issue 11).
  const t0 = times.length ? minOf(times) : 0;
  const x = (t: number | undefined, fallback = 0): number => (t === undefined ? fallback : (t - t0) / 1000);

  // Live heap per lifetime, with the estimator analysis used.
  const axis = findings.observed.workAxis;
  const { segments } = segmentRecording(rec);
  const livePoints: { t?: number; bytes: number }[] = [];
  const liveBySegment = segments.map((seg) => {
    const pts = liveHeapSeries(seg, axis).points;
    for (const p of pts) livePoints.push(p);
    return pts;
  });
  const segmentOf = new Map<MemorySample, number>();
  segments.forEach((seg, i) => seg.samples.forEach((s) => segmentOf.set(s, i)));

  const kept = thin(samples, MAX_POINTS);
  const mem: ReportData['mem'] = { live: [], heapNotLive: [], retained: [], released: [], stacks: [], metadata: [], nonGo: [], lazyFree: [], rss: [] };
  const goroutines: Num[] = [];
  const gc: ReportData['gc'] = { numGC: [], heapGoal: [] };
  const xs: number[] = [];
  const workVals: Num[] = [];
  let workOffset = 0;
  let prevWork: number | undefined;
  const workAll: (number | undefined)[] = samples.map((s) => {
    const w = workValue(s, axis);
    if (w === undefined) return undefined;
    // Counters start again at a restart: keep the axis increasing by carrying the previous total.
    if (prevWork !== undefined && w < prevWork - workOffset) workOffset = prevWork;
    prevWork = w + workOffset;
    return prevWork;
  });
  const nn = (v: number | undefined): Num => (v === undefined || !Number.isFinite(v) ? null : v);
  for (const i of kept) {
    const s = samples[i];
    xs.push(x(s.t, i));
    workVals.push(nn(workAll[i]));
    const seg = segmentOf.get(s) ?? segments.length - 1;
    const heapInuse = s.heapInuse ?? s.heapAlloc;
    let live = s.liveHeap ?? nearestLive(liveBySegment[seg] ?? [], s.t);
    if (live !== undefined && heapInuse !== undefined) live = Math.min(live, heapInuse);
    mem.live.push(nn(live));
    mem.heapNotLive.push(nn(heapInuse !== undefined ? heapInuse - (live ?? 0) : undefined));
    mem.retained.push(nn(s.heapIdle !== undefined && s.heapReleased !== undefined ? Math.max(0, s.heapIdle - s.heapReleased) : undefined));
    // Released pages still resident under MADV_FREE are shown as their own band, not twice.
    mem.released.push(nn(s.heapReleased !== undefined ? Math.max(0, s.heapReleased - (s.lazyFree ?? 0)) : undefined));
    mem.lazyFree.push(nn(s.lazyFree));
    mem.stacks.push(nn(s.stackSys ?? s.stackInuse));
    mem.metadata.push(nn(sum(s.mspanSys, s.mcacheSys, s.buckHashSys, s.gcSys, s.otherSys)));
    const goMapped = s.sys !== undefined && s.heapReleased !== undefined ? s.sys - s.heapReleased : undefined;
    mem.nonGo.push(nn(s.rss !== undefined && goMapped !== undefined ? Math.max(0, s.rss - goMapped - (s.lazyFree ?? 0)) : undefined));
    mem.rss.push(nn(s.rss));
    goroutines.push(nn(s.goroutines));
    gc.numGC.push(nn(s.numGC));
    gc.heapGoal.push(nn(s.heapGoal ?? s.nextGC));
  }
  // Goroutine counts from profiles when polls don't carry them.
  if (!goroutines.some((g) => g !== null) && rec.goroutineSnapshots.length && xs.length) {
    const snaps = [...rec.goroutineSnapshots].filter((g) => g.t !== undefined).sort((a, b) => a.t! - b.t!);
    xs.forEach((xv, k) => {
      const snap = [...snaps].reverse().find((g) => x(g.t) <= xv);
      goroutines[k] = snap ? snap.total : null;
    });
  }
  const workLabel =
    axis === 'work-metric'
      ? (findings.observed.workMetric ?? 'work done')
      : axis === 'bytes-allocated'
        ? 'bytes allocated'
        : axis === 'objects-allocated'
          ? 'objects allocated'
          : undefined;
  const work =
    workLabel && workVals.some((w) => w !== null)
      ? { label: workLabel, unit: axis === 'bytes-allocated' ? ('bytes' as const) : ('count' as const), values: workVals }
      : undefined;

  // Live heap points and the fitted trend of the lifetime that decided (the last one unless it leaked elsewhere).
  const lp = livePoints.filter((p) => p.t !== undefined).sort((a, b) => a.t! - b.t!);
  const liveHeap: ReportData['liveHeap'] = { x: lp.map((p) => x(p.t)), bytes: lp.map((p) => p.bytes), source: findings.liveHeap.source };
  const trend = findings.evidence.liveHeap;
  // The fit used the last `trend.points` points of the deciding lifetime (warm-up dropped from the front).
  const lastSegAll = liveBySegment[liveBySegment.length - 1]?.filter((p) => p.t !== undefined) ?? [];
  const lastSeg = trend ? lastSegAll.slice(Math.max(0, lastSegAll.length - trend.points)) : lastSegAll;
  if (trend?.slopePerMinute !== undefined && lastSeg.length >= 2) {
    const slope = trend.slopePerMinute / 60; // bytes per second
    const sx = lastSeg.map((p) => x(p.t));
    const intercept = median(lastSeg.map((p, i) => p.bytes - slope * sx[i]));
    const x0 = sx[0];
    const x1 = sx[sx.length - 1];
    liveHeap.trend = { x0, x1, y0: intercept + slope * x0, y1: intercept + slope * x1 };
  }
  if (trend?.plateau) liveHeap.plateau = trend.latest;

  // Markers: GC ends (gctrace times, else LastGC changes), restarts, gaps.
  const gcTimes = new Set<number>();
  for (const c of rec.gcCycles) if (c.t !== undefined) gcTimes.add(c.t);
  if (!gcTimes.size)
    for (const s of samples) if (s.lastGCUnixNanos !== undefined && s.lastGCUnixNanos > 0n) gcTimes.add(Number(s.lastGCUnixNanos / 1_000_000n));
  const span = xs.length ? [xs[0], xs[xs.length - 1]] : [0, 0];
  const gcMarks = [...gcTimes]
    .map((t) => x(t))
    .filter((v) => v >= span[0] - 1 && v <= span[1] + 1)
    .sort((a, b) => a - b);
  const restarts = findings.restarts.filter((r) => r.t !== undefined).map((r) => ({ x: x(r.t), reason: r.reason }));
  for (const e of rec.events) if (e.kind === 'restart' && !restarts.some((r) => Math.abs(r.x - x(e.t)) < 30)) restarts.push({ x: x(e.t), reason: e.detail });
  const gaps = rec.events.filter((e) => e.kind === 'gap').map((e) => ({ x: x(e.t), seconds: (e.durationMs ?? 0) / 1000, detail: e.detail }));

  // Growth view: first and last heap profile of the last lifetime that has two.
  const profSeg = [...segments].reverse().find((s) => s.heapProfiles.length >= 2);
  const profs = profSeg ? [...profSeg.heapProfiles].sort((a, b) => (a.t ?? 0) - (b.t ?? 0)) : [];
  const flame = profs.length >= 2 ? heapDiffTree(profs[0], profs[profs.length - 1]) : undefined;

  const culpritProfiles = [...rec.heapProfiles].sort((a, b) => (a.t ?? 0) - (b.t ?? 0));
  return {
    schema: 'heapsight-report/1',
    title: input.title ?? rec.meta?.target.url ?? rec.meta?.note ?? 'heapsight report',
    note: rec.meta?.note,
    generatedAt: (opts.now ?? new Date()).toISOString(),
    target: rec.meta?.target.url,
    live: opts.live ?? false,
    findings,
    t0,
    x: xs,
    work,
    mem,
    goroutines,
    gc,
    liveHeap,
    container: containerData(
      findings,
      kept.map((i) => samples[i]),
    ),
    markers: { gc: gcMarks.length > 3000 ? [] : gcMarks, restarts, gaps },
    heapProfileX: culpritProfiles.map((p, i) => x(p.t, i)),
    flame,
    goroutineGroups: goroutineGroups(rec, (t) => x(t)),
    sampleCount: samples.length,
    build: findings.buildInfo ? buildInfoRows(findings.buildInfo) : undefined,
    proven: findings.provenGoroutineLeaks ? { total: findings.provenGoroutineLeaks.total, sites: proofSites(findings.provenGoroutineLeaks) } : undefined,
  };
}

/** The container view plus the cgroup's layers per charted sample (null where a sample has no reading). */
function containerData(findings: Findings, samples: MemorySample[]): ReportData['container'] {
  const v = containerView(findings);
  if (!v) return undefined;
  if (!samples.some((s) => s.cgroup)) return v;
  const col = (pick: (g: NonNullable<MemorySample['cgroup']>) => number | undefined): Num[] => samples.map((s) => (s.cgroup ? (pick(s.cgroup) ?? null) : null));
  return {
    ...v,
    series: {
      usage: col((g) => g.usage),
      workingSet: col((g) => g.workingSet),
      pageCache: col((g) =>
        g.activeFile !== undefined && g.inactiveFile !== undefined ? g.activeFile + g.inactiveFile : g.file !== undefined ? g.file - (g.shmem ?? 0) : undefined,
      ),
      anon: col((g) => g.anon),
      limit: col((g) => g.limit),
    },
  };
}
