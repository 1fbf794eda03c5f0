// Replays every committed real recording prefix by prefix (every 5 s) and checks the live-verdict
// invariant (replay.ts): a leaking example is never called no-leak on the way, a healthy one is never
// called a leak once past inconclusive, and a whole run ends on the right verdict. Recordings:
// examples/<name>/recording/ (complete bundled runs) and src/analysis/testdata/replay/<name>-…/ (live
// e2e runs where the verdict once went wrong). Each is also replayed as other watchers would have seen
// it (no gctrace, half the poll rate, joined 20 s late). Expected verdicts come from
// examples/<name>/example.json only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findExamplesDir } from '../cli/commands/demo.js';
import { readRecordingDir } from '../sources/recording.js';
import type { Verdict } from './findings.js';
import { checkReplay, recordingVariants, replayVerdicts } from './replay.js';

const examplesDir = findExamplesDir();
const replayDir = fileURLToPath(new URL('./testdata/replay/', import.meta.url));

function expectedVerdict(name: string): Verdict {
  const spec = JSON.parse(readFileSync(join(examplesDir!, name, 'example.json'), 'utf8')) as { expect?: { verdict?: Verdict } };
  assert.ok(spec.expect?.verdict, `${name}/example.json has no expect.verdict`);
  return spec.expect.verdict;
}

const cases: { label: string; dir: string; example: string; whole: boolean }[] = [];
if (examplesDir) {
  const names = readdirSync(examplesDir).filter((n) => existsSync(join(examplesDir, n, 'example.json')));
  for (const n of names.sort()) {
    const dir = join(examplesDir, n, 'recording');
    const meta = join(dir, 'recording.json');
    // A recording still being written (no endedAt yet) is not a whole run.
    if (existsSync(meta) && (JSON.parse(readFileSync(meta, 'utf8')) as { endedAt?: string }).endedAt)
      cases.push({ label: `examples/${n}`, dir, example: n, whole: true });
  }
  for (const d of readdirSync(replayDir).sort()) {
    if (!existsSync(join(replayDir, d, 'recording.json'))) continue;
    const example = names.filter((n) => d.startsWith(n)).sort((a, b) => b.length - a.length)[0];
    assert.ok(example, `testdata/replay/${d} does not start with an example's name`);
    cases.push({ label: `testdata/replay/${d}`, dir: join(replayDir, d), example, whole: true });
  }
}

test('there are recordings to replay, of leaking and of healthy services', () => {
  assert.ok(examplesDir, 'examples/ not found');
  assert.ok(cases.length >= 12, `${cases.length} recordings`);
  const kinds = new Set(cases.map((c) => expectedVerdict(c.example)));
  assert.ok(kinds.has('no-leak') && kinds.has('heap-leak') && kinds.has('goroutine-leak'), [...kinds].join(', '));
});

for (const c of cases) {
  test(`${c.label}: the live verdict never contradicts ${expectedVerdict(c.example)}`, async () => {
    const expected = expectedVerdict(c.example);
    const rec = await readRecordingDir(c.dir);
    const problems: string[] = [];
    for (const v of recordingVariants(rec)) {
      const whole = c.whole && (v.label === 'as recorded' || v.label === 'without gctrace');
      const steps = replayVerdicts(v.rec, 5000);
      assert.ok(steps.length >= 10, `${v.label}: only ${steps.length} prefixes`);
      const r = checkReplay(expected, steps, whole);
      if (r.violations.length) problems.push(`${v.label}: ${r.violations.join('; ')}`);
    }
    assert.deepEqual(problems, []);
  });
}
