// The fleet verdict: every instance's downsampled series judged by the same engine as a single
// service (analyzeRecording: restarts split the series, the live-heap envelope is trended against
// bytes allocated, goroutines and non-Go RSS likewise, the OOM-kill cycle is recognised), then ranked,
// grouped into stories by labels, and given the next command to run for the top suspects. Pure.
//
// The non-obvious decision: no fleet-specific statistics. A fleet instance is turned into a Recording
// whose samples are the server-side envelopes, so `fleet` and `watch` can only disagree through the
// data (step and envelope window), never through a second set of thresholds; the fleet layer only adds
// what a single recording cannot see: restarts that fell within one step (PromQL changes()), and
// comparisons between instances.

import type { FleetData, FleetInstance, FleetQueryWindow, MetricGeneration } from '../model/fleet.js';
import { analyzeRecording } from './analyze-recording.js';
import type { ObserveMore, Verdict } from './findings.js';
import { median, maxOf, minOf } from './robust-stats.js';
import { formatBytes } from './units.js';

export interface NextSteps {
  watch: string;
  heapProfile: string;
  goroutines: string;
}

export interface FleetInstanceVerdict {
  /** 1 = most suspect. */
  rank: number;
  labels: Record<string, string>;
  verdict: Verdict;
  confidence: number;
  /** One line for the table. */
  headline: string;
  /** The engine's evidence sentences, most important first (at most 4). */
  reasons: string[];
  liveHeapBytesPerHour?: number;
  liveHeapBytesPerGiBAllocated?: number;
  liveHeapBytesPer1000Work?: number;
  goroutinesPerHour?: number;
  nonGoBytesPerHour?: number;
  /** Latest live-heap estimate, bytes. */
  liveHeap?: number;
  rss?: number;
  /** Sys − HeapReleased at the last step. */
  goMapped?: number;
  /** Process restarts in the window (the larger of step-level detection and PromQL changes()). */
  restarts: number;
  /** Memory rose in every lifetime that ended in a restart, to about the same peak. */
  oomCycle: boolean;
  /** The pod's container (cAdvisor, kube-state-metrics), when joined: OOM kills in the window, the limit, the working set now and which layer grew. */
  container?: { oomKills: number; limit?: number; workingSet?: number; growingLayer?: 'page-cache' | 'tmpfs' | 'kernel' | 'anon' };
  generation: MetricGeneration;
  missing: string[];
  points: number;
  observeMore?: ObserveMore;
  next?: NextSteps;
}

export interface FleetGroup {
  label: string;
  value: string;
  instances: number;
  leaking: number;
  verdicts: Partial<Record<Verdict, number>>;
  /** Median live-heap growth of the group's heap leakers, bytes per hour. */
  medianLeakBytesPerHour?: number;
}

export interface FleetStory {
  label: string;
  text: string;
  groups: FleetGroup[];
}

export interface FleetFindings {
  schema: 'heapsight-fleet/1';
  source: string;
  selector: string;
  window: FleetQueryWindow;
  counts: Partial<Record<Verdict, number>>;
  instances: FleetInstanceVerdict[];
  stories: FleetStory[];
  transfer: FleetData['transfer'] & { bytesPerInstance: number; rawSamples?: number };
  notes: string[];
}

const LEAKS: Verdict[] = ['goroutine-leak', 'heap-leak', 'off-heap-growth'];
const ORDER: Record<Verdict, number> = { 'goroutine-leak': 0, 'heap-leak': 0, 'off-heap-growth': 0, inconclusive: 1, 'no-leak': 2 };

export function isLeak(v: Verdict): boolean {
  return LEAKS.includes(v);
}

export function analyzeFleet(data: FleetData, opts: { topSuspects?: number } = {}): FleetFindings {
  const judged = data.instances.map((inst) => judgeInstance(inst, data.workMetric));
  judged.sort(compareSuspicion);
  judged.forEach((j, i) => (j.rank = i + 1));
  const top = opts.topSuspects ?? 5;
  for (const j of judged.slice(0, top)) if (isLeak(j.verdict)) j.next = nextSteps(j.labels.instance);

  const counts: Partial<Record<Verdict, number>> = {};
  for (const j of judged) counts[j.verdict] = (counts[j.verdict] ?? 0) + 1;
  const rawSamples = data.instances.reduce((a, i) => a + (i.rawSamples ?? 0), 0);
  return {
    schema: 'heapsight-fleet/1',
    source: data.source,
    selector: data.selector,
    window: data.window,
    counts,
    instances: judged,
    stories: data.groupBy.map((l) => storyFor(l, judged)).filter((s): s is FleetStory => s !== undefined),
    transfer: {
      ...data.transfer,
      bytesPerInstance: data.instances.length ? Math.round(data.transfer.wireBytes / data.instances.length) : 0,
      rawSamples: rawSamples || undefined,
    },
    notes: data.notes,
  };
}

