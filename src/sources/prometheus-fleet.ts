// Read a whole fleet's Go memory behaviour from a Prometheus-compatible server (Prometheus, Thanos, Mimir,
// VictoriaMetrics) with server-side PromQL:
// per instance and per step, the lower envelope of HeapAlloc (min_over_time over a window of several
// scrapes), the exact live heap where Go ≥ 1.21 exports it, the goroutine floor, RSS, the runtime's
// mapped and released bytes, cumulative allocation, GC count, process start time and an optional work
// counter; plus process start-time changes over the whole window. Instances that restart more often
// than every MIN_STEPS_PER_LIFETIME steps are re-read at a finer step. The result is a few kilobytes
// per instance; the raw scrapes stay on the server.
//
// The non-obvious decision: each quantity is one query whose alternatives (old go_memstats_* and new
// go_memory_classes_*/go_gc_* names) are joined with PromQL `or`, aggregated `by (job, instance,
// <group-by labels>)`. `or` keeps the first alternative's series per label set and adds the others'
// only for label sets it lacks, so a fleet mixing client_golang versions is answered per instance in
// one request, and a name the server has never seen is left out of the query altogether.
//
// Containers (Kubernetes): when the Go series carry the pod's labels (JOIN_LABELS, by default namespace,
// pod and container, which a kubernetes_sd relabeling of __meta_kubernetes_namespace,
// __meta_kubernetes_pod_name and __meta_kubernetes_pod_container_name gives them), cAdvisor's
// container_memory_{working_set_bytes,rss,cache,usage_bytes} and container_spec_memory_limit_bytes, and
// kube-state-metrics' kube_pod_container_status_restarts_total and
// kube_pod_container_status_last_terminated_reason{reason="OOMKilled"} are read on the same step grid
// and joined to the Go instance on those labels, as a cgroup reading per sample (the analysis then sees
// page cache, the limit and OOM kills as it does for a local target). Those series carry the scraping
// kubelet's or kube-state-metrics' job and instance, never the service's, so only the join labels match.

import type { FleetData, FleetInstance, MetricGeneration } from '../model/fleet.js';
import type { CgroupMemory, MemorySample } from '../model/memory.js';
import { InputError } from './input-error.js';
import {
  instanceMatcher,
  labelKey,
  PrometheusClient,
  regexEscape,
  selectorFor,
  type MatrixSeries,
  type SplitReason,
  type SplittableQuery,
  type VectorSample,
} from './prometheus-api.js';

export interface FleetReadOptions {
  /** Label matchers without braces (parseSelector output). */
  selector: string;
  /** Unix seconds. */
  end: number;
  rangeSeconds: number;
  /** Query step; undefined = auto. */
  stepSeconds?: number;
  groupBy: string[];
  workMetric?: string;
  /** Labels joining the Go series to the pod's container series (default JOIN_LABELS); those the Go series lack are dropped. */
  joinLabels?: string[];
}

/** The pod's identity as cAdvisor and kube-state-metrics label it; Go series get them by relabeling. */
export const JOIN_LABELS = ['namespace', 'pod', 'container'];

/** Points per instance series that auto-step aims for: enough for robust trends, few enough to stay small. */
export const AUTO_POINTS = 150;
/** Fewer steps per process lifetime than this, and an instance is re-read at a finer step. */
export const MIN_STEPS_PER_LIFETIME = 12;

type Quantity = 'heapAlloc' | 'liveHeap' | 'totalAlloc' | 'numGC' | 'nextGC' | 'goroutines' | 'rss' | 'sys' | 'heapReleased' | 'start' | 'work';

interface QuantityDef {
  q: Quantity;
  /** Alternatives, best first. */
  names: string[];
  /** How a step's value is reduced over the window: the envelope, or the value at the step. */
  fn: 'min_over_time' | 'instant';
  agg: 'min' | 'max' | 'sum';
}

