// Is one build of heapsight slower than another? `top` and `diff` of two built checkouts, run in
// interleaved pairs on the same profiles: `node bench/compare-builds.mjs --a DIR --b DIR [--pairs 9]
// [--sizes 16,87] [--out bench/out]`. Each DIR is a checkout after `npm run build` (its
// dist/bin/heapsight.cjs is run, as an installed copy would be).
//
// The non-obvious decision: the machine is shared, so absolute times drift with the load of the moment.
// The two builds therefore run back to back within a pair, in alternating order (A B, B A, …) so
// neither always gets the warmer cache, and the figure is the median of the per-pair ratios b / a, not a
// ratio of medians. Both builds must print the same JSON, or the comparison is void.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const a = resolve(opt('--a', ''));
const b = resolve(opt('--b', ''));
const pairs = Number(opt('--pairs', '9'));
const sizes = opt('--sizes', '16,87').split(',');
const outDir = resolve(opt('--out', 'bench/out'));
for (const d of [a, b]) if (!existsSync(join(d, 'dist/bin/heapsight.cjs'))) throw new Error(`${d}: no dist/bin/heapsight.cjs (run npm run build there)`);

function profile(size, seed) {
  const f = readdirSync(outDir).find((n) => n.startsWith(`heap-${size}MB-`) && n.endsWith(`-seed${seed}.pb.gz`));
  if (!f) throw new Error(`no ${size} MB profile (seed ${seed}) in ${outDir}: run node bench/run.mjs --generate-only`);
  return join(outDir, f);
}

function run(dir, argv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [join(dir, 'dist/bin/heapsight.cjs'), ...argv], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${dir}: heapsight ${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { s, stdout: r.stdout };
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const rows = [];
for (const size of sizes) {
  const p1 = profile(size, 1);
  const p2 = profile(size, 2);
  for (const [cmd, argv] of [
    ['top', ['top', p1, '--json']],
    ['diff', ['diff', p1, p2, '--json']],
  ]) {
    const ta = [];
    const tb = [];
    for (let i = 0; i < pairs; i++) {
      const first = i % 2 === 0 ? [a, ta] : [b, tb];
      const second = i % 2 === 0 ? [b, tb] : [a, ta];
      const r1 = run(first[0], argv);
      const r2 = run(second[0], argv);
      if (r1.stdout !== r2.stdout) throw new Error(`${cmd} ${size} MB: the two builds print different JSON`);
      first[1].push(r1.s);
      second[1].push(r2.s);
    }
    const ratios = ta.map((x, i) => tb[i] / x);
    const row = { size, cmd, a: median(ta), b: median(tb), ratios, median: median(ratios) };
    rows.push(row);
    console.log(
      `${size} MB ${cmd}: a ${row.a.toFixed(2)} s, b ${row.b.toFixed(2)} s, b/a per pair ${ratios.map((r) => r.toFixed(2)).join(' ')}, median ${row.median.toFixed(3)}`,
    );
  }
}
console.log(JSON.stringify({ a, b, pairs, rows }));
