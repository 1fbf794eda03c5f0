// Verdicts and culprits on the bundled recordings of the real Go example services
// (examples/<name>/recording/, recorded by scripts/record-examples.ts). Expectations come only from each
// example's example.json `expect`, the ground truth written with its Go program, never from here.
// For every recording:
//   - the verdict is the expected one, with the recorded gctrace log and without it (most services
//     in the wild have no gctrace);
//   - the top culprit is the expected function (and pattern, when the example names one); an example
//     whose culprit is null (no Go profile can name one) presents no culprit at all, so a no-leak
//     verdict never comes with a "top suspect";
//   - a no-leak example is never called a leak at any moment of its run, replayed every 10 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { findExamplesDir, listExampleRecordings } from '../cli/commands/demo.js';
import type { Recording } from '../model/recording.js';
import { readRecordingDir } from '../sources/recording.js';
import { analyzeRecording } from './analyze-recording.js';
import type { Findings } from './findings.js';
import { recordingSpan, recordingUntil } from './recording-prefix.js';

const LEAKS = new Set(['heap-leak', 'goroutine-leak', 'off-heap-growth']);
const examplesDir = findExamplesDir();
const recordings = examplesDir ? listExampleRecordings(examplesDir) : [];

function explain(f: Findings): string {
  const culprits = f.culprits.slice(0, 3).map((c) => `${c.kind} ${c.function}${c.pattern ? ` [${c.pattern}]` : ''}`);
  return `${f.verdict} (${f.confidence}): ${f.summary}\n${f.evidence.reasons.join('\n')}\nculprits: ${culprits.join('; ') || 'none'}`;
}

test('every example has a bundled recording, and they cover every verdict but inconclusive', () => {
  assert.ok(examplesDir, 'examples/ not found');
  const withSpec = readdirSync(examplesDir)
    .filter((n) => existsSync(join(examplesDir, n, 'example.json')))
    .sort();
  assert.ok(withSpec.length >= 12, `${withSpec.length} examples`);
  assert.deepEqual(
    recordings.map((r) => r.name),
    withSpec,
    'examples without examples/<name>/recording/',
  );
  const verdicts = new Set(recordings.map((r) => r.expect?.verdict));
  for (const v of ['heap-leak', 'goroutine-leak', 'off-heap-growth', 'no-leak']) assert.ok(verdicts.has(v), v);
});

for (const ex of recordings) {
  const expect = ex.expect;
  test(`${ex.name}: ${expect?.verdict}, top culprit ${expect?.culprit ?? 'none'}${expect?.pattern ? ` (${expect.pattern})` : ''}`, async () => {
    assert.ok(expect?.verdict, `${ex.name}/example.json has no expect.verdict`);
    assert.ok(expect.culprit !== undefined, `${ex.name}/example.json has no expect.culprit (null when none)`);
    const rec = await readRecordingDir(ex.dir);
    assert.ok(rec.heapProfiles.length >= 2, 'the recording has heap profiles over time');
    const variants: [string, Recording][] = [['', rec]];
    if (rec.gcCycles.length) variants.push([' without gctrace', { ...rec, gcCycles: [] }]);
    for (const [label, r] of variants) {
      const f = analyzeRecording(r);
      assert.equal(f.verdict, expect.verdict, `verdict${label}: ${explain(f)}`);
      const top = f.culprits[0];
      if (expect.culprit === null) {
        assert.equal(top, undefined, `no culprit expected${label}: ${explain(f)}`);
        if (expect.pattern) assert.equal(f.pattern, expect.pattern, `recording-level pattern${label}`);
      } else {
        assert.equal(top?.function, expect.culprit, `top culprit${label}: ${explain(f)}`);
        if (expect.pattern) assert.equal(top.pattern, expect.pattern, `top culprit's pattern${label}: ${explain(f)}`);
      }
    }
  });

  if (expect?.verdict === 'no-leak') {
    test(`${ex.name}: never called a leak at any moment of the run`, async () => {
      const rec = await readRecordingDir(ex.dir);
      const span = recordingSpan(rec);
      assert.ok(span, 'recording has timed samples');
      for (const [label, r] of [
        ['', rec],
        [' without gctrace', { ...rec, gcCycles: [] }],
      ] as [string, Recording][]) {
        for (let t = span.startMs + 10_000; t < span.endMs + 10_000; t += 10_000) {
          const f = analyzeRecording(recordingUntil(r, Math.min(t, span.endMs)));
          assert.ok(!LEAKS.has(f.verdict), `${f.verdict}${label} after ${Math.round((t - span.startMs) / 1000)} s: ${f.evidence.reasons[0]}`);
        }
      }
    });
  }
}
