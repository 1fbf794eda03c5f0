// Test-only: a synthetic fleet of Go services with known behaviour, written as timestamped OpenMetrics
// text and backfilled into TSDB blocks with `promtool tsdb create-blocks-from openmetrics`, for the
// fleet tests and the fleet benchmark. Each instance is simulated scrape by scrape from its kind: a
// daily traffic cycle drives requests and allocation, allocation drives a GOGC=100 sawtooth of
// HeapAlloc over the live heap, and the kind decides what the live heap, goroutines, the runtime's
// mappings and RSS do (leak per request, goroutine leak, OOM-kill cycle, retained spans after bursts,
// cgo memory outside the Go heap, deploy restarts, a cache that plateaus, steady). The expected verdict of an instance is its kind's.
// With `cluster`, the fleet is a Kubernetes cluster instead: Go series relabeled with namespace/pod/
// container, cAdvisor's container_memory_* and container_spec_memory_limit_bytes per container (plus the
// pod-level container="" series cAdvisor also exports), and kube-state-metrics' restart counter and
// last-terminated reason; its kinds are OOM-killed leakers (killed when the container reaches its limit),
// page-cache growers (heap flat, page cache of written files growing until the kernel reclaims it at the
// limit) and healthy pods. With `dropGcCycles`, the GC cycle counters are left out, as a relabeling rule
// that drops go_gc_duration_seconds does (issue 9 class 7).
//
// The non-obvious decision: one OpenMetrics file per 2-hour block window. Debian's promtool 2.42 has
// no --max-block-duration and re-parses the whole input once per 2 h block, so a single file costs
// (days × 12) parses; per-window files make the backfill one pass. Blocks are cached under .cache/
// keyed by the spec and this file's own text, so a changed generator never reuses stale data.

import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Verdict } from '../analysis/findings.js';
import { promtool } from './prometheus-server.js';
import { seededRandom } from './seeded-random.js';
import { repoRoot } from './toolchain.js';

export type SyntheticKind =
  'leak' | 'goroutine-leak' | 'oom-cycle' | 'off-heap' | 'retaining' | 'restarting' | 'plateau' | 'steady' | 'oom-killed' | 'page-cache';

export interface FleetSpec {
  instances: number;
  days: number;
  scrapeSeconds: number;
  /** Unix seconds, a multiple of 7200 (block alignment). */
  endUnix: number;
  seed: number;
  /** A Kubernetes cluster (CLUSTER_MIX, pod labels, cAdvisor and kube-state-metrics series). */
  cluster?: boolean;
  /** No GC cycle counter (go_gc_duration_seconds_count, go_gc_cycles_total_gc_cycles_total). */
  dropGcCycles?: boolean;
}

export interface KubernetesPlacement {
  namespace: string;
  pod: string;
  container: string;
  node: string;
  /** container_spec_memory_limit_bytes. */
  limit: number;
}

export interface SyntheticInstance {
  job: string;
  instance: string;
  version: string;
  kind: SyntheticKind;
  /** 'memstats': go_memstats_* only (old client_golang); 'runtime-metrics': go_memory_classes_* and go_gc_* only. */
  generation: 'memstats' | 'runtime-metrics';
  /** Some services run without the process collector: no RSS, no start time. */
  processMetrics: boolean;
  k8s?: KubernetesPlacement;
}

/** A fixed mix per 20 instances: 9 leakers of four kinds, 11 non-leakers of four. */
const MIX: SyntheticKind[] = [
  'leak',
  'leak',
  'leak',
  'leak',
  'goroutine-leak',
  'goroutine-leak',
  'oom-cycle',
  'oom-cycle',
  'off-heap',
  'retaining',
  'retaining',
  'retaining',
  'restarting',
  'restarting',
  'restarting',
  'plateau',
  'plateau',
  'plateau',
  'steady',
  'steady',
];

/** Per 10 pods of a cluster: 3 OOM-killed leakers, 3 page-cache growers, 4 healthy (one a plateauing cache). */
const CLUSTER_MIX: SyntheticKind[] = [
  'oom-killed',
  'page-cache',
  'steady',
  'oom-killed',
  'page-cache',
  'steady',
  'plateau',
  'oom-killed',
  'page-cache',
  'steady',
];

export const DEFAULT_END_UNIX = 1_767_225_600; // 2026-01-01T00:00:00Z, a multiple of 7200

