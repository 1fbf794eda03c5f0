// Replays a finished recording prefix by prefix — what `watch --until-verdict` and `check` would have
// said at each moment of the run — and checks the one invariant a live verdict must keep: a leaking
// service is never called "no-leak" on the way (inconclusive is fine until the leak is called), and a
// healthy one, once past inconclusive, is never called a leak.
//
// The non-obvious decision: replays use recordingVerdict (no culprits, breakdown or advice), since the
// verdict is all the invariant is about and culprit search on every prefix would dominate the cost.

import type { Recording } from '../model/recording.js';
import { recordingVerdict, type AnalyzeOptions } from './analyze-recording.js';
import type { Verdict } from './findings.js';
import { recordingSpan, recordingUntil } from './recording-prefix.js';

export interface ReplayStep {
  /** Seconds since the recording's first timed sample. */
  seconds: number;
  verdict: Verdict;
  confidence: number;
  /** GC cycles the deciding process lifetime spans. */
  gcCycles: number;
}

export interface ReplayCheck {
  steps: ReplayStep[];
  /** First prefix whose verdict was not inconclusive. */
  firstDecided?: ReplayStep;
  /** First prefix from which the verdict was the expected one up to the end. */
  settled?: ReplayStep;
  final?: ReplayStep;
  /** First prefix where the expected verdict had confidence ≥ 0.8 at two steps in a row (what `--until-verdict` waits for). */
  confident?: ReplayStep;
  /** Prefixes that broke the invariant, as "verdict (confidence) at N s". */
  violations: string[];
}

const LEAKS: ReadonlySet<Verdict> = new Set(['heap-leak', 'goroutine-leak', 'off-heap-growth']);

/** The verdict at every stepMs of the recording's timed span, and at its very end. */
export function replayVerdicts(rec: Recording, stepMs = 5000, opts: AnalyzeOptions = {}): ReplayStep[] {
  const span = recordingSpan(rec);
  if (!span) return [];
  const steps: ReplayStep[] = [];
  const ends: number[] = [];
  for (let t = span.startMs + stepMs; t < span.endMs; t += stepMs) ends.push(t);
  ends.push(span.endMs);
  for (const t of ends) {
    const v = recordingVerdict(recordingUntil(rec, t), opts);
    steps.push({
      seconds: Math.round((t - span.startMs) / 1000),
      verdict: v.verdict,
      confidence: Math.round(v.confidence * 100) / 100,
      gcCycles: v.chosen.gcCycles,
    });
  }
  return steps;
}

/**
 * The same run as other watchers would have seen it: without gctrace (a live watch has none), polled at
 * half the rate, and joined 20 s late. A verdict that holds only for the exact polls recorded is luck.
 */
export function recordingVariants(rec: Recording): { label: string; rec: Recording }[] {
  const out = [{ label: 'as recorded', rec }];
  if (rec.gcCycles.length) out.push({ label: 'without gctrace', rec: { ...rec, gcCycles: [] } });
  const live = { ...rec, gcCycles: [] };
  out.push({ label: 'every 2nd poll', rec: { ...live, samples: live.samples.filter((_, i) => i % 2 === 0) } });
  const span = recordingSpan(rec);
  if (span) {
    const from = span.startMs + 20_000;
    const after = <T extends { t?: number }>(items: T[]) => items.filter((i) => i.t === undefined || i.t >= from);
    out.push({
      label: 'joined 20 s late',
      rec: {
        ...live,
        samples: after(live.samples),
        heapProfiles: after(live.heapProfiles),
        goroutineSnapshots: after(live.goroutineSnapshots),
        events: after(live.events),
      },
    });
  }
  return out;
}

/**
 * Check a replay against the verdict the example is known to deserve. requireFinal: the last prefix
 * must carry that verdict (only fair for a whole run, not for a thinned or late-joined one).
 */
export function checkReplay(expected: Verdict, steps: ReplayStep[], requireFinal = true): ReplayCheck {
  const violations: string[] = [];
  const expectLeak = LEAKS.has(expected);
  let decided = false;
  for (const s of steps) {
    if (s.verdict !== 'inconclusive') decided = true;
    const bad = expectLeak ? s.verdict === 'no-leak' : decided && LEAKS.has(s.verdict);
    if (bad) violations.push(`${s.verdict} (${s.confidence}) at ${s.seconds} s`);
  }
  const final = steps[steps.length - 1];
  if (requireFinal && final && final.verdict !== expected)
    violations.push(`final verdict ${final.verdict} (${final.confidence}) at ${final.seconds} s, expected ${expected}`);
  let settledIdx = steps.length;
  while (settledIdx > 0 && steps[settledIdx - 1].verdict === expected) settledIdx--;
  return {
    steps,
    firstDecided: steps.find((s) => s.verdict !== 'inconclusive'),
    confident: steps.find((s, i) => i > 0 && [steps[i - 1], s].every((x) => x.verdict === expected && x.confidence >= 0.8)),
    settled: settledIdx < steps.length ? steps[settledIdx] : undefined,
    final,
    violations,
  };
}
