// Test-only: build, start and load the Go example services under examples/<name>/ according to their
// run spec (examples/<name>/example.json). The one non-obvious decision: load is paced by a fixed
// schedule (request i is due at i/rps seconds, bursts at k·burstEverySeconds) rather than "as fast as
// possible", so a run's request count depends only on the spec and the duration, and a recording made
// with it is comparable across machines.

import { spawn, type ChildProcess } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { PatternId, Verdict } from '../analysis/findings.js';
import { buildGoProgram, repoRoot, requireClientGolang, requireTool, type GoVersion } from './toolchain.js';

export interface ExampleLoad {
  /** Work endpoint hit at a steady rate. */
  path: string;
  /** Requests per second across all workers (may be fractional). */
  rps: number;
  /** Parallel keep-alive connections. */
  concurrency: number;
  /** Endpoint hit once at t=0 and then every burstEverySeconds, besides the steady load. */
  burstPath?: string;
  burstEverySeconds?: number;
}

export interface ExampleSpec {
  name: string;
  description: string;
  /** Ground truth of what the program does, for comparing with heapsight's conclusion. */
  expect: {
    verdict: Verdict;
    /** Go function that is the leak's user-code site, or null when no Go profile can name one. */
    culprit: string | null;
    /** Which profile shows that function: goroutine stacks, or only heap allocation stacks. */
    culpritKind?: 'heap' | 'goroutine';
    pattern?: PatternId;
  };
  /** Extra environment for the service (GOGC, GOMEMLIMIT, GODEBUG). */
  env: Record<string, string>;
  cgo: boolean;
  clientGolang: boolean;
  load: ExampleLoad;
  /** How long a recording should watch it for the behaviour to be clear. */
  watchSeconds: number;
  /**
   * Another example whose program this one runs under a different env (retained-madvfree is
   * retained-after-burst under GODEBUG=madvdontneed=0): one program, two run specs.
   */
  program?: string;
}

export const examplesDir = join(repoRoot, 'examples');

/** Names of every example directory that has a run spec. */
export function listExamples(): string[] {
  return readdirSync(examplesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(examplesDir, d.name, 'example.json')))
    .map((d) => d.name)
    .sort();
}

export function loadExampleSpec(name: string): ExampleSpec {
  const file = join(examplesDir, name, 'example.json');
  const spec = JSON.parse(readFileSync(file, 'utf8')) as ExampleSpec;
  if (spec.name !== name) throw new Error(`${file}: name is ${JSON.stringify(spec.name)}, expected ${JSON.stringify(name)}`);
  if (!(spec.load?.rps > 0) || !(spec.load.concurrency >= 1) || !spec.load.path?.startsWith('/')) {
    throw new Error(`${file}: load needs path starting with "/", rps > 0 and concurrency >= 1`);
  }
  return spec;
}

/** Build (cached by mtime) the example's binary with the toolchain pieces its spec asks for. */
export function buildExample(name: string, go: GoVersion = '1.19'): string {
  const spec = loadExampleSpec(name);
  if (spec.clientGolang) requireClientGolang();
  if (spec.cgo) requireTool('gcc', ['gcc']);
  return buildGoProgram(`examples/${spec.program ?? name}`, { cgo: spec.cgo, go });
}

export interface RunningExample {
  url: string;
  pid: number;
  spec: ExampleSpec;
  /** Everything the service wrote to stderr so far (gctrace lines when asked for). */
  stderrLines: () => string[];
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

// A test that throws or is interrupted must not leave services running on the shared machine.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => {
    for (const child of live) child.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      // Someone else handles the signal (run-example stops gracefully); the 'exit' hook still runs.
      if (process.listenerCount(sig) > 1) return;
      killAll();
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

const maxStderrLines = 200_000;
const listenTimeoutMs = 15_000;

export async function startExample(
  name: string,
  opts: { env?: Record<string, string>; args?: string[]; gctrace?: boolean; go?: GoVersion } = {},
): Promise<RunningExample> {
  const spec = loadExampleSpec(name);
  const bin = buildExample(name, opts.go);
  const env: Record<string, string | undefined> = { ...process.env, ...spec.env, ...opts.env };
  if (opts.gctrace) env.GODEBUG = env.GODEBUG ? `${env.GODEBUG},gctrace=1` : 'gctrace=1';

  installExitHook();
  const child = spawn(bin, opts.args ?? [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  // 'close' rather than 'exit': it also waits for stdout/stderr to drain, so stderrLines() is complete
  // once stop() resolves (gctrace's last lines).
  const exited = new Promise<void>((resolve) =>
    child.once('close', () => {
      live.delete(child);
      resolve();
    }),
  );

  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (stderr.length < maxStderrLines) stderr.push(line);
  });

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  };