export function expectedVerdict(kind: SyntheticKind): Verdict {
  switch (kind) {
    case 'leak':
    case 'oom-cycle':
    case 'oom-killed':
      return 'heap-leak';
    case 'goroutine-leak':
      return 'goroutine-leak';
    case 'off-heap':
      return 'off-heap-growth';
    default:
      return 'no-leak';
  }
}

export function fleetInstances(spec: FleetSpec): SyntheticInstance[] {
  const rnd = seededRandom(spec.seed);
  const out: SyntheticInstance[] = [];
  for (let i = 0; i < spec.instances; i++) {
    const kind = spec.cluster ? CLUSTER_MIX[i % CLUSTER_MIX.length] : MIX[i % MIX.length];
    const leaker = expectedVerdict(kind) !== 'no-leak';
    const k8s: KubernetesPlacement | undefined = spec.cluster
      ? {
          namespace: i % 2 === 0 ? 'shop' : 'search',
          pod: `svc${i % 4}-5d8f9c7b4-${Math.floor(rnd() * 36 ** 5)
            .toString(36)
            .padStart(5, '0')}`,
          container: 'app',
          node: `node-${i % 5}`,
          limit: (kind === 'steady' || kind === 'plateau' ? 768 : 512) * MiB,
        }
      : undefined;
    out.push({
      job: i % 3 === 0 ? 'checkout' : 'api',
      instance: `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}:${8080 + Math.floor(rnd() * 3)}`,
      version: leaker ? 'v1.4.2' : 'v1.4.1',
      kind,
      generation: i % 2 === 0 ? 'memstats' : 'runtime-metrics',
      // Off-heap growth is only visible in RSS: such an instance always has the process collector.
      processMetrics: spec.cluster ? true : i % 7 !== 3 || kind === 'off-heap',
      k8s,
    });
  }
  return out;
}

const MiB = 1024 * 1024;

interface SimState {
  rnd: () => number;
  processStart: number;
  requests: number;
  totalAlloc: number;
  numGc: number;
  sinceGc: number;
  heapPeak: number;
  released: number;
  /** Per-instance constants. */
  baseRps: number;
  phase: number;
  baseHeap: number;
  leakPerRequest: number;
  goroutineLeakPerRequest: number;
  /** C memory (cgo malloc) never freed, bytes per request: RSS grows, the Go runtime's mappings do not. */
  offHeapPerRequest: number;
  nextRestart: number;
  cacheBytes: number;
  /** The container's page cache now, bytes, and how fast a page-cache grower adds to it (bytes/s). */
  pageCache: number;
  pageCacheRate: number;
  /** kube-state-metrics: container restarts, and whether the last one was an OOM kill. */
  restartsTotal: number;
  lastOomKilled: boolean;
}

/** One scrape's values, by logical quantity. */
interface Scrape {
  heapAlloc: number;
  live: number;
  totalAlloc: number;
  sys: number;
  released: number;
  goroutines: number;
  numGc: number;
  rss: number;
  start: number;
  requests: number;
  nextGc: number;
  /** cAdvisor and kube-state-metrics, cluster only. */
  pageCache: number;
  workingSet: number;
  restartsTotal: number;
  lastOomKilled: boolean;
}

const ALLOC_PER_REQUEST = 16 * 1024;
/** Page cache of a container that writes nothing much: its binary and a few files. */
const BASE_PAGE_CACHE = 12 * MiB;
/** Share of the page cache on the active LRU (counted in the working set); the rest is inactive_file. */
const ACTIVE_FILE_SHARE = 0.85;
/** Kernel memory charged to a container (page tables, sockets): usage = anon + page cache + this. */
const KERNEL_BYTES = 4 * MiB;

