// Load any mix of inputs into one Recording for `analyze`: recording directories, pprof heap and
// goroutine profiles, text heap profiles (debug=1), goroutine text dumps, /debug/vars and /metrics snapshots, gctrace logs, /proc files
// and JSON-lines sample series. The format of a file comes from its bytes (sources/detect.ts), never
// from its name.
//
// The non-obvious decision: loose snapshots carry no clock, so they keep the order they were given in
// unless their files' modification times can be trusted (loose-clock.ts, which also places gctrace),
// and a /proc file given right after a runtime snapshot (vars-1.json status-1 vars-2.json status-2 …)
// is merged into that snapshot, since a lone RSS is useless without the Go numbers of the same moment.

import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import type { MemorySample } from '../model/memory.js';
import { emptyRecording, type Recording, type TimedProfile } from '../model/recording.js';
import { detectInput } from '../sources/detect.js';
import { parseExpvar } from '../sources/expvar.js';
import { readGctraceLog } from '../sources/gctrace.js';
import { goroutineSnapshotFromProfile } from '../sources/goroutine-proto.js';
import { parseGoroutineDebug1, readGoroutineDebug2 } from '../sources/goroutine-text.js';
import { gunzipWithinCap } from '../sources/gzip.js';
import { isUrl } from '../sources/http.js';
import { parseHeapDebug1 } from '../sources/heap-debug1.js';
import { describeBytes, InputError } from '../sources/input-error.js';
import { parsePprof } from '../sources/pprof/decode.js';
import { mergeProcInto, parseProcStatus, parseSmapsRollup, procSample } from '../sources/procfs.js';
import { memorySampleFromExposition } from '../sources/prometheus-text.js';
import { isRecordingDir, readRecordingDir } from '../sources/recording.js';
import { readSamplesJsonlStream } from '../sources/samples-jsonl.js';
import { placeLooseClock, type LooseClockInput } from './loose-clock.js';
import { readingInput } from './report-error.js';

export interface LoadOptions {
  workMetric?: string;
  /** Largest streamed input (a debug=2 dump, inflated), bytes. */
  maxBytes?: number;
  /** Largest input read whole (file and inflated size), bytes (`analyze --max-bytes`). */
  maxHeldBytes?: number;
}

/** Cap on a streamed input (a debug=2 dump): memory follows its distinct stacks, not its size. */
const DEFAULT_MAX_BYTES = 1024 * 1024 * 1024;
/**
 * Cap on an input that is parsed whole (profiles, /debug/vars, /metrics, gctrace, JSON lines). Such a
 * reader holds the text and a model of 8–13 times its size (measured peak RSS of the loader: 27 MB of
 * gctrace 251 MiB, 16 MB of JSON lines 223 MiB, 109 MB of /debug/vars 1,444 MiB), so 48 MiB keeps
 * `analyze` well under 1 GiB; --max-bytes raises it for a machine that has the memory.
 */
export const DEFAULT_MAX_HELD_BYTES = 48 * 1024 * 1024;
/** What format detection looks at: one byte more than its 64 KiB text head, so it can tell "whole". */
const DETECT_HEAD_BYTES = 64 * 1024 + 1;

/** All of a pipe's or a device's bytes, failing once more than `cap` arrive (/dev/zero never ends). */
async function readSizelessWithinCap(path: string, cap: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > cap) {
      throw new InputError(
        path,
        `input is more than ${cap} bytes, past the cap for an input analyze reads whole (raise --max-bytes if this is expected)`,
        'cap',
      );
    }
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks, total));
}

async function readHead(path: string, n: number): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return new Uint8Array(buf.buffer, buf.byteOffset, bytesRead);
  } finally {
    await fh.close();
  }
}

function nanosToMs(n: bigint): number | undefined {
  return n > 0n ? Number(n / 1_000_000n) : undefined;
}

/**
 * `dst.push(...src)` without the spread: a spread passes every element as an argument, and V8's stack
 * holds about 100,000 of them (200,000 gctrace cycles threw "Maximum call stack size exceeded").
 */
