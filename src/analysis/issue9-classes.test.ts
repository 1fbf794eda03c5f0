// Regression tests for issue 9's verdict classes on real recordings of the scenario corpus
// (corpus/recordings, recorded by scripts/record-corpus.ts): each replayed at every 5 s prefix, as
// `watch --until-verdict` would have seen it, and checked against its truth.json. Each failed before
// the change named in its comment.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyRecording } from '../model/recording.js';
import { segmentRecording } from './analyze-recording.js';
import { replayVerdicts } from './replay.js';
import { readRecordingDir } from '../sources/recording.js';

const corpus = join(new URL('../..', import.meta.url).pathname, 'corpus/recordings');
const LEAKS = new Set(['heap-leak', 'goroutine-leak', 'off-heap-growth']);

async function replay(name: string) {
  const dir = join(corpus, name);
  const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as { verdict: string };
  const rec = await readRecordingDir(dir);
  return { truth: truth.verdict, rec, steps: replayVerdicts(rec, 5000) };
}

// Class 6, a step is not a trend: one 4 MiB allocation at 60 s and a level heap after it. Called
// heap-leak 0.78 from 110 s to 150 s before trend.ts stepShape (and by the engine before issue 9).
test('step-4m-at-60s (Go 1.19 and 1.27): a single step is never called a leak at any prefix', async () => {
  for (const go of ['go1.19', 'go1.27']) {
    const { truth, steps } = await replay(`${go}/step-4m-at-60s`);
    assert.equal(truth, 'no-leak');
    const bad = steps.filter((s) => LEAKS.has(s.verdict));
    assert.deepEqual(bad, [], `${go}: ${bad.map((s) => `${s.verdict} at ${s.seconds} s`).join(', ')}`);
  }
});

// Class 6, gctrace cycles from before the window: the trace holds the start-up's 18 collections,
// within the first 2 s of the process and before the first poll. Counted, they made a 1 MiB/min map
// leak "no-leak" at 5 s (16 looks, "returned to its baseline").
test('map-1m-per-min (Go 1.27): no no-leak at any prefix once the start-up cycles before the first poll are set aside', async () => {
  const { truth, steps } = await replay('go1.27/map-1m-per-min');
  assert.equal(truth, 'heap-leak');
  const bad = steps.filter((s) => s.verdict === 'no-leak');
  assert.deepEqual(bad, [], bad.map((s) => `no-leak at ${s.seconds} s`).join(', '));
  assert.equal(steps[steps.length - 1].verdict, 'heap-leak');
});

test('segmentRecording keeps only the gctrace cycles from the first poll on, and says how many it set aside', async () => {
  const rec = await readRecordingDir(join(corpus, 'go1.27/map-1m-per-min'));
  const first = Math.min(...rec.samples.map((s) => s.t!));
  const before = rec.gcCycles.filter((c) => c.t! < first).length;
  assert.ok(before > 0, 'the recording holds cycles from before its first poll');
  const { segments, notes } = segmentRecording(rec);
  const kept = segments.flatMap((s) => s.gcCycles);
  assert.equal(kept.length, rec.gcCycles.length - before);
  assert.ok(kept.every((c) => c.t! >= first));
  assert.ok(
    notes.some((n) => n.includes(`${before} GC cycle`)),
    notes.join('\n'),
  );
  // Untimed samples: nothing to compare with, every cycle stays.
  const untimed = segmentRecording({ ...emptyRecording(), samples: rec.samples.map((s) => ({ ...s, t: undefined })), gcCycles: rec.gcCycles });
  assert.equal(untimed.segments.flatMap((s) => s.gcCycles).length, rec.gcCycles.length);
});

// Class 3, a slow leak on a tiny heap: 256 B every 3rd request, +77 % of a 0.4 MiB heap in two
// minutes, read as no-leak from 65 s on because 0.35 MiB was "under 1 MiB" (LEAK_FLOOR_BYTES_PER_HORIZON).
test('map-100k-per-min (Go 1.19, as recorded): no no-leak at any prefix', async () => {
  const { steps } = await replay('go1.19/map-100k-per-min');
  const bad = steps.filter((s) => s.verdict === 'no-leak');
  assert.deepEqual(bad, [], bad.map((s) => `no-leak at ${s.seconds} s`).join(', '));
});

// Class 1, a cache whose bound is far above the window: keys drawn from 6,000 (τ = 150 s) or 2,400 (τ =
// 60 s), the fill slowing all along with no plateau yet. Called heap-leak 0.85–0.9 from 130 s (τ = 150 s)
// and at 135–150 s (τ = 60 s) before trend.ts saturationFit (SATURATION_CHI2): a saturating curve fits
// the growth better than a line, so it is not yet a leak.
test('keyspace-tau150s and keyspace-tau60s (Go 1.19 and 1.27): a decelerating fill is never called a leak', async () => {
  for (const name of ['go1.19/keyspace-tau150s', 'go1.27/keyspace-tau150s', 'go1.19/keyspace-tau60s', 'go1.27/keyspace-tau60s']) {
    const { truth, steps } = await replay(name);
    assert.equal(truth, 'no-leak');
    const bad = steps.filter((s) => LEAKS.has(s.verdict));
    assert.deepEqual(bad, [], `${name}: ${bad.map((s) => `${s.verdict} at ${s.seconds} s`).join(', ')}`);
  }
});

// Class 3, slow leaks inside a flat allowance: cgo malloc of 1 MiB a minute (non-Go memory under the
// 4 MiB allowance for three minutes: no-leak from 90–110 s) and 100 KiB a minute of small map entries on
// a 0.5 MiB heap (no-leak at 80–145 s on Go 1.27) before NON_GO_SURE_RISE_RSS_SHARE, PLATEAU_TAIL_P and
// OBJECTS_SURE_RISE_SHARE: a sure rise is "inconclusive" until it is a leak's worth, never "no-leak".
test('cgo-malloc-1m-per-min (both) and map-100k-per-min (Go 1.27): no no-leak at any prefix', async () => {
  for (const name of ['go1.19/cgo-malloc-1m-per-min', 'go1.27/cgo-malloc-1m-per-min', 'go1.27/map-100k-per-min']) {
    const { truth, steps } = await replay(name);
    assert.ok(LEAKS.has(truth));
    const bad = steps.filter((s) => s.verdict === 'no-leak');
    assert.deepEqual(bad, [], `${name}: ${bad.map((s) => `no-leak at ${s.seconds} s`).join(', ')}`);
  }
});