function initState(inst: SyntheticInstance, idx: number, spec: FleetSpec, t0: number): SimState {
  const rnd = seededRandom(spec.seed * 7919 + idx * 104729 + 1);
  const baseRps = 30 + 40 * rnd();
  // Leak rates in MiB per hour at the mean traffic, varied per instance.
  const leakMiBPerHour = inst.kind === 'oom-cycle' || inst.kind === 'oom-killed' ? 40 + 20 * rnd() : 20 + 20 * rnd();
  return {
    rnd,
    processStart: t0 - 3600 - Math.floor(rnd() * 86400),
    requests: 0,
    totalAlloc: 0,
    numGc: 0,
    sinceGc: 0,
    heapPeak: 0,
    released: 0,
    baseRps,
    phase: rnd(),
    baseHeap: (30 + 30 * rnd()) * MiB,
    leakPerRequest: inst.kind === 'leak' || inst.kind === 'oom-cycle' || inst.kind === 'oom-killed' ? (leakMiBPerHour * MiB) / (baseRps * 3600) : 0,
    goroutineLeakPerRequest: inst.kind === 'goroutine-leak' ? (200 + 200 * rnd()) / (baseRps * 3600) : 0,
    offHeapPerRequest: inst.kind === 'off-heap' ? ((15 + 10 * rnd()) * MiB) / (baseRps * 3600) : 0,
    nextRestart: inst.kind === 'restarting' ? t0 + 6 * 3600 + rnd() * 6 * 3600 : Number.POSITIVE_INFINITY,
    cacheBytes: (150 + 100 * rnd()) * MiB,
    pageCache: BASE_PAGE_CACHE,
    // 25–45 MiB/h of files written (logs, a spool): the limit is reached within the window.
    pageCacheRate: inst.kind === 'page-cache' ? ((25 + 20 * rnd()) * MiB) / 3600 : 0,
    restartsTotal: 0,
    lastOomKilled: false,
  };
}

function restart(s: SimState, t: number): void {
  s.processStart = t;
  s.requests = 0;
  s.totalAlloc = 0;
  s.numGc = 0;
  s.sinceGc = 0;
  s.heapPeak = 0;
  s.released = 0;
}

function step(inst: SyntheticInstance, s: SimState, t: number, dt: number, t0: number): Scrape {
  const r = s.rnd;
  if (t >= s.nextRestart) {
    restart(s, t - Math.floor(r() * dt));
    s.nextRestart = t + 8 * 3600 + r() * 6 * 3600;
  }
  const day = (t - t0) / 86400 + s.phase;
  const rps = s.baseRps * (1 + 0.6 * Math.sin(2 * Math.PI * day)) * (1 + 0.05 * (r() - 0.5));
  const reqs = rps * dt;
  s.requests += reqs;
  const alloc = reqs * ALLOC_PER_REQUEST * (1 + 0.1 * (r() - 0.5));
  s.totalAlloc += alloc;
  const up = t - s.processStart;

  const inflight = rps * 40 * 1024 * (1 + 0.3 * r());
  let leaked = s.leakPerRequest * s.requests;
  const leakedGoroutines = Math.floor(s.goroutineLeakPerRequest * s.requests);
  leaked += leakedGoroutines * 8192;
  let live = s.baseHeap + leaked + inflight;
  if (inst.kind === 'plateau') live += s.cacheBytes * (1 - Math.exp(-up / 7200));
  // Retaining: a burst every 6 h of up time builds 300 MiB for ten minutes, then it is all garbage.
  let burst = 0;
  if (inst.kind === 'retaining' && up % (6 * 3600) < 600) burst = 300 * MiB;
  live += burst;

  // GOGC=100: a GC whenever the heap reaches twice what the last one left live.
  s.sinceGc += alloc;
  if (s.sinceGc >= live) {
    s.numGc += Math.floor(s.sinceGc / live);
    s.sinceGc = s.sinceGc % live;
  }
  const heapAlloc = live + s.sinceGc * (0.9 + 0.1 * r());
  s.heapPeak = Math.max(s.heapPeak, 2 * live);
  // The scavenger gives back a little of what is idle each scrape; retained spans are the rest.
  const idle = s.heapPeak - heapAlloc;
  s.released = Math.min(Math.max(0, idle - 0.5 * live), s.released + 0.0005 * Math.max(0, idle - s.released) * (dt / 30));
  const sys = s.heapPeak * 1.03 + 18 * MiB;
  const goroutines = 25 + Math.round(rps * 0.05 * (1 + r())) + leakedGoroutines;
  const rss = sys - s.released + 9 * MiB + r() * MiB + s.offHeapPerRequest * s.requests;

  if (inst.kind === 'oom-cycle' && rss > s.baseHeap * 2 + 700 * MiB) restart(s, t);
  const k8s = inst.k8s;
  if (k8s) {
    // Page cache: a grower adds what it writes until anon + cache reach the limit, where the kernel
    // reclaims it instead of killing anyone; the others keep a small, wobbling cache.
    if (inst.kind === 'page-cache')
      s.pageCache = Math.min(s.pageCache + s.pageCacheRate * dt, Math.max(BASE_PAGE_CACHE, 0.97 * k8s.limit - rss - KERNEL_BYTES));
    else s.pageCache = BASE_PAGE_CACHE + 4 * MiB * r();
  }
  const pageCache = s.pageCache;
  const workingSet = rss + ACTIVE_FILE_SHARE * pageCache + KERNEL_BYTES;
  // The kernel's OOM killer ends the container when what it cannot reclaim reaches the limit; the
  // kubelet restarts it in the same pod, and kube-state-metrics counts it.
  if (k8s && inst.kind === 'oom-killed' && rss + KERNEL_BYTES >= k8s.limit) {
    restart(s, t);
    s.restartsTotal++;
    s.lastOomKilled = true;
    s.pageCache = BASE_PAGE_CACHE;
  }
  return {
    heapAlloc,
    live: live - inflight * 0.5,
    totalAlloc: s.totalAlloc,
    sys,
    released: s.released,
    goroutines,
    numGc: s.numGc,
    rss,
    start: s.processStart,
    requests: Math.floor(s.requests),
    // GOGC=100: the next GC when the heap reaches twice what the last one left live.
    nextGc: 2 * live,
    pageCache,
    workingSet,
    restartsTotal: s.restartsTotal,
    lastOomKilled: s.lastOomKilled,
  };
}

