import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TimedProfile } from '../model/recording.js';
import { parseGctraceLog } from '../sources/gctrace.js';
import { parsePprof } from '../sources/pprof.js';
import { repoRoot } from '../test-support/toolchain.js';
import { liveHeapSeries, profileTotal } from './live-heap.js';
import { simulateSamples } from './simulated-service.js';

const MiB = 1024 * 1024;
const td = (p: string) => join(repoRoot, 'src/sources/testdata', p);

test('HeapAlloc less what was allocated since the last GC (refined by the heap goal) recovers the marked heap', () => {
  // No noise: the model's live heap is exactly 20 MiB + 512 B per request, and its GC marks exactly that.
  const samples = simulateSamples({ seed: 21, seconds: 120, pollSeconds: 1, noise: 0, rps: () => 200, allocPerRequest: 64 * 1024, live: (_t, r) => 20 * MiB + r * 512 });
  const live = liveHeapSeries({ samples, gcCycles: [], heapProfiles: [] }, 'bytes-allocated');
  // With a known goal/marked ratio (GOGC=100 here) the heap goal refines the estimate.
  assert.ok(live.source === 'heapalloc-at-gc' || live.source === 'heap-goal', live.source);
  assert.ok(live.points.length >= 40, `${live.points.length} points`);
  // Raw HeapAlloc swings to twice the live heap; the estimate stays within 3% of the truth at the last GC.
  let worst = 0;
  for (const p of live.points) {
    const s = samples[p.order];
    const truth = 20 * MiB + 512 * Math.round(s.totalAlloc! / (64 * 1024));
    const tooHigh = (p.bytes - truth) / truth;
    // The estimate is for the last GC, before this poll: never above the truth now by more than rounding.
    worst = Math.max(worst, Math.abs(tooHigh));
  }
  assert.ok(worst < 0.03, `worst relative error ${worst}`);
});

test('the exact runtime metric wins, one point per GC cycle', () => {
  const samples = simulateSamples({ seed: 22, seconds: 60, pollSeconds: 1, rps: () => 100, allocPerRequest: 64 * 1024, live: () => 10 * MiB });
  for (const s of samples) s.liveHeap = 10 * MiB;
  const live = liveHeapSeries({ samples, gcCycles: [], heapProfiles: [] }, 'bytes-allocated');
  assert.equal(live.source, 'runtime-metric');
  const gcs = new Set(samples.map((s) => s.numGC));
  assert.ok(live.points.length <= gcs.size);
  assert.ok(live.points.every((p) => p.bytes === 10 * MiB));
});

test('gctrace alone: the third number of A->B->C, with the allocation it implies as work', () => {
  const log = parseGctraceLog(readFileSync(td('gctrace/go1.19-interleaved.stderr.txt')), 'gctrace');
  const live = liveHeapSeries({ samples: [], gcCycles: log.gcCycles, heapProfiles: [] }, 'bytes-allocated');
  assert.equal(live.source, 'gctrace');
  assert.equal(live.points.length, log.gcCycles.length);
  assert.deepEqual(live.points.map((p) => p.bytes), log.gcCycles.map((c) => c.liveHeapBytes));
  for (let i = 1; i < live.points.length; i++) assert.ok(live.points[i].work! >= live.points[i - 1].work!, 'work is cumulative');
});

test('heap profiles alone: inuse_space totals, alloc_space as the work axis', () => {
  const profiles: TimedProfile[] = ['pprof/heap-base.pb.gz', 'pprof/heap-default.pb.gz'].map((p) => {
    const profile = parsePprof(readFileSync(td(p)), p);
    return { origin: p, profile, t: Number(profile.timeNanos / 1_000_000n) };
  });
  const live = liveHeapSeries({ samples: [], gcCycles: [], heapProfiles: profiles }, 'bytes-allocated');
  assert.equal(live.source, 'heap-profile');
  assert.deepEqual(live.points.map((p) => p.bytes), profiles.map((p) => profileTotal(p, 'inuse_space')));
  assert.deepEqual(live.points.map((p) => p.work), profiles.map((p) => profileTotal(p, 'alloc_space')));
});

test('without LastGC the lower envelope of HeapAlloc is used, and it bounds the live heap from above', () => {
  const samples = simulateSamples({ seed: 23, seconds: 120, pollSeconds: 1, noise: 0, rps: () => 100, allocPerRequest: 64 * 1024, live: () => 15 * MiB });
  for (const s of samples) delete s.lastGCUnixNanos;
  const live = liveHeapSeries({ samples, gcCycles: [], heapProfiles: [] }, 'bytes-allocated');
  assert.equal(live.source, 'heapalloc-envelope');
  for (const p of live.points) assert.ok(p.bytes >= 15 * MiB && p.bytes < 23 * MiB, `${p.bytes / MiB} MiB`);
});
