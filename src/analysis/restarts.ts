// Restart detection: a recording may span several lives of the service (a crash loop, an OOM kill,
// a deploy). Every trend must be fitted within one process, or the drop at a restart hides a leak and
// the jump after it fakes one. A restart is a change of identity (start time, pid, command line), a
// cumulative counter going backwards (TotalAlloc, Mallocs, NumGC), or the collector's 'restart' event.
//
// The non-obvious decision: gctrace cycles carry no identity, so their restarts are found on their own
// (cycle number going backwards) and matched to sample segments by order, not by clock.

import type { MemorySample } from '../model/memory.js';
import type { RecordingEvent, TimedGcCycle } from '../model/recording.js';
import type { RestartInfo } from './findings.js';

export interface SampleSegment {
  /** Index of the first and one past the last sample, in the ordered samples. */
  start: number;
  end: number;
}

function restartReason(prev: MemorySample, cur: MemorySample, events: RecordingEvent[]): string | undefined {
  if (prev.processStartSeconds !== undefined && cur.processStartSeconds !== undefined && Math.abs(cur.processStartSeconds - prev.processStartSeconds) > 1) {
    return 'process start time changed';
  }
  if (prev.pid !== undefined && cur.pid !== undefined && prev.pid !== cur.pid) return `pid changed from ${prev.pid} to ${cur.pid}`;
  if (prev.cmdline && cur.cmdline && prev.cmdline.join('\0') !== cur.cmdline.join('\0')) return 'command line changed';
  if (prev.totalAlloc !== undefined && cur.totalAlloc !== undefined && cur.totalAlloc < prev.totalAlloc) return 'TotalAlloc went backwards';
  if (prev.mallocs !== undefined && cur.mallocs !== undefined && cur.mallocs < prev.mallocs) return 'Mallocs went backwards';
  if (prev.numGC !== undefined && cur.numGC !== undefined && cur.numGC < prev.numGC) return 'NumGC went backwards';
  if (prev.t !== undefined && cur.t !== undefined) {
    const ev = events.find((e) => e.kind === 'restart' && e.t > prev.t! && e.t <= cur.t!);
    if (ev) return ev.detail || 'restart event';
  }
  return undefined;
}

export function splitAtRestarts(samples: MemorySample[], events: RecordingEvent[] = []): { segments: SampleSegment[]; restarts: RestartInfo[] } {
  const segments: SampleSegment[] = [];
  const restarts: RestartInfo[] = [];
  if (samples.length === 0) return { segments, restarts };
  let start = 0;
  for (let i = 1; i < samples.length; i++) {
    const reason = restartReason(samples[i - 1], samples[i], events);
    if (!reason) continue;
    const before = samples.slice(start, i);
    const rss = before.map((s) => s.rss).filter((v): v is number => v !== undefined);
    segments.push({ start, end: i });
    restarts.push({
      t: samples[i].t,
      sampleIndex: i,
      reason,
      peakRssBefore: rss.length ? Math.max(...rss) : undefined,
      liveHeapBefore: before[before.length - 1].liveHeap,
    });
    start = i;
  }
  segments.push({ start, end: samples.length });
  return { segments, restarts };
}

/** Split gctrace cycles where the cycle number goes backwards (a new process's trace). */
export function splitGcCycles(cycles: TimedGcCycle[]): TimedGcCycle[][] {
  const out: TimedGcCycle[][] = [];
  let cur: TimedGcCycle[] = [];
  for (const c of cycles) {
    const prev = cur[cur.length - 1];
    if (prev && (c.n <= prev.n || c.atSeconds < prev.atSeconds)) {
      out.push(cur);
      cur = [];
    }
    cur.push(c);
  }
  if (cur.length) out.push(cur);
  return out;
}
