import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { analyzeRecording } from '../analysis/analyze-recording.js';
import type { Findings, Verdict } from '../analysis/findings.js';
import { emptyRecording } from '../model/recording.js';
import { readRecordingDir } from '../sources/recording.js';
import { repoRoot } from '../test-support/toolchain.js';
import { RunningVerdict } from './running-verdict.js';

// Real findings as the base; the sequence of verdicts/confidences fed in is what the stability rule is about.
async function sequence(steps: [Verdict, number][]): Promise<Findings[]> {
  const f = analyzeRecording(await readRecordingDir(join(repoRoot, 'src/sources/testdata/recording/target-churn')));
  return steps.map(([verdict, confidence]) => ({ ...f, verdict, confidence }));
}

test('stable means the same confident verdict in two consecutive evaluations', async () => {
  const seq = await sequence([
    ['inconclusive', 0.5],
    ['no-leak', 0.79],
    ['heap-leak', 0.85],
    ['no-leak', 0.9],
    ['no-leak', 0.95],
    ['no-leak', 0.7],
  ]);
  let i = 0;
  const rv = new RunningVerdict(() => seq[i++], { confidence: 0.8, costFactor: 0 });
  const rec = emptyRecording();
  const states = seq.map(() => rv.evaluate(rec)!);
  assert.deepEqual(
    states.map((s) => [s.streak, s.stable]),
    [
      [0, false],
      [0, false],
      [1, false],
      [1, false],
      [2, true],
      [0, false],
    ],
  );
  assert.equal(states[4].verdict, 'no-leak');
  assert.equal(rv.current!.evaluations, 6);
});

test('evaluations are throttled by their own cost', async () => {
  const [f] = await sequence([['inconclusive', 0.1]]);
  let now = 0;
  let calls = 0;
  // Each analysis "takes" 100 ms on the fake clock.
  const rv = new RunningVerdict(
    () => {
      calls++;
      now += 100;
      return f;
    },
    { confidence: 0.8, costFactor: 5, now: () => now },
  );
  const rec = emptyRecording();
  rv.evaluate(rec);
  now += 200;
  rv.evaluate(rec);
  assert.equal(calls, 1, 'skipped: only 200 ms since an evaluation that took 100 ms');
  now += 300;
  rv.evaluate(rec);
  assert.equal(calls, 2);
  rv.evaluate(rec, true);
  assert.equal(calls, 3, 'forced');
  assert.equal(rv.totalCostMs, 300);
  assert.throws(() => new RunningVerdict(() => f, { confidence: 1.5 }), RangeError);
});
