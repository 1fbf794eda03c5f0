// Follows the output of a running Go service started with GODEBUG=gctrace=1 (the log `check --run`
// writes, or a file named with --gctrace-log) and copies its trace lines into the recording's
// gctrace.log as they appear, so that the watch, and a later `analyze DIR`, get gctrace's marked heap
// of every GC cycle.
//
// The non-obvious decisions: only the runtime's trace text is copied (reassembled by the gctrace
// reader), never the application's own output, which may hold anything; and the log is read in pieces
// that end where the reader says a record is still unfinished, so a trace line that the application's
// output split across two reads is parsed whole, exactly as a parse of the complete file would.

import { appendFileSync, closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { GcCycle, ScavengeReport } from '../model/memory.js';
import { parseGctraceLog } from '../sources/gctrace.js';

/** At most this much new output is parsed per poll; the rest waits for the next one. */
const MAX_READ_BYTES = 16 * 1024 * 1024;
const MAX_LINE_CHARS = 1024 * 1024;

export interface GctraceBatch {
  gcCycles: GcCycle[];
  scavenges: ScavengeReport[];
}

export class GctraceCapture {
  private offset = 0;
  /** Output not yet parsed to the end: an unfinished last line, or an unfinished trace record. */
  private carry = '';
  /** Lines before `carry` in the log, so that records keep the line numbers of the whole file. */
  private linesBefore = 0;
  private cycles = 0;
  private scavenges = 0;
  private readonly decoder = new StringDecoder('utf8');

  constructor(
    readonly logPath: string,
    /** The recording's gctrace.log, appended to. */
    readonly outPath: string,
  ) {}

  get cycleCount(): number {
    return this.cycles;
  }

  get recordCount(): number {
    return this.cycles + this.scavenges;
  }

  /**
   * Read what the service wrote since the last call and return its complete trace records (also
   * appended to `outPath`). `final`: the service is done; an unfinished record at the end is dropped.
   */
  poll(final = false): GctraceBatch {
    const fresh = this.readNew();
    let text = this.carry + fresh;
    // Only whole lines are parsed until the end: the runtime may be in the middle of printing one.
    const lastNewline = text.lastIndexOf('\n');
    let tail = '';
    if (!final) {
      tail = text.slice(lastNewline + 1);
      text = text.slice(0, lastNewline + 1);
      // A trace line is under 200 bytes: output that runs on for a megabyte without a newline is the
      // application's, and is not kept waiting for one.
      if (tail.length > MAX_LINE_CHARS) tail = '';
    }
    if (text === '') {
      this.carry = tail;
      return { gcCycles: [], scavenges: [] };
    }
    const log = parseGctraceLog(text, this.logPath, { keepText: true, partial: !final, maxBytes: 2 * MAX_READ_BYTES + 1024 * 1024 });
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const consumed = log.unfinishedFromLine !== undefined ? log.unfinishedFromLine - 1 : lines.length;
    this.carry =
      lines
        .slice(consumed)
        .map((l) => l + '\n')
        .join('') + tail;
    for (const r of [...log.gcCycles, ...log.scavenges]) r.lineNo = (r.lineNo ?? 0) + this.linesBefore;
    this.linesBefore += consumed;
    if (log.traceLines!.length) appendFileSync(this.outPath, log.traceLines!.join('\n') + '\n');
    this.cycles += log.gcCycles.length;
    this.scavenges += log.scavenges.length;
    return { gcCycles: log.gcCycles, scavenges: log.scavenges };
  }

  private readNew(): string {
    let fd: number;
    try {
      fd = openSync(this.logPath, 'r');
    } catch {
      // Not created yet (the service has printed nothing): nothing to read.
      return '';
    }
    try {
      const size = fstatSync(fd).size;
      // A log that shrank was truncated or replaced (logrotate copytruncate): start again at its top.
      if (size < this.offset) {
        this.offset = 0;
        this.carry = '';
      }
      const n = Math.min(size - this.offset, MAX_READ_BYTES);
      if (n <= 0) return '';
      const buf = Buffer.alloc(n);
      const got = readSync(fd, buf, 0, n, this.offset);
      this.offset += got;
      // The decoder holds back a UTF-8 sequence cut by the end of the read until the next one.
      return this.decoder.write(buf.subarray(0, got));
    } finally {
      closeSync(fd);
    }
  }
}