const QUANTITIES: QuantityDef[] = [
  { q: 'heapAlloc', names: ['go_memstats_heap_alloc_bytes', 'go_memory_classes_heap_objects_bytes'], fn: 'min_over_time', agg: 'min' },
  { q: 'liveHeap', names: ['go_gc_heap_live_bytes'], fn: 'min_over_time', agg: 'min' },
  { q: 'totalAlloc', names: ['go_memstats_alloc_bytes_total', 'go_gc_heap_allocs_bytes_total'], fn: 'instant', agg: 'max' },
  { q: 'numGC', names: ['go_gc_duration_seconds_count', 'go_gc_cycles_total_gc_cycles_total'], fn: 'instant', agg: 'max' },
  // The heap goal: with the GC counter dropped, cycles are estimated from bytes allocated over its headroom.
  { q: 'nextGC', names: ['go_memstats_next_gc_bytes', 'go_gc_heap_goal_bytes'], fn: 'instant', agg: 'max' },
  { q: 'goroutines', names: ['go_goroutines', 'go_sched_goroutines_goroutines'], fn: 'min_over_time', agg: 'min' },
  { q: 'rss', names: ['process_resident_memory_bytes'], fn: 'instant', agg: 'max' },
  { q: 'sys', names: ['go_memstats_sys_bytes', 'go_memory_classes_total_bytes'], fn: 'instant', agg: 'max' },
  { q: 'heapReleased', names: ['go_memstats_heap_released_bytes', 'go_memory_classes_heap_released_bytes'], fn: 'instant', agg: 'max' },
  { q: 'start', names: ['process_start_time_seconds'], fn: 'instant', agg: 'max' },
];

const GOROUTINE_NAMES = ['go_goroutines', 'go_sched_goroutines_goroutines'];
const MEMSTATS_MARK = 'go_memstats_heap_alloc_bytes';
const RUNTIME_MARK = 'go_memory_classes_heap_objects_bytes';

/** Round a step up to a duration people use (and Prometheus caches well). */
export function niceStep(seconds: number): number {
  const nice = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
  for (const n of nice) if (n >= seconds) return n;
  return Math.ceil(seconds / 86400) * 86400;
}