/**
 * Leaks first (most confident, then fastest first), then inconclusive, then no-leak least sure first.
 * Within inconclusive, a container the OOM killer ended comes first: the kills are facts, whatever the
 * trend could not yet say. A working set near its limit ranks nothing higher by itself: page cache fills
 * any limit and is reclaimed, not killed for.
 */
export function compareSuspicion(a: FleetInstanceVerdict, b: FleetInstanceVerdict): number {
  const o = ORDER[a.verdict] - ORDER[b.verdict];
  if (o !== 0) return o;
  if (a.verdict === 'inconclusive') {
    const k = (b.container?.oomKills ?? 0) - (a.container?.oomKills ?? 0);
    if (k !== 0) return k;
  }
  if (isLeak(a.verdict)) return b.confidence - a.confidence || (b.liveHeapBytesPerHour ?? 0) - (a.liveHeapBytesPerHour ?? 0);
  if (a.verdict === 'no-leak') return a.confidence - b.confidence;
  return b.confidence - a.confidence;
}

export function judgeInstance(inst: FleetInstance, workMetric?: string): FleetInstanceVerdict {
  const f = analyzeRecording(
    { samples: inst.samples, gcCycles: [], scavenges: [], heapProfiles: [], goroutineSnapshots: [], events: [] },
    { workMetric: inst.samples.some((s) => s.work !== undefined) ? workMetric : undefined },
  );
  const r = f.evidence.rates;
  const perHour = (v: number | undefined) => (v === undefined ? undefined : v * 60);
  const last = inst.samples[inst.samples.length - 1];
  const restarts = Math.max(f.restarts.length, inst.startTimeChanges ?? 0);
  const peaks = f.restarts.map((x) => x.peakRssBefore ?? x.liveHeapBefore).filter((p): p is number => p !== undefined);
  const oomCycle = isLeak(f.verdict) && f.restarts.length >= 2 && peaks.length >= 2 && minOf(peaks) >= 0.7 * maxOf(peaks);
  const reasons = f.evidence.reasons.slice(0, 4);
  if ((inst.startTimeChanges ?? 0) > f.restarts.length) {
    reasons.push(
      `${inst.startTimeChanges} process restarts in the window, ${inst.startTimeChanges! - f.restarts.length} of them too close together to split the trend at`,
    );
  }
  const v: FleetInstanceVerdict = {
    rank: 0,
    labels: inst.labels,
    verdict: f.verdict,
    confidence: f.confidence,
    headline: '',
    reasons,
    liveHeapBytesPerHour: perHour(r.liveHeapBytesPerMinute),
    liveHeapBytesPerGiBAllocated: r.liveHeapBytesPerGiBAllocated,
    liveHeapBytesPer1000Work: r.liveHeapBytesPer1000Work,
    goroutinesPerHour: perHour(r.goroutinesPerMinute),
    nonGoBytesPerHour: perHour(r.nonGoBytesPerMinute),
    liveHeap: f.liveHeap.last,
    rss: last?.rss,
    goMapped: last?.sys !== undefined ? last.sys - (last.heapReleased ?? 0) : undefined,
    restarts,
    oomCycle,
    container: inst.container
      ? { oomKills: inst.container.oomKills, limit: inst.container.limit, workingSet: last?.cgroup?.workingSet, growingLayer: f.container?.growingLayer }
      : undefined,
    generation: inst.generation,
    missing: inst.missing,
    points: inst.samples.length,
    observeMore: f.observeMore,
  };
  v.headline = headline(v);
  return v;
}

function rate(bytesPerHour: number | undefined): string {
  if (bytesPerHour === undefined) return '';
  return `${bytesPerHour >= 0 ? '+' : ''}${formatBytes(bytesPerHour)}/h`;
}

