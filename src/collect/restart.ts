// Did the target restart between two samples? A restart splits the series: comparing a heap before and
// after it would read a crash-and-restart as "memory went down" and a slow leak as "no leak".
//
// The non-obvious decision: besides identity (pid, start time, cmdline), cumulative counters going
// backwards count as a restart, because a remote target without /metrics exposes no start time, and a
// restarted process is the only way TotalAlloc or NumGC can decrease.

import type { MemorySample } from '../model/memory.js';

const CUMULATIVE: ReadonlyArray<keyof MemorySample> = ['totalAlloc', 'numGC', 'mallocs', 'cpuSeconds', 'pauseTotalNs'];

/** One line saying why `cur` comes from another process than `prev`, or undefined. */
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
  for (const f of CUMULATIVE) {
    const a = prev[f] as number | undefined;
    const b = cur[f] as number | undefined;
    if (typeof a === 'number' && typeof b === 'number' && b < a) return `${f} went backwards (${a} → ${b})`;
  }
  return undefined;
}
