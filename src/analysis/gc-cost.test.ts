// The GC CPU cost of a soft limit: the formula on numbers worked by hand, each constant on its own,
// and the missing-data answers (say what is missing, never a made-up number).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeGcCost, estimateGcCost, GC_LIMITER_CPU_CAP, MIN_GOAL_GAP_BYTES } from './gc-cost.js';

const MiB = 1024 * 1024;

test('the heap goal under the limit is min(GOGC goal, limit − non-heap); cycles scale as alloc / (goal − live), GC CPU with them', () => {
  // live 100 MiB, GOGC 100: goal 200 MiB, 100 MiB between cycles. Limit 170 MiB with 20 MiB of stacks
  // and metadata: goal 150 MiB, 50 MiB between cycles, so twice the cycles and twice the GC CPU.
  const e = estimateGcCost({
    softLimit: 170 * MiB,
    liveHeap: 100 * MiB,
    nonHeapGo: 20 * MiB,
    gogcPercent: 100,
    allocBytesPerSecond: 50 * MiB,
    gcCyclesPerSecond: 0.5,
    gcCpuFraction: 0.04,
    gcCpuSource: 'gctrace',
  });
  assert.equal(e.heapGoalNow, 200 * MiB);
  assert.equal(e.heapGoalAtLimit, 150 * MiB);
  assert.equal(e.cyclesPerMinuteNow, 30);
  assert.equal(e.cyclesPerMinuteAtLimit, 60); // 50 MiB/s over 50 MiB = 1/s
  assert.ok(Math.abs(e.gcCpuAtLimit! - 0.08) < 1e-12);
  assert.equal(e.continuous, false);
  assert.deepEqual(e.missing, []);
  const text = describeGcCost(e, 170 * MiB);
  assert.equal(text, 'With GOMEMLIMIT=170MiB the heap goal falls from 200 MiB to 150 MiB: ~60 GC cycles/min instead of 30, GC CPU ~8.0% instead of 4.0%.');
});

test('GOGC changes the goal the limit competes with; without a GC counter the cycles now come from the GOGC goal', () => {
  const e = estimateGcCost({ softLimit: 500 * MiB, liveHeap: 100 * MiB, gogcPercent: 50, nonHeapGo: 0, allocBytesPerSecond: 10 * MiB });
  assert.equal(e.heapGoalNow, 150 * MiB);
  assert.equal(e.bitesAtLiveHeap, (500 * MiB) / 1.5);
  assert.equal(e.cyclesPerMinuteNow, (10 / 50) * 60);
  assert.ok(e.assumptions.some((a) => /no GC counter/.test(a)));
  assert.match(
    describeGcCost(e, 500 * MiB),
    /costs no extra GC: the GOGC goal \(150 MiB\) is below it; the limit starts to add cycles once the live heap passes ~333 MiB/,
  );
});

test('GC_LIMITER_CPU_CAP: no estimate exceeds the GC CPU limiter, even when the cycle rate would', () => {
  // The goal gap shrinks from 100 MiB to 2 MiB: 50× the cycles of a 2% GC would be 100%.
  const withLimit = (softLimit: number) =>
    estimateGcCost({
      softLimit,
      liveHeap: 100 * MiB,
      nonHeapGo: 0,
      gogcPercent: 100,
      allocBytesPerSecond: 10 * MiB,
      gcCyclesPerSecond: 0.1,
      gcCpuFraction: 0.02,
    });
  const e = withLimit(102 * MiB);
  assert.equal(e.continuous, false);
  assert.equal(e.gcCpuAtLimit, GC_LIMITER_CPU_CAP);
  const under = withLimit(150 * MiB);
  assert.ok(under.gcCpuAtLimit! < GC_LIMITER_CPU_CAP);
});

test('MIN_GOAL_GAP_BYTES: a limit at the live heap means a GC running back to back, stated as such', () => {
  const at = (gap: number) =>
    estimateGcCost({ softLimit: 100 * MiB + gap, liveHeap: 100 * MiB, nonHeapGo: 0, gogcPercent: 100, allocBytesPerSecond: MiB, gcCpuFraction: 0.01 });
  assert.equal(at(MIN_GOAL_GAP_BYTES - 1).continuous, true);
  assert.equal(at(MIN_GOAL_GAP_BYTES - 1).gcCpuAtLimit, GC_LIMITER_CPU_CAP);
  assert.equal(at(MIN_GOAL_GAP_BYTES).continuous, false);
  assert.match(describeGcCost(at(0), 100 * MiB), /the GC would run back to back, held at the limiter's ~50% of CPU \(now 1\.0%\)/);
});

test('missing numbers are named, not invented', () => {
  const noLive = estimateGcCost({ softLimit: 100 * MiB, allocBytesPerSecond: MiB });
  assert.equal(noLive.heapGoalAtLimit, undefined);
  assert.match(describeGcCost(noLive, 100 * MiB), /^What GOMEMLIMIT=100MiB costs in GC CPU cannot be estimated: no live heap was measured\.$/);
  const noCpu = estimateGcCost({ softLimit: 150 * MiB, liveHeap: 100 * MiB, nonHeapGo: 0, gogcPercent: 100, allocBytesPerSecond: 10 * MiB });
  assert.equal(noCpu.gcCpuAtLimit, undefined);
  assert.equal(noCpu.cyclesPerMinuteAtLimit, 12);
  assert.match(
    describeGcCost(noCpu, 150 * MiB),
    /~12 GC cycles\/min instead of 6\.0\. Not estimated: GC CPU share \(gctrace or MemStats\.GCCPUFraction\) missing\./,
  );
  const noAlloc = estimateGcCost({ softLimit: 150 * MiB, liveHeap: 100 * MiB, nonHeapGo: 0, gogcPercent: 100, gcCpuFraction: 0.02 });
  assert.equal(noAlloc.cyclesPerMinuteAtLimit, undefined);
  assert.equal(noAlloc.gcCpuAtLimit, undefined);
  assert.ok(noAlloc.missing.includes('allocation rate (TotalAlloc over time)'));
  // Unknown GOGC and non-heap memory are assumptions the answer carries.
  const assumed = estimateGcCost({ softLimit: 150 * MiB, liveHeap: 100 * MiB });
  assert.ok(assumed.assumptions.some((a) => /GOGC=100/.test(a)));
  assert.ok(assumed.assumptions.some((a) => /non-heap memory/.test(a)));
});
