// The fuzz loop: seeds from real captures, mutated inputs sent to a worker process, each outcome
// classified. Classes: returned and input-error are fine; other-error (a JS error escaping a reader),
// unclean-message (an InputError whose text is not one clean line), over-time and over-memory are
// failures, each saved as a reproducer file.

import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { detectInput } from '../../sources/detect.js';
import type { Job, JobResult } from './child.js';
import { mutate, Rng } from './mutate.js';
import { TARGETS_FOR } from './targets.js';

export type OutcomeClass = 'returned' | 'input-error' | 'other-error' | 'unclean-message' | 'over-time' | 'over-memory';
export const FAILURE_CLASSES: readonly OutcomeClass[] = ['other-error', 'unclean-message', 'over-time', 'over-memory'];

/** Per-target budget for an input under 1 MB (the acceptance line). */
export const SMALL_INPUT_BUDGET_MS = 2000;
export const SMALL_INPUT_BYTES = 1 << 20;
/** A target over this is killed as hung; bombs get more since they are meant to be big. */
const HARD_KILL_SMALL_MS = 10_000;
const HARD_KILL_BIG_MS = 60_000;
/** Peak RSS of the worker past which an input counts as over memory (the issue: < 1 GiB per input). */
export const MAX_RSS_BYTES = 1 << 30;

export interface Seed {
  name: string;
  bytes: Uint8Array;
  gzip: boolean;
  targets: string[];
}

export interface FuzzInput {
  name: string;
  bytes: Uint8Array;
  targets: string[];
}

export interface Failure {
  cls: OutcomeClass;
  target: string;
  input: string;
  detail: string;
  reproducer: string;
}

export interface FuzzReport {
  counts: Record<OutcomeClass, number>;
  inputs: number;
  failures: Failure[];
  reproducerDir: string;
}

const repoRoot = new URL('../../../', import.meta.url).pathname;

function walk(dir: string, out: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const p = join(dir, n);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (st.size > 0 && st.size < 4 * 1024 * 1024) out.push(p);
  }
}

/** Every real capture in src/sources/testdata and examples/x/recording, decompressed, with its readers. */
export function loadSeeds(): Seed[] {
  const files: string[] = [];
  walk(join(repoRoot, 'src/sources/testdata'), files);
  for (const ex of readdirSync(join(repoRoot, 'examples'))) walk(join(repoRoot, 'examples', ex, 'recording'), files);
  files.sort();
  const seeds: Seed[] = [];
  for (const f of files) {
    let bytes: Uint8Array = new Uint8Array(readFileSync(f));
    let gzip = false;
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      try {
        bytes = new Uint8Array(gunzipSync(bytes));
        gzip = true;
      } catch {
        // A deliberately broken gzip capture: keep it as it is.
      }
    }
    const targets = TARGETS_FOR[detectInput(bytes).format];
    seeds.push({ name: f.slice(repoRoot.length), bytes, gzip, targets });
  }
  return seeds;
}

const ALL_READERS = [...new Set(Object.values(TARGETS_FOR).flat())];

/** A mutated input: the seed's own readers, `detect` and `load`, and now and then one other reader. */
export function nextInput(seeds: Seed[], rng: Rng, n: number): FuzzInput {
  const seed = rng.pick(seeds);
  const other = rng.pick(seeds).bytes;
  const { bytes, how } = mutate(seed.bytes, other, rng);
  // Compress again as often as the seed was compressed, so that mutations reach the inflated content.
  const gz = seed.gzip ? rng.next() < 0.7 : rng.next() < 0.1;
  const targets = ['detect', 'load', ...seed.targets];
  if (rng.next() < 0.2) targets.push(rng.pick(ALL_READERS));
  return {
    name: `${n}-${seed.name.replace(/[^\w.-]+/g, '_')}-${how.join('+')}${gz ? '.gz' : ''}`,
    bytes: gz ? gzipSync(bytes, { level: 1 }) : bytes,
    targets: [...new Set(targets)],
  };
}

