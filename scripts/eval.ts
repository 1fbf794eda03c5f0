// `npm run eval`: how right the verdict is on every recording whose truth we know, and how safe on the way.
// Today that is the 16 bundled example recordings and the replay fixtures (real runs of our own Go
// programs, recorded on Go 1.19), each also seen as other watchers would have seen it (without gctrace,
// every 2nd poll, joined 20 s late: src/analysis/replay.ts). The wider scenario corpus of issue 9 is not
// built yet; when it is, its recordings join this list with their truth files.
//
// Per window (the first 75 s, the first 180 s, the whole run) it prints: right verdicts at the window's
// end, false leaks and false no-leaks at any 5 s prefix inside the window, and the time to the right
// verdict (the first prefix from which the verdict is right up to the window's end).
//
//   npm run eval [-- --step 5]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Verdict } from '../src/analysis/findings.js';
import { recordingVariants, replayVerdicts, type ReplayStep } from '../src/analysis/replay.js';
import { readRecordingDir } from '../src/sources/recording.js';

const LEAKS: ReadonlySet<Verdict> = new Set(['heap-leak', 'goroutine-leak', 'off-heap-growth']);
const WINDOWS: { label: string; seconds: number }[] = [
  { label: '75 s', seconds: 75 },
  { label: '180 s', seconds: 180 },
  { label: 'whole run', seconds: Infinity },
];

const args = process.argv.slice(2);
const step = args[0] === '--step' ? Number(args[1]) : 5;
const root = resolve(new URL('..', import.meta.url).pathname);
const examples = join(root, 'examples');
const names = readdirSync(examples).filter((n) => existsSync(join(examples, n, 'example.json')));
const truthOf = (name: string) => (JSON.parse(readFileSync(join(examples, name, 'example.json'), 'utf8')) as { expect: { verdict: Verdict } }).expect.verdict;

const dirs: string[] = names.map((n) => join(examples, n, 'recording')).filter((d) => existsSync(join(d, 'recording.json')));
const fixtures = join(root, 'src/analysis/testdata/replay');
for (const n of readdirSync(fixtures).sort()) if (existsSync(join(fixtures, n, 'recording.json'))) dirs.push(join(fixtures, n));

interface Row {
  goVersion: string;
  expected: Verdict;
  steps: ReplayStep[];
}
const rows: Row[] = [];
for (const dir of dirs) {
  const name = names.filter((n) => dir.includes(n)).sort((a, b) => b.length - a.length)[0];
  if (!name) throw new Error(`${dir}: no example name in its path, so no truth`);
  const rec = await readRecordingDir(dir);
  const goVersion = (rec.samples.find((s) => s.goVersion)?.goVersion ?? 'unknown').replace(/^go(\d+\.\d+).*/, '$1');
  for (const { rec: r } of recordingVariants(rec)) rows.push({ goVersion, expected: truthOf(name), steps: replayVerdicts(r, step * 1000) });
}

const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(0)} %` : '-');
const quantile = (xs: number[], q: number) => {
  if (!xs.length) return '-';
  const s = [...xs].sort((a, b) => a - b);
  return `${s[Math.min(s.length - 1, Math.floor(q * s.length))]} s`;
};
console.log(`eval: ${dirs.length} recordings × their variants = ${rows.length} runs, prefixes every ${step} s`);
console.log('| Go | window | runs | right at end | false leak (any prefix) | false no-leak (any prefix) | time to right: median | p90 |');
console.log('|---|---|---|---|---|---|---|---|');
let unsafe = 0;
for (const go of [...new Set(rows.map((r) => r.goVersion))].sort()) {
  for (const w of WINDOWS) {
    let n = 0, right = 0, falseLeak = 0, falseNoLeak = 0;
    const times: number[] = [];
    for (const r of rows.filter((x) => x.goVersion === go)) {
      const inside = r.steps.filter((s) => s.seconds <= w.seconds);
      // A run shorter than the window is not counted for it (its end is not the window's end).
      if (!inside.length || (w.seconds !== Infinity && r.steps[r.steps.length - 1].seconds < w.seconds)) continue;
      n++;
      const expectLeak = LEAKS.has(r.expected);
      if (inside.some((s) => !expectLeak && LEAKS.has(s.verdict))) falseLeak++;
      if (inside.some((s) => expectLeak && s.verdict === 'no-leak')) falseNoLeak++;
      const end = inside[inside.length - 1];
      if (end.verdict === r.expected) {
        right++;
        let i = inside.length;
        while (i > 0 && inside[i - 1].verdict === r.expected) i--;
        times.push(inside[i].seconds);
      }
    }
    unsafe += falseLeak + falseNoLeak;
    console.log(`| ${go} | ${w.label} | ${n} | ${right} (${pct(right, n)}) | ${falseLeak} | ${falseNoLeak} | ${quantile(times, 0.5)} | ${quantile(times, 0.9)} |`);
  }
}
process.exitCode = unsafe ? 1 : 0;