  try {
    const url = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      const timer = setTimeout(
        () => reject(new Error(`${name}: no LISTENING line within ${listenTimeoutMs} ms; stderr: ${stderr.slice(-10).join(' | ')}`)),
        listenTimeoutMs,
      );
      lines.on('line', (line) => {
        const m = /^LISTENING (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      // 'close' (not 'exit') so that stderr has been read to the end and the reason is in the message.
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (code ${code}, signal ${signal}) before listening; stderr: ${stderr.slice(0, 3).join(' | ')}`));
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    return { url, pid: child.pid!, spec, stderrLines: () => stderr.slice(), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface LoadResult {
  /** Work requests that got a 2xx answer. */
  requests: number;
  errors: number;
  /** Burst requests that got a 2xx answer. */
  bursts: number;
}

const perRequestTimeoutMs = 30_000;

function isLoopback(url: URL): boolean {
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
}

function get(agent: Agent, url: URL, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { agent, method: 'GET', timeout: perRequestTimeoutMs, signal }, (res) => {
      res.resume();
      res.on('end', () => resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

function sleepUntil(t: number, signal?: AbortSignal): Promise<void> {
  const ms = t - performance.now();
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Drive the example's load for `durationMs`: `rps` requests a second on `concurrency` keep-alive
 * connections, plus a burst request at t=0 and every `burstEverySeconds`. Stops on its own after the
 * duration (at most ceil(rps·duration) work requests) or when `signal` aborts, and waits for requests
 * in flight.
 */
export async function driveLoad(url: string, load: ExampleLoad, opts: { durationMs: number; signal?: AbortSignal }): Promise<LoadResult> {
  const base = new URL(url);
  if (!isLoopback(base)) throw new Error(`driveLoad only targets loopback, got ${base.hostname}`);
  // Every request in flight and every paced wait listens on the caller's signal.
  if (opts.signal) setMaxListeners(2 * load.concurrency + 10, opts.signal);
  const agent = new Agent({ keepAlive: true, maxSockets: load.concurrency + 1 });
  const result: LoadResult = { requests: 0, errors: 0, bursts: 0 };
  const start = performance.now();
  const end = start + opts.durationMs;
  const total = Math.ceil((load.rps * opts.durationMs) / 1000);
  const intervalMs = 1000 / load.rps;
  let next = 0;

  const worker = async () => {
    const target = new URL(load.path, base);
    for (;;) {
      const i = next++;
      if (i >= total || opts.signal?.aborted) return;
      const due = start + i * intervalMs;
      if (due >= end) return;
      await sleepUntil(due, opts.signal);
      if (opts.signal?.aborted) return;
      if (await get(agent, target, opts.signal)) result.requests++;
      else if (!opts.signal?.aborted) result.errors++;
    }
  };

  const burster = async () => {
    if (!load.burstPath) return;
    const target = new URL(load.burstPath, base);
    // Without a period there is a single burst at t=0.
    const every = load.burstEverySeconds ? load.burstEverySeconds * 1000 : opts.durationMs + 1;
    for (let k = 0; start + k * every < end; k++) {
      await sleepUntil(start + k * every, opts.signal);
      if (opts.signal?.aborted) return;
      if (await get(agent, target, opts.signal)) result.bursts++;
      else if (!opts.signal?.aborted) result.errors++;
    }
  };

  try {
    await Promise.all([burster(), ...Array.from({ length: load.concurrency }, worker)]);
  } finally {
    agent.destroy();
  }
  return result;
}
