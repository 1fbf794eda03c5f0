// The eval scoring on hand-made runs: what counts as right, unsafe, timed and culprit-right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Verdict } from '../analysis/findings.js';
import { safetyViolations, scoreRuns, type EvalCase, type EvalRun } from './eval-corpus.js';

function run(verdict: Verdict, culprit: string | null, seq: Verdict[], named?: string): EvalRun {
  const c: EvalCase = { label: `case-${verdict}`, dir: '/nonexistent', source: 'corpus', goVersion: '1.27', verdict, culprit };
  return {
    case: c,
    variant: 'as recorded',
    steps: seq.map((v, i) => ({ seconds: 5 * (i + 1), verdict: v, confidence: 0.9, gcCycles: 10 })),
    culprits: culprit ? [{ window: 'whole run', function: named }] : undefined,
  };
}

const whole = [{ label: 'whole run', seconds: Infinity }];

test('right at the end, time to right from the first prefix that stays right', () => {
  const [s] = scoreRuns([run('heap-leak', 'main.f', ['inconclusive', 'heap-leak', 'inconclusive', 'heap-leak', 'heap-leak'], 'main.f')], 5, whole);
  assert.equal(s.runs, 1);
  assert.equal(s.right, 1);
  assert.deepEqual(s.timesToRight, [20]);
  assert.equal(s.culpritRuns, 1);
  assert.equal(s.culpritRight, 1);
});

test('a leak verdict on a no-leak run at any prefix is a false leak, no-leak on a leak run a false no-leak', () => {
  const runs = [
    run('no-leak', null, ['inconclusive', 'heap-leak', 'no-leak']),
    run('goroutine-leak', 'main.g', ['no-leak', 'goroutine-leak'], 'net/http.(*conn).serve'),
  ];
  const [s] = scoreRuns(runs, 5, whole);
  assert.equal(s.falseLeak, 1);
  assert.equal(s.falseNoLeak, 1);
  assert.equal(s.right, 2);
  assert.equal(s.culpritRight, 0);
  assert.deepEqual(
    safetyViolations(runs).map((v) => [v.seconds, v.verdict, v.truth]),
    [
      [10, 'heap-leak', 'no-leak'],
      [5, 'no-leak', 'goroutine-leak'],
    ],
  );
});

test('another leak kind is wrong but not unsafe; a run shorter than the window is not counted for it', () => {
  const r = run('heap-leak', null, ['goroutine-leak', 'goroutine-leak']);
  const [s75] = scoreRuns([r], 5, [{ label: '75 s', seconds: 75 }]);
  assert.equal(s75.runs, 0);
  const [s] = scoreRuns([r], 5, whole);
  assert.deepEqual([s.runs, s.right, s.falseLeak, s.falseNoLeak], [1, 0, 0, 0]);
  assert.deepEqual(safetyViolations([r]), []);
});
