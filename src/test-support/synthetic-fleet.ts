// Test-only: a synthetic fleet of Go services with known behaviour, written as timestamped OpenMetrics
// text and backfilled into TSDB blocks with `promtool tsdb create-blocks-from openmetrics`, for the
// fleet tests and the fleet benchmark. Each instance is simulated scrape by scrape from its kind: a
// daily traffic cycle drives requests and allocation, allocation drives a GOGC=100 sawtooth of
// HeapAlloc over the live heap, and the kind decides what the live heap, goroutines, the runtime's
// mappings and RSS do (leak per request, goroutine leak, OOM-kill cycle, retained spans after bursts,
// cgo memory outside the Go heap, deploy restarts, a cache that plateaus, steady). The expected verdict of an instance is its kind's.
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
import { repoRoot } from './toolchain.js';

export type SyntheticKind = 'leak' | 'goroutine-leak' | 'oom-cycle' | 'off-heap' | 'retaining' | 'restarting' | 'plateau' | 'steady';

export interface FleetSpec {
  instances: number;
  days: number;
  scrapeSeconds: number;
  /** Unix seconds, a multiple of 7200 (block alignment). */
  endUnix: number;
  seed: number;
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
}

/** A fixed mix per 20 instances: 9 leakers of four kinds, 11 non-leakers of four. */
const MIX: SyntheticKind[] = [
  'leak', 'leak', 'leak', 'leak', 'goroutine-leak', 'goroutine-leak', 'oom-cycle', 'oom-cycle', 'off-heap',
  'retaining', 'retaining', 'retaining', 'restarting', 'restarting', 'restarting',
  'plateau', 'plateau', 'plateau', 'steady', 'steady',
];

export const DEFAULT_END_UNIX = 1_767_225_600; // 2026-01-01T00:00:00Z, a multiple of 7200

export function expectedVerdict(kind: SyntheticKind): Verdict {
  switch (kind) {
    case 'leak':
    case 'oom-cycle':
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
  const rnd = mulberry32(spec.seed);
  const out: SyntheticInstance[] = [];
  for (let i = 0; i < spec.instances; i++) {
    const kind = MIX[i % MIX.length];
    const leaker = expectedVerdict(kind) !== 'no-leak';
    out.push({
      job: i % 3 === 0 ? 'checkout' : 'api',
      instance: `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}:${8080 + Math.floor(rnd() * 3)}`,
      version: leaker ? 'v1.4.2' : 'v1.4.1',
      kind,
      generation: i % 2 === 0 ? 'memstats' : 'runtime-metrics',
      // Off-heap growth is only visible in RSS: such an instance always has the process collector.
      processMetrics: i % 7 !== 3 || kind === 'off-heap',
    });
  }
  return out;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
}

const ALLOC_PER_REQUEST = 16 * 1024;

function initState(inst: SyntheticInstance, idx: number, spec: FleetSpec, t0: number): SimState {
  const rnd = mulberry32(spec.seed * 7919 + idx * 104729 + 1);
  const baseRps = 30 + 40 * rnd();
  // Leak rates in MiB per hour at the mean traffic, varied per instance.
  const leakMiBPerHour = inst.kind === 'oom-cycle' ? 40 + 20 * rnd() : 20 + 20 * rnd();
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
    leakPerRequest: inst.kind === 'leak' || inst.kind === 'oom-cycle' ? (leakMiBPerHour * MiB) / (baseRps * 3600) : 0,
    goroutineLeakPerRequest: inst.kind === 'goroutine-leak' ? (200 + 200 * rnd()) / (baseRps * 3600) : 0,
    offHeapPerRequest: inst.kind === 'off-heap' ? ((15 + 10 * rnd()) * MiB) / (baseRps * 3600) : 0,
    nextRestart: inst.kind === 'restarting' ? t0 + 6 * 3600 + rnd() * 6 * 3600 : Number.POSITIVE_INFINITY,
    cacheBytes: (150 + 100 * rnd()) * MiB,
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
  };
}

interface SeriesDef {
  name: string;
  value: (x: Scrape) => number;
}

function seriesFor(inst: SyntheticInstance): SeriesDef[] {
  const defs: SeriesDef[] =
    inst.generation === 'memstats'
      ? [
          { name: 'go_memstats_heap_alloc_bytes', value: (x) => x.heapAlloc },
          { name: 'go_memstats_alloc_bytes_total', value: (x) => x.totalAlloc },
          { name: 'go_memstats_sys_bytes', value: (x) => x.sys },
          { name: 'go_memstats_heap_released_bytes', value: (x) => x.released },
          { name: 'go_goroutines', value: (x) => x.goroutines },
          { name: 'go_gc_duration_seconds_count', value: (x) => x.numGc },
        ]
      : [
          { name: 'go_memory_classes_heap_objects_bytes', value: (x) => x.heapAlloc },
          { name: 'go_gc_heap_allocs_bytes_total', value: (x) => x.totalAlloc },
          { name: 'go_memory_classes_total_bytes', value: (x) => x.sys },
          { name: 'go_memory_classes_heap_released_bytes', value: (x) => x.released },
          { name: 'go_gc_heap_live_bytes', value: (x) => x.live },
          { name: 'go_sched_goroutines_goroutines', value: (x) => x.goroutines },
          { name: 'go_gc_cycles_total_gc_cycles_total', value: (x) => x.numGc },
        ];
  if (inst.processMetrics) {
    defs.push({ name: 'process_resident_memory_bytes', value: (x) => x.rss }, { name: 'process_start_time_seconds', value: (x) => x.start });
  }
  defs.push({ name: 'http_requests_total', value: (x) => x.requests });
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
  const defs = insts.map(seriesFor);
  const labels = insts.map((x) => `{job="${x.job}",instance="${x.instance}",version="${x.version}"}`);
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
          const def = defs[i].find((d) => d.name === name);
          if (!def) continue;
          const parts: string[] = [];
          for (let k = 0; k < perWindow; k++) parts.push(`${name}${labels[i]} ${Math.round(def.value(scrapes[i][k]))} ${w + k * spec.scrapeSeconds}\n`);
          writeSync(fd, parts.join(''));
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
