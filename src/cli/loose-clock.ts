// A clock for loose files (issue 9, class 4). A /metrics or /debug/vars snapshot saved to a file has
// no time inside it, and before this the time axis of `analyze` on such files came from whatever
// else had one (profile span, gctrace's cycles), while the snapshots sat at their index: a 75 s
// recording read as 0–38 s and rates per minute were computed on that axis.
//
// What the inputs do carry, and what each is worth:
//   - a profile's time_nanos: exact, but only for the profiles themselves;
//   - gctrace's `@t s`: seconds since the process started, exact to the millisecond, mapped to the wall
//     clock by process_start_time_seconds (centiseconds), or else by a snapshot's last-GC time for a
//     cycle number both know (go_memstats_last_gc_time_seconds and go_gc_duration_seconds_count /
//     NumGC);
//   - a file's modification time: when a recorder wrote it — unless the files were copied since, in
//     which case it is when they were copied. It is used only when it can be checked: every profile
//     whose file time can be compared with its time_nanos agrees within MTIME_PROFILE_AGREEMENT_MS,
//     or, with no profile to compare with, the snapshots' file times are distinct and spaced like a
//     poller's (median gap at least MTIME_MIN_MEDIAN_GAP_MS), not like a copy's.
// The clock used is said in a note on the findings.

import type { GcCycle, MemorySample } from '../model/memory.js';
import type { TimedGcCycle } from '../model/recording.js';

/**
 * A recorder writes a profile the moment it is served, so its file time and its time_nanos differ by
 * the transfer and write (well under a second on loopback, seconds for a big profile over a slow link).
 * 10 s allows for that; a copy made later differs by the time since the recording (minutes or more).
 */
export const MTIME_PROFILE_AGREEMENT_MS = 10_000;

/**
 * Pollers snapshot at most a few times a second (heapsight's shortest interval is 1 s); copying a set
 * of small files writes them milliseconds apart. A median gap of 250 ms sits 4× under the former and
 * two orders of magnitude over the latter.
 */
export const MTIME_MIN_MEDIAN_GAP_MS = 250;

export interface LooseClockInput {
  /** Snapshots without a time of their own, each with its file's modification time. */
  samples: { sample: MemorySample; mtimeMs: number }[];
  /** Profiles with a time_nanos, and their file's modification time. */
  profiles: { t: number; mtimeMs: number }[];
  /** gctrace cycles read from loose files (no wall time yet). */
  gcCycles: TimedGcCycle[];
}

export interface LooseClock {
  /** What was done, for the findings' notes (one line each). */
  notes: string[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Whether the snapshots' file times are when they were taken, and why (or why not). */
export function mtimesTrusted(samples: { mtimeMs: number }[], profiles: { t: number; mtimeMs: number }[]): { trusted: boolean; why: string } {
  if (samples.length < 2) return { trusted: false, why: 'fewer than two snapshots' };
  if (profiles.length) {
    const worst = Math.max(...profiles.map((p) => Math.abs(p.mtimeMs - p.t)));
    return worst <= MTIME_PROFILE_AGREEMENT_MS
      ? { trusted: true, why: `the profiles' file times agree with their own time stamps (within ${Math.ceil(worst / 1000)} s)` }
      : { trusted: false, why: `the profiles' file times differ from their own time stamps by up to ${Math.round(worst / 1000)} s (copied since?)` };
  }
  const ts = samples.map((s) => s.mtimeMs).sort((a, b) => a - b);
  const gaps = ts.slice(1).map((t, i) => t - ts[i]);
  const gap = median(gaps);
  if (gaps.some((g) => g === 0)) return { trusted: false, why: 'several snapshot files have the same modification time' };
  return gap >= MTIME_MIN_MEDIAN_GAP_MS
    ? { trusted: true, why: `spaced like a poller's (median ${(gap / 1000).toFixed(1)} s apart)` }
    : { trusted: false, why: `written ${Math.round(gap)} ms apart, as a copy would be` };
}

/** The process start on the wall clock (Unix seconds) from the snapshots, when they show one process. */
function processStart(samples: MemorySample[], cycles: GcCycle[]): { start: number; how: string } | undefined {
  const starts = new Set(samples.map((s) => s.processStartSeconds).filter((x): x is number => x !== undefined));
  if (starts.size === 1) return { start: [...starts][0], how: 'process_start_time_seconds' };
  if (starts.size > 1) return undefined;
  // A snapshot's last GC ended at lastGC; gctrace's cycle of the same number started at @t and took
  // its wall-clock phases: start = lastGC − (@t + phases).
  const byN = new Map(cycles.map((c) => [c.n, c]));
  const est: number[] = [];
  for (const s of samples) {
    if (s.numGC === undefined || s.lastGCUnixNanos === undefined || s.lastGCUnixNanos <= 0n) continue;
    const c = byN.get(s.numGC);
    if (!c) continue;
    est.push(Number(s.lastGCUnixNanos / 1_000_000n) / 1000 - c.atSeconds - c.clockMs.reduce((a, b) => a + b, 0) / 1000);
  }
  if (!est.length) return undefined;
  return { start: median(est), how: `the last-GC time of ${est.length} snapshot${est.length > 1 ? 's' : ''} matched to gctrace's cycle numbers` };
}

/**
 * Give loose snapshots and gctrace cycles a wall-clock time where the inputs support one (see the
 * module comment). Mutates the samples' `t` and the cycles' `t`; returns notes saying which clock.
 */
export function placeLooseClock(input: LooseClockInput): LooseClock {
  const notes: string[] = [];
  const { samples, profiles, gcCycles } = input;
  if (samples.length) {
    const m = mtimesTrusted(samples, profiles);
    if (m.trusted) {
      for (const s of samples) s.sample.t = Math.round(s.mtimeMs);
      notes.push(`time axis: the ${samples.length} snapshots have no time inside, so their files' modification times were used (${m.why})`);
    } else {
      notes.push(
        `time axis: the ${samples.length} snapshots have no time inside and their files' modification times were not used (${m.why}); they are placed in the order given${gcCycles.length ? ', and durations and rates come from gctrace' : ''}`,
      );
    }
  }
  if (gcCycles.length && gcCycles.every((c) => c.t === undefined)) {
    const ps = processStart(
      samples.map((s) => s.sample),
      gcCycles,
    );
    if (ps) {
      for (const c of gcCycles) c.t = Math.round((ps.start + c.atSeconds) * 1000);
      notes.push(`gctrace placed on the wall clock: @t (seconds since process start) plus the process start from ${ps.how}`);
    }
  }
  return { notes };
}