export async function readFleet(client: PrometheusClient, opts: FleetReadOptions): Promise<FleetData> {
  const started = Date.now();
  const notes: string[] = [];
  const sel = opts.selector;
  const end = Math.floor(opts.end);
  const start = end - opts.rangeSeconds;
  const range = `${opts.rangeSeconds}s`;

  if (opts.workMetric !== undefined && !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(opts.workMetric)) {
    throw new InputError('--work-metric', `expected a Prometheus metric name, got ${JSON.stringify(opts.workMetric)}`);
  }
  // What exists: metric names under the selector (one small answer), and the label names.
  const nameMatch = `{${['__name__=~"(go|process)_.+"', sel].filter(Boolean).join(',')}}`;
  const names = new Set(await client.labelValues('__name__', [nameMatch], start, end));
  if (opts.workMetric) {
    const wm = await client.labelValues('__name__', [`{${[`__name__=~"${opts.workMetric}(_total)?"`, sel].filter(Boolean).join(',')}}`], start, end);
    for (const n of wm) names.add(n);
  }
  const goroutineNames = GOROUTINE_NAMES.filter((n) => names.has(n));
  if (goroutineNames.length === 0) {
    throw new InputError(
      client.origin,
      `expected Go services (go_goroutines or go_sched_goroutines_goroutines) matching {${sel}}, found none in the last ${range}`,
    );
  }
  const labelNames = new Set(await client.labels([selectorFor(goroutineNames[0], sel)], start, end));
  for (const g of opts.groupBy) if (!labelNames.has(g)) notes.push(`--group-by label "${g}" is not on any series; instances are not grouped by it`);
  const joinLabels = (opts.joinLabels ?? JOIN_LABELS).filter((l) => labelNames.has(l));
  const idLabels = unique(['job', 'instance', ...opts.groupBy, ...joinLabels]);
  const by = `by (${idLabels.join(', ')})`;

  // The instances, from the goroutine series (one per instance, exported by every client_golang).
  const series = await client.series(
    goroutineNames.map((n) => selectorFor(n, sel)),
    start,
    end,
  );
  const instances = unique(series.map((s) => s.instance).filter((v): v is string => v !== undefined)).sort();
  if (instances.length === 0) throw new InputError(client.origin, `expected series with an "instance" label matching {${sel}}, found none`);

  const alt = (defNames: string[], build: (sel2: string) => string) =>
    defNames
      .filter((n) => names.has(n))
      .map(build)
      .join(' or ');

  // Samples per instance in the last hour tell the scrape interval (for the envelope window and the
  // auto step) and, scaled to the range, roughly how many raw samples stay on the server. A count over
  // the whole range would be exact but costs a full scan of the goroutine series.
  const probe = Math.min(opts.rangeSeconds, 3600);
  const countQ: SplittableQuery = {
    name: 'raw sample count',
    instances,
    expr: (m) => alt(goroutineNames, (n) => `sum ${by} (count_over_time(${selectorFor(n, sel, m)}[${probe}s]))`),
  };
  const counts = await client.query(countQ, end);
  const rawByKey = new Map(counts.map((c) => [idKey(c.metric, idLabels), Math.round((c.value * opts.rangeSeconds) / probe)]));
  const medianCount = median(counts.map((c) => c.value));
  const scrapeSeconds = medianCount > 1 ? probe / medianCount : 60;
  // Never finer than the scrapes; the envelope window below still spans several of them, so that over
  // a short range (minutes, a live test) every scrape counts, as it does for `watch`.
  const step = opts.stepSeconds ?? niceStep(Math.max(opts.rangeSeconds / AUTO_POINTS, scrapeSeconds));
  // The envelope must span several scrapes (several GC cycles' worth of HeapAlloc) even at a fine step.
  const windowSeconds = Math.max(step, niceStep(4 * scrapeSeconds));
  // More points per series than the server allows (Prometheus 11,000, VictoriaMetrics 30,000 by
  // default) is not refused here: the client splits such a range query in time.

  const defs = [...QUANTITIES];
  if (opts.workMetric) {
    const wn = [opts.workMetric, `${opts.workMetric}_total`].filter((n) => names.has(n));
    if (wn.length === 0) notes.push(`work metric ${opts.workMetric} not found; growth is normalised by bytes allocated instead`);
    else defs.push({ q: 'work', names: [wn[0]], fn: 'instant', agg: 'sum' });
  }
  type Entry = { labels: Record<string, string>; samples: Map<number, MemorySample>; present: Set<Quantity> };
  // The range queries for a set of instances ('' = all under the selector) at a step and envelope window.
  const rangeQueries = (win: number, insts: string[], only: string) =>
    defs
      .filter((d) => d.names.some((n) => names.has(n)))
      .map((d) => ({
        def: d,
        query: {
          name: only ? `${d.q} (finer step)` : d.q,
          instances: insts,
          expr: (m: string) =>
            alt(d.names, (n) =>
              d.fn === 'min_over_time'
                ? `${d.agg} ${by} (min_over_time(${selectorFor(n, sel, m || only)}[${win}s]))`
                : `${d.agg} ${by} (${selectorFor(n, sel, m || only)})`,
            ),
        } satisfies SplittableQuery,
      }));
  // Per-instance samples on the step grid.
  const assemble = (queries: ReturnType<typeof rangeQueries>, matrices: MatrixSeries[][]): Map<string, Entry> => {
    const byKey = new Map<string, Entry>();
    queries.forEach((x, i) => {
      for (const s of matrices[i]) {
        const key = idKey(s.metric, idLabels);
        let e = byKey.get(key);
        if (!e) {
          const labels: Record<string, string> = {};
          for (const l of idLabels) if (s.metric[l] !== undefined) labels[l] = s.metric[l];
          e = { labels, samples: new Map(), present: new Set() };
          byKey.set(key, e);
        }
        e.present.add(x.def.q);
        for (const [t, v] of s.values) {
          const ms = t * 1000;
          let sample = e.samples.get(ms);
          if (!sample) {
            sample = { t: ms, source: 'prometheus-api' };
            e.samples.set(ms, sample);
          }
          assign(sample, x.def.q, v);
        }
      }
    });
    return byKey;
  };
  const sortedSamples = (e: Entry) => [...e.samples.values()].sort((a, b) => a.t! - b.t!);

  const queries = rangeQueries(windowSeconds, instances, '');
  // Restarts between two steps show in the step series (start time, or a counter going backwards);
  // only changes() over the range sees several restarts within one step.
  const [matrices, startChanges, generationMarks] = await Promise.all([
    Promise.all(queries.map((x) => client.queryRange(x.query, start, end, step))),
    names.has('process_start_time_seconds')
      ? client.query(
          { name: 'start-time changes', instances, expr: (m) => `max ${by} (changes(${selectorFor('process_start_time_seconds', sel, m)}[${range}]))` },
          end,
        )
      : Promise.resolve([] as VectorSample[]),
    // Which names each instance exports: the series endpoint reads only the index, no samples.
    client.series(
      [MEMSTATS_MARK, RUNTIME_MARK].filter((n) => names.has(n)).map((n) => selectorFor(n, sel)),
      start,
      end,
    ),
  ]);
  const byKey = assemble(queries, matrices);
  const gen = new Map<string, number>();
  for (const g of generationMarks) {
    const bit = g.__name__ === MEMSTATS_MARK ? 1 : 2;
    gen.set(idKey(g, idLabels), (gen.get(idKey(g, idLabels)) ?? 0) | bit);
  }

  const out: (FleetInstance & { key: string })[] = [];
  for (const [key, e] of byKey) {
    if (!e.present.has('goroutines') && !e.present.has('heapAlloc')) continue;
    const g = gen.get(key) ?? 0;
    const generation: MetricGeneration = g === 1 ? 'memstats' : g === 2 ? 'runtime-metrics' : g === 3 ? 'both' : 'unknown';
    out.push({
      key,
      labels: e.labels,
      samples: sortedSamples(e),
      generation,
      startTimeChanges: lookup(startChanges, key, idLabels),
      rawSamples: rawByKey.get(key),
      missing: defs.filter((d) => !e.present.has(d.q)).map((d) => d.q),
    });
  }

  // Instances that restart often (deploys, OOM kills) may live fewer than MIN_STEPS_PER_LIFETIME steps:
  // too few points to trend each lifetime. Re-read just those at a finer step, so the OOM-kill cycle
  // (grow, restart, grow) is seen at any --range.
  const minStep = Math.max(1, Math.ceil(2 * scrapeSeconds), Math.ceil(opts.rangeSeconds / 2000));
  const wanted = out
    .map((i) => ({ i, restarts: Math.max(i.startTimeChanges ?? 0, backwardsCounters(i.samples)) }))
    .filter(({ restarts }) => restarts >= 2 && opts.rangeSeconds / (restarts + 1) < MIN_STEPS_PER_LIFETIME * step)
    .map(({ i, restarts }) => ({ i, step: Math.max(minStep, niceStepBelow(opts.rangeSeconds / (restarts + 1) / MIN_STEPS_PER_LIFETIME)) }))
    .filter((w) => w.step < step && w.i.labels.instance !== undefined);
  if (wanted.length) {
    const fine = Math.min(...wanted.map((w) => w.step));
    const fineWindow = Math.max(fine, niceStep(4 * scrapeSeconds));
    const insts = wanted.map((w) => w.i.labels.instance!);
    const fq = rangeQueries(fineWindow, insts, instanceMatcher(insts));
    const fm = await Promise.all(fq.map((x) => client.queryRange(x.query, start, end, fine)));
    const refined = assemble(fq, fm);
    for (const w of wanted) {
      const e = refined.get(w.i.key);
      if (!e) continue;
      w.i.samples = sortedSamples(e);
      w.i.stepSeconds = fine;
    }
    notes.push(
      `${wanted.length} instance${wanted.length > 1 ? 's' : ''} restarting more often than every ${MIN_STEPS_PER_LIFETIME} steps of ${step} s re-read at a ${fine} s step`,
    );
  }
  if (joinLabels.includes('pod')) await joinContainers(client, out, { joinLabels, start, end, step, notes });
  else if ((opts.joinLabels ?? JOIN_LABELS).length) {
    const cad = await client.labelValues('__name__', ['{__name__="container_memory_working_set_bytes"}'], start, end);
    if (cad.length)
      notes.push(
        `container series (cAdvisor) exist, but the Go series carry no "pod" label to join them on: relabel __meta_kubernetes_pod_name to pod (and namespace, container) in the scrape config, or name the labels with --join-labels`,
      );
  }
  out.sort((a, b) => labelKey(a.labels).localeCompare(labelKey(b.labels)));
  const instancesOut: FleetInstance[] = out.map(({ key: _k, ...rest }) => rest);

  for (const s of client.stats.splits) notes.push(`query "${s.query}": ${SPLIT_WHY[s.reason]}; split in ${s.parts} by ${s.by}`);
  for (const w of client.stats.warnings) notes.push(`server warning: ${w}`);
  return {
    source: client.origin,
    selector: sel ? `{${sel}}` : '{}',
    window: { start, end, stepSeconds: step, windowSeconds },
    groupBy: opts.groupBy,
    workMetric: opts.workMetric,
    instances: instancesOut,
    transfer: { requests: client.stats.requests, wireBytes: client.stats.wireBytes, bodyBytes: client.stats.bodyBytes, elapsedMs: Date.now() - started },
    notes,
  };
}

