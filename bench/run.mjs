#!/usr/bin/env node
// `npm run bench`: heapsight `top` / `diff` against `go tool pprof -top` / `-top -diff_base` on big,
// deterministic Go heap profiles, plus the Node speed floor (bench/floor.mjs) and pprof-format's decode
// as reference columns. Each tool runs as its own process under GNU time so wall time and peak RSS are
// measured the same way for Node and Go; the two tools alternate within each repetition so that load
// from other jobs on a shared machine hits both alike, and ratios are taken per pair.
//
// The reference is Go 1.27's pprof (the binary `go tool -n pprof` names; Go builds and caches it on first
// use) unless --pprof 1.19 asks for the one in Debian's Go 1.19 GOTOOLDIR. google/pprof got several
// times faster between the two, so ratios against 1.19 overstate heapsight's lead.
//
// Options: --pprof 1.27|1.19 (default 1.27)   --sizes 0.2,1.7,16,87   --reps N (default 3)   --reps-large N (sizes >= 50 MB; default min(reps, 2))
//          --skip-pprof-diff-large (skip pprof -diff_base at >= 50 MB: ~200 s and ~12 GB)
//          --no-build (don't run `npm run build` first)   --no-goroutine (skip the debug=2 streaming bench)
//          --generate-only (build the generator and write the profiles, then stop)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(repoRoot, 'bench', 'out');
const genDir = join(repoRoot, 'bench', 'gen-heap-profile');
// The package's `bin` (the esbuild bundle, scripts/bundle-cli.mjs): what an installed heapsight runs.
const cli = join(repoRoot, 'dist', 'bin', 'heapsight.cjs');
const TIME = '/usr/bin/time';

// Sizes are named by RAW (inflated) protobuf MB. Each allocation is one sample of ~78 bytes; the small
// size uses fewer functions because 8,000 functions' locations and strings alone are ~0.3 MB.
const SIZES = {
  0.2: { samples: 2400, funcs: 500 },
  1.7: { samples: 16300, funcs: 8000 },
  16: { samples: 205000, funcs: 8000 },
  87: { samples: 1147000, funcs: 8000 },
};
const LARGE_MB = 50;

function parseArgs(argv) {
  const opts = {
    pprof: '1.27',
    sizes: Object.keys(SIZES),
    reps: 3,
    repsLarge: undefined,
    skipPprofDiffLarge: false,
    build: true,
    goroutine: true,
    generateOnly: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--pprof') opts.pprof = value();
    else if (a === '--sizes')
      opts.sizes = value()
        .split(',')
        .map((s) => s.trim());
    else if (a === '--reps') opts.reps = Number(value());
    else if (a === '--reps-large') opts.repsLarge = Number(value());
    else if (a === '--skip-pprof-diff-large') opts.skipPprofDiffLarge = true;
    else if (a === '--no-build') opts.build = false;
    else if (a === '--no-goroutine') opts.goroutine = false;
    else if (a === '--generate-only') opts.generateOnly = true;
    else throw new Error(`unknown option ${a}`);
  }
  if (!GO[opts.pprof]) throw new Error(`unknown --pprof ${opts.pprof}; known: ${Object.keys(GO).join(',')}`);
  for (const s of opts.sizes) if (!SIZES[s]) throw new Error(`unknown size ${s}; known: ${Object.keys(SIZES).join(',')}`);
  if (!(opts.reps >= 1)) throw new Error('--reps must be >= 1');
  opts.repsLarge ??= Math.min(opts.reps, 2);
  return opts;
}

function newestMtime(dir) {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const st = statSync(join(dir, name));
    newest = Math.max(newest, st.isDirectory() ? newestMtime(join(dir, name)) : st.mtimeMs);
  }
  return newest;
}

function goEnv() {
  return { ...process.env, GO111MODULE: 'off', GOPATH: '/usr/share/gocode', GOCACHE: join(repoRoot, '.cache', 'go-build-cache') };
}

