// Records every Go example service under examples/<name>/ with `heapsight watch` into
// examples/<name>/recording/, the bundled real data that tests and `heapsight demo` analyze.
//
//   node --import tsx scripts/record-examples.ts [names...] [--seconds N] [--parallel K]
//        [--interval 2s] [--profile-interval Ns] [--no-analyze]
//
// Each example is built, started with its spec's env plus GODEBUG=gctrace=1 (its stderr becomes the
// recording's gctrace.log), loaded with the spec's load and watched for the spec's watchSeconds at a
// 2 s interval with about a dozen profile rounds (--profile-interval overrides), which keeps a
// recording near 100–350 KB. It prints a table (size, samples, profiles, GC cycles, load achieved vs
// scheduled, `heapsight analyze --json` verdict vs example.json) and the raw numbers by thirds of the
// run, to check by eye that each service did what it was designed to. The recording is made in a temporary directory and only replaces examples/<name>/recording/ once it
// finished cleanly, so a failed run never leaves half a recording in the repository.
//
// The one non-obvious decision: the service is spawned with argv[0] set to the bare example name.
// The collector stores /proc/<pid>/cmdline in the recording, and the real binary path is an absolute
// path of this machine (/work/…/.cache/go-bin/…), which must not end up in committed data.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, createWriteStream, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { buildExample, driveLoad, examplesDir, listExamples, loadExampleSpec, type LoadResult } from '../src/test-support/example-service.js';
import { repoRoot } from '../src/test-support/toolchain.js';

interface Options {
  names: string[];
  seconds?: number;
  parallel: number;
  interval: string;
  /** Undefined: about a dozen profile rounds per recording, at most one every 15 s. */
  profileInterval?: string;
  analyze: boolean;
}

