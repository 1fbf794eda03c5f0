// A recording: everything observed about one service over time, as analysis consumes it.
// On disk it is a directory (written by collect/recording-writer.ts, read by sources/recording.ts;
// the full description with examples is docs/recording-format.md):
//
//   recording.json   RecordingMeta, written at start, rewritten (atomically) when endpoints are known
//                    and at a clean stop with endedAt
//   samples.jsonl    one MemorySample per line, appended; bigint fields as decimal strings
//                    (RECORDING_BIGINT_FIELDS). One line per poll: the runtime numbers (expvar, else
//                    Prometheus) merged with the process view (/proc, else process_* series); `source`
//                    names where the runtime numbers came from.
//   events.jsonl     one RecordingEvent per line, appended
//   profiles/        heap-<unixms>.pb.gz, goroutine-<unixms>.pb.gz (raw bodies as served),
//                    goroutine2-<unixms>.txt.gz (debug=2 dumps, gzip-compressed by heapsight),
//                    goroutineleak-<unixms>.pb.gz (Go 1.26+'s proven-leaked goroutines, as served).
//                    Written to a .tmp name and renamed, so a name without .tmp is always complete.
//   gctrace.log      optional: stderr of a service run with GODEBUG=gctrace=1
//
// Append-only JSON lines survive kill -9: each line is one write(), so at most the last line is torn,
// and readers drop a torn last line instead of failing. A restart of the target is an event, not a
// new file: the series is split at 'restart' events (and samples carry pid / processStartSeconds).

import type { GcCycle, MemorySample, ScavengeReport } from './memory.js';
import type { GoroutineSnapshot } from './goroutines.js';
import type { Profile } from './profile.js';
import type { BuildInfo } from './buildinfo.js';

export const RECORDING_FORMAT = 'heapsight-recording';
export const RECORDING_VERSION = 1;

/** MemorySample fields that are bigint in memory and decimal strings in samples.jsonl. */
export const RECORDING_BIGINT_FIELDS = ['lastGCUnixNanos'] as const;

export interface RecordingMeta {
  format: 'heapsight-recording';
  version: 1;
  /** What was watched: base URL and the endpoints actually used. Never contains header values. */
  target: {
    url?: string;
    vars?: string;
    metrics?: string;
    pprof?: string;
    pid?: number;
  };
  startedAt: string;
  endedAt?: string;
  /** Free text: the example name, the command line, etc. */
  note?: string;
  /** The user's work counter name (--work-metric), if any. */
  workMetric?: string;
  /** Poll intervals as configured, milliseconds. */
  intervalMs?: number;
  profileIntervalMs?: number;
  /** Whether heap profiles were fetched with ?gc=1 (a forced GC in the target before each profile). */
  profileGc?: boolean;
  /** Build info of the target's executable (/proc/PID/exe), when it is local. */
  buildInfo?: BuildInfo;
  /** Endpoints found missing at start, and what their absence costs the verdict (one line each). */
  missing?: { endpoint: string; cost: string }[];
}

export type RecordingEventKind = 'restart' | 'gap' | 'endpoint-missing' | 'fetch-error' | 'stopped' | 'note';

export interface RecordingEvent {
  /** Unix milliseconds. */
  t: number;
  kind: RecordingEventKind;
  /** One line for people. */
  detail: string;
  /** For gaps: how long the target could not be read. */
  durationMs?: number;
  /** For restarts: the identity before and after, when known. */
  pidBefore?: number;
  pidAfter?: number;
  /** For restarts: why the process ended, when known ('oom-kill': the cgroup's oom_kill count rose). */
  cause?: 'oom-kill';
  /** For OOM-kill restarts: how many kills the cgroup counted between the two samples. */
  oomKills?: number;
  /** For OOM-kill restarts: the cgroup's usage (else RSS) at the last sample before the kill, bytes. */
  usageBefore?: number;
}

export interface TimedProfile {
  /** Unix milliseconds (profile time_nanos, else the fetch time, else undefined for loose files). */
  t?: number;
  /** Where it came from (file path or URL), for evidence. */
  origin: string;
  profile: Profile;
}

/** A GC cycle placed on the wall clock when the process start time is known. */
export interface TimedGcCycle extends GcCycle {
  t?: number;
}

export interface Recording {
  meta?: RecordingMeta;
  samples: MemorySample[];
  gcCycles: TimedGcCycle[];
  scavenges: ScavengeReport[];
  heapProfiles: TimedProfile[];
  goroutineSnapshots: GoroutineSnapshot[];
  /** goroutineleak profiles (Go 1.26+), fetched rarely: each one runs a leak-detection GC in the target. */
  goroutineLeakSnapshots?: GoroutineSnapshot[];
  events: RecordingEvent[];
}

export function emptyRecording(): Recording {
  return { samples: [], gcCycles: [], scavenges: [], heapProfiles: [], goroutineSnapshots: [], events: [] };
}
