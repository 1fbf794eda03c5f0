// The safety half of the eval's CI guard (enabled once the engine met it: saturating fills, sure
// off-heap rises and climbing live objects no longer settle a verdict; decision-rules.ts). Never weaken
// it to make it pass.
//
// On every recording with a known truth (examples, replay fixtures, corpus), as recorded: no leak verdict
// at any 5 s prefix of a no-leak recording, and no no-leak verdict at any 5 s prefix of a leak recording.
// (`npm run eval` checks the same on the thinned variants too: without gctrace, every 2nd poll, joined
// 20 s late.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evalCases, runCase, safetyViolations, type EvalRun } from '../src/test-support/eval-corpus.js';

test('no false leak and no false no-leak at any 5 s prefix of any recording', async () => {
  const runs: EvalRun[] = [];
  for (const c of evalCases()) runs.push(...(await runCase(c, { stepSeconds: 5, asRecordedOnly: true })));
  assert.deepEqual(
    safetyViolations(runs).map((v) => `${v.recording}: ${v.verdict} (${v.confidence}) at ${v.seconds} s, truth ${v.truth}`),
    [],
  );
});
