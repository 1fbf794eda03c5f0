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
import { maxOf } from './robust-stats.js';

export interface SampleSegment {
  /** Index of the first and one past the last sample, in the ordered samples. */
  start: number;
  end: number;
}

// Cumulative counters only a new process can decrease; labelled as the runtime names them.
const CUMULATIVE: ReadonlyArray<[keyof MemorySample, string]> = [
  ['totalAlloc', 'TotalAlloc'],
  ['numGC', 'NumGC'],
  ['mallocs', 'Mallocs'],
  ['cpuSeconds', 'process CPU seconds'],
  ['pauseTotalNs', 'PauseTotalNs'],
];

/**
 * One line saying why `cur` comes from another process than `prev`, or undefined. Shared by the live
 * poller (which records a 'restart' event) and the analysis (which splits series): besides identity
 * (pid, start time, cmdline), counters going backwards count, because a remote target without
 * /metrics exposes no start time.
 */
export function restartReason(prev: MemorySample, cur: MemorySample): string | undefined {
  if (prev.pid !== undefined && cur.pid !== undefined && prev.pid !== cur.pid) {
    return `pid changed from ${prev.pid} to ${cur.pid}`;
  }
  // Start times computed from clock ticks (or printed with 2 decimals) wobble by a tick; a restart moves them by ≥ the gap.
  if (prev.processStartSeconds !== undefined && cur.processStartSeconds !== undefined && Math.abs(prev.processStartSeconds - cur.processStartSeconds) > 1) {
    return `process start time changed from ${new Date(prev.processStartSeconds * 1000).toISOString()} to ${new Date(cur.processStartSeconds * 1000).toISOString()}`;
  }
  if (prev.cmdline && cur.cmdline && prev.cmdline.join('\0') !== cur.cmdline.join('\0')) {
    return 'command line changed';
  }
  for (const [field, label] of CUMULATIVE) {
    const a = prev[field] as number | undefined;
    const b = cur[field] as number | undefined;
    if (typeof a === 'number' && typeof b === 'number' && b < a) return `${label} went backwards (${a} → ${b})`;
  }
  return undefined;
}

/**
 * The OOM killer ended `prev`'s process: the memory cgroup's cumulative oom_kill count rose between the
 * two samples (v2 memory.events, v1 memory.oom_control). Undefined when it did not or the group is unknown.
 * The usage is the last reading before the kill, the nearest number to where the limit bit.
 */
export function oomKillBetween(prev: MemorySample, cur: MemorySample): { kills: number; usageBefore?: number; detail: string } | undefined {
  const a = prev.cgroup?.oomKills;
  const b = cur.cgroup?.oomKills;
  if (a === undefined || b === undefined || !(b > a)) return undefined;
  const usageBefore = prev.cgroup?.usage ?? prev.rss;
  const limit = prev.cgroup?.limit ?? cur.cgroup?.limit;
  const mib = (x: number) => `${(x / 1048576).toFixed(0)} MiB`;
  return {
    kills: b - a,
    usageBefore,
    detail: `killed by the OOM killer (cgroup oom_kill ${a} → ${b}${usageBefore !== undefined ? `, ${mib(usageBefore)} charged at the last sample` : ''}${limit !== undefined ? ` of a ${mib(limit)} limit` : ''})`,
  };
}

/** A restart between two samples: from the samples themselves, else from the collector's event. */
function restartBetween(prev: MemorySample, cur: MemorySample, events: RecordingEvent[]): string | undefined {
  const reason = restartReason(prev, cur);
  if (reason) return reason;
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
    const reason = restartBetween(samples[i - 1], samples[i], events);
    if (!reason) continue;
    const before = samples.slice(start, i);
    const rss = before.map((s) => s.rss).filter((v): v is number => v !== undefined);
    segments.push({ start, end: i });
    const oom = oomKillBetween(samples[i - 1], samples[i]);
    restarts.push({
      t: samples[i].t,
      sampleIndex: i,
      reason: oom && !reason.includes('OOM killer') ? `${reason}; ${oom.detail}` : reason,
      peakRssBefore: rss.length ? maxOf(rss) : undefined,
      liveHeapBefore: before[before.length - 1].liveHeap,
      ...(oom ? { cause: 'oom-kill' as const, usageBefore: oom.usageBefore, limit: samples[i - 1].cgroup?.limit } : {}),
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