function headline(v: FleetInstanceVerdict): string {
  const parts: string[] = [];
  switch (v.verdict) {
    case 'heap-leak':
      parts.push(`live heap ${rate(v.liveHeapBytesPerHour)}`);
      if (v.liveHeapBytesPer1000Work !== undefined) parts.push(`${formatBytes(v.liveHeapBytesPer1000Work)} per 1,000 requests`);
      else if (v.liveHeapBytesPerGiBAllocated !== undefined) parts.push(`${formatBytes(v.liveHeapBytesPerGiBAllocated)} per GiB allocated`);
      break;
    case 'goroutine-leak':
      parts.push(`goroutines ${v.goroutinesPerHour !== undefined ? `${v.goroutinesPerHour >= 0 ? '+' : ''}${Math.round(v.goroutinesPerHour)}/h` : 'rising'}`);
      if (v.liveHeapBytesPerHour !== undefined && v.liveHeapBytesPerHour > 0) parts.push(`live heap ${rate(v.liveHeapBytesPerHour)}`);
      break;
    case 'off-heap-growth':
      parts.push(`RSS outside the Go runtime ${rate(v.nonGoBytesPerHour)}`);
      break;
    case 'no-leak':
      parts.push(`live heap ${v.liveHeap !== undefined ? formatBytes(v.liveHeap) : '?'} and bounded`);
      if (v.rss !== undefined && v.liveHeap !== undefined && v.rss > 3 * v.liveHeap) parts.push(`RSS ${formatBytes(v.rss)} is mostly memory the runtime holds`);
      break;
    case 'inconclusive':
      parts.push(v.observeMore?.reason ?? 'not enough data');
      break;
  }
  const c = v.container;
  if (c?.oomKills)
    parts.push(`OOM-killed ${c.oomKills} time${c.oomKills > 1 ? 's' : ''}${c.limit !== undefined ? ` at its ${formatBytes(c.limit)} limit` : ''}`);
  else if (v.oomCycle) parts.push(`OOM-kill cycle (${v.restarts} restarts)`);
  else if (v.restarts) parts.push(`${v.restarts} restart${v.restarts > 1 ? 's' : ''}`);
  if (c?.growingLayer === 'page-cache' && !isLeak(v.verdict)) {
    parts.push(
      `working set ${c.workingSet !== undefined ? `${formatBytes(c.workingSet)}${c.limit !== undefined ? ` of ${formatBytes(c.limit)}` : ''} ` : ''}grows with page cache: reclaimed under pressure, not a leak`,
    );
  } else if (c?.growingLayer === 'tmpfs') parts.push('tmpfs grows (real, not reclaimable)');
  return parts.join('; ');
}

/** `heapsight watch` and pprof URLs when the instance label is a host:port we can address. */
export function nextSteps(instance: string | undefined): NextSteps | undefined {
  if (!instance || !/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(instance)) return undefined;
  const base = `http://${instance}`;
  return { watch: `heapsight watch ${base}`, heapProfile: `${base}/debug/pprof/heap`, goroutines: `${base}/debug/pprof/goroutine?debug=2` };
}

function groupsBy(label: string, judged: FleetInstanceVerdict[]): FleetGroup[] {
  const m = new Map<string, FleetInstanceVerdict[]>();
  for (const j of judged) {
    const v = j.labels[label];
    if (v === undefined) continue;
    const list = m.get(v) ?? [];
    list.push(j);
    m.set(v, list);
  }
  return [...m.entries()]
    .map(([value, list]) => {
      const verdicts: Partial<Record<Verdict, number>> = {};
      for (const j of list) verdicts[j.verdict] = (verdicts[j.verdict] ?? 0) + 1;
      const heapRates = list.filter((j) => j.verdict === 'heap-leak' && j.liveHeapBytesPerHour !== undefined).map((j) => j.liveHeapBytesPerHour!);
      return {
        label,
        value,
        instances: list.length,
        leaking: list.filter((j) => isLeak(j.verdict)).length,
        verdicts,
        medianLeakBytesPerHour: heapRates.length ? median(heapRates) : undefined,
      };
    })
    .sort((a, b) => b.leaking / b.instances - a.leaking / a.instances || a.value.localeCompare(b.value));
}

function describeGroup(g: FleetGroup): string {
  const who = `${g.label}="${g.value}"`;
  if (g.leaking === 0) return `${who}: none of ${g.instances} instance${g.instances > 1 ? 's' : ''} leak${g.instances > 1 ? '' : 's'}`;
  const kinds = LEAKS.filter((v) => g.verdicts[v])
    .map((v) => `${g.verdicts[v]} ${v}`)
    .join(', ');
  const quant = g.leaking === g.instances ? `all ${g.instances} instances` : `${g.leaking} of ${g.instances} instances`;
  const rateText = g.medianLeakBytesPerHour !== undefined ? `, live heap about ${rate(g.medianLeakBytesPerHour)} (median)` : '';
  return `${quant} of ${who} leak (${kinds})${rateText}`;
}

/**
 * A story when the label separates leaking from healthy instances: the leaking share differs by at
 * least half between the most and the least affected value. Otherwise no story (nothing to tell).
 */
export function storyFor(label: string, judged: FleetInstanceVerdict[]): FleetStory | undefined {
  const groups = groupsBy(label, judged);
  if (groups.length < 2) return undefined;
  const share = (g: FleetGroup) => g.leaking / g.instances;
  const hi = groups[0];
  const lo = groups[groups.length - 1];
  if (share(hi) - share(lo) < 0.5) return undefined;
  const shown = groups.length <= 4 ? groups : [...groups.slice(0, 2), lo];
  return { label, text: shown.map(describeGroup).join('; '), groups };
}
