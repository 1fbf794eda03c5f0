// A recording as it looked at an earlier moment: everything observed up to a time. Used to replay a
// run and ask what heapsight would have said at each point of it (a healthy service must never have
// been called leaking once the verdict was no longer inconclusive), and by `check` for windows.
//
// The non-obvious decision: data without a time (gctrace cycles whose process start is unknown, loose
// snapshots) is kept in proportion — the same share of it as the share of timed samples kept — since
// such inputs are in observation order.

import type { Recording } from '../model/recording.js';
import { maxOf, minOf } from './robust-stats.js';

export function recordingUntil(rec: Recording, untilMs: number): Recording {
  const timed = rec.samples.filter((s) => s.t !== undefined);
  const kept = timed.filter((s) => s.t! <= untilMs).length;
  const share = timed.length ? kept / timed.length : 1;
  const upTo = <T extends { t?: number }>(items: T[]): T[] => {
    if (items.every((i) => i.t !== undefined)) return items.filter((i) => i.t! <= untilMs);
    return items.slice(0, Math.round(items.length * share));
  };
  return {
    meta: rec.meta,
    samples: upTo(rec.samples),
    gcCycles: upTo(rec.gcCycles),
    scavenges: rec.scavenges.slice(0, Math.round(rec.scavenges.length * share)),
    heapProfiles: upTo(rec.heapProfiles),
    goroutineSnapshots: upTo(rec.goroutineSnapshots),
    events: rec.events.filter((e) => e.t <= untilMs),
  };
}

/** Start and end of a recording's timed samples, Unix ms. */
export function recordingSpan(rec: Recording): { startMs: number; endMs: number } | undefined {
  const ts = rec.samples.map((s) => s.t).filter((t): t is number => t !== undefined);
  if (ts.length === 0) return undefined;
  return { startMs: minOf(ts), endMs: maxOf(ts) };
}
