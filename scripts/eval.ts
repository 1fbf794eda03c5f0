// `npm run eval`: how right the verdict and the culprit are on every recording whose truth we know, and
// how safe on the way: the bundled example recordings, the replay fixtures and the scenario corpus
// (corpus/recordings/go<version>/<name>/ with its truth.json), each also seen as other watchers would have
// seen it (without gctrace, every 2nd poll, joined 20 s late: src/analysis/replay.ts). The scoring is
// src/test-support/eval-corpus.ts, which the CI test (scripts/eval.test.ts) shares.
//
//   npm run eval [-- --step 5] [--source corpus,example,fixture] [--violations]
//
// Exit status 1 when any prefix broke a safety property (--violations lists each).
import { evalCases, formatScores, runCase, safetyViolations, scoreRuns, type EvalRun } from '../src/test-support/eval-corpus.js';

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const step = Number(opt('--step') ?? 5);
const sources = opt('--source')?.split(',');
const started = performance.now();
const cases = evalCases().filter((c) => !sources || sources.includes(c.source));
const runs: EvalRun[] = [];
for (const c of cases) runs.push(...(await runCase(c, { stepSeconds: step, culprits: true })));
const bySource = (s: string) => cases.filter((c) => c.source === s).length;
console.log(
  `eval: ${cases.length} recordings (${bySource('example')} examples, ${bySource('fixture')} replay fixtures, ${bySource('corpus')} corpus) × their variants = ${runs.length} runs, prefixes every ${step} s`,
);
console.log(formatScores(scoreRuns(runs, step)));
const violations = safetyViolations(runs);
if (violations.length) {
  const byRun = new Map<string, typeof violations>();
  for (const v of violations) byRun.set(`${v.recording} (${v.variant})`, [...(byRun.get(`${v.recording} (${v.variant})`) ?? []), v]);
  console.log(`\n${violations.length} unsafe prefixes in ${byRun.size} runs${args.includes('--violations') ? ':' : ' (--violations lists them)'}`);
  if (args.includes('--violations')) {
    for (const [run, vs] of byRun) console.log(`- ${run}, truth ${vs[0].truth}: ${vs.map((v) => `${v.verdict} ${v.confidence} at ${v.seconds} s`).join(', ')}`);
  }
}
console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s)`);
process.exitCode = violations.length ? 1 : 0;
