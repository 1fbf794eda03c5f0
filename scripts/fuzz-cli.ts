// `npm run fuzz:cli [-- --inputs 300] [--seed 1] [--no-bombs] [--out DIR] [--only NAME]`: issue 11's
// acceptance run through the real CLI. Mutated inputs from the fuzz generators (fixed seed) and the
// bombs are written to files; `heapsight analyze FILE` and `heapsight top FILE` run on each as a child
// process (the package's bin bundle, what users run) under /usr/bin/time for the peak RSS, killed after
// 20 s. An answer is fine when it exits 0, 1 or 3, or exits 4 (bad input) with exactly one stderr line
// that names the file and holds no control character. Anything else — a stack trace, an abort, over
// 20 s, over 1 GiB, several lines, a line without the file's name — is a failure, printed with its
// reproducer's path. Exit status 1 when there is any failure.

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freshBundle } from '../src/test-support/cli-run.js';
import { bombs, debug2Dump } from '../src/test-support/fuzz/bombs.js';
import { messageProblem } from '../src/test-support/fuzz/classify.js';
import { Rng } from '../src/test-support/fuzz/mutate.js';
import { loadSeeds, MAX_RSS_BYTES, nextInput, type FuzzInput } from '../src/test-support/fuzz/runner.js';

/** The issue's acceptance limits for one CLI run. */
const LIMIT_MS = 20_000;
const FINE_EXITS = new Set([0, 1, 3]);
const EXIT_INPUT = 4;

const { values } = parseArgs({
  options: {
    inputs: { type: 'string', default: '300' },
    seed: { type: 'string', default: '1' },
    'no-bombs': { type: 'boolean', default: false },
    out: { type: 'string' },
    only: { type: 'string' },
    commands: { type: 'string', default: 'analyze,top' },
  },
});
const count = Number(values.inputs);
const seed = Number(values.seed);
const commands = values.commands.split(',');
const dir = values.out ?? join(tmpdir(), `heapsight-fuzz-cli-${seed}-${process.pid}`);
mkdirSync(dir, { recursive: true });

interface Run {
  code: number | null;
  signal: string | null;
  ms: number;
  rssBytes?: number;
  stderr: string;
}

/** One CLI run under /usr/bin/time (peak RSS into a file), its process group killed at the limit. */
function runCli(bin: string, args: string[]): Promise<Run> {
  const timeFile = join(dir, '.time');
  rmSync(timeFile, { force: true });
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', timeFile, process.execPath, bin, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
      env: { ...process.env, NO_COLOR: '1', HEAPSIGHT_DEBUG: '' },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 1 << 16) stderr += d.toString();
    });
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      process.kill(-child.pid!, 'SIGKILL');
    }, LIMIT_MS);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      let rssBytes: number | undefined;
      try {
        // time writes "Command exited with non-zero status N" or "Command terminated by signal N" first.
        const kb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
        if (Number.isFinite(kb)) rssBytes = kb * 1024;
      } catch {
        // Killed at the limit before time wrote its file.
      }
      const timeNote = /^Command (exited with non-zero status|terminated by signal) .*$/m;
      const termSignal = /terminated by signal (\d+)/.exec(stderr);
      resolve({
        code: killed ? null : code,
        signal: killed ? 'timeout' : termSignal ? `signal ${termSignal[1]}` : signal,
        ms,
        rssBytes,
        stderr: stderr.replace(timeNote, '').replace(/\n+$/, ''),
      });
    });
  });
}

/** Why a run is not a fine answer, or undefined when it is one. */
function problem(run: Run, file: string): string | undefined {
  if (run.signal === 'timeout') return `no answer within ${LIMIT_MS / 1000} s`;
  if (run.rssBytes !== undefined && run.rssBytes > MAX_RSS_BYTES) return `peak RSS ${Math.round(run.rssBytes / 2 ** 20)} MiB`;
  if (run.signal) return `killed by ${run.signal}`;
  if (run.code !== null && FINE_EXITS.has(run.code)) return undefined;
  if (run.code !== EXIT_INPUT) return `exit ${run.code}: ${run.stderr.slice(0, 300)}`;
  const lines = run.stderr.split('\n');
  if (lines.length !== 1) return `${lines.length} stderr lines: ${run.stderr.slice(0, 300)}`;
  if (!run.stderr.includes(file)) return `the line does not name the file: ${run.stderr.slice(0, 300)}`;
  const bad = messageProblem(run.stderr);
  return bad ? `${bad}: ${JSON.stringify(run.stderr.slice(0, 300))}` : undefined;
}

const seeds = loadSeeds();
const rng = new Rng(seed);
const inputs: FuzzInput[] = [];
for (let n = 0; n < count; n++) inputs.push(nextInput(seeds, rng, n));
if (!values['no-bombs']) inputs.push(...bombs(), { name: 'goroutine-debug2-1GB', bytes: debug2Dump(1e9), targets: [] });
const selected = values.only ? inputs.filter((i) => i.name.includes(values.only!)) : inputs;

const bin = freshBundle();
const started = performance.now();
const tally = { ok: 0, failed: 0 };
const byExit = new Map<string, number>();
let peak = { rss: 0, ms: 0 };
for (const input of selected) {
  const file = join(dir, input.name.replace(/[^\w.+-]+/g, '_').slice(0, 150));
  writeFileSync(file, input.bytes);
  let failedHere = false;
  for (const cmd of commands) {
    const run = await runCli(bin, [cmd, file]);
    peak = { rss: Math.max(peak.rss, run.rssBytes ?? 0), ms: Math.max(peak.ms, run.ms) };
    const key = `${cmd} ${run.signal ?? `exit ${run.code}`}`;
    byExit.set(key, (byExit.get(key) ?? 0) + 1);
    const why = problem(run, file);
    if (why) {
      tally.failed++;
      failedHere = true;
      process.stdout.write(
        `FAIL ${cmd} ${(run.ms / 1000).toFixed(1)} s ${Math.round((run.rssBytes ?? 0) / 2 ** 20)} MiB: ${why.replace(/\n/g, '\\n')}\n  reproducer: ${file}\n`,
      );
    } else tally.ok++;
  }
  // Only the failures' reproducers are kept: the big bombs would fill /tmp.
  if (!failedHere) rmSync(file, { force: true });
}
const secs = ((performance.now() - started) / 1000).toFixed(0);
process.stdout.write(
  `fuzz-cli: ${selected.length} inputs × ${commands.join('/')} = ${tally.ok + tally.failed} runs in ${secs} s (seed ${seed}): ${tally.ok} ok, ${tally.failed} failed\n`,
);
for (const [k, n] of [...byExit].sort()) process.stdout.write(`  ${k.padEnd(22)} ${n}\n`);
process.stdout.write(`  slowest run ${(peak.ms / 1000).toFixed(1)} s, largest peak RSS ${Math.round(peak.rss / 2 ** 20)} MiB\n`);
if (tally.failed) process.stdout.write(`reproducers in ${dir}\n`);
process.exitCode = tally.failed ? 1 : 0;
