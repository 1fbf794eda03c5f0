// The live poller behind `heapsight watch`: finds which endpoints a Go service exposes, samples its
// runtime numbers (/debug/vars, /metrics, and /proc when the target is local) every interval, fetches
// heap and goroutine profiles every profile interval, and survives the target going away or restarting.
// Results go to an optional RecordingWriter and out as events ('sample', 'profile', 'event',
// 'discovery'), so `watch` and a live view subscribe to the same stream.
//
// The non-obvious decision: heap profiles are fetched WITHOUT ?gc=1 by default. gc=1 forces a full GC
// in the target every profile round: extra CPU and pause on a big heap, and GCs the service would not
// have run, which shortens the very retention we are trying to observe. Without it, inuse values are
// "as of the last completed GC" (the runtime's MemProfile doc: in-use counts are those of the most recently completed GC): at most a GC cycle or two stale, and the
// runtime forces a GC at least every 2 minutes, which is small next to the minutes a trend needs.
// `profileGc: true` (watch --profile-gc) opts into the forced GC for sharper single profiles.
//
// The exception, on by default in `watch`: a look at the live heap is one GC cycle, and a service that
// allocates little next to its heap runs few of them (a heap growing 96 MiB/min at GOGC=100 ran 9 GC
// cycles in 155 s, so no verdict came for 2.5 minutes). When a poll finds that the target ran no GC
// since the previous one, the poller forces one (/debug/pprof/heap?gc=1&debug=1, read and dropped:
// the collection is the look, the next poll reads it): at most one per poll, only while the target
// does not collect on its own, and at most FORCED_LOOKS_MAX per watch, so the cost is bounded and nil
// for a service that collects often. The text form because the proto one gzips in the target: ~870 KB
// allocated per fetch against ~40 KB (as much as a /debug/vars poll), and a quiet service's own
// allocation, the work axis growth is measured on, must not be mostly the watcher's.
// Likewise a service without /metrics has no goroutine count in its polls: its goroutine series was
// the goroutine profiles, one per profile round (30 s), so five looks took two minutes and held every
// no-leak verdict back that long (and let a goroutine leak holding heap read as a heap leak). Its
// polls take the count from the pprof index page (sources/pprof-index.ts); where that page has none,
// a goroutine profile goes with each poll instead, up to GOROUTINE_LOOKS_MAX per watch.

import { EventEmitter, on } from 'node:events';
import { gzipSync } from 'node:zlib';
import type { MemorySample } from '../model/memory.js';
import type { RecordingEvent } from '../model/recording.js';
import { parseExpvar } from '../sources/expvar.js';
import { fetchBytes, redactUrl } from '../sources/http.js';
import { InputError, isOutage, type InputErrorKind } from '../sources/input-error.js';
import { parsePprof } from '../sources/pprof/decode.js';
import { goroutineCountFromPprofIndex } from '../sources/pprof-index.js';
import { memorySampleFromExposition } from '../sources/prometheus-text.js';
import { mergeProcInto, readProcSample } from '../sources/procfs.js';
import { readBuildInfo } from '../sources/buildinfo.js';
import type { BuildInfo } from '../model/buildinfo.js';
import { findListeningPid, isLoopbackHost, openTmpfsFiles, processIdentity, readTargetCgroup } from './local-process.js';
import type { ProfileKind, RecordingWriter } from './recording-writer.js';
import { oomKillBetween, restartReason } from '../analysis/restarts.js';
import { atLeast, parseGoVersion } from '../analysis/go-version.js';

export interface PollerOptions {
  /** Base URL of the service (`http://host:port`); endpoints are derived from it unless given below. */
  url?: string;
  /** Explicit endpoint URLs: /debug/vars, /metrics, and the pprof base (`…/debug/pprof`). */
  vars?: string;
  metrics?: string;
  pprof?: string;
  /** Local PID to read /proc for; found from the listening port when the target is on loopback. */
  pid?: number;
  intervalMs?: number;
  profileIntervalMs?: number;
  /** Fetch goroutine?debug=2 every Nth profile round (0: never). */
  goroutineDebug2Every?: number;
  /**
   * Fetch /debug/pprof/goroutineleak (Go 1.26+) this often, besides at start and once at the end
   * (fetchGoroutineLeakFinal); 0: only those two. Each fetch runs a leak-detection GC in the target,
   * slower than a normal GC and O(blocked goroutines²) at worst, and a leak once proven stays in the
   * profile, so minutes apart is enough.
   */
  goroutineLeakIntervalMs?: number;
  /** Per-request timeout for samples; profiles get `profileTimeoutMs`. */
  timeoutMs?: number;
  profileTimeoutMs?: number;
  /** Sent with every request; never recorded, printed or put in a message. */
  headers?: Record<string, string>;
  /** Do not verify the target's TLS certificate (--insecure), for this poller's requests only. */
  insecure?: boolean;
  /** Fraction of the interval by which each wait varies (0.1 = ±10%), so many watchers don't beat in step. */
  jitter?: number;
  profileGc?: boolean;
  /**
   * Force a GC (heap profile with ?gc=1, dropped) after a poll that saw no GC since the previous poll, at most
   * this many times per watch (0: never; FORCED_LOOKS_MAX is what `watch` uses).
   */
  forcedLooks?: number;
  /** Fetch a goroutine profile with each poll whose sample has no goroutine count, at most this many times (0: never). */
  goroutineLooks?: number;
  workMetric?: string;
  writer?: RecordingWriter;
  /** Random source for jitter (tests pass a seeded one). */
  random?: () => number;
}

