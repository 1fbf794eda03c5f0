// Reader of a heapsight recording directory (written by collect/recording-writer.ts; layout in
// model/recording.ts and docs/recording-format.md) into the Recording that analysis consumes.
//
// The non-obvious decision: a torn last line of samples.jsonl / events.jsonl is dropped and reported as
// a 'note' event instead of failing, because that is exactly what a watcher killed with SIGKILL leaves;
// a bad line anywhere else, or a profile that does not parse, is corruption and an InputError.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { GoroutineSnapshot } from '../model/goroutines.js';
import type { GcCycle, MemorySample } from '../model/memory.js';
import {
  emptyRecording,
  RECORDING_FORMAT,
  type Recording,
  type RecordingEvent,
  type RecordingMeta,
  type TimedGcCycle,
  type TimedProfile,
} from '../model/recording.js';
import { goroutineSnapshotFromProfile } from './goroutine-proto.js';
import { readGoroutineDebug2 } from './goroutine-text.js';
import { InputError, quote } from './input-error.js';
import { parsePprof } from './pprof/decode.js';
import { memorySampleFromLine, splitJsonLines, type TornLine } from './samples-jsonl.js';

const PROFILE_NAME = /^(heap|goroutine|goroutine2|goroutineleak)-(\d+)\.(pb\.gz|txt\.gz)$/;
const EVENT_KINDS = new Set(['restart', 'gap', 'endpoint-missing', 'fetch-error', 'stopped', 'note']);

/** True when `dir` looks like a recording (for format detection of a directory argument). */
export function isRecordingDir(dir: string): boolean {
  try {
    return statSync(dir).isDirectory() && (existsSync(join(dir, 'recording.json')) || existsSync(join(dir, 'samples.jsonl')));
  } catch {
    return false;
  }
}

function readMeta(path: string): RecordingMeta {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InputError(path, `expected the recording's JSON metadata, got invalid JSON (${(err as Error).message.split('\n')[0]})`);
  }
  const meta = value as Partial<RecordingMeta> | null;
  if (!meta || typeof meta !== 'object' || meta.format !== RECORDING_FORMAT) {
    throw new InputError(path, `expected "format": "${RECORDING_FORMAT}", got ${quote((meta as { format?: unknown } | null)?.format ?? null)}`);
  }
  if (meta.version !== 1) {
    throw new InputError(path, `expected recording format version 1, got version ${quote(meta.version)}; a newer heapsight wrote it`);
  }
  return meta as RecordingMeta;
}

function tornNote(file: string, torn: TornLine, t: number): RecordingEvent {
  return {
    t,
    kind: 'note',
    detail: `${file}:${torn.lineNo}: dropped a torn last line (${torn.bytes} bytes); the watcher was probably killed mid-write`,
  };
}

function readEvents(path: string, notes: TornLine[]): RecordingEvent[] {
  const { lines, torn } = splitJsonLines(readFileSync(path, 'utf8'), path);
  if (torn) notes.push(torn);
  return lines.map((line) => {
    const v = line.value as Partial<RecordingEvent>;
    if (typeof v.t !== 'number' || typeof v.kind !== 'string' || !EVENT_KINDS.has(v.kind) || typeof v.detail !== 'string') {
      throw new InputError(
        `${path}:${line.lineNo}`,
        `expected an event with numeric "t", a known "kind" and a "detail", got keys ${Object.keys(v).join(', ')}`,
      );
    }
    return v as RecordingEvent;
  });
}

function byTime<T extends { t?: number }>(a: T, b: T): number {
  return (a.t ?? Number.NEGATIVE_INFINITY) - (b.t ?? Number.NEGATIVE_INFINITY);
}

export interface ReadRecordingOptions {
  /**
   * Most profiles of each kind to parse (default 240: two hours at the default 30 s). A day-long watch
   * holds thousands, and each parsed profile is a full model; an evenly spaced subset keeps the trend.
   */
  maxProfiles?: number;
}

/** Pick `n` items evenly spaced over `items`, always including the first and the last. */
function evenlySpaced<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  if (n <= 1) return items.slice(-1);
  const picked: T[] = [];
  for (let i = 0; i < n; i++) picked.push(items[Math.round((i * (items.length - 1)) / (n - 1))]);
  return picked;
}