const SPLIT_WHY: Record<SplitReason, string> = {
  'too-many-samples': 'the server refused to load that many samples',
  'too-many-points': 'the server refused that many points per series',
  'too-many-series': 'the server refused to select that many series',
  'query-too-long': 'the server refused a query that long',
  'partial-response': 'the server answered partially',
};

/** Largest nice step not above `seconds` (at least 1). */
function niceStepBelow(seconds: number): number {
  const n = niceStep(seconds);
  if (n <= seconds) return n;
  const nice = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
  let best = 1;
  for (const v of nice) if (v <= seconds) best = v;
  return best;
}

/** Restarts visible in the step series as a cumulative counter going backwards. */
function backwardsCounters(samples: MemorySample[]): number {
  let n = 0;
  for (let k = 1; k < samples.length; k++) {
    const a = samples[k - 1].totalAlloc;
    const b = samples[k].totalAlloc;
    if (a !== undefined && b !== undefined && b < a) n++;
  }
  return n;
}

function assign(s: MemorySample, q: Quantity, v: number): void {
  if (!Number.isFinite(v)) return;
  switch (q) {
    case 'start':
      s.processStartSeconds = v;
      break;
    case 'work':
      s.work = v;
      break;
    default:
      s[q] = v;
  }
}

function lookup(v: VectorSample[], key: string, idLabels: string[]): number | undefined {
  for (const s of v) if (idKey(s.metric, idLabels) === key) return s.value;
  return undefined;
}

