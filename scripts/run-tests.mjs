#!/usr/bin/env node
// Runs every *.test.ts under src/ (and bench/, scripts/) with Node's own test runner.
// Why a script: Node 20's `node --test` does not expand globs, and tests are TypeScript run through tsx
// so that a type error in one module never hides the results of another; `npm run typecheck` checks types.
//
// Two lanes. A test file that carries `// test-lane: wall-clock` in its first lines spends its time
// waiting on live services (Go programs under load, Prometheus, the kernel's OOM killer) and uses little
// CPU; those files run one after another in a second `node --test` process, beside the CPU-bound files
// in the first. Why not `--test-concurrency`: it pairs files arbitrarily (two live suites of six
// services each, or the pprof oracle beside the corpus eval), while lanes keep at most one live file and
// one CPU-bound file at a time on a 2-core machine. `--serial` runs everything in one lane.
//
//   node scripts/run-tests.mjs [--serial] [path-substring ...]
import { readdirSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';

const roots = ['src', 'bench', 'scripts'];
const args = process.argv.slice(2);
const serial = args.includes('--serial');
const filter = args.filter((a) => a !== '--serial');
const LANE_MARK = /^\/\/ test-lane: wall-clock\b/m;
/** The mark must be near the top, where a reader of the file sees it; 2 KiB covers the header comment. */
const HEAD_BYTES = 2048;
/** Niceness of the CPU-bound lane while the wall-clock lane runs beside it (see lane()). */
const CPU_LANE_NICE = 10;

const files = [];
function walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'testdata') continue;
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts') && (filter.length === 0 || filter.some((f) => p.includes(f)))) files.push(p);
  }
}
roots.forEach(walk);
files.sort();
if (files.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}

function head(path) {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

const wallClock = serial ? [] : files.filter((f) => LANE_MARK.test(head(f)));
const cpu = files.filter((f) => !wallClock.includes(f));

/** One `node --test` process; output prefixed with the lane's name when two lanes share the terminal. */
function lane(name, laneFiles, prefixed) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...laneFiles], {
      stdio: prefixed ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    // The CPU lane runs at a lower priority (nice 10, inherited by the Go builds, pprof and the corpus
    // replays it starts): the wall-clock lane's live services and watchers must get the CPU when they
    // wake, or their GC timing, scrapes and goroutine dumps shift under a busy neighbour — a test of
    // what a service does is then a test of the neighbour. The CPU lane loses nothing but idle time.
    if (name === 'cpu' && prefixed) {
      try {
        setPriority(child.pid, CPU_LANE_NICE);
      } catch {
        // Not permitted here: the lanes still run, only without the priority.
      }
    }
    if (prefixed) {
      for (const [from, to] of [
        [child.stdout, process.stdout],
        [child.stderr, process.stderr],
      ]) {
        let rest = '';
        from.setEncoding('utf8');
        from.on('data', (chunk) => {
          const lines = (rest + chunk).split('\n');
          rest = lines.pop();
          for (const line of lines) to.write(`[${name}] ${line}\n`);
        });
        from.on('end', () => {
          if (rest) to.write(`[${name}] ${rest}\n`);
        });
      }
    }
    child.on('close', (code, signal) => resolve({ name, files: laneFiles.length, code: code ?? 1, signal, seconds: (Date.now() - t0) / 1000 }));
  });
}

const lanes = [];
if (cpu.length) lanes.push(lane('cpu', cpu, wallClock.length > 0));
if (wallClock.length) lanes.push(lane('wall-clock', wallClock, cpu.length > 0));
const results = await Promise.all(lanes);
if (results.length > 1) {
  for (const r of results) {
    console.log(
      `run-tests: lane ${r.name}: ${r.files} files, ${r.seconds.toFixed(0)} s, ${r.code === 0 ? 'pass' : `FAIL (exit ${r.code}${r.signal ? `, ${r.signal}` : ''})`}`,
    );
  }
}
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