export type EndpointName = 'vars' | 'metrics' | 'heap' | 'goroutine' | 'goroutineleak';

export interface EndpointStatus {
  name: EndpointName;
  /** Credential-free URL. */
  url: string;
  ok: boolean;
  /** Why it is not usable (HTTP 404, not the expected format, unreachable). */
  problem?: string;
  /** The kind of that failure, for decisions (the problem text is for people). */
  kind?: InputErrorKind;
  status?: number;
  /** What its absence costs the verdict, one line. */
  cost?: string;
}

export interface Discovery {
  endpoints: EndpointStatus[];
  /** Local PID being read through /proc, if any. */
  pid?: number;
  local: boolean;
}

export interface ProfileFetched {
  kind: ProfileKind;
  t: number;
  bytes: number;
  path?: string;
  /** The body as stored (debug=2 dumps gzip-compressed), for in-memory consumers such as the running verdict. */
  body: Uint8Array;
}

interface Endpoints {
  vars?: string;
  metrics?: string;
  heap?: string;
  goroutine?: string;
  goroutine2?: string;
  goroutineleak?: string;
  /** The heap profile with ?gc=1 as text: a forced look, read and dropped. */
  heapGc?: string;
  /** The pprof index page: a goroutine count for polls that have none (dropped when it shows none). */
  pprofIndex?: string;
}

/**
 * Forced looks per watch at most: three minutes of one per 5 s poll, enough for the looks a verdict
 * needs (decision-rules.ts BOUNDED_MIN_LOOKS = 12, LEAK_MIN_LOOKS = 6) with the target's own GCs and a
 * margin, and a fixed bound on the extra collections a watch costs a service with a big, quiet heap.
 */
export const FORCED_LOOKS_MAX = 36;

/**
 * Goroutine profiles taken with polls (targets without a goroutine count) per watch at most: as many
 * as forced looks, for the same three minutes; a proto goroutine profile is small and quick next to a
 * heap profile, so the bound is about the target's goroutine count, not the watch.
 */
export const GOROUTINE_LOOKS_MAX = 36;

const MAX_TEXT_BYTES = 64 << 20;
const MAX_PROFILE_BYTES = 512 << 20;

function trimSlash(u: string): string {
  return u.replace(/\/+$/, '');
}

