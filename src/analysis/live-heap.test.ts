import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TimedProfile } from '../model/recording.js';
import { parseGctraceLog } from '../sources/gctrace.js';
import { parsePprof } from '../sources/pprof.js';
import { repoRoot } from '../test-support/toolchain.js';
import { readRecordingDir } from '../sources/recording.js';
import { liveHeapSeries, objectsAtGcPoints, profileTotal } from './live-heap.js';
import { mannKendall } from './robust-stats.js';
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

test('live objects at each GC: a steady climb for a sync.Map leak, no climb for memory retained after bursts', async () => {
  // Real recordings: a live watch of examples/syncmap-leak, and the bundled run of examples/retained-after-burst.
  const leak = await readRecordingDir(join(repoRoot, 'src/analysis/testdata/replay/syncmap-leak-transient-no-leak-0.77-at-80s'));
  const pts = objectsAtGcPoints(leak.samples, 'bytes-allocated');
  assert.ok(pts.length >= 15, `${pts.length} GC points`);
  const objs = pts.map((p) => p.bytes);
  // Each estimate is a live-object count: below the polled HeapObjects, and far steadier in order than bytes.
  for (const p of pts) assert.ok(p.bytes <= leak.samples[p.order].heapObjects!);
  assert.ok(mannKendall(objs).tau >= 0.8, `tau ${mannKendall(objs).tau}`);
  assert.ok(objs[objs.length - 1] > 2 * objs[0]);

  const healthy = await readRecordingDir(join(repoRoot, 'examples/retained-after-burst/recording'));
  const calm = objectsAtGcPoints(healthy.samples, 'bytes-allocated').map((p) => p.bytes);
  assert.ok(calm.length >= 15, `${calm.length} GC points`);
  assert.ok(mannKendall(calm).tau < 0.3, `tau ${mannKendall(calm).tau}`);
});