function append<T>(dst: T[], src: readonly T[]): void {
  for (const x of src) dst.push(x);
}

/** A proc-only sample (RSS and friends, no runtime numbers). */
function isProcOnly(s: MemorySample): boolean {
  return s.source === 'proc';
}

export async function loadInputs(paths: string[], opts: LoadOptions = {}): Promise<Recording> {
  const rec = emptyRecording();
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxHeld = opts.maxHeldBytes ?? DEFAULT_MAX_HELD_BYTES;
  let lastRuntime: MemorySample | undefined;
  const pushSample = (s: MemorySample) => {
    if (isProcOnly(s) && lastRuntime && lastRuntime.rss === undefined && (s.t === undefined || lastRuntime.t === undefined || s.t === lastRuntime.t)) {
      mergeProcInto(lastRuntime, s);
      return;
    }
    if (isProcOnly(s) && lastRuntime && lastRuntime.rss !== undefined && lastRuntime.lazyFree === undefined && s.lazyFree !== undefined && s.t === undefined) {
      // status then smaps_rollup for the same snapshot: LazyFree joins the same sample.
      mergeProcInto(lastRuntime, s);
      return;
    }
    rec.samples.push(s);
    if (!isProcOnly(s)) lastRuntime = s;
  };

  // What the loose-file clock needs (loose-clock.ts): snapshots without a time, profiles with one, and
  // gctrace cycles, each with its file's modification time.
  const clock: LooseClockInput = { samples: [], profiles: [], gcCycles: [] };
  const loose = (s: MemorySample, mtimeMs: number) => {
    if (s.t === undefined) clock.samples.push({ sample: s, mtimeMs });
    return s;
  };

  for (const path of paths) {
    // Any error but bad input is a heapsight bug, reported with the file's name (cli/report-error.ts).
    await readingInput(path, async () => {
      let info;
      try {
        info = await stat(path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // analyze reads what was saved; a URL is what watch and check poll.
        if (code === 'ENOENT' && isUrl(path)) {
          throw new InputError(
            path,
            'expected a file or a recording directory, got a URL (analyze reads saved inputs; `heapsight watch URL` polls a live service)',
            'argument',
          );
        }
        throw new InputError(path, code === 'ENOENT' ? 'no such file or directory' : `cannot read (${code ?? String(err)})`, 'missing');
      }
      if (info.isDirectory()) {
        if (!isRecordingDir(path))
          throw new InputError(path, 'expected a heapsight recording directory (recording.json, samples.jsonl), got a directory without them');
        const r = await readRecordingDir(path);
        rec.meta ??= r.meta;
        append(rec.samples, r.samples);
        append(rec.gcCycles, r.gcCycles);
        append(rec.scavenges, r.scavenges);
        append(rec.heapProfiles, r.heapProfiles);
        append(rec.goroutineSnapshots, r.goroutineSnapshots);
        append(rec.events, r.events);
        lastRuntime = undefined;
        return;
      }
      if (info.size > maxBytes) throw new InputError(path, `expected at most ${maxBytes} bytes, got a ${info.size}-byte file`);
      // Detect from the head, then read what must be held; a debug=2 dump is streamed from the file
      // (gzip or not), so a dump of hundreds of MB costs its distinct stacks, not its size.
      // A pipe (`analyze <(zcat x.gz)`, /dev/stdin) or a device has no size and cannot be read twice
      // (reading its head again failed with ESPIPE, reported as a heapsight bug): it is read once,
      // whole, under the cap on what analyze holds, and every format is then read from those bytes.
      const whole = info.isFile() ? undefined : await readSizelessWithinCap(path, maxHeld);
      const source = () => whole ?? createReadStream(path);
      const head = whole ? whole.subarray(0, DETECT_HEAD_BYTES) : await readHead(path, DETECT_HEAD_BYTES);
      const det = detectInput(head);
      if (det.format === 'goroutine-debug2') {
        rec.goroutineSnapshots.push(await readGoroutineDebug2(source(), path, { maxBytes }));
        return;
      }
      // gctrace logs and JSON-lines samples are read line by line too: the file may be as big as
      // maxBytes, and only what they yield (cycles, samples) is held, under the --max-bytes cap.
      if (det.format === 'gctrace') {
        const log = await readGctraceLog(source(), path, { maxBytes, maxHeldBytes: maxHeld, requireTraceLines: true });
        append(rec.gcCycles, log.gcCycles);
        append(clock.gcCycles, log.gcCycles);
        append(rec.scavenges, log.scavenges);
        return;
      }
      if (det.format === 'jsonl-samples') {
        const { samples, notes } = await readSamplesJsonlStream(source(), path, { workMetric: opts.workMetric, maxBytes, maxHeldBytes: maxHeld });
        append(rec.samples, samples);
        for (const n of notes) rec.events.push({ t: 0, kind: 'note', detail: n });
        lastRuntime = undefined;
        return;
      }
      // Refused before reading: compressed, it would inflate past the cap anyway.
      if (info.size > maxHeld)
        throw new InputError(
          path,
          `file is ${info.size} bytes, past the ${maxHeld}-byte cap for an input analyze reads whole (raise --max-bytes if this is expected)`,
          'cap',
        );
      const raw = whole ?? (head.length >= info.size ? head : new Uint8Array(await readFile(path)));
      // Inflated once the format is known, with the cap applied before the output is kept (gzip.ts).
      const plain = det.format === 'html' || det.format === 'unknown' ? raw : await gunzipWithinCap(raw, path, maxHeld);
      const bytes = () => plain;
      switch (det.format) {
        case 'pprof': {
          const profile = parsePprof(plain, path, { maxBytes: maxHeld });
          const t = nanosToMs(profile.timeNanos);
          if (t !== undefined) clock.profiles.push({ t, mtimeMs: info.mtimeMs });
          if (profile.sampleTypes.some((st) => st.type === 'goroutine')) {
            rec.goroutineSnapshots.push({ ...goroutineSnapshotFromProfile(profile, path), t });
          } else if (profile.sampleTypes.some((st) => st.type === 'inuse_space')) {
            const tp: TimedProfile = { t, origin: path, profile };
            rec.heapProfiles.push(tp);
          } else {
            const types = profile.sampleTypes.map((st) => `${st.type}/${st.unit}`).join(', ');
            throw new InputError(path, `expected a heap or goroutine profile, got a profile of ${types || 'no sample types'}`);
          }
          break;
        }
        case 'heap-debug1': {
          // The text heap profile: its records are a heap profile, its MemStats block a snapshot.
          const { profile, memStats } = parseHeapDebug1(plain, path, { maxBytes: maxHeld });
          rec.heapProfiles.push({ t: undefined, origin: path, profile });
          if (memStats) pushSample(loose(memStats, info.mtimeMs));
          break;
        }
        case 'goroutine-debug1':
          rec.goroutineSnapshots.push(parseGoroutineDebug1(bytes(), path));
          break;
        case 'expvar':
          pushSample(loose(parseExpvar(bytes(), path, { workMetric: opts.workMetric, maxBytes }), info.mtimeMs));
          break;
        case 'exposition':
          pushSample(loose(memorySampleFromExposition(bytes(), path, { workMetric: opts.workMetric }), info.mtimeMs));
          break;
        case 'proc-status': {
          pushSample(procSample(parseProcStatus(bytes(), path), undefined));
          break;
        }
        case 'smaps-rollup': {
          pushSample(procSample(undefined, parseSmapsRollup(bytes(), path)));
          break;
        }
        case 'html':
        case 'unknown':
        default:
          throw new InputError(
            path,
            `expected a profile, goroutine dump, /debug/vars or /metrics snapshot, gctrace log, /proc file or samples.jsonl, got ${det.note ?? describeBytes(raw)}`,
          );
      }
    });
  }
  for (const detail of placeLooseClock(clock).notes) rec.events.push({ t: 0, kind: 'note', detail });
  return rec;
}