function withQuery(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

/**
 * The service's base URL from what the user typed: people paste an endpoint they know works
 * (`…/debug/vars`, `…/metrics`, `…/debug/pprof/heap`), and the other endpoints live beside it.
 */
export function serviceBase(url: string): string {
  const u = new URL(url);
  u.search = '';
  u.hash = '';
  u.pathname = u.pathname.replace(/\/+$/, '').replace(/\/(debug\/vars|metrics|debug\/pprof(\/[a-z]*)?)$/, '');
  return trimSlash(u.toString());
}

/** Network-level failure (the target is down or hung) as opposed to an endpoint that answers wrongly. */
export function isTargetDown(err: unknown): boolean {
  return err instanceof InputError && isOutage(err);
}

function errorLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

function missingCost(name: EndpointName, status: Map<EndpointName, EndpointStatus>, haveProc: boolean, goVersion?: string): string {
  const ok = (n: EndpointName) => status.get(n)?.ok === true;
  switch (name) {
    case 'vars':
      return ok('metrics')
        ? 'runtime numbers come from /metrics instead (go_memstats_*); the verdict is as good, LastGC is less exact'
        : 'no runtime numbers: heap growth cannot be told from retained-but-free memory; the verdict will rest on RSS alone';
    case 'metrics':
      return haveProc
        ? 'no go_goroutines or process_* series; RSS comes from /proc, goroutine counts from the pprof index page (else goroutine profiles)'
        : 'no RSS for a remote target (process_resident_memory_bytes) and no go_goroutines: off-heap growth cannot be seen';
    case 'heap':
      return 'no heap profiles: a heap leak can be detected but its allocation site cannot be named';
    case 'goroutine':
      return ok('metrics')
        ? 'no goroutine profiles: a goroutine leak shows in go_goroutines but its creator cannot be named'
        : 'no goroutine profiles and no go_goroutines: goroutine leaks cannot be seen';
    case 'goroutineleak':
      return goroutineLeakCost(goVersion);
  }
}

/**
 * What a missing /debug/pprof/goroutineleak costs, and what to do, by the target's Go version: the
 * profile is always on from Go 1.27, an experiment in 1.26 (GOEXPERIMENT=goroutineleakprofile), absent
 * before. On a version that has it, a 404 means the route is not registered (a router other than
 * http.DefaultServeMux needs its own route for it).
 */
export function goroutineLeakCost(goVersion: string | undefined): string {
  const v = parseGoVersion(goVersion);
  const loss =
    "no proof from the runtime's goroutine-leak detector: goroutine leaks are inferred from count growth only, and goroutines leaked at a constant number are missed";
  if (v && !atLeast(v, 26)) return `${loss} (the profile needs Go 1.26+; the target runs ${goVersion})`;
  if (v && v.major === 1 && v.minor === 26)
    return `${loss}; on Go 1.26 build with GOEXPERIMENT=goroutineleakprofile, and if the service uses its own router, route /debug/pprof/goroutineleak to pprof.Handler("goroutineleak")`;
  const onWhat = v
    ? `the target runs ${goVersion}, which has the profile`
    : 'on Go 1.27+ the profile is always on (on 1.26 only with GOEXPERIMENT=goroutineleakprofile)';
  return `${loss}; ${onWhat}: if the service uses its own router (gin, chi, gorilla), route /debug/pprof/goroutineleak to pprof.Handler("goroutineleak") as for the other profiles`;
}

/** Merge the runtime view (expvar preferred, else Prometheus) with the process view (/proc preferred). */
export function mergeSample(t: number, vars?: MemorySample, metrics?: MemorySample, proc?: Partial<MemorySample>): MemorySample | undefined {
  const runtime = vars ?? metrics;
  if (!runtime && !proc) return undefined;
  const out: MemorySample = { ...(runtime ?? { source: 'proc' }), t };
  if (vars && metrics) {
    const o = out as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(metrics)) if (o[k] === undefined && v !== undefined) o[k] = v;
    out.source = vars.source;
  }
  if (proc) mergeProcInto(out, proc);
  return out;
}

export class Poller extends EventEmitter {
  private readonly opts: Required<
    Pick<PollerOptions, 'intervalMs' | 'profileIntervalMs' | 'goroutineDebug2Every' | 'goroutineLeakIntervalMs' | 'timeoutMs' | 'profileTimeoutMs' | 'jitter'>
  > &
    PollerOptions;
  private endpoints: Endpoints = {};
  private readonly pprofBase?: string;
  private pid?: number;
  /** The PID whose memory cgroup was found shared with other processes: not re-checked every poll. */
  private sharedCgroupPid?: number;
  private port?: number;
  private local = false;
  private stopped = false;
  private readonly stopController = new AbortController();
  private lastSample?: MemorySample;
  private downSince?: number;
  private downReason?: string;
  private failingEndpoints = new Set<string>();
  private profileRound = 0;
  /** GCs forced so far (forced looks), whether one is in flight, and how many had completed at the last poll. */
  forcedLooks = 0;
  private forcing = false;
  private forcedDone = 0;
  private forcedDoneAtLastPoll = 0;
  /** Goroutine profiles taken with polls so far, and whether one is in flight. */
  goroutineLooks = 0;
  private lookingAtGoroutines = false;
  private startedAt = 0;
  /** Goroutine total from the latest goroutine profile, for progress lines when /metrics is absent. */
  lastGoroutineTotal?: number;
  /** Build info of the local target's executable, read at discovery; or why it could not be read. */
  buildInfo?: BuildInfo;
  buildInfoProblem?: string;
  /** Proven-leaked goroutines in the latest goroutineleak profile. */
  lastLeakTotal?: number;