/** Read a recording directory. Profiles are parsed in full (up to `maxProfiles` of each kind). */
export async function readRecordingDir(dir: string, opts: ReadRecordingOptions = {}): Promise<Recording> {
  const maxProfiles = opts.maxProfiles ?? 240;
  const limited: string[] = [];
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new InputError(dir, 'expected a heapsight recording directory, got nothing at that path');
  }
  if (!st.isDirectory()) throw new InputError(dir, 'expected a heapsight recording directory, got a file');
  const metaPath = join(dir, 'recording.json');
  const samplesPath = join(dir, 'samples.jsonl');
  if (!existsSync(metaPath) && !existsSync(samplesPath)) {
    throw new InputError(dir, 'expected a heapsight recording directory (recording.json, samples.jsonl), got a directory without them');
  }
  const rec: Recording = emptyRecording();
  if (existsSync(metaPath)) rec.meta = readMeta(metaPath);

  const torn: { file: string; line: TornLine }[] = [];
  if (existsSync(samplesPath)) {
    const { lines, torn: t } = splitJsonLines(readFileSync(samplesPath, 'utf8'), samplesPath);
    if (t) torn.push({ file: 'samples.jsonl', line: t });
    rec.samples = lines.map((line) => memorySampleFromLine(line, samplesPath));
  }
  const eventsPath = join(dir, 'events.jsonl');
  if (existsSync(eventsPath)) {
    const eventTorn: TornLine[] = [];
    rec.events = readEvents(eventsPath, eventTorn);
    for (const line of eventTorn) torn.push({ file: 'events.jsonl', line });
  }

  const profilesDir = join(dir, 'profiles');
  if (existsSync(profilesDir)) {
    // Sorted by time so that goroutine snapshots and heap profiles come out oldest first.
    const all = readdirSync(profilesDir)
      .map((name) => ({ name, m: PROFILE_NAME.exec(name) }))
      .filter((f): f is { name: string; m: RegExpExecArray } => f.m !== null)
      .sort((a, b) => Number(a.m[2]) - Number(b.m[2]));
    const files: typeof all = [];
    for (const kind of ['heap', 'goroutine', 'goroutine2', 'goroutineleak']) {
      const ofKind = all.filter((f) => f.m[1] === kind);
      const kept = evenlySpaced(ofKind, maxProfiles);
      if (kept.length < ofKind.length) {
        limited.push(
          `kept ${kept.length} of ${ofKind.length} ${kind === 'goroutine2' ? 'goroutine dumps' : `${kind} profiles`}, evenly spaced with the first and last, to bound memory`,
        );
      }
      for (const f of kept) files.push(f);
    }
    files.sort((a, b) => Number(a.m[2]) - Number(b.m[2]));
    for (const { name, m } of files) {
      const path = join(profilesDir, name);
      const fileMs = Number(m[2]);
      const bytes = readFileSync(path);
      if (m[1] === 'heap') {
        const profile = parsePprof(bytes, path);
        const t = profile.timeNanos > 0n ? Number(profile.timeNanos / 1_000_000n) : fileMs;
        rec.heapProfiles.push({ t, origin: path, profile } satisfies TimedProfile);
      } else if (m[1] === 'goroutine') {
        const snap = goroutineSnapshotFromProfile(parsePprof(bytes, path), path);
        rec.goroutineSnapshots.push({ ...snap, t: snap.t ?? fileMs });
      } else if (m[1] === 'goroutineleak') {
        const snap = goroutineSnapshotFromProfile(parsePprof(bytes, path), path);
        (rec.goroutineLeakSnapshots ??= []).push({ ...snap, t: snap.t ?? fileMs });
      } else {
        // The reader inflates the gzip itself and reports a truncated stream with its offset.
        const snap: GoroutineSnapshot = await readGoroutineDebug2(bytes, path);
        rec.goroutineSnapshots.push({ ...snap, t: snap.t ?? fileMs });
      }
    }
  }

  const gctracePath = join(dir, 'gctrace.log');
  if (existsSync(gctracePath)) {
    // Loaded only when needed: most recordings come from `watch`, which has no gctrace.log.
    const { parseGctraceLog } = await import('./gctrace.js');
    const { gcCycles, scavenges } = parseGctraceLog(readFileSync(gctracePath), gctracePath);
    rec.gcCycles = placeGcCycles(gcCycles, rec.samples, rec.events);
    rec.scavenges = scavenges;
  }

  let lastT = 0;
  for (const s of rec.samples) if (s.t !== undefined && s.t > lastT) lastT = s.t;
  for (const e of rec.events) if (e.t > lastT) lastT = e.t;
  for (const { file, line } of torn) rec.events.push(tornNote(file, line, lastT));
  for (const detail of limited) rec.events.push({ t: lastT, kind: 'note', detail });

  rec.samples.sort(byTime);
  rec.events.sort(byTime);
  rec.heapProfiles.sort(byTime);
  rec.goroutineSnapshots.sort(byTime);
  rec.goroutineLeakSnapshots?.sort(byTime);
  return rec;
}

/** gctrace cycles on the wall clock, where the recording shows which process printed them. */
export function placeGcCycles(cycles: GcCycle[], samples: MemorySample[], events: RecordingEvent[]): TimedGcCycle[] {
  const start = singleProcessStart(samples, events);
  return cycles.map((c) => (start === undefined ? { ...c } : { ...c, t: Math.round((start + c.atSeconds) * 1000) }));
}

/** gctrace's `@t s` is seconds since process start: it maps to the wall clock only for one process. */
function singleProcessStart(samples: MemorySample[], events: RecordingEvent[]): number | undefined {
  if (events.some((e) => e.kind === 'restart')) return undefined;
  const starts = new Set(samples.map((s) => s.processStartSeconds).filter((x): x is number => x !== undefined));
  return starts.size === 1 ? [...starts][0] : undefined;
}
