// GC cycles without a GC counter (issue 9 class 7): many teams drop go_gc_duration_seconds by relabeling
// (it is a summary), and with it the only cycle count a memstats-era client_golang exports. The runtime
// starts a cycle each time the heap grows from the live heap to the goal, so the cycles between two
// samples are about the bytes allocated between them over the goal's headroom (NextGC − live heap).
// Pure; the caller lowers its confidence for using an estimate (GC_ESTIMATE_CONFIDENCE_FACTOR).
//
// The non-obvious decision: the live heap is the lowest of three readings — HeapAlloc (a fleet's is an
// envelope minimum, a little above the live heap; a poll's may sit anywhere on the sawtooth), the exact
// live heap where a sample has it (/gc/heap/live), and the goal divided by 1 + GOGC/100 (the heap the
// goal was set from). The lowest gives the widest headroom and so the fewest cycles: an estimate that
// errs towards fewer looks at the live heap, never towards more. A headroom floor
// (GC_ESTIMATE_MIN_HEADROOM_BYTES) keeps a reading taken as the heap met its goal from counting as
// hundreds of cycles.

import type { MemorySample } from '../model/memory.js';
import { GC_ESTIMATE_MIN_HEADROOM_BYTES, GC_ESTIMATE_MIN_STEPS } from './decision-rules.js';
import { minOf } from './robust-stats.js';

export interface GcCycleEstimate {
  /** Estimated cycles between the first and the last usable sample. */
  cycles: number;
  /** Sample-to-sample steps that had allocation and a heap goal. */
  steps: number;
}

function live(s: MemorySample, goal: number): number {
  const fromGoal = goal / (1 + (s.gogcPercent ?? 100) / 100);
  const xs = [s.heapAlloc, s.liveHeap, fromGoal].filter((v): v is number => v !== undefined && Number.isFinite(v));
  return minOf(xs);
}

/** Undefined without at least GC_ESTIMATE_MIN_STEPS steps carrying TotalAlloc and a heap goal. */
export function estimateGcCycles(samples: MemorySample[]): GcCycleEstimate | undefined {
  let cycles = 0;
  let steps = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1];
    const b = samples[i];
    if (a.totalAlloc === undefined || b.totalAlloc === undefined || b.totalAlloc < a.totalAlloc) continue;
    const goal = b.nextGC ?? b.heapGoal;
    if (goal === undefined || !(goal > 0)) continue;
    cycles += (b.totalAlloc - a.totalAlloc) / Math.max(GC_ESTIMATE_MIN_HEADROOM_BYTES, goal - live(b, goal));
    steps++;
  }
  return steps >= GC_ESTIMATE_MIN_STEPS ? { cycles, steps } : undefined;
}
