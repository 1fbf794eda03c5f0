// What scripts/record-examples.ts and scripts/record-corpus.ts share: run one Go service under
// `heapsight watch` while driving its load, and turn the result into committed data only when the run
// finished cleanly.
//
// The service is started with its env plus GODEBUG=gctrace=1 (unless the job says no gctrace; its stderr
// then is not a gctrace log), loaded from the watch's first sample (so the recording opens on the idle
// service) until loadTailMs before the watch ends (a burst due at the very end would be caught half-done
// by the last samples: an artefact of the recorder, not the service's behaviour), and watched at a 2 s
// interval with about a dozen profile rounds, which keeps a recording near 100–350 KB.
//
// The one non-obvious decision: the service is spawned with argv[0] set to a bare name. The collector
// stores /proc/<pid>/cmdline in the recording, and the real binary path is an absolute path of this
// machine (/work/…/.cache/go-bin/…), which must not end up in committed data.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, createWriteStream, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { driveLoad, type LoadResult } from '../../src/test-support/example-service.js';
import { repoRoot } from '../../src/test-support/toolchain.js';

/** One stretch of steady traffic; rps 0 is an idle gap. */
export interface LoadPhase {
  seconds: number;
  rps: number;
}

export interface JobLoad {
  path: string;
  concurrency: number;
  /** Played in order; the last phase lasts to the end of the run. */
  phases: LoadPhase[];
  /** Endpoint hit once at t=0 and then every burstEverySeconds (once only without a period). */
  burstPath?: string;
  burstEverySeconds?: number;
}

export interface RecordJob {
  /** Bare name: the service's argv[0] and the log prefix. */
  name: string;
  bin: string;
  args: string[];
  env: Record<string, string>;
  /** Run with GODEBUG=gctrace=1 and keep its stderr as the recording's gctrace.log. */
  gctrace: boolean;
  load: JobLoad;
  seconds: number;
  /** Where the finished recording goes (replaced whole, only after a clean run). */
  dest: string;
  /** Extra files written into the recording before it is moved into place (name → content). */
  extraFiles?: Record<string, string>;
}

export interface RecordOptions {
  interval: string;
  /** Undefined: about a dozen profile rounds per recording, at most one every 15 s. */
  profileInterval?: string;
}

export interface Outcome {
  name: string;
  /** The job's destination: which recording this outcome is about. */
  dest: string;
  seconds: number;
  load: LoadResult;
  expectedRequests: number;
  expectedBursts: number;
  error?: string;
}

const listenTimeoutMs = 20_000;
// A watch that overruns its duration by this much is hung (the machine is shared and slow, so generous).
const watchGraceMs = 120_000;
const loadTailMs = 3000;

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    for (const c of children) c.kill('SIGKILL');
    process.exit(130);
  });
}

function track(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  children.add(child);
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
}

async function stopChild(child: ChildProcess, closed: Promise<unknown>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await closed;
    clearTimeout(timer);
  }
  await closed;
}

export function waitForListening(name: string, child: ChildProcess, closed: Promise<unknown>): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: no LISTENING line within ${listenTimeoutMs} ms`)), listenTimeoutMs);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^LISTENING (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void closed.then(() => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before listening`));
    });
  });
}

export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? filesUnder(join(dir, d.name)) : [join(dir, d.name)]));
}

// Committed data: nothing that names this machine's paths, and a target that is only loopback.
function checkCommittable(dir: string): void {
  const meta = JSON.parse(readFileSync(join(dir, 'recording.json'), 'utf8')) as { target: Record<string, unknown>; endedAt?: string };
  if (!meta.endedAt) throw new Error('recording.json has no endedAt: the watch did not stop cleanly');
  for (const [k, v] of Object.entries(meta.target)) {
    if (typeof v === 'string' && !/^http:\/\/127\.0\.0\.1:\d+(\/|$)/.test(v)) throw new Error(`recording.json target.${k} is not loopback: ${v}`);
  }
  for (const f of filesUnder(dir)) {
    if (f.endsWith('.gz')) continue;
    const text = readFileSync(f, 'utf8');
    const hit = /(\/work\/|\/tmp\/|\/root\/|\/home\/)/.exec(text);
    if (hit) throw new Error(`${relative(dir, f)} contains a machine path (${hit[1]}…)`);
  }
}

