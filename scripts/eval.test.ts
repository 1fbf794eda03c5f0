// CI guard of `npm run eval` (src/test-support/eval-corpus.ts) on every recording with a known truth:
// the example recordings, the replay fixtures and the scenario corpus (corpus/recordings/).
//   - the corpus is whole: every scenario of corpus/scenarios.ts is recorded on each Go version, with
//     the truth that table gives it (truth.json cannot drift from the table);
//   - (the safety properties — no false leak, no false no-leak at any 5 s prefix — are
//     scripts/eval-safety.test.ts);
//   - accuracy floors per Go version and window, at the values measured when the corpus was recorded.
//     They may only move up: raise them when the engine gets better, never lower them to pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenarios, truthFor } from '../corpus/scenarios.js';
import { evalCases, formatScores, runCase, scoreRuns, type EvalRun } from '../src/test-support/eval-corpus.js';
import { goVersions, repoRoot } from '../src/test-support/toolchain.js';

/** Scenarios per Go version issue 9 asks for at least. */
const MIN_SCENARIOS_PER_GO = 40;

/**
 * Right verdicts at the window's end, and right first culprits among leaks with a user-code culprit,
 * as fractions, measured on the recordings as made (examples, fixtures and corpus together) when the
 * corpus was recorded (2026-12-03). Floors only move up.
 */
const FLOORS: Record<string, Record<string, { verdict: number; culprit: number }>> = {
  // Measured (engine2, 2026-12-03, as-recorded runs): 19/73, 51/64, 61/73 right. LOWERED from 0.31/0.87/0.9
  // on purpose, with eval-safety.test.ts enabled in the same commit: the verdicts given up were the false
  // leaks of saturating caches (keyspace-tau60s/150s) and the false no-leaks of slow leaks
  // (map-100k-per-min, cgo-malloc-1m-per-min), and the leaks whose live heap decelerates as much as a
  // filling cache's (map-gomemlimit, map-idle-gaps, subslice-9m-per-min, syncmap-5m-per-min-gogc400) are
  // now inconclusive: safety over accuracy. From here on they only move up again.
  '1.19': { '75 s': { verdict: 0.26, culprit: 0.94 }, '180 s': { verdict: 0.79, culprit: 0.97 }, 'whole run': { verdict: 0.83, culprit: 0.97 } },
  // Measured: 17/49, 39/49, 40/49 right (180 s and whole run lowered from 0.83, as above).
  '1.27': { '75 s': { verdict: 0.34, culprit: 0.92 }, '180 s': { verdict: 0.79, culprit: 0.96 }, 'whole run': { verdict: 0.81, culprit: 0.96 } },
};

const cases = evalCases();

test(`the corpus holds every scenario (≥ ${MIN_SCENARIOS_PER_GO}) on each Go version, with the table's truth`, () => {
  assert.ok(scenarios.length >= MIN_SCENARIOS_PER_GO, `${scenarios.length} scenarios`);
  for (const go of goVersions) {
    for (const s of scenarios) {
      const dir = join(repoRoot, 'corpus', 'recordings', `go${go}`, s.name);
      assert.ok(existsSync(join(dir, 'recording.json')), `${s.name} not recorded on Go ${go}`);
      const recorded = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Record<string, unknown>;
      const truth = truthFor(s, go);
      assert.deepEqual({ verdict: recorded.verdict, culprit: recorded.culprit }, { verdict: truth.verdict, culprit: truth.culprit }, `${s.name} on Go ${go}`);
    }
  }
});

test('accuracy at or above the floors, per Go version and window', async () => {
  const runs: EvalRun[] = [];
  for (const c of cases) runs.push(...(await runCase(c, { stepSeconds: 5, asRecordedOnly: true, culprits: true })));
  const scores = scoreRuns(runs, 5);
  const table = formatScores(scores);
  for (const s of scores) {
    const floor = FLOORS[s.goVersion]?.[s.window];
    assert.ok(floor, `no floor for Go ${s.goVersion}, ${s.window}\n${table}`);
    assert.ok(s.runs > 0, `no runs for Go ${s.goVersion}, ${s.window}`);
    assert.ok(s.right / s.runs >= floor.verdict, `Go ${s.goVersion} ${s.window}: ${s.right}/${s.runs} right, floor ${floor.verdict}\n${table}`);
    assert.ok(s.culpritRuns > 0, `Go ${s.goVersion} ${s.window}: no leak with a culprit was scored`);
    assert.ok(
      s.culpritRight / s.culpritRuns >= floor.culprit,
      `Go ${s.goVersion} ${s.window}: culprit ${s.culpritRight}/${s.culpritRuns}, floor ${floor.culprit}\n${table}`,
    );
  }
});
