// Verdicts on the bundled recordings of the real Go example services (examples/<name>/recording/,
// ground truth in examples/<name>/example.json). Two properties per example:
//   - the verdict on the whole recording is the example's expected verdict;
//   - a no-leak example is never called a leak at any moment of its run (replayed every 10 s) once the
//     verdict is no longer inconclusive — a healthy service must not page anyone, ever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findExamplesDir, listExampleRecordings } from '../cli/commands/demo.js';
import { readRecordingDir } from '../sources/recording.js';
import { analyzeRecording } from './analyze-recording.js';
import { recordingSpan, recordingUntil } from './recording-prefix.js';

const LEAKS = new Set(['heap-leak', 'goroutine-leak', 'off-heap-growth']);
const examplesDir = findExamplesDir();
const recordings = examplesDir ? listExampleRecordings(examplesDir) : [];

test('there are bundled recordings to check', () => {
  assert.ok(examplesDir, 'examples/ not found');
  assert.ok(recordings.length > 0, `no examples/<name>/recording/ under ${examplesDir}`);
});

for (const ex of recordings) {
  test(`${ex.name}: verdict matches the ground truth (${ex.expect?.verdict})`, async () => {
    const rec = await readRecordingDir(ex.dir);
    const f = analyzeRecording(rec);
    assert.equal(f.verdict, ex.expect?.verdict, `${f.summary}\n${f.evidence.reasons.join('\n')}`);
  });

  if (ex.expect?.verdict === 'no-leak') {
    test(`${ex.name}: never called a leak at any moment of the run`, async () => {
      const rec = await readRecordingDir(ex.dir);
      const span = recordingSpan(rec);
      assert.ok(span, 'recording has timed samples');
      for (let t = span.startMs + 10_000; t < span.endMs + 10_000; t += 10_000) {
        const f = analyzeRecording(recordingUntil(rec, Math.min(t, span.endMs)));
        assert.ok(!LEAKS.has(f.verdict), `${f.verdict} after ${Math.round((t - span.startMs) / 1000)} s: ${f.evidence.reasons[0]}`);
      }
    });
  }
}
