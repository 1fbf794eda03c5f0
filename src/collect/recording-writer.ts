// Append-only writer of the on-disk recording (layout in model/recording.ts, docs/recording-format.md).
//
// The non-obvious decision is the durability policy. Every JSON line goes to the file in one write(2),
// so a watcher killed with SIGKILL loses nothing it has written (the page cache outlives the process)
// and at worst tears the one line being written. fsync only matters for a machine crash, so it is
// rationed: fdatasync at most once per `syncIntervalMs` (default 10 s) while appending, and at close.
// Profiles are written to `<name>.tmp`, fsynced (one per profile round, cheap) and renamed, so a
// profile file under its final name is always complete.

import { closeSync, existsSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { MemorySample } from '../model/memory.js';
import { RECORDING_FORMAT, RECORDING_VERSION, type RecordingEvent, type RecordingMeta } from '../model/recording.js';

export type ProfileKind = 'heap' | 'goroutine' | 'goroutine2' | 'goroutineleak';

export interface RecordingWriterOptions {
  /** Minimum time between fdatasync calls on the JSON-lines files; 0 syncs every line. */
  syncIntervalMs?: number;
}

/** File name of a stored profile body; the reader parses the unix ms back out of it. */
export function profileFileName(kind: ProfileKind, unixMs: number): string {
  return kind === 'goroutine2' ? `goroutine2-${unixMs}.txt.gz` : `${kind}-${unixMs}.pb.gz`;
}

/** One JSON line, bigint as decimal strings, `t` first so that a person can scan the file. */
export function recordingLine(value: object): string {
  const { t, ...rest } = value as { t?: unknown };
  const ordered = t === undefined ? rest : { t, ...rest };
  return JSON.stringify(ordered, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) + '\n';
}

function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  // A regular file takes the whole buffer in one write(2); the loop only matters when the disk is full.
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

class AppendFile {
  private fd: number;
  private lastSync = Date.now();
  private dirty = false;

  constructor(
    path: string,
    private readonly syncIntervalMs: number,
  ) {
    this.fd = openSync(path, 'a');
  }

  append(line: string): void {
    writeAll(this.fd, line);
    this.dirty = true;
    const now = Date.now();
    if (now - this.lastSync >= this.syncIntervalMs) this.sync(now);
  }

  sync(now = Date.now()): void {
    if (!this.dirty) return;
    fdatasyncSync(this.fd);
    this.dirty = false;
    this.lastSync = now;
  }

  close(): void {
    if (this.fd < 0) return;
    this.sync();
    closeSync(this.fd);
    this.fd = -1;
  }
}

export class RecordingWriter {
  readonly dir: string;
  private meta: RecordingMeta;
  private readonly samples: AppendFile;
  private readonly events: AppendFile;
  private readonly profilesDir: string;
  private closed = false;

  private constructor(dir: string, meta: RecordingMeta, opts: RecordingWriterOptions) {
    this.dir = dir;
    this.meta = meta;
    const syncMs = opts.syncIntervalMs ?? 10_000;
    this.profilesDir = join(dir, 'profiles');
    mkdirSync(this.profilesDir, { recursive: true });
    this.writeMeta();
    this.samples = new AppendFile(join(dir, 'samples.jsonl'), syncMs);
    this.events = new AppendFile(join(dir, 'events.jsonl'), syncMs);
  }

  /** Create `dir` (parents too) and start a recording in it; refuses to write over an existing one. */
  static create(
    dir: string,
    meta: Omit<RecordingMeta, 'format' | 'version' | 'startedAt'> & { startedAt?: string },
    opts: RecordingWriterOptions = {},
  ): RecordingWriter {
    if (existsSync(join(dir, 'recording.json')) || existsSync(join(dir, 'samples.jsonl'))) {
      throw new Error(`${dir} already holds a recording; choose another --out directory`);
    }
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      throw new Error(`${dir} exists and is not empty; choose another --out directory`);
    }
    mkdirSync(dir, { recursive: true });
    const full: RecordingMeta = {
      format: RECORDING_FORMAT,
      version: RECORDING_VERSION,
      ...meta,
      startedAt: meta.startedAt ?? new Date().toISOString(),
    };
    return new RecordingWriter(dir, full, opts);
  }

  get metadata(): Readonly<RecordingMeta> {
    return this.meta;
  }

  appendSample(sample: MemorySample): void {
    this.assertOpen();
    this.samples.append(recordingLine(sample));
  }

  appendEvent(event: RecordingEvent): void {
    this.assertOpen();
    this.events.append(recordingLine(event));
  }

  /** Store a raw profile body; returns its path. A second profile of a kind in the same ms takes the next free ms. */
  writeProfile(kind: ProfileKind, unixMs: number, bytes: Uint8Array): string {
    this.assertOpen();
    let ms = unixMs;
    while (existsSync(join(this.profilesDir, profileFileName(kind, ms)))) ms++;
    const final = join(this.profilesDir, profileFileName(kind, ms));
    const tmp = `${final}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, final);
    return final;
  }

  /** Merge fields into recording.json (endpoints found, missing ones) and rewrite it atomically. */
  updateMeta(patch: Partial<RecordingMeta>): void {
    this.meta = { ...this.meta, ...patch, format: RECORDING_FORMAT, version: RECORDING_VERSION };
    this.writeMeta();
  }

  /** Flush, record endedAt and close. Safe to call twice. */
  close(endedAt: Date = new Date()): void {
    if (this.closed) return;
    this.closed = true;
    this.samples.close();
    this.events.close();
    this.meta = { ...this.meta, endedAt: endedAt.toISOString() };
    this.writeMeta();
  }

  private writeMeta(): void {
    const path = join(this.dir, 'recording.json');
    const tmp = `${path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeAll(fd, JSON.stringify(this.meta, null, 2) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`recording ${this.dir} is closed`);
  }
}