/** The load a run of `seconds` should achieve by its schedule (work requests, bursts). */
export function scheduledLoad(load: JobLoad, seconds: number): { requests: number; bursts: number } {
  let left = seconds * 1000 - loadTailMs;
  let requests = 0;
  load.phases.forEach((p, i) => {
    const ms = i === load.phases.length - 1 ? left : Math.min(left, p.seconds * 1000);
    requests += Math.ceil((p.rps * Math.max(0, ms)) / 1000);
    left -= ms;
  });
  const runMs = seconds * 1000 - loadTailMs;
  const bursts = load.burstPath ? (load.burstEverySeconds ? Math.ceil(runMs / (load.burstEverySeconds * 1000)) : 1) : 0;
  return { requests, bursts };
}

// Phases one after the other (each a paced driveLoad), bursts beside them on their own schedule.
export async function drivePhases(url: string, load: JobLoad, durationMs: number, signal: AbortSignal): Promise<LoadResult> {
  const total: LoadResult = { requests: 0, errors: 0, bursts: 0 };
  const start = performance.now();
  const bursts = load.burstPath
    ? driveLoad(url, { path: load.burstPath, rps: 1 / (load.burstEverySeconds ?? durationMs / 1000 + 1), concurrency: 1 }, { durationMs, signal })
    : Promise.resolve(total);
  for (let i = 0; i < load.phases.length && !signal.aborted; i++) {
    const p = load.phases[i];
    const left = durationMs - (performance.now() - start);
    if (left <= 0) break;
    const ms = i === load.phases.length - 1 ? left : Math.min(left, p.seconds * 1000);
    if (p.rps > 0) {
      const r = await driveLoad(url, { path: load.path, rps: p.rps, concurrency: load.concurrency }, { durationMs: ms, signal });
      total.requests += r.requests;
      total.errors += r.errors;
    } else {
      await sleep(ms, undefined, { signal }).catch(() => undefined);
    }
  }
  const b = await bursts;
  if (b !== total) {
    total.bursts = b.requests;
    total.errors += b.errors;
  }
  return total;
}

