// Verdicts on real recordings of the example services (testdata/recordings/, captured with record.ts
// from examples/<name>/main.go). The expected verdict is each example's ground truth in
// examples/<name>/example.json, never written here. For every recording:
//   - the verdict equals the ground truth, with the gctrace log and without it (most services have none);
//   - a no-leak example is never called a leak when the run is replayed every 10 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readRecordingDir } from '../sources/recording.js';
import { repoRoot } from '../test-support/toolchain.js';
import { analyzeRecording } from './analyze-recording.js';
import { recordingSpan, recordingUntil } from './recording-prefix.js';

const LEAKS = new Set(['heap-leak', 'goroutine-leak', 'off-heap-growth']);
const dir = join(repoRoot, 'src/analysis/testdata/recordings');
const names = readdirSync(dir).filter((n) => statSync(join(dir, n)).isDirectory()).sort();

function expected(name: string): string {
  const spec = JSON.parse(readFileSync(join(repoRoot, 'examples', name, 'example.json'), 'utf8')) as { expect: { verdict: string } };
  return spec.expect.verdict;
}

test('the recordings cover every verdict but inconclusive', () => {
  const verdicts = new Set(names.map(expected));
  for (const v of ['heap-leak', 'goroutine-leak', 'off-heap-growth', 'no-leak']) assert.ok(verdicts.has(v), v);
});

for (const name of names) {
  const truth = expected(name);
  test(`${name}: ${truth}, with and without gctrace`, async () => {
    const rec = await readRecordingDir(join(dir, name));
    const f = analyzeRecording(rec);
    assert.equal(f.verdict, truth, `${f.summary}\n${f.evidence.reasons.join('\n')}`);
    if (truth === 'off-heap-growth') assert.equal(f.pattern, 'off-heap-cgo');
    if (rec.gcCycles.length) {
      const g = analyzeRecording({ ...rec, gcCycles: [] });
      assert.equal(g.verdict, truth, `without gctrace: ${g.summary}\n${g.evidence.reasons.join('\n')}`);
    }
  });

  if (truth === 'no-leak') {
    test(`${name}: never called a leak at any moment of the run`, async () => {
      const rec = await readRecordingDir(join(dir, name));
      const span = recordingSpan(rec)!;
      for (const variant of [rec, { ...rec, gcCycles: [] }]) {
        for (let t = span.startMs + 10_000; t < span.endMs + 10_000; t += 10_000) {
          const f = analyzeRecording(recordingUntil(variant, Math.min(t, span.endMs)));
          assert.ok(!LEAKS.has(f.verdict), `${f.verdict} after ${Math.round((t - span.startMs) / 1000)} s: ${f.evidence.reasons[0]}`);
        }
      }
    });
  }
}