interface SeriesDef {
  name: string;
  /** Labels other than the instance's own (cAdvisor's and kube-state-metrics' series). */
  labels?: string;
  /** Undefined: no sample at this scrape (a series that does not exist yet). */
  value: (x: Scrape) => number | undefined;
}

/** The Go series' labels: job, instance, version, and in a cluster the pod's as relabeling adds them. */
function goLabels(x: SyntheticInstance): string {
  const k = x.k8s;
  return `{job="${k ? 'app' : x.job}",instance="${x.instance}",version="${x.version}"${k ? `,namespace="${k.namespace}",pod="${k.pod}",container="${k.container}"` : ''}}`;
}

function seriesFor(inst: SyntheticInstance, spec: FleetSpec): SeriesDef[] {
  let defs: SeriesDef[] =
    inst.generation === 'memstats'
      ? [
          { name: 'go_memstats_heap_alloc_bytes', value: (x) => x.heapAlloc },
          { name: 'go_memstats_alloc_bytes_total', value: (x) => x.totalAlloc },
          { name: 'go_memstats_sys_bytes', value: (x) => x.sys },
          { name: 'go_memstats_heap_released_bytes', value: (x) => x.released },
          { name: 'go_goroutines', value: (x) => x.goroutines },
          { name: 'go_gc_duration_seconds_count', value: (x) => x.numGc },
          { name: 'go_memstats_next_gc_bytes', value: (x) => x.nextGc },
        ]
      : [
          { name: 'go_memory_classes_heap_objects_bytes', value: (x) => x.heapAlloc },
          { name: 'go_gc_heap_allocs_bytes_total', value: (x) => x.totalAlloc },
          { name: 'go_memory_classes_total_bytes', value: (x) => x.sys },
          { name: 'go_memory_classes_heap_released_bytes', value: (x) => x.released },
          { name: 'go_gc_heap_live_bytes', value: (x) => x.live },
          { name: 'go_sched_goroutines_goroutines', value: (x) => x.goroutines },
          { name: 'go_gc_cycles_total_gc_cycles_total', value: (x) => x.numGc },
          { name: 'go_gc_heap_goal_bytes', value: (x) => x.nextGc },
        ];
  if (spec.dropGcCycles) defs = defs.filter((d) => d.name !== 'go_gc_duration_seconds_count' && d.name !== 'go_gc_cycles_total_gc_cycles_total');
  if (inst.processMetrics) {
    defs.push({ name: 'process_resident_memory_bytes', value: (x) => x.rss }, { name: 'process_start_time_seconds', value: (x) => x.start });
  }
  defs.push({ name: 'http_requests_total', value: (x) => x.requests });
  const k = inst.k8s;
  if (k) {
    const pod = `namespace="${k.namespace}",pod="${k.pod}"`;
    const cadvisor = `{job="kubelet",instance="${k.node}",${pod},container="${k.container}"}`;
    const ksm = `{job="kube-state-metrics",instance="10.0.0.9:8080",${pod},container="${k.container}"}`;
    defs.push(
      { name: 'container_memory_working_set_bytes', labels: cadvisor, value: (x) => x.workingSet },
      // cAdvisor also exports the pod's own cgroup (container=""), the sum over its containers.
      { name: 'container_memory_working_set_bytes', labels: `{job="kubelet",instance="${k.node}",${pod},container=""}`, value: (x) => x.workingSet + 1 * MiB },
      { name: 'container_memory_rss', labels: cadvisor, value: (x) => x.rss },
      { name: 'container_memory_cache', labels: cadvisor, value: (x) => x.pageCache },
      { name: 'container_spec_memory_limit_bytes', labels: cadvisor, value: () => k.limit },
      { name: 'kube_pod_container_status_restarts_total', labels: ksm, value: (x) => x.restartsTotal },
      // The series exists once the container has terminated; 1 while its last termination was OOMKilled.
      {
        name: 'kube_pod_container_status_last_terminated_reason',
        labels: `{job="kube-state-metrics",instance="10.0.0.9:8080",${pod},container="${k.container}",reason="OOMKilled"}`,
        value: (x) => (x.lastOomKilled ? 1 : undefined),
      },
    );
  }
  return defs;
}