/** Runs inputs one at a time in a worker process, restarting it after a hang, a crash or a memory peak. */
export class FuzzWorker {
  private child: ChildProcess | undefined;
  private start(): ChildProcess {
    const child = fork(new URL('./child.ts', import.meta.url).pathname, [], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=1536', '--stack-size=984'],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    child.stderr!.resume();
    this.child = child;
    return child;
  }
  run(input: FuzzInput): Promise<JobResult | { died: 'timeout' | 'crash'; detail: string }> {
    const child = this.child ?? this.start();
    const killAfter = input.bytes.length < SMALL_INPUT_BYTES ? HARD_KILL_SMALL_MS : HARD_KILL_BIG_MS;
    return new Promise((resolve) => {
      const onMessage = (r: JobResult) => {
        done();
        if (r.maxRssBytes > MAX_RSS_BYTES / 2) this.stop(); // a fresh process so the next peak is its own
        resolve(r);
      };
      const onExit = (code: number | null, signal: string | null) => {
        done();
        this.child = undefined;
        resolve({ died: 'crash', detail: `worker exited (code ${code}, signal ${signal})` });
      };
      const timer = setTimeout(() => {
        done();
        this.stop();
        resolve({ died: 'timeout', detail: `no answer within ${killAfter} ms` });
      }, killAfter);
      const done = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
      const job: Job = { bytes: input.bytes, targets: input.targets, origin: 'fuzz-input' };
      child.send(job);
    });
  }
  stop(): void {
    if (this.child) {
      this.child.kill('SIGKILL');
      this.child = undefined;
    }
  }
}

export interface RunOptions {
  seconds: number;
  seed: number;
  /** Extra generated inputs (bombs) run first. */
  extra?: FuzzInput[];
  reproducerDir?: string;
  log?: (line: string) => void;
}

export async function runFuzz(opts: RunOptions): Promise<FuzzReport> {
  const seeds = loadSeeds();
  const rng = new Rng(opts.seed);
  const dir = opts.reproducerDir ?? join(tmpdir(), `heapsight-fuzz-${opts.seed}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const counts: Record<OutcomeClass, number> = { returned: 0, 'input-error': 0, 'other-error': 0, 'unclean-message': 0, 'over-time': 0, 'over-memory': 0 };
  const failures: Failure[] = [];
  const worker = new FuzzWorker();
  const deadline = Date.now() + opts.seconds * 1000;
  let n = 0;
  const fail = (input: FuzzInput, cls: OutcomeClass, target: string, detail: string) => {
    counts[cls]++;
    const reproducer = join(dir, `${cls}-${target}-${input.name}`.slice(0, 200));
    writeFileSync(reproducer, input.bytes);
    failures.push({ cls, target, input: input.name, detail, reproducer });
    opts.log?.(`${cls} ${target}: ${detail.slice(0, 200)}\n  reproducer: ${reproducer}`);
  };
  try {
    const extra = [...(opts.extra ?? [])];
    while (extra.length || Date.now() < deadline) {
      const input = extra.shift() ?? nextInput(seeds, rng, n);
      n++;
      const r = await worker.run(input);
      if ('died' in r) {
        const target = input.targets.join(',');
        fail(input, r.died === 'timeout' ? 'over-time' : 'over-memory', target, r.detail);
        continue;
      }
      const small = input.bytes.length < SMALL_INPUT_BYTES;
      for (const o of r.outcomes) {
        if (o.kind === 'other-error' || o.kind === 'unclean-message') fail(input, o.kind, o.target, o.detail ?? '');
        else if (small && o.ms > SMALL_INPUT_BUDGET_MS) fail(input, 'over-time', o.target, `${Math.round(o.ms)} ms on a ${input.bytes.length}-byte input`);
        else counts[o.kind]++;
      }
      if (r.maxRssBytes > MAX_RSS_BYTES) fail(input, 'over-memory', input.targets.join(','), `worker peak RSS ${Math.round(r.maxRssBytes / 2 ** 20)} MiB`);
    }
  } finally {
    worker.stop();
  }
  return { counts, inputs: n, failures, reproducerDir: dir };
}
