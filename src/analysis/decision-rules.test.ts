// Each decision-rule number on its own: the rule it belongs to flips at that number and not elsewhere.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemorySample } from '../model/memory.js';
import { nonGoWithinInterval, releasesKeptResident } from './analyze-recording.js';
import {
  EARLY_LEAK_MIN_SECONDS,
  EARLY_LEAK_MULTIPLE,
  EARLY_LEAK_TAIL_PACE,
  EARLY_LEAK_TAU,
  INTERVAL_CONFIDENCE_FACTOR,
  MADV_FREE_SLOPE,
  MIN_RELEASE_STEPS,
  RELEASE_STEP_BYTES,
} from './decision-rules.js';
import type { Trend } from './trend.js';
import { earlyLeakEvidence, HEAP_THRESHOLDS, judgeSeries, MIN_GC_CYCLES_LEAK, type SeriesJudgement } from './verdict.js';

const MiB = 1024 * 1024;

/** Polls where HeapReleased steps by `step` each time and RSS moves by `slope` × that step. */
function releases(n: number, step: number, slope: number): MemorySample[] {
  const out: MemorySample[] = [];
  for (let i = 0; i < n; i++) {
    const released = 100 * MiB + (i % 2 === 0 ? 0 : step);
    out.push({ source: 'expvar', sys: 400 * MiB, heapReleased: released, rss: 300 * MiB + slope * (released - 100 * MiB) });
  }
  return out;
}

test('MADV_FREE_SLOPE: RSS that drops with releases (slope −1) is DONTNEED; one that stays (0) is MADV_FREE; the tip is at the constant', () => {
  assert.equal(releasesKeptResident(releases(10, 8 * MiB, -1)), false);
  assert.equal(releasesKeptResident(releases(10, 8 * MiB, 0)), true);
  assert.equal(releasesKeptResident(releases(10, 8 * MiB, MADV_FREE_SLOPE - 0.05)), false);
  assert.equal(releasesKeptResident(releases(10, 8 * MiB, MADV_FREE_SLOPE + 0.05)), true);
});

test('RELEASE_STEP_BYTES and MIN_RELEASE_STEPS: too small or too few releases say nothing', () => {
  assert.equal(releasesKeptResident(releases(10, RELEASE_STEP_BYTES / 2, 0)), undefined);
  // n polls give n − 1 steps.
  assert.equal(releasesKeptResident(releases(MIN_RELEASE_STEPS, 8 * MiB, 0)), undefined);
  assert.equal(releasesKeptResident(releases(MIN_RELEASE_STEPS + 1, 8 * MiB, 0)), true);
});

const flat: SeriesJudgement = { state: 'flat', strength: 0.9, progress: 1 };
const growing: SeriesJudgement = { state: 'growing', strength: 0.8, progress: 1 };
const rising: SeriesJudgement = { state: 'rising', strength: 0, progress: 1 };

test('INTERVAL_CONFIDENCE_FACTOR: a flat call on one end of the interval is weaker by that factor; growth needs both ends', () => {
  const j = nonGoWithinInterval(flat, growing, undefined);
  assert.equal(j.state, 'flat');
  assert.equal(j.strength, Math.round(0.9 * INTERVAL_CONFIDENCE_FACTOR * 100) / 100);
  assert.equal(nonGoWithinInterval(growing, growing, undefined).state, 'growing');
  assert.notEqual(nonGoWithinInterval(growing, rising, undefined).state, 'growing');
  assert.notEqual(nonGoWithinInterval(rising, growing, undefined).state, 'growing');
});

function trend(over: Partial<Trend>): Trend {
  return {
    points: 12,
    growth: 60 * MiB,
    baseline: 10 * MiB,
    latest: 10 * MiB * EARLY_LEAK_MULTIPLE,
    relativeGrowth: 6,
    noise: 0.5 * MiB,
    tau: 0.95,
    pRising: 1e-6,
    plateau: false,
    returnedToBaseline: false,
    lastThirdSlopeRatio: 1,
    firstThirdRoseClearly: true,
    fitted: [],
    xSpan: 1,
    growthUpper: 62 * MiB,
    baseGrowth: 60 * MiB,
    baseGrowthUpper: 62 * MiB,
    seconds: 60,
    slopePerMinute: 60 * MiB,
    ...over,
  };
}

test('EARLY_LEAK_MULTIPLE, _TAIL_PACE, _TAU: each bound flips the early-leak evidence', () => {
  assert.equal(earlyLeakEvidence(trend({}), MIN_GC_CYCLES_LEAK), true);
  assert.equal(earlyLeakEvidence(trend({ latest: 10 * MiB * (EARLY_LEAK_MULTIPLE - 0.1) }), MIN_GC_CYCLES_LEAK), false);
  assert.equal(earlyLeakEvidence(trend({ lastThirdSlopeRatio: EARLY_LEAK_TAIL_PACE - 0.01 }), MIN_GC_CYCLES_LEAK), false);
  assert.equal(earlyLeakEvidence(trend({ tau: EARLY_LEAK_TAU - 0.01 }), MIN_GC_CYCLES_LEAK), false);
  assert.equal(earlyLeakEvidence(trend({}), MIN_GC_CYCLES_LEAK - 1), false);
  assert.equal(earlyLeakEvidence(trend({ plateau: true }), MIN_GC_CYCLES_LEAK), false);
});

test('EARLY_LEAK_MIN_SECONDS: the same early-leak evidence is a leak at that many seconds and not a second before', () => {
  const at = (seconds: number) => judgeSeries(trend({ seconds }), HEAP_THRESHOLDS, { points: 12, gcCycles: MIN_GC_CYCLES_LEAK, seconds });
  assert.equal(at(EARLY_LEAK_MIN_SECONDS).state, 'growing');
  assert.notEqual(at(EARLY_LEAK_MIN_SECONDS - 1).state, 'growing');
});
