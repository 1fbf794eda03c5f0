#!/usr/bin/env node
// Start-up in interleaved runs (issue 13 item 2; bench/README.md, start-up): each round runs every
// command once, in turn, so a load spike on the shared machine hits all of them alike; the figure to read
// is the per-round ratio against the first command (the reference), not the absolute times.
// Each run goes through bench/wait4-rusage.c (compiled into bench/out/ with cc on first use): wall time
// around fork+exec+wait4, CPU user+sys and peak RSS from wait4's rusage, in µs, where GNU time rounds CPU
// to 10 ms, a twelfth of the whole run here. The child's stdout is a pipe the helper drains.
//
//   node bench/startup-pairs.mjs [--rounds 25] [--profile bench/out/heap-0.2MB-2400-seed1.pb.gz]
//        [--bin dist/bin/heapsight.cjs] [--also 'name=cmd …'] [--no-default]
//
// Default commands: go1.27 `pprof -top P` (the reference), `heapsight top P --json` (the package's bin),
// `heapsight analyze examples/worker-pool/recording`, `node -e 0`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const rounds = Number(opt('--rounds', '25'));
const profile = resolve(opt('--profile', join(root, 'bench', 'out', 'heap-0.2MB-2400-seed1.pb.gz')));
const bin = resolve(opt('--bin', join(root, 'dist', 'bin', 'heapsight.cjs')));
if (!existsSync(profile)) throw new Error(`startup-pairs: ${profile} missing; run node bench/run.mjs --generate-only --sizes 0.2`);

const rusage = join(root, 'bench', 'out', 'wait4-rusage');
// Rebuilt when the source is newer than the binary.
if (!existsSync(rusage) || statSync(rusage).mtimeMs < statSync(join(root, 'bench', 'wait4-rusage.c')).mtimeMs) {
  mkdirSync(dirname(rusage), { recursive: true });
  const cc = spawnSync('cc', ['-O2', '-o', rusage, join(root, 'bench', 'wait4-rusage.c')], { stdio: 'inherit' });
  if (cc.status !== 0) throw new Error('startup-pairs: cc failed to build bench/wait4-rusage.c');
}
const pprofPath = spawnSync('/usr/lib/go-1.27/bin/go', ['tool', '-n', 'pprof'], { encoding: 'utf8' }).stdout.trim();
/** name → argv; the first is the reference of the ratios. */
const commands = [];
if (!args.includes('--no-default')) {
  commands.push(['pprof', [pprofPath, '-top', profile]]);
  commands.push(['heapsight top', [process.execPath, bin, 'top', profile, '--json']]);
}
for (let i = 0; i < args.length; i++) {
  if (args[i] !== '--also') continue;
  const [name, ...rest] = args[i + 1].split('=');
  commands.push([name, rest.join('=').split(' ').filter(Boolean)]);
}
if (!args.includes('--no-default')) {
  commands.push(['heapsight analyze', [process.execPath, bin, 'analyze', join(root, 'examples', 'worker-pool', 'recording')]]);
  commands.push(['node -e 0', [process.execPath, '-e', '0']]);
}

const env = { ...process.env, NO_COLOR: '1' };
delete env.NODE_OPTIONS;
const results = new Map(commands.map(([n]) => [n, []]));
const load0 = loadavg()[0];
for (let r = 0; r < rounds; r++) {
  for (const [name, argv] of commands) {
    const p = spawnSync(rusage, argv, { env, encoding: 'utf8' });
    const m = /RUS ([\d.]+) ([\d.]+) (\d+) (\d+)\n$/.exec(p.stderr);
    if (p.status !== 0 || !m || m[4] !== '0') throw new Error(`${name} failed: ${p.stderr}`);
    results.get(name).push({ wall: Number(m[1]), cpu: Number(m[2]), rss: Number(m[3]) / 1024 });
  }
}
const load1 = loadavg()[0];
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ref = results.get(commands[0][0]);
console.log(`${rounds} rounds, load ${load0.toFixed(1)} → ${load1.toFixed(1)}, ${new Date().toISOString()}`);
console.log('| command | wall ms | CPU ms | peak RSS MiB | ref / this wall, per-round median | CPU ratio |');
console.log('|---|---|---|---|---|---|');
for (const [name] of commands) {
  const rs = results.get(name);
  const ratioWall = median(rs.map((x, i) => ref[i].wall / x.wall));
  const ratioCpu = median(rs.map((x, i) => ref[i].cpu / Math.max(x.cpu, 1)));
  console.log(
    `| ${name} | ${median(rs.map((x) => x.wall)).toFixed(0)} | ${median(rs.map((x) => x.cpu)).toFixed(0)} | ${median(rs.map((x) => x.rss)).toFixed(0)} | ${ratioWall.toFixed(2)}× | ${ratioCpu.toFixed(2)}× |`,
  );
}
