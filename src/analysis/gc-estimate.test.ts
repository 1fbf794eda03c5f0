// GC cycles without a GC counter (issue 9 class 7): the estimate against the simulated service's true
// count, each constant on its own, and a verdict that survives the counter's loss at lower confidence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemorySample } from '../model/memory.js';
import { emptyRecording } from '../model/recording.js';
import { analyzeRecording } from './analyze-recording.js';
import { GC_ESTIMATE_CONFIDENCE_FACTOR, GC_ESTIMATE_MIN_HEADROOM_BYTES, GC_ESTIMATE_MIN_STEPS } from './decision-rules.js';
import { estimateGcCycles } from './gc-estimate.js';
import { simulateSamples, type ServiceModel } from '../test-support/simulated-service.js';

const MiB = 1024 * 1024;
const withoutCounter = (xs: MemorySample[]) => xs.map(({ numGC: _n, lastGCUnixNanos: _l, ...rest }) => rest);

const leak: ServiceModel = { seed: 7, seconds: 240, rps: () => 400, allocPerRequest: 64 * 1024, live: (_t, req) => 20 * MiB + req * 256 };
const steady: ServiceModel = { seed: 8, seconds: 240, rps: () => 400, allocPerRequest: 64 * 1024, live: () => 30 * MiB };

test('the estimate is close to the true GC count, and errs low rather than high', () => {
  for (const m of [leak, steady, { ...steady, gogc: 300 }]) {
    const samples = simulateSamples(m);
    const truth = samples.at(-1)!.numGC! - samples[0].numGC!;
    const est = estimateGcCycles(withoutCounter(samples).map((s) => ({ ...s, gogcPercent: m.gogc })))!;
    assert.ok(est, 'an estimate');
    assert.equal(est.steps, samples.length - 1);
    assert.ok(truth > 50, `${truth} cycles`);
    assert.ok(est.cycles > 0.7 * truth && est.cycles < 1.15 * truth, `estimated ${est.cycles.toFixed(0)} for ${truth}`);
  }
});

test('GC_ESTIMATE_MIN_STEPS: fewer usable steps give no estimate; a counter going backwards (restart) is no step', () => {
  const s = (t: number, totalAlloc: number): MemorySample => ({ source: 'prometheus-api', t, totalAlloc, nextGC: 40 * MiB, heapAlloc: 20 * MiB });
  const xs = Array.from({ length: GC_ESTIMATE_MIN_STEPS + 1 }, (_, i) => s(i * 1000, i * 20 * MiB));
  assert.equal(estimateGcCycles(xs)!.steps, GC_ESTIMATE_MIN_STEPS);
  assert.equal(estimateGcCycles(xs)!.cycles, GC_ESTIMATE_MIN_STEPS); // 20 MiB allocated per step over 20 MiB of headroom
  assert.equal(estimateGcCycles(xs.slice(1)), undefined);
  const restarted = [...xs.slice(0, 2), s(5000, 0), s(6000, 20 * MiB)];
  assert.equal(estimateGcCycles(restarted), undefined, 'the backwards step is skipped: only 2 steps left');
  assert.equal(estimateGcCycles(xs.map(({ nextGC: _g, ...r }) => r)), undefined, 'no heap goal, no estimate');
});

test('GC_ESTIMATE_MIN_HEADROOM_BYTES: a tiny headroom is floored, not divided by', () => {
  // GOGC=10 and a 1.1 MiB goal leave 0.1 MiB between cycles: floored at 1 MiB, 10 MiB allocated is 10 cycles.
  const xs: MemorySample[] = Array.from({ length: 4 }, (_, i) => ({
    source: 'prometheus-api',
    t: i * 1000,
    totalAlloc: i * 10 * MiB,
    nextGC: 1.1 * MiB,
    heapAlloc: 1.1 * MiB,
    gogcPercent: 10,
  }));
  assert.equal(estimateGcCycles(xs)!.cycles, (3 * 10 * MiB) / GC_ESTIMATE_MIN_HEADROOM_BYTES);
});

test('GC_ESTIMATE_CONFIDENCE_FACTOR: without the counter a leak is still a leak, a steady heap still no leak, at lower confidence', () => {
  for (const m of [leak, steady]) {
    const samples = simulateSamples(m);
    const counted = analyzeRecording({ ...emptyRecording(), samples });
    const estimated = analyzeRecording({ ...emptyRecording(), samples: withoutCounter(samples) });
    assert.notEqual(counted.verdict, 'inconclusive', counted.summary);
    assert.equal(estimated.verdict, counted.verdict, estimated.summary);
    assert.ok(
      estimated.confidence <= Math.round(counted.confidence * GC_ESTIMATE_CONFIDENCE_FACTOR * 100) / 100 + 0.01,
      `${estimated.confidence} vs ${counted.confidence}`,
    );
    assert.ok(
      estimated.notes.some((n) => /GC cycles estimated from bytes allocated over the heap goal's headroom/.test(n)),
      estimated.notes.join('\n'),
    );
  }
});