const BLOCK_SECONDS = 7200;

/**
 * Write one OpenMetrics file per 2 h window into `dir`, yielding each path once written (the caller
 * backfills and deletes it before the next is made). Families are grouped (OpenMetrics forbids
 * interleaving them), series within a family in instance order, samples in time order.
 */
export function* fleetOpenMetricsWindows(spec: FleetSpec, dir: string): Generator<string> {
  if (spec.endUnix % BLOCK_SECONDS !== 0) throw new Error(`endUnix must be a multiple of ${BLOCK_SECONDS}`);
  mkdirSync(dir, { recursive: true });
  const insts = fleetInstances(spec);
  const t0 = spec.endUnix - spec.days * 86400;
  const states = insts.map((inst, i) => initState(inst, i, spec, t0));
  const defs = insts.map((x) => seriesFor(x, spec));
  const labels = insts.map(goLabels);
  const perWindow = BLOCK_SECONDS / spec.scrapeSeconds;
  for (let w = t0; w < spec.endUnix; w += BLOCK_SECONDS) {
    // Simulate the window for every instance, then write family by family.
    const scrapes: Scrape[][] = insts.map((inst, i) => {
      const out: Scrape[] = [];
      for (let k = 0; k < perWindow; k++) out.push(step(inst, states[i], w + k * spec.scrapeSeconds, spec.scrapeSeconds, t0));
      return out;
    });
    const names = new Set(defs.flat().map((d) => d.name));
    const file = join(dir, `w-${w}.om`);
    const fd = openSync(file, 'w');
    try {
      for (const name of [...names].sort()) {
        for (let i = 0; i < insts.length; i++) {
          for (const def of defs[i].filter((d) => d.name === name)) {
            const parts: string[] = [];
            for (let k = 0; k < perWindow; k++) {
              const v = def.value(scrapes[i][k]);
              if (v !== undefined) parts.push(`${name}${def.labels ?? labels[i]} ${Math.round(v)} ${w + k * spec.scrapeSeconds}\n`);
            }
            if (parts.length) writeSync(fd, parts.join(''));
          }
        }
      }
      writeSync(fd, '# EOF\n');
    } finally {
      closeSync(fd);
    }
    yield file;
  }
}

function cacheKey(spec: FleetSpec): string {
  const self = readFileSync(fileURLToPath(import.meta.url), 'utf8');
  return createHash('sha256').update(JSON.stringify(spec)).update(self).digest('hex').slice(0, 16);
}

/**
 * TSDB blocks for the spec, built once and cached under .cache/fleet-tsdb/<key>; returns the directory.
 * Copy it into a Prometheus data dir (startPrometheus({ blocksFrom })).
 */
export function buildFleetBlocks(spec: FleetSpec, log: (line: string) => void = () => {}): string {
  const base = join(repoRoot, '.cache', 'fleet-tsdb');
  const out = join(base, cacheKey(spec));
  if (existsSync(`${out}.done`)) return out;
  const work = `${out}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  const omDir = join(work, 'om');
  const blocks = join(work, 'blocks');
  mkdirSync(blocks, { recursive: true });
  const started = Date.now();
  let files = 0;
  for (const f of fleetOpenMetricsWindows(spec, omDir)) {
    promtool(['tsdb', 'create-blocks-from', 'openmetrics', '-q', f, blocks]);
    rmSync(f);
    files++;
  }
  log(`generated and backfilled ${files} two-hour windows in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  rmSync(omDir, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
  renameSync(blocks, out);
  rmSync(work, { recursive: true, force: true });
  writeSyncFile(`${out}.done`, JSON.stringify(spec));
  return out;
}

function writeSyncFile(path: string, text: string): void {
  const fd = openSync(path, 'w');
  writeSync(fd, text);
  closeSync(fd);
}