  constructor(opts: PollerOptions) {
    super();
    if (!opts.url && !opts.vars && !opts.metrics && !opts.pprof) throw new Error('the poller needs a URL or at least one of vars/metrics/pprof');
    this.opts = {
      intervalMs: 5000,
      profileIntervalMs: 30_000,
      goroutineDebug2Every: 4,
      goroutineLeakIntervalMs: 5 * 60_000,
      timeoutMs: 10_000,
      profileTimeoutMs: 60_000,
      jitter: 0.1,
      ...opts,
    };
    this.pid = opts.pid;
    const base = opts.url ? serviceBase(opts.url) : undefined;
    const pprofBase = opts.pprof ? trimSlash(opts.pprof) : base ? `${base}/debug/pprof` : undefined;
    this.pprofBase = pprofBase;
    this.endpoints = {
      vars: opts.vars ?? (base ? `${base}/debug/vars` : undefined),
      metrics: opts.metrics ?? (base ? `${base}/metrics` : undefined),
      heap: pprofBase ? (opts.profileGc ? withQuery(`${pprofBase}/heap`, { gc: '1' }) : `${pprofBase}/heap`) : undefined,
      goroutine: pprofBase ? `${pprofBase}/goroutine` : undefined,
      goroutine2: pprofBase ? withQuery(`${pprofBase}/goroutine`, { debug: '2' }) : undefined,
      goroutineleak: pprofBase ? `${pprofBase}/goroutineleak` : undefined,
      heapGc: pprofBase ? withQuery(`${pprofBase}/heap`, { gc: '1', debug: '1' }) : undefined,
      pprofIndex: pprofBase ? `${pprofBase}/` : undefined,
    };
    const first = opts.url ?? opts.vars ?? opts.metrics ?? opts.pprof!;
    const u = new URL(first);
    this.local = isLoopbackHost(u.hostname);
    this.port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  }

  /**
   * Requests still running. fetchBytes takes no abort signal, so a request to a hung target outlives
   * stop() until its timeout; a CLI that is done may exit instead of waiting for it.
   */
  inFlight = 0;

  private async fetch(url: string, timeoutMs: number, maxBytes: number, accept?: string) {
    this.inFlight++;
    try {
      return await fetchBytes(url, { timeoutMs, maxBytes, headers: this.opts.headers, accept, insecure: this.opts.insecure });
    } finally {
      this.inFlight--;
    }
  }

  /** Probe every endpoint once; the bodies fetched become the first sample and profile round. */
  async discover(): Promise<Discovery> {
    const t = Date.now();
    this.startedAt = t;
    const status = new Map<EndpointName, EndpointStatus>();
    const e = this.endpoints;
    const probe = async <T>(name: EndpointName, url: string | undefined, read: (bytes: Uint8Array) => T): Promise<T | undefined> => {
      if (!url) return undefined;
      try {
        const profile = name === 'heap' || name === 'goroutine' || name === 'goroutineleak';
        const r = await this.fetch(
          url,
          profile ? this.opts.profileTimeoutMs : this.opts.timeoutMs,
          profile ? MAX_PROFILE_BYTES : MAX_TEXT_BYTES,
          name === 'metrics' ? 'text/plain' : undefined,
        );
        const value = read(r.bytes);
        status.set(name, { name, url: redactUrl(url), ok: true });
        return value;
      } catch (err) {
        if (!(err instanceof InputError)) {
          status.set(name, { name, url: redactUrl(url), ok: false, problem: errorLine(err) });
          throw err;
        }
        status.set(name, { name, url: redactUrl(url), ok: false, problem: err.problem, kind: err.kind, status: err.status });
        return undefined;
      }
    };
    const pprofBody = (what: string) => (bytes: Uint8Array) => {
      if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b)
        throw new InputError(what, 'expected a gzip-compressed pprof profile, got something else');
      return bytes;
    };
    const [vars, metrics, heap, goroutine] = await Promise.all([
      probe('vars', e.vars, (b) => parseExpvar(b, redactUrl(e.vars!), { workMetric: this.opts.workMetric })),
      probe('metrics', e.metrics, (b) =>
        memorySampleFromExposition(Buffer.from(b).toString('utf8'), redactUrl(e.metrics!), { workMetric: this.opts.workMetric }),
      ),
      probe('heap', e.heap, pprofBody(redactUrl(e.heap ?? ''))),
      probe('goroutine', e.goroutine, pprofBody(redactUrl(e.goroutine ?? ''))),
    ]);
    // After the others: its leak-detection GC should not skew the first heap numbers. It is the start fetch too.
    const goroutineleak = await probe('goroutineleak', e.goroutineleak, pprofBody(redactUrl(e.goroutineleak ?? '')));