interface Outcome {
  name: string;
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

function usage(message: string): never {
  process.stderr.write(`record-examples: ${message}\nusage: record-examples [names...] [--seconds N] [--parallel K] [--interval 2s] [--profile-interval Ns] [--no-analyze]\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { names: [], parallel: 1, interval: '2s', analyze: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--seconds') opts.seconds = Number(value());
    else if (a === '--parallel') opts.parallel = Number(value());
    else if (a === '--interval') opts.interval = value();
    else if (a === '--profile-interval') opts.profileInterval = value();
    else if (a === '--no-analyze') opts.analyze = false;
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else opts.names.push(a);
  }
  if (opts.seconds !== undefined && !(opts.seconds > 0)) usage('--seconds must be a positive number');
  if (!Number.isInteger(opts.parallel) || opts.parallel < 1) usage('--parallel must be a whole number ≥ 1');
  const all = listExamples();
  for (const n of opts.names) if (!all.includes(n)) usage(`no example ${JSON.stringify(n)} (have: ${all.join(', ')})`);
  if (opts.names.length === 0) opts.names = all;
  return opts;
}

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

function waitForListening(name: string, child: ChildProcess, closed: Promise<unknown>): Promise<string> {
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

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? filesUnder(join(dir, d.name)) : [join(dir, d.name)],
  );
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

async function recordOne(name: string, opts: Options): Promise<Outcome> {
  const spec = loadExampleSpec(name);
  const seconds = opts.seconds ?? spec.watchSeconds;
  const bin = buildExample(name);
  const work = mkdtempSync(join(tmpdir(), `heapsight-record-${name}-`));
  const recDir = join(work, 'recording');
  const gctracePath = join(work, 'gctrace.log');
  const log = (msg: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${name}: ${msg}\n`);

  const env: Record<string, string | undefined> = { ...process.env, ...spec.env };
  env.GODEBUG = env.GODEBUG ? `${env.GODEBUG},gctrace=1` : 'gctrace=1';
  const service = spawn(bin, [], { env, argv0: name, stdio: ['ignore', 'pipe', 'pipe'] });
  const serviceClosed = track(service);
  const gctrace = createWriteStream(gctracePath);
  service.stderr!.pipe(gctrace);
  const abort = new AbortController();
  let watch: ChildProcess | undefined;
  let watchClosed: Promise<unknown> = Promise.resolve();
  let loadDone: Promise<LoadResult> | undefined;
  const outcome: Outcome = {
    name,
    seconds,
    load: { requests: 0, errors: 0, bursts: 0 },
    expectedRequests: Math.ceil((spec.load.rps * (seconds * 1000 - loadTailMs)) / 1000),
    expectedBursts: spec.load.burstPath
      ? spec.load.burstEverySeconds ? Math.ceil((seconds * 1000 - loadTailMs) / (spec.load.burstEverySeconds * 1000)) : 1
      : 0,
  };
  try {
    const url = await waitForListening(name, service, serviceClosed);
    log(`listening at ${url}; ${seconds} s of ${spec.load.rps} rps × ${spec.load.concurrency}${spec.load.burstPath ? ` + ${spec.load.burstPath} every ${spec.load.burstEverySeconds} s` : ''}`);
    const watchLog = createWriteStream(join(work, 'watch.log'));
    watch = spawn(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'watch', url, '--out', recDir,
        '--interval', opts.interval, '--profile-interval', opts.profileInterval ?? `${Math.max(15, Math.round(seconds / 12))}s`, '--duration', `${seconds}s`],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    watch.stdout!.pipe(watchLog);
    watch.stderr!.pipe(watchLog);
    watchClosed = track(watch);
    const hung = setTimeout(() => watch!.kill('SIGTERM'), seconds * 1000 + watchGraceMs);
    // The load starts at the watch's first sample (so the recording opens on the idle service) and ends
    // loadTailMs before the watch does: a burst due at the very end would otherwise be caught half-done
    // by the last samples, which is an artefact of the recorder, not the service's behaviour.
    const firstSampleAt = await new Promise<number | undefined>((resolve) => {
      createInterface({ input: watch!.stdout! }).on('line', (line) => {
        if (/^\[\s*[\d:]+\] heap /.test(line)) resolve(performance.now());
      });
      void watchClosed.then(() => resolve(undefined));
    });
    if (firstSampleAt !== undefined) {
      const durationMs = seconds * 1000 - (performance.now() - firstSampleAt) - loadTailMs;
      loadDone = driveLoad(url, spec.load, { durationMs, signal: abort.signal });
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
    cpSync(gctracePath, join(recDir, 'gctrace.log'));
    checkCommittable(recDir);
    const dest = join(examplesDir, name, 'recording');
    rmSync(dest, { recursive: true, force: true });
    cpSync(recDir, dest, { recursive: true });
    log(`recorded: ${outcome.load.requests}/${outcome.expectedRequests} requests, ${outcome.load.bursts}/${outcome.expectedBursts} bursts, ${outcome.load.errors} errors`);
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

// The raw numbers that show whether the service did what it was designed to, in thirds of the run:
// the minimum HeapAlloc of each third is a crude live-heap floor, enough to see growth by eye.
function rawShape(dir: string): string {
  const samples = readFileSync(join(dir, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Sample);
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

function dirBytes(dir: string): { bytes: number; diskBytes: number } {
  let bytes = 0;
  let diskBytes = 0;
  for (const f of filesUnder(dir)) {
    const st = statSync(f);
    bytes += st.size;
    diskBytes += st.blocks * 512;
  }
  return { bytes, diskBytes };
}

async function analyze(dir: string): Promise<{ verdict: string; confidence: number; culprit: string; pattern: string; observed: Record<string, number> } | string> {
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

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  // Build one at a time before anything runs: go builds in parallel would fight for the two cores.
  for (const name of opts.names) buildExample(name);

  // Longest watches first, so that the parallel slots finish at about the same time.
  const queue = [...opts.names].sort((a, b) => (opts.seconds ? 0 : loadExampleSpec(b).watchSeconds - loadExampleSpec(a).watchSeconds));
  const outcomes: Outcome[] = [];
  await Promise.all(
    Array.from({ length: Math.min(opts.parallel, queue.length) }, async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) outcomes.push(await recordOne(name, opts));
    }),
  );

  const rows: string[] = [
    '| example | watched | size (disk) | samples | heap profiles | GC cycles | load (req / expected) | verdict (confidence) | top culprit | expected |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const shapes: string[] = [];
  for (const o of outcomes.sort((a, b) => a.name.localeCompare(b.name))) {
    const spec = loadExampleSpec(o.name);
    const expected = `${spec.expect.verdict}${spec.expect.culprit ? ` / ${spec.expect.culprit}` : ''}`;
    if (o.error) {
      rows.push(`| ${o.name} | FAILED: ${o.error} | | | | | | | | ${expected} |`);
      continue;
    }
    const dir = join(examplesDir, o.name, 'recording');
    const { bytes, diskBytes } = dirBytes(dir);
    const samples = readFileSync(join(dir, 'samples.jsonl'), 'utf8').trim().split('\n').length;
    const profiles = readdirSync(join(dir, 'profiles'));
    const heapProfiles = profiles.filter((p) => p.startsWith('heap-')).length;
    const gcCycles = readFileSync(join(dir, 'gctrace.log'), 'utf8').split('\n').filter((l) => /^gc \d+ @/.test(l)).length;
    const a = opts.analyze ? await analyze(dir) : 'not run';
    const verdict = typeof a === 'string' ? a : `${a.verdict} (${a.confidence.toFixed(2)})`;
    const culprit = typeof a === 'string' ? '' : `${a.culprit}${a.pattern !== '—' ? ` [${a.pattern}]` : ''}`;
    const load = `${o.load.requests}/${o.expectedRequests}${o.expectedBursts ? ` + ${o.load.bursts}/${o.expectedBursts} bursts` : ''}${o.load.errors ? `, ${o.load.errors} errors` : ''}`;
    rows.push(`| ${o.name} | ${o.seconds} s | ${(bytes / 1024).toFixed(0)} KiB (${(diskBytes / 1024).toFixed(0)} KiB) | ${samples} | ${heapProfiles} | ${gcCycles} | ${load} | ${verdict} | ${culprit} | ${expected} |`);
    shapes.push(`${o.name}: ${rawShape(dir)}`);
  }
  const report = `${rows.join('\n')}\n\n${shapes.join('\n')}\n`;
  process.stdout.write(report);
  writeFileSync(join(tmpdir(), 'heapsight-record-examples-summary.md'), report);
  if (outcomes.some((o) => o.error)) process.exitCode = 1;
}

await main();