function idKey(metric: Record<string, string>, idLabels: string[]): string {
  return JSON.stringify(idLabels.map((l) => metric[l] ?? ''));
}

function unique<T>(v: T[]): T[] {
  return [...new Set(v)];
}

function median(v: number[]): number {
  if (!v.length) return 0;
  const s = [...v].sort((a, b) => a - b);
  return s[s.length >> 1];
}

const CONTAINER_NAMES = {
  workingSet: 'container_memory_working_set_bytes',
  rss: 'container_memory_rss',
  cache: 'container_memory_cache',
  usage: 'container_memory_usage_bytes',
  limit: 'container_spec_memory_limit_bytes',
  restarts: 'kube_pod_container_status_restarts_total',
  oomReason: 'kube_pod_container_status_last_terminated_reason',
} as const;
type ContainerQuantity = keyof typeof CONTAINER_NAMES;

/**
 * Read the pods' container series at the fleet's step and attach them to each Go instance with the same
 * join labels: one cgroup reading per Go sample (the latest container step at or before it, so an
 * instance re-read at a finer step still gets one), with the OOM kills counted so far. cAdvisor's
 * pod-level (container="") and pause (container="POD") series are left out.
 */
async function joinContainers(
  client: PrometheusClient,
  instances: (FleetInstance & { key: string })[],
  o: { joinLabels: string[]; start: number; end: number; step: number; notes: string[] },
): Promise<void> {
  const { joinLabels, start, end, step, notes } = o;
  const present = new Set(await client.labelValues('__name__', [`{__name__=~"${Object.values(CONTAINER_NAMES).join('|')}"}`], start, end));
  if (!present.has(CONTAINER_NAMES.workingSet) && !present.has(CONTAINER_NAMES.rss)) {
    notes.push(
      `the Go series carry ${joinLabels.join(', ')} but no cAdvisor series (container_memory_working_set_bytes, container_memory_rss) were found: no container view`,
    );
    return;
  }
  const key = (m: Record<string, string>) => JSON.stringify(joinLabels.map((l) => m[l] ?? ''));
  const wanted = new Map(instances.map((i) => [key(i.labels), i]));
  // Only the namespaces of the fleet, when namespace is a join label: the rest of the cluster stays on the server.
  const namespaces = joinLabels.includes('namespace') ? unique(instances.map((i) => i.labels.namespace).filter((v): v is string => !!v)) : [];
  const nsMatch = namespaces.length ? `namespace=~${JSON.stringify(namespaces.map(regexEscape).join('|'))}` : '';
  const containerMatch = joinLabels.includes('container') ? 'container!="",container!="POD"' : '';
  const by = `by (${joinLabels.join(', ')})`;
  const qs = (Object.keys(CONTAINER_NAMES) as ContainerQuantity[])
    .filter((q) => present.has(CONTAINER_NAMES[q]))
    .map((q) => {
      const extra = q === 'oomReason' ? 'reason="OOMKilled"' : '';
      return {
        q,
        query: {
          name: `container ${q}`,
          expr: () => `max ${by} (${selectorFor(CONTAINER_NAMES[q], containerMatch, nsMatch, extra)})`,
        } satisfies SplittableQuery,
      };
    });
  const matrices = await Promise.all(qs.map((x) => client.queryRange(x.query, start, end, step)));
  type Row = Partial<Record<ContainerQuantity, number>>;
  const rows = new Map<string, Map<number, Row>>();
  qs.forEach((x, i) => {
    for (const s of matrices[i]) {
      const k = key(s.metric);
      if (!wanted.has(k)) continue;
      let byT = rows.get(k);
      if (!byT) rows.set(k, (byT = new Map()));
      for (const [t, v] of s.values) {
        const r = byT.get(t) ?? {};
        r[x.q] = v;
        byT.set(t, r);
      }
    }
  });
  let joined = 0;
  for (const [k, inst] of wanted) {
    const byT = rows.get(k);
    if (!byT) {
      inst.missing.push('container');
      continue;
    }
    joined++;
    const times = [...byT.keys()].sort((a, b) => a - b);
    // OOM kills: restarts counted while the last termination was OOMKilled, each placed at the Go
    // series' own restart nearest to it (the Go samples may be finer than the container steps), so
    // that the analysis sees the kill count rise exactly across the restart it caused.
    const restartIdx: number[] = [];
    for (let i = 1; i < inst.samples.length; i++) {
      const p = inst.samples[i - 1];
      const c = inst.samples[i];
      const startMoved =
        p.processStartSeconds !== undefined && c.processStartSeconds !== undefined && Math.abs(c.processStartSeconds - p.processStartSeconds) > 1;
      const allocBack = p.totalAlloc !== undefined && c.totalAlloc !== undefined && c.totalAlloc < p.totalAlloc;
      if (startMoved || allocBack) restartIdx.push(i);
    }
    const killsAt = new Map<number, number>();
    const used = new Set<number>();
    let kills = 0;
    let prevRestarts: number | undefined;
    let prevT: number | undefined;
    for (const t of times) {
      const r = byT.get(t)!;
      if (r.restarts === undefined) continue;
      if (prevRestarts !== undefined && prevT !== undefined && r.restarts > prevRestarts && r.oomReason === 1) {
        const d = r.restarts - prevRestarts;
        kills += d;
        const lo = (prevT - step) * 1000;
        const hi = (t + step) * 1000;
        const at =
          restartIdx.find((i) => !used.has(i) && inst.samples[i].t! > lo && inst.samples[i].t! <= hi) ?? inst.samples.findIndex((x) => x.t! >= t * 1000);
        if (at >= 0) {
          used.add(at);
          killsAt.set(at, (killsAt.get(at) ?? 0) + d);
        }
      }
      prevRestarts = r.restarts;
      prevT = t;
    }
    const countKills = present.has(CONTAINER_NAMES.restarts);
    let j = 0;
    let soFar = 0;
    inst.samples.forEach((s, i) => {
      soFar += killsAt.get(i) ?? 0;
      const ts = s.t! / 1000;
      while (j + 1 < times.length && times[j + 1] <= ts) j++;
      if (times[j] > ts || ts - times[j] > 2 * step) return;
      const cg = cgroupFromContainer(byT.get(times[j])!, countKills ? soFar : undefined);
      if (cg) s.cgroup = cg;
    });
    const lastRow = byT.get(times[times.length - 1])!;
    inst.container = { oomKills: kills, restarts: prevRestarts, limit: lastRow.limit && lastRow.limit > 0 ? lastRow.limit : undefined };
  }
  notes.push(
    `container series joined on ${joinLabels.join(', ')}: ${joined} of ${wanted.size} instances${present.has(CONTAINER_NAMES.restarts) ? '' : '; no kube-state-metrics restart counter, so OOM kills are not counted'}`,
  );
}

/**
 * A cgroup reading from cAdvisor's numbers. container_memory_rss is the cgroup's anon, _cache its page
 * cache (file, tmpfs included), and the working set is usage − inactive_file, so inactive_file is usage
 * − working set; without container_memory_usage_bytes the usage is taken as anon + page cache.
 */
function cgroupFromContainer(r: Partial<Record<ContainerQuantity, number>>, oomKills: number | undefined): CgroupMemory | undefined {
  const usage = r.usage ?? (r.rss !== undefined && r.cache !== undefined ? r.rss + r.cache : r.workingSet);
  if (usage === undefined) return undefined;
  const inactive = r.workingSet !== undefined && r.cache !== undefined ? Math.min(r.cache, Math.max(0, usage - r.workingSet)) : undefined;
  return {
    version: 2,
    source: 'cadvisor',
    usage,
    // cAdvisor reports 0 for a container without a limit.
    limit: r.limit && r.limit > 0 ? r.limit : undefined,
    anon: r.rss,
    file: r.cache,
    inactiveFile: inactive,
    activeFile: inactive !== undefined && r.cache !== undefined ? r.cache - inactive : undefined,
    workingSet: r.workingSet,
    oomKills,
  };
}