    if (this.pid === undefined && this.local && this.port) this.pid = findListeningPid(this.port);
    const haveProc = this.pid !== undefined && processIdentity(this.pid) !== undefined;
    const all = [...status.values()];
    if (!all.some((s) => s.ok)) {
      const first = all[0];
      const unreachable = all.every((s) => s.kind !== undefined && isOutage({ kind: s.kind, status: s.status }));
      const where = redactUrl(this.opts.url ?? first?.url ?? '');
      if (unreachable) {
        throw new InputError(where, `cannot reach the target (${first?.problem ?? 'no endpoint'})`, first?.kind ?? 'unreachable', first?.status);
      }
      throw new InputError(
        where,
        `expected a Go service with /debug/vars, /metrics or /debug/pprof, found none (${all.map((s) => `${new URL(s.url).pathname}: ${s.problem}`).join('; ')})`,
      );
    }
    const goVersion = metrics?.goVersion ?? vars?.goVersion;
    for (const s of all) if (!s.ok) s.cost = missingCost(s.name, status, haveProc, goVersion);
    // Unusable endpoints are dropped for the rest of the run; a later 404 would only repeat itself.
    for (const s of all) {
      if (s.ok) continue;
      if (s.name === 'vars') this.endpoints.vars = undefined;
      if (s.name === 'metrics') this.endpoints.metrics = undefined;
      if (s.name === 'heap') {
        this.endpoints.heap = undefined;
        this.endpoints.heapGc = undefined;
      }
      if (s.name === 'goroutine') {
        this.endpoints.goroutine = undefined;
        this.endpoints.goroutine2 = undefined;
      }
      if (s.name === 'goroutineleak') this.endpoints.goroutineleak = undefined;
    }
    const discovery: Discovery = { endpoints: all, pid: haveProc ? this.pid : undefined, local: this.local };
    if (!haveProc) this.pid = undefined;
    // The executable's build info (Go version, go line via DefaultGODEBUG, -race, deps): local targets only.
    let buildInfo: BuildInfo | undefined;
    if (discovery.pid !== undefined) {
      try {
        buildInfo = readBuildInfo(`/proc/${discovery.pid}/exe`, `/proc/${discovery.pid}/exe`);
      } catch (err) {
        this.buildInfoProblem = (err as Error).message.split('\n')[0];
      }
    }
    this.buildInfo = buildInfo;

    const w = this.opts.writer;
    if (w) {
      w.updateMeta({
        target: {
          ...(w.metadata.target ?? {}),
          url: this.opts.url ? redactUrl(this.opts.url) : undefined,
          vars: this.endpoints.vars ? redactUrl(this.endpoints.vars) : undefined,
          metrics: this.endpoints.metrics ? redactUrl(this.endpoints.metrics) : undefined,
          pprof: this.pprofBase && (this.endpoints.heap || this.endpoints.goroutine) ? redactUrl(this.pprofBase) : undefined,
          pid: discovery.pid,
        },
        intervalMs: this.opts.intervalMs,
        profileIntervalMs: this.opts.profileIntervalMs,
        profileGc: this.opts.profileGc === true,
        workMetric: this.opts.workMetric,
        buildInfo,
        missing: all.filter((s) => !s.ok && s.name !== 'goroutineleak').map((s) => ({ endpoint: s.url, cost: `${s.problem}; ${s.cost}` })),
      });
    }
    this.emit('discovery', discovery);
    for (const s of all) {
      // goroutineleak is new (Go 1.26+): most services today lack it, so its absence is a note, not a fault.
      if (!s.ok)
        this.recordEvent({ t, kind: s.name === 'goroutineleak' ? 'note' : 'endpoint-missing', detail: `${new URL(s.url).pathname}: ${s.problem}; ${s.cost}` });
    }

