// Replays recordings prefix by prefix and prints, per recording, when the verdict was first decided, when
// it settled on the expected one, and any prefix that broke the live-verdict invariant (src/analysis/replay.ts).
// The expected verdict comes from examples/<name>/example.json, <name> being the longest example name
// that the recording's path contains.
//
//   npx tsx scripts/replay-verdicts.ts [--step 5] [--no-gctrace] [--verbose] [--variants] DIR...
//   npx tsx scripts/replay-verdicts.ts            (every examples/*/recording and src/analysis/testdata/replay/*)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findExamplesDir } from '../src/cli/commands/demo.js';
import type { Verdict } from '../src/analysis/findings.js';
import { checkReplay, recordingVariants, replayVerdicts } from '../src/analysis/replay.js';
import { readRecordingDir } from '../src/sources/recording.js';

const args = process.argv.slice(2);
let step = 5;
let withoutGctrace = false;
let verbose = false;
let allVariants = false;
const dirs: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--step') step = Number(args[++i]);
  else if (args[i] === '--no-gctrace') withoutGctrace = true;
  else if (args[i] === '--verbose') verbose = true;
  else if (args[i] === '--variants') allVariants = true;
  else dirs.push(resolve(args[i]));
}
const examplesDir = findExamplesDir();
if (!examplesDir) throw new Error('examples/ not found');
const names = readdirSync(examplesDir).filter((n) => existsSync(join(examplesDir, n, 'example.json')));
if (dirs.length === 0) {
  for (const n of names) if (existsSync(join(examplesDir, n, 'recording', 'recording.json'))) dirs.push(join(examplesDir, n, 'recording'));
  const td = resolve('src/analysis/testdata/replay');
  if (existsSync(td)) for (const n of readdirSync(td).sort()) if (existsSync(join(td, n, 'recording.json'))) dirs.push(join(td, n));
}

let failures = 0;
console.log('recording | expected | first decided | settled | confident (≥0.8 twice) | final | violations');
for (const dir of dirs) {
  const name = names.filter((n) => dir.includes(n)).sort((a, b) => b.length - a.length)[0];
  if (!name) {
    console.log(`${dir}: no example name in the path, skipped`);
    continue;
  }
  const expected = (JSON.parse(readFileSync(join(examplesDir, name, 'example.json'), 'utf8')) as { expect: { verdict: Verdict } }).expect.verdict;
  const rec = await readRecordingDir(dir);
  const variants = allVariants ? recordingVariants(rec) : [{ label: '', rec: withoutGctrace ? { ...rec, gcCycles: [] } : rec }];
  for (const { label, rec: r0 } of variants) {
    const r = checkReplay(expected, replayVerdicts(r0, step * 1000), label === '' || label === 'as recorded' || label === 'without gctrace');
    const at = (s?: { seconds: number; verdict: string; confidence: number; gcCycles: number }) =>
      s ? `${s.seconds}s ${s.verdict} ${s.confidence} (${s.gcCycles} GCs)` : '-';
    if (r.violations.length) failures++;
    console.log(
      `${dir.replace(process.cwd() + '/', '')}${label && allVariants ? ` (${label})` : ''} | ${expected} | ${at(r.firstDecided)} | ${at(r.settled)} | ${at(r.confident)} | ${at(r.final)} | ${r.violations.length ? r.violations.join('; ') : 'none'}`,
    );
    if (verbose)
      console.log(
        '   ' +
          r.steps
            .map(
              (s) =>
                `${s.seconds}:${s.verdict === 'inconclusive' ? '?' : s.verdict === 'no-leak' ? 'ok' : s.verdict}${s.verdict === 'inconclusive' ? '' : s.confidence}`,
            )
            .join(' '),
      );
  }
}
console.log(`${failures} recording(s) with violations`);