function buildGenerator() {
  // funcs_gen.go is generated, not committed; gen.mjs leaves it untouched when already current.
  const g = spawnSync(process.execPath, [join(genDir, 'gen.mjs')], { encoding: 'utf8' });
  if (g.status !== 0) throw new Error(`gen.mjs failed:\n${g.stderr}`);
  const bin = join(outDir, 'bin', 'gen-heap-profile');
  if (existsSync(bin) && statSync(bin).mtimeMs >= newestMtime(genDir)) return bin;
  mkdirSync(dirname(bin), { recursive: true });
  const r = spawnSync('go', ['build', '-o', bin, '.'], { cwd: genDir, env: goEnv(), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`go build bench/gen-heap-profile failed:\n${r.stderr}`);
  return bin;
}

/** Generate (or reuse) the profile for a size and seed; returns its path. */
function profileFor(gen, size, seed) {
  const { samples, funcs } = SIZES[size];
  const file = join(outDir, `heap-${size}MB-${samples}-seed${seed}.pb.gz`);
  if (existsSync(file) && statSync(file).mtimeMs >= statSync(gen).mtimeMs) return file;
  process.stderr.write(`generating ${file} ...\n`);
  const r = spawnSync(gen, ['-samples', String(samples), '-funcs', String(funcs), '-seed', String(seed), '-o', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gen-heap-profile failed:\n${r.stderr}`);
  return file;
}

/**
 * Run argv under GNU time; resolve wall seconds (measured here, monotonic), peak RSS in MiB and stdout.
 * stdout goes to a file rather than a pipe so a slow reader never throttles the measured process.
 */
function measure(argv, { env } = {}) {
  const tmp = join(outDir, `.measure-${process.pid}`);
  const stdoutFile = `${tmp}.out`;
  const timeFile = `${tmp}.time`;
  const t0 = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', 'exec "$@" > "$OUT"', 'sh', TIME, '-f', '%M', '-o', timeFile, ...argv], {
    env: { ...(env ?? process.env), OUT: stdoutFile },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const timeText = existsSync(timeFile) ? readFileSync(timeFile, 'utf8') : '';
  const kb = Number(timeText.trim().split('\n').pop());
  const stdout = existsSync(stdoutFile) ? readFileSync(stdoutFile, 'utf8') : '';
  rmSync(stdoutFile, { force: true });
  rmSync(timeFile, { force: true });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}:\n${r.stderr.slice(0, 2000)}`);
  return { seconds, peakMiB: kb / 1024, stdout };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const max = (xs) => Math.max(...xs);

// The go commands whose pprof can be the reference.
const GO = { 1.27: '/usr/lib/go-1.27/bin/go', 1.19: 'go' };

/** The reference pprof binary and the version of the Go that ships it. */
function pprofBinary(which) {
  // Run the pprof binary directly: `go tool pprof` adds the go command's own start-up to every run.
  const go = GO[which];
  const version = spawnSync(go, ['version'], { encoding: 'utf8' }).stdout?.trim();
  if (!version) throw new Error(`${go} is missing (needed for --pprof ${which})`);
  let bin;
  if (which === '1.19') {
    bin = join(spawnSync(go, ['env', 'GOTOOLDIR'], { encoding: 'utf8' }).stdout.trim(), 'pprof');
  } else {
    // Since Go 1.24 tools are built on demand into the build cache; -n prints where, `-h` builds it.
    bin = spawnSync(go, ['tool', '-n', 'pprof'], { encoding: 'utf8' }).stdout.trim();
    if (!existsSync(bin)) spawnSync(go, ['tool', 'pprof', '-h'], { encoding: 'utf8' });
  }
  if (!bin || !existsSync(bin)) throw new Error(`pprof of ${version} not found (${bin || 'no path'})`);
  return { bin, version };
}

/** Per repetition: [floor,] heapsight, [pprof], one after the other; ratios are taken within a repetition. */
function runPair(reps, heapsightArgv, pprofArgv, floorArgv) {
  const hs = [];
  const pp = [];
  const fl = [];
  for (let i = 0; i < reps; i++) {
    if (floorArgv) fl.push(measure(floorArgv));
    hs.push(measure(heapsightArgv));
    if (pprofArgv) pp.push(measure(pprofArgv));
  }
  const summary = (ms) => ({ seconds: ms.map((m) => m.seconds), medianSeconds: median(ms.map((m) => m.seconds)), peakMiB: max(ms.map((m) => m.peakMiB)) });
  const out = { heapsight: summary(hs) };
  if (pprofArgv) {
    out.pprof = summary(pp);
    out.ratios = hs.map((m, i) => pp[i].seconds / m.seconds);
    out.medianRatio = median(out.ratios);
  }
  if (floorArgv) {
    out.floor = { ...summary(fl), inProcessMs: median(fl.map((m) => JSON.parse(m.stdout).ms)) };
    out.floorRatios = hs.map((m, i) => m.seconds / fl[i].seconds);
    out.medianFloorRatio = median(out.floorRatios);
  }
  out.heapsightStdout = hs[0].stdout;
  return out;
}

const fmt = (x, d = 2) => (x === undefined ? '—' : x.toFixed(d));

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => '| ' + cells.map((c, i) => String(c).padStart(widths[i])).join(' | ') + ' |';
  return [line(headers), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map(line)].join('\n');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  mkdirSync(outDir, { recursive: true });
  if (!existsSync(TIME)) throw new Error(`${TIME} is missing: install Debian's "time" package`);
  if (opts.generateOnly) {
    const gen = buildGenerator();
    for (const size of opts.sizes) for (const seed of [1, 2]) console.log(profileFor(gen, size, seed));
    return;
  }
  if (opts.build) {
    const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: repoRoot, encoding: 'utf8' });
    // tsc emits even when files elsewhere have type errors; only a missing CLI is fatal here.
    if (b.status !== 0) process.stderr.write(`npm run build reported errors (continuing with emitted output):\n${b.stdout.slice(0, 1500)}\n`);
  }
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);
  const gen = buildGenerator();
  const { bin: pprof, version: pprofGo } = pprofBinary(opts.pprof);
  const node = process.execPath;
  const os = await import('node:os');
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    pprof: `pprof of ${pprofGo}`,
    pprofBinary: pprof,
    cpus: os.cpus().length,
    loadavg: { start: os.loadavg() },
    options: opts,
    sizes: [],
  };

  for (const size of opts.sizes) {
    const reps = Number(size) >= LARGE_MB ? opts.repsLarge : opts.reps;
    const base = profileFor(gen, size, 1);
    const other = profileFor(gen, size, 2);
    const gz = statSync(base).size;
    const raw = gunzipSync(readFileSync(base)).length;
    process.stderr.write(`size ${size} MB: raw ${(raw / 1e6).toFixed(2)} MB, gzip ${(gz / 1e6).toFixed(2)} MB, ${reps} reps\n`);

    const pf = [];
    for (let i = 0; i < reps; i++) pf.push(measure([node, join(repoRoot, 'bench', 'pprof-format-decode.mjs'), base]));
    const samples = JSON.parse(pf[0].stdout).samples;
    const top = runPair(reps, [node, cli, 'top', base, '--json'], [pprof, '-top', base], [node, join(repoRoot, 'bench', 'floor.mjs'), base]);
    const skipDiff = opts.skipPprofDiffLarge && Number(size) >= LARGE_MB;
    const diff = runPair(reps, [node, cli, 'diff', base, other, '--json'], skipDiff ? undefined : [pprof, '-top', '-diff_base', base, other]);
    const entry = {
      size,
      rawBytes: raw,
      gzipBytes: gz,
      samples,
      reps,
      floor: top.floor,
      pprofFormat: {
        medianSeconds: median(pf.map((m) => m.seconds)),
        peakMiB: max(pf.map((m) => m.peakMiB)),
        inProcessMs: median(pf.map((m) => JSON.parse(m.stdout).ms)),
      },
      top: { ...top, heapsightStdout: undefined, functions: countFunctions(top.heapsightStdout) },
      diff: { ...diff, heapsightStdout: undefined },
    };
    results.sizes.push(entry);
    process.stderr.write(
      `  top: heapsight ${fmt(top.heapsight.medianSeconds)} s, pprof ${fmt(top.pprof.medianSeconds)} s; diff: heapsight ${fmt(diff.heapsight.medianSeconds)} s, pprof ${fmt(diff.pprof?.medianSeconds)} s\n`,
    );
  }

  results.loadavg.end = os.loadavg();
  if (opts.goroutine) results.goroutine = await goroutineBench(node);

  const stamp = results.date.replace(/[:]/g, '-').replace(/\..*/, '');
  const jsonFile = join(outDir, `results-${stamp}.json`);
  writeFileSync(jsonFile, JSON.stringify(results, null, 2) + '\n');

  const rows = results.sizes.map((e) => [
    `${(e.rawBytes / 1e6).toFixed(1)} MB (${(e.gzipBytes / 1e6).toFixed(1)} gz, ${e.samples} samples)`,
    fmt(e.top.heapsight.medianSeconds),
    fmt(e.top.heapsight.peakMiB, 0),
    fmt(e.top.pprof.medianSeconds),
    fmt(e.top.pprof.peakMiB, 0),
    fmt(e.top.medianRatio, 1) + '×',
    fmt(e.floor.medianSeconds),
    fmt(e.top.medianFloorRatio, 2) + '×',
    fmt(e.pprofFormat.medianSeconds),
  ]);
  const load = (l) => l.map((x) => x.toFixed(1)).join(' ');
  console.log(
    `\nheapsight top vs ${results.pprof} -top (${results.date}, ${results.node}, ${results.cpus} CPUs, load average ${load(results.loadavg.start)} → ${load(results.loadavg.end)}; median of reps, wall s / peak RSS MiB; ratios per pair, then the median)\n`,
  );
  console.log(table(['profile (raw)', 'heapsight s', 'MiB', 'pprof s', 'MiB', 'pprof/heapsight', 'floor s', 'heapsight/floor', 'pprof-format s'], rows));
  const diffRows = results.sizes.map((e) => [
    `${(e.rawBytes / 1e6).toFixed(1)} MB`,
    fmt(e.diff.heapsight.medianSeconds),
    fmt(e.diff.heapsight.peakMiB, 0),
    fmt(e.diff.pprof?.medianSeconds),
    fmt(e.diff.pprof?.peakMiB, 0),
    e.diff.medianRatio === undefined ? '—' : fmt(e.diff.medianRatio, 1) + '×',
  ]);
  console.log(`\nheapsight diff vs ${results.pprof} -top -diff_base (two seeds, same size)\n`);
  console.log(table(['profile (raw)', 'heapsight s', 'MiB', 'pprof s', 'MiB', 'pprof/heapsight'], diffRows));
  const list = (xs) => (xs ? xs.map((x) => x.toFixed(2)).join(' ') : '—');
  console.log('\nper-pair ratios (pprof / heapsight; heapsight / floor):');
  for (const e of results.sizes)
    console.log(`  ${(e.rawBytes / 1e6).toFixed(1)} MB  top: ${list(e.top.ratios)};  floor: ${list(e.top.floorRatios)};  diff: ${list(e.diff.ratios)}`);
  if (results.goroutine) {
    const g = results.goroutine;
    console.log(
      g.skipped
        ? `\ngoroutine debug=2 streaming: skipped (${g.skipped})`
        : `\ngoroutine debug=2 streaming: ${(g.bytes / 1e6).toFixed(0)} MB, ${g.goroutines} goroutines, ${fmt(g.seconds)} s, peak ${fmt(g.peakMiB, 0)} MiB`,
    );
  }
  console.log(`\nresults: ${jsonFile}`);
}

function countFunctions(stdout) {
  try {
    return JSON.parse(stdout).functions.length; // numbers may exceed 2^53; only the count is used here
  } catch {
    return undefined;
  }
}

async function goroutineBench(node) {
  const reader = join(repoRoot, 'src', 'sources', 'goroutine-text.ts');
  if (!existsSync(reader) || !/export\s+(async\s+)?function\s+readGoroutineDebug2/.test(readFileSync(reader, 'utf8'))) {
    return { skipped: 'src/sources/goroutine-text.ts does not export readGoroutineDebug2 yet' };
  }
  const { synthesizeDebug2 } = await import('./goroutine-debug2.mjs');
  const file = join(outDir, 'goroutines-300MB.txt');
  if (!existsSync(file)) await synthesizeDebug2(file, 300e6);
  const m = measure([node, join(repoRoot, 'dist', 'bench', 'goroutine-stream.js'), file]);
  return { bytes: statSync(file).size, ...JSON.parse(m.stdout), seconds: m.seconds, peakMiB: m.peakMiB };
}

main().catch((err) => {
  console.error(`bench: ${err.message}`);
  process.exit(1);
});