    if (this.buildInfoProblem) this.recordEvent({ t, kind: 'note', detail: `build info not read: ${this.buildInfoProblem}` });
    // Profiles first, so that the first sample's progress line already knows the goroutine count.
    if (heap) this.acceptProfile('heap', t, heap);
    if (goroutine) this.acceptProfile('goroutine', t, goroutine);
    if (goroutineleak) {
      this.acceptProfile('goroutineleak', t, goroutineleak);
      await this.dumpAfterProof(false);
    }
    const sample = mergeSample(t, vars, metrics, await this.readProc());
    if (sample) this.acceptSample(sample);
    this.profileRound = 1;
    return discovery;
  }

  /** Run until stop(); resolves promptly on stop even if a fetch is in flight (its result is discarded). */
  async run(): Promise<void> {
    if (this.startedAt === 0) await this.discover();
    const stopped = new Promise<void>((resolve) => this.stopController.signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.race([Promise.all([this.sampleLoop(), this.profileLoop(), this.goroutineLeakLoop()]), stopped]);
  }

  stop(): void {
    if (this.stopped) return;
    if (this.downSince !== undefined) {
      // An outage still open at the end is a gap too; without it the recording would end in a silent hole.
      const t = Date.now();
      const durationMs = t - this.downSince;
      this.recordEvent({
        t,
        kind: 'gap',
        detail: `target was unreadable for ${(durationMs / 1000).toFixed(1)} s, until the watch stopped (${this.downReason})`,
        durationMs,
      });
    }
    this.stopped = true;
    this.stopController.abort();
    this.emit('stopped');
  }

  /** Samples as an async iterator; ends when the poller stops. */
  async *samples(): AsyncGenerator<MemorySample> {
    try {
      for await (const [sample] of on(this, 'sample', { signal: this.stopController.signal })) yield sample as MemorySample;
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err;
    }
  }

  get elapsedMs(): number {
    return Date.now() - this.startedAt;
  }

  private wait(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const signal = this.stopController.signal;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private jittered(ms: number): number {
    const r = (this.opts.random ?? Math.random)();
    return Math.max(1, Math.round(ms * (1 + this.opts.jitter * (2 * r - 1))));
  }

  private async sampleLoop(): Promise<void> {
    let backoffMs = Math.min(1000, this.opts.intervalMs);
    // The period runs from one sample's start to the next, so a slow scrape does not stretch the interval.
    let lastStart = this.startedAt;
    while (!this.stopped) {
      const down = this.downSince !== undefined;
      const period = down ? backoffMs : this.jittered(this.opts.intervalMs);
      await this.wait(Math.max(0, lastStart + period - Date.now()));
      if (this.stopped) return;
      lastStart = Date.now();
      await this.sampleOnce();
      if (this.downSince !== undefined) backoffMs = Math.min(backoffMs * 2, this.opts.intervalMs);
      else backoffMs = Math.min(1000, this.opts.intervalMs);
    }
  }

  private async profileLoop(): Promise<void> {
    while (!this.stopped) {
      await this.wait(this.jittered(this.opts.profileIntervalMs));
      if (this.stopped) return;
      if (this.downSince !== undefined) continue;
      await this.profileOnce();
    }
  }

  private async goroutineLeakLoop(): Promise<void> {
    const every = this.opts.goroutineLeakIntervalMs;
    if (!every) return;
    while (!this.stopped) {
      await this.wait(this.jittered(every));
      if (this.stopped) return;
      if (this.downSince !== undefined) continue;
      await this.fetchGoroutineLeak(false);
    }
  }

  /**
   * The end-of-watch goroutineleak fetch, after stop(): what leaked during the run is proven here
   * even when the watch was shorter than the interval. Bounded by the profile timeout.
   */
  async fetchGoroutineLeakFinal(): Promise<void> {
    await this.fetchGoroutineLeak(true);
  }

  private async fetchGoroutineLeak(final: boolean): Promise<void> {
    const url = this.endpoints.goroutineleak;
    if (!url || (this.stopped && !final)) return;
    const t = Date.now();
    try {
      const r = await this.fetch(url, this.opts.profileTimeoutMs, MAX_PROFILE_BYTES);
      if (this.stopped && !final) return;
      this.acceptProfile('goroutineleak', t, r.bytes);
    } catch (err) {
      if (!this.stopped) this.recordEvent({ t, kind: 'fetch-error', detail: errorLine(err) });
      return;
    }
    await this.dumpAfterProof(final);
  }

  /**
   * The goroutineleak proto has no `created by` frames. After a detection GC, leaked goroutines keep
   * their `(leaked)` status in the ordinary debug=2 dump, which has them: so when the proof is not
   * empty, one dump right after it names who started each leaked goroutine, at no extra detection GC.
   */
  private async dumpAfterProof(final: boolean): Promise<void> {
    const url = this.endpoints.goroutine2;
    if (!url || (this.stopped && !final) || !(this.lastLeakTotal! > 0)) return;
    const t = Date.now();
    try {
      const r = await this.fetch(url, this.opts.profileTimeoutMs, MAX_PROFILE_BYTES);
      if (this.stopped && !final) return;
      this.acceptProfile('goroutine2', t, gzipSync(r.bytes));
    } catch (err) {
      if (!this.stopped) this.recordEvent({ t, kind: 'fetch-error', detail: errorLine(err) });
    }
  }

  private async fetchSample<T>(url: string | undefined, read: (b: Uint8Array, origin: string) => T, accept?: string): Promise<{ value?: T; err?: unknown }> {
    if (!url) return {};
    try {
      const r = await this.fetch(url, this.opts.timeoutMs, MAX_TEXT_BYTES, accept);
      return { value: read(r.bytes, redactUrl(url)) };
    } catch (err) {
      return { err };
    }
  }

  private async sampleOnce(): Promise<void> {
    const t = Date.now();
    const e = this.endpoints;
    const [vars, metrics] = await Promise.all([
      this.fetchSample(e.vars, (b, o) => parseExpvar(b, o, { workMetric: this.opts.workMetric })),
      this.fetchSample(e.metrics, (b, o) => memorySampleFromExposition(Buffer.from(b).toString('utf8'), o, { workMetric: this.opts.workMetric }), 'text/plain'),
    ]);
    if (this.stopped) return;
    const errors = [vars.err, metrics.err].filter((x) => x !== undefined);
    const anyRuntime = e.vars !== undefined || e.metrics !== undefined;
    const gotRuntime = vars.value !== undefined || metrics.value !== undefined;

    if (anyRuntime && !gotRuntime && errors.length > 0 && errors.every(isTargetDown)) {
      if (this.downSince === undefined) {
        this.downSince = t;
        this.downReason = errorLine(errors[0]);
        this.recordEvent({ t, kind: 'fetch-error', detail: `target not answering: ${this.downReason}; retrying with backoff` });
      }
      return;
    }
    if (this.downSince !== undefined) {
      const durationMs = t - this.downSince;
      this.recordEvent({ t, kind: 'gap', detail: `target was unreadable for ${(durationMs / 1000).toFixed(1)} s (${this.downReason})`, durationMs });
      this.downSince = undefined;
      this.downReason = undefined;
    }
    // An endpoint that fails while another answers: record once until it recovers.
    for (const [url, r] of [
      [e.vars, vars],
      [e.metrics, metrics],
    ] as const) {
      if (!url) continue;
      if (r.err !== undefined && !this.failingEndpoints.has(url)) {
        this.failingEndpoints.add(url);
        this.recordEvent({ t, kind: 'fetch-error', detail: errorLine(r.err) });
      } else if (r.err === undefined) this.failingEndpoints.delete(url);
    }
    const proc = await this.readProc();
    if (this.stopped) return;
    const previous = this.lastSample;
    const sample = mergeSample(t, vars.value, metrics.value, proc);
    if (sample && sample.goroutines === undefined) sample.goroutines = await this.goroutinesFromIndex();
    if (this.stopped) return;
    if (sample) this.acceptSample(sample);
    // Forced cycles that completed since the previous poll are not the target's own.
    const forcedBetween = this.forcedDone - this.forcedDoneAtLastPoll;
    this.forcedDoneAtLastPoll = this.forcedDone;
    if (sample && previous) this.maybeForceLook(previous, sample, forcedBetween);
    if (sample && sample.goroutines === undefined) this.maybeGoroutineLook();
  }

  /** The goroutine count from the pprof index page; a page without it is not asked again. */
  private async goroutinesFromIndex(): Promise<number | undefined> {
    const url = this.endpoints.pprofIndex;
    if (!url || !this.endpoints.goroutine) return undefined;
    try {
      const r = await this.fetch(url, this.opts.timeoutMs, MAX_TEXT_BYTES, 'text/html');
      const n = goroutineCountFromPprofIndex(Buffer.from(r.bytes).toString('utf8'));
      if (n === undefined) this.endpoints.pprofIndex = undefined;
      return n;
    } catch {
      // A failed page this once: the poll goes on without the count (the goroutine look below covers it).
      return undefined;
    }
  }

  /** A goroutine profile with this poll (see the header): the goroutine count the sample lacks. */
  private maybeGoroutineLook(): void {
    const url = this.endpoints.goroutine;
    if (!url || this.lookingAtGoroutines || this.goroutineLooks >= (this.opts.goroutineLooks ?? 0)) return;
    this.goroutineLooks++;
    this.lookingAtGoroutines = true;
    const t = Date.now();
    void this.fetch(url, this.opts.profileTimeoutMs, MAX_PROFILE_BYTES)
      .then((r) => {
        if (!this.stopped) this.acceptProfile('goroutine', t, r.bytes);
      })
      .catch((err) => {
        if (!this.stopped && !this.failingEndpoints.has(url)) {
          this.failingEndpoints.add(url);
          this.recordEvent({ t, kind: 'fetch-error', detail: errorLine(err) });
        }
      })
      .finally(() => (this.lookingAtGoroutines = false));
  }

  /**
   * A forced look (see the header) when the target ran no GC of its own between two polls of the same
   * process: the cycle forced after the previous poll is that interval's look, the next one needs another.
   */
  private maybeForceLook(previous: MemorySample, sample: MemorySample, forcedBetween: number): void {
    const url = this.endpoints.heapGc;
    if (!url || this.opts.profileGc || this.forcing || this.forcedLooks >= (this.opts.forcedLooks ?? 0)) return;
    if (sample.numGC === undefined || previous.numGC === undefined || sample.pid !== previous.pid) return;
    if (sample.numGC - previous.numGC > forcedBetween) return;
    this.forcedLooks++;
    this.forcing = true;
    const t = Date.now();
    // Not awaited: the sample loop keeps its period; the next poll sees the forced cycle.
    void this.fetch(url, this.opts.profileTimeoutMs, MAX_PROFILE_BYTES)
      .then(() => {
        this.forcedDone++;
      })
      .catch((err) => {
        if (!this.stopped && !this.failingEndpoints.has(url)) {
          this.failingEndpoints.add(url);
          this.recordEvent({ t, kind: 'fetch-error', detail: errorLine(err) });
        }
      })
      .finally(() => (this.forcing = false));
  }

  private async profileOnce(): Promise<void> {
    const e = this.endpoints;
    const round = this.profileRound++;
    const n2 = this.opts.goroutineDebug2Every;
    const jobs: [ProfileKind, string | undefined][] = [
      ['heap', e.heap],
      ['goroutine', e.goroutine],
      ['goroutine2', n2 > 0 && round % n2 === 0 ? e.goroutine2 : undefined],
    ];
    // One after another: profiles cost the target CPU, and there is no hurry within a round.
    for (const [kind, url] of jobs) {
      if (!url || this.stopped) continue;
      const t = Date.now();
      try {
        const r = await this.fetch(url, this.opts.profileTimeoutMs, MAX_PROFILE_BYTES);
        if (this.stopped) return;
        this.acceptProfile(kind, t, kind === 'goroutine2' ? gzipSync(r.bytes) : r.bytes);
      } catch (err) {
        if (this.stopped) return;
        if (!this.failingEndpoints.has(url)) {
          this.failingEndpoints.add(url);
          this.recordEvent({ t, kind: 'fetch-error', detail: errorLine(err) });
        }
        continue;
      }
      this.failingEndpoints.delete(url);
    }
  }

  /** /proc view of the local target; re-finds the PID by port when the process went away. */
  private async readProc(): Promise<Partial<MemorySample> | undefined> {
    if (!this.local && this.opts.pid === undefined) return undefined;
    let id = this.pid !== undefined ? processIdentity(this.pid) : undefined;
    if (!id && this.opts.pid === undefined && this.port) {
      const pid = findListeningPid(this.port);
      id = pid !== undefined ? processIdentity(pid) : undefined;
      if (id) this.pid = id.pid;
    }
    if (!id) return undefined;
    let mem: Partial<MemorySample> = {};
    try {
      mem = await readProcSample(id.pid);
    } catch {
      // The process exited between the two reads: identity alone still helps restart detection.
    }
    const found = this.sharedCgroupPid === id.pid ? undefined : await readTargetCgroup(id.pid);
    if (found && 'shared' in found) {
      this.sharedCgroupPid = id.pid;
      this.recordEvent({
        t: Date.now(),
        kind: 'note',
        detail: `memory cgroup ${found.shared.dir} also holds ${found.shared.others} process(es) outside the target's own tree: its usage is not the service's, so no container view`,
      });
    }
    const cgroup = found && 'memory' in found ? found.memory : undefined;
    if (cgroup) mem.cgroup = cgroup;
    if (cgroup?.shmem) mem.tmpfsFiles = openTmpfsFiles(id.pid);
    return { ...mem, pid: id.pid, processStartSeconds: id.startSeconds, cmdline: id.cmdline };
  }

  private acceptSample(sample: MemorySample): void {
    let restarted = false;
    if (this.lastSample) {
      const why = restartReason(this.lastSample, sample);
      if (why) {
        restarted = true;
        const oom = oomKillBetween(this.lastSample, sample);
        this.recordEvent({
          t: sample.t ?? Date.now(),
          kind: 'restart',
          detail: `target restarted: ${why}${oom ? `; ${oom.detail}` : ''}; the series is split here`,
          pidBefore: this.lastSample.pid,
          pidAfter: sample.pid,
          ...(oom ? { cause: 'oom-kill' as const, oomKills: oom.kills, usageBefore: oom.usageBefore } : {}),
        });
      }
    }
    const firstOfProcess = this.lastSample === undefined || restarted;
    this.lastSample = sample;
    // The command line is identity, not a measurement: on disk only in a process's first sample.
    const { cmdline, ...rest } = sample;
    this.opts.writer?.appendSample(firstOfProcess || cmdline === undefined ? sample : rest);
    this.emit('sample', sample);
  }

  private acceptProfile(kind: ProfileKind, t: number, bytes: Uint8Array): void {
    if (kind === 'goroutineleak') {
      try {
        this.lastLeakTotal = parsePprof(bytes, 'goroutineleak profile').samples.reduce((n, s) => n + (s.values[0] ?? 0), 0);
      } catch {
        // Stored as served; the recording reader reports a bad profile with its file name.
      }
    }
    if (kind === 'goroutine') {
      try {
        // A goroutine profile is small (one sample per distinct stack); its total feeds progress lines when /metrics is absent.
        this.lastGoroutineTotal = parsePprof(bytes, 'goroutine profile').samples.reduce((n, s) => n + (s.values[0] ?? 0), 0);
      } catch {
        // Stored as served; the recording reader reports a bad profile with its file name.
      }
    }
    const path = this.opts.writer?.writeProfile(kind, t, bytes);
    const info: ProfileFetched = { kind, t, bytes: bytes.length, path, body: bytes };
    this.emit('profile', info);
  }

  private recordEvent(event: RecordingEvent): void {
    if (this.stopped) return;
    this.opts.writer?.appendEvent(event);
    this.emit('event', event);
  }
}