export async function recordService(job: RecordJob, opts: RecordOptions): Promise<Outcome> {
  const { name, seconds } = job;
  const work = mkdtempSync(join(tmpdir(), `heapsight-record-${name}-`));
  const recDir = join(work, 'recording');
  const gctracePath = join(work, 'gctrace.log');
  const log = (msg: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${name}: ${msg}\n`);

  const env: Record<string, string | undefined> = { ...process.env, ...job.env };
  if (job.gctrace) env.GODEBUG = env.GODEBUG ? `${env.GODEBUG},gctrace=1` : 'gctrace=1';
  const service = spawn(job.bin, job.args, { env, argv0: name, stdio: ['ignore', 'pipe', 'pipe'] });
  const serviceClosed = track(service);
  const gctrace = createWriteStream(gctracePath);
  service.stderr!.pipe(gctrace);
  const abort = new AbortController();
  let watch: ChildProcess | undefined;
  let watchClosed: Promise<unknown> = Promise.resolve();
  let loadDone: Promise<LoadResult> | undefined;
  const scheduled = scheduledLoad(job.load, seconds);
  const outcome: Outcome = {
    name,
    dest: job.dest,
    seconds,
    load: { requests: 0, errors: 0, bursts: 0 },
    expectedRequests: scheduled.requests,
    expectedBursts: scheduled.bursts,
  };
  try {
    const url = await waitForListening(name, service, serviceClosed);
    const phases = job.load.phases.map((p) => `${p.rps} rps`).join(' → ');
    log(
      `listening at ${url}; ${seconds} s of ${phases} × ${job.load.concurrency}${job.load.burstPath ? ` + ${job.load.burstPath} every ${job.load.burstEverySeconds} s` : ''}`,
    );
    const watchLog = createWriteStream(join(work, 'watch.log'));
    watch = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(repoRoot, 'src/cli/main.ts'),
        'watch',
        url,
        '--out',
        recDir,
        '--interval',
        opts.interval,
        '--profile-interval',
        opts.profileInterval ?? `${Math.max(15, Math.round(seconds / 12))}s`,
        '--duration',
        `${seconds}s`,
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    watch.stdout!.pipe(watchLog);
    watch.stderr!.pipe(watchLog);
    watchClosed = track(watch);
    const hung = setTimeout(() => watch!.kill('SIGTERM'), seconds * 1000 + watchGraceMs);
    const firstSampleAt = await new Promise<number | undefined>((resolve) => {
      createInterface({ input: watch!.stdout! }).on('line', (line) => {
        if (/^\[\s*[\d:]+\] heap /.test(line)) resolve(performance.now());
      });
      void watchClosed.then(() => resolve(undefined));
    });
    if (firstSampleAt !== undefined) {
      const durationMs = seconds * 1000 - (performance.now() - firstSampleAt) - loadTailMs;
      loadDone = drivePhases(url, job.load, durationMs, abort.signal);
    }
    const { code, signal } = (await watchClosed) as { code: number | null; signal: NodeJS.Signals | null };
    clearTimeout(hung);
    if (code !== 0) {
      const tail = readFileSync(join(work, 'watch.log'), 'utf8').trim().split('\n').slice(-5).join(' | ');
      throw new Error(`heapsight watch exited with code ${code} signal ${signal}: ${tail}`);
    }
    if (!loadDone) throw new Error('heapsight watch printed no sample line');
    abort.abort();
    outcome.load = await loadDone;
    await stopChild(service, serviceClosed);
    if (!gctrace.closed) await once(gctrace, 'close');
    if (job.gctrace) cpSync(gctracePath, join(recDir, 'gctrace.log'));
    for (const [file, text] of Object.entries(job.extraFiles ?? {})) writeFileSync(join(recDir, file), text);
    checkCommittable(recDir);
    // Copied beside the destination first, then swapped in by rename: a crash mid-copy never leaves a
    // half recording where a whole one is expected.
    mkdirSync(dirname(job.dest), { recursive: true });
    const staged = `${job.dest}.partial`;
    rmSync(staged, { recursive: true, force: true });
    cpSync(recDir, staged, { recursive: true });
    rmSync(job.dest, { recursive: true, force: true });
    renameSync(staged, job.dest);
    log(
      `recorded: ${outcome.load.requests}/${outcome.expectedRequests} requests, ${outcome.load.bursts}/${outcome.expectedBursts} bursts, ${outcome.load.errors} errors`,
    );
  } catch (err) {
    outcome.error = (err as Error).message;
    log(`FAILED: ${outcome.error} (kept ${work})`);
  } finally {
    abort.abort();
    if (watch) await stopChild(watch, watchClosed);
    if (loadDone) outcome.load = await loadDone.catch(() => outcome.load);
    await stopChild(service, serviceClosed);
    if (!outcome.error) rmSync(work, { recursive: true, force: true });
  }
  return outcome;
}

/** Run `jobs` on `parallel` slots, in the order given. */
export async function recordAll(jobs: RecordJob[], parallel: number, opts: RecordOptions): Promise<Outcome[]> {
  const queue = [...jobs];
  const outcomes: Outcome[] = [];
  await Promise.all(
    Array.from({ length: Math.min(parallel, queue.length) }, async () => {
      for (let job = queue.shift(); job !== undefined; job = queue.shift()) outcomes.push(await recordService(job, opts));
    }),
  );
  return outcomes;
}

interface Sample {
  t: number;
  heapAlloc?: number;
  heapObjects?: number;
  heapIdle?: number;
  heapReleased?: number;
  sys?: number;
  rss?: number;
  lazyFree?: number;
  goroutines?: number;
  numGC?: number;
}

const mib = (n: number | undefined) => (n === undefined ? '?' : (n / 1048576).toFixed(1));

/**
 * The raw numbers that show whether the service did what it was designed to, in thirds of the run:
 * the minimum HeapAlloc of each third is a crude live-heap floor, enough to see growth by eye.
 */
export function rawShape(dir: string): string {
  const samples = readFileSync(join(dir, 'samples.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Sample);
  const thirds = [0, 1, 2].map((k) => samples.slice(Math.floor((k * samples.length) / 3), Math.floor(((k + 1) * samples.length) / 3)));
  const known = (xs: Sample[], f: (s: Sample) => number | undefined) => xs.map(f).filter((v): v is number => v !== undefined);
  const min = (xs: Sample[], f: (s: Sample) => number | undefined) => Math.min(...known(xs, f));
  const max = (xs: Sample[], f: (s: Sample) => number | undefined) => Math.max(...known(xs, f));
  // Goroutines are absent from samples of services without /metrics (expvar has no count).
  const row = (label: string, f: (s: Sample) => number | undefined, agg: typeof min, fmt: (n: number) => string = mib) =>
    `${label} ${thirds.map((t) => (known(t, f).length ? fmt(agg(t, f)) : '?')).join('→')}`;
  const first = samples[0];
  const last = samples[samples.length - 1];
  return [
    row('minHeapAlloc', (s) => s.heapAlloc, min),
    row('maxHeapObjects', (s) => s.heapObjects, max, String),
    row('maxGoroutines', (s) => s.goroutines, max, String),
    row('maxRSS', (s) => s.rss, max),
    row('minRSS', (s) => s.rss, min),
    row('max(Sys−Released)', (s) => (s.sys ?? 0) - (s.heapReleased ?? 0), max),
    row('max(Idle−Released)', (s) => (s.heapIdle ?? 0) - (s.heapReleased ?? 0), max),
    row('maxLazyFree', (s) => s.lazyFree, max),
    `numGC ${first.numGC}→${last.numGC}`,
  ].join('; ');
}

export function dirBytes(dir: string): { bytes: number; diskBytes: number } {
  let bytes = 0;
  let diskBytes = 0;
  for (const f of filesUnder(dir)) {
    const st = statSync(f);
    bytes += st.size;
    diskBytes += st.blocks * 512;
  }
  return { bytes, diskBytes };
}

export interface AnalyzeSummary {
  verdict: string;
  confidence: number;
  culprit: string;
  pattern: string;
  observed: Record<string, number>;
}

/** `heapsight analyze DIR --json`, as a user would run it, reduced to what the summary tables show. */
export async function analyzeDir(dir: string): Promise<AnalyzeSummary | string> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'analyze', dir, '--json'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const closed = track(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  const { code } = await closed;
  clearTimeout(timer);
  if (code !== 0 && !out.trim().startsWith('{')) return `analyze failed (exit ${code}): ${err.trim().split('\n').pop()}`;
  try {
    // Only verdict, names and small counts are read here, so plain JSON.parse loses nothing that matters.
    const doc = JSON.parse(out) as {
      verdict: string;
      confidence: number;
      culprits?: { function: string; pattern?: string }[];
      observed: Record<string, number>;
    };
    const top = doc.culprits?.[0];
    return { verdict: doc.verdict, confidence: doc.confidence, culprit: top?.function ?? '—', pattern: top?.pattern ?? '—', observed: doc.observed };
  } catch {
    return `analyze printed no JSON (exit ${code}): ${err.trim().split('\n').pop()}`;
  }
}

/** One summary row's numbers for a finished recording: size, samples, heap profiles, GC cycles. */
export function recordingStats(dir: string): { bytes: number; diskBytes: number; samples: number; heapProfiles: number; gcCycles: number } {
  const { bytes, diskBytes } = dirBytes(dir);
  const samples = readFileSync(join(dir, 'samples.jsonl'), 'utf8').trim().split('\n').length;
  const heapProfiles = readdirSync(join(dir, 'profiles')).filter((p) => p.startsWith('heap-')).length;
  let gcCycles = 0;
  try {
    gcCycles = readFileSync(join(dir, 'gctrace.log'), 'utf8')
      .split('\n')
      .filter((l) => /^gc \d+ @/.test(l)).length;
  } catch {
    // A recording made without gctrace has no log.
  }
  return { bytes, diskBytes, samples, heapProfiles, gcCycles };
}
