// Byte streams into lines for the readers that read line by line (debug=2 dumps, gctrace logs,
// JSON-lines samples), so that a file of any size costs one line and what the reader keeps.

import { isAscii } from 'node:buffer';
import { InputError } from './input-error.js';

/** A byte stream (file, HTTP response), whole bytes, or text. */
export type ByteSource = AsyncIterable<Uint8Array> | NodeJS.ReadableStream | Uint8Array | string;

export async function* chunksOf(source: ByteSource): AsyncGenerator<Uint8Array> {
  if (typeof source === 'string') {
    yield Buffer.from(source, 'utf8');
    return;
  }
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  for await (const chunk of source as AsyncIterable<Uint8Array | string>) {
    yield typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
  }
}

export interface Line {
  text: string;
  /** 1-based line number. */
  no: number;
  /** Byte offset of the line's first byte. */
  offset: number;
  /** False only for a last line with no newline after it. */
  terminated: boolean;
}

/**
 * Split byte chunks into lines, carrying partial lines across chunk boundaries and dropping a CR
 * before LF. A line longer than the cap is an error, not a reason to buffer without bound. Lines are
 * handed to a synchronous callback: one await per chunk, not per line, keeps big dumps fast.
 */
export class LineSplitter {
  private carry: Buffer[] = [];
  private carryLen = 0;
  private no = 0;
  private offset = 0;

  constructor(
    private readonly origin: string,
    private readonly maxLine: number,
    private readonly onLine: (line: Line) => void,
    /** What the input is not, when a line is too long: "not a goroutine dump". */
    private readonly notWhat: string,
  ) {}

  private tooLong(len: number): InputError {
    return new InputError(
      this.origin,
      `line ${this.no + 1} (at byte ${this.offset}) is longer than ${this.maxLine} bytes (${len}+ bytes without a newline): ${this.notWhat}`,
    );
  }

  private emit(buf: Buffer, terminated: boolean): void {
    let end = buf.length;
    if (terminated && end > 0 && buf[end - 1] === 0x0d) end--;
    const line = { text: buf.toString('utf8', 0, end), no: ++this.no, offset: this.offset, terminated };
    this.offset += buf.length + (terminated ? 1 : 0);
    this.onLine(line);
  }

  push(c: Uint8Array): void {
    const chunk = Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    let start = 0;
    if (this.carryLen > 0) {
      const nl = chunk.indexOf(0x0a);
      if (nl < 0) {
        this.keep(chunk, 0);
        return;
      }
      const piece = Buffer.concat([...this.carry, chunk.subarray(0, nl)]);
      this.carry = [];
      this.carryLen = 0;
      if (piece.length > this.maxLine) throw this.tooLong(piece.length);
      this.emit(piece, true);
      start = nl + 1;
    }
    const lastNl = chunk.lastIndexOf(0x0a);
    if (lastNl >= start) {
      if (isAscii(chunk.subarray(start, lastNl))) this.emitAscii(chunk, start, lastNl);
      else this.emitBytes(chunk, start, lastNl);
      start = lastNl + 1;
    }
    if (start < chunk.length) this.keep(chunk, start);
  }

  /**
   * The lines of chunk[start, end) (end is a newline), all ASCII: one latin1 decode for the whole
   * run and string slices per line, since a Buffer and a decode per line were a third of the time a
   * big goroutine dump took. Byte offsets equal string offsets only because the run is ASCII.
   */
  private emitAscii(chunk: Buffer, start: number, end: number): void {
    const text = chunk.toString('latin1', start, end + 1);
    let pos = 0;
    const stop = text.length;
    while (pos < stop) {
      const nl = text.indexOf('\n', pos);
      const len = nl - pos;
      if (len > this.maxLine) throw this.tooLong(len);
      const textEnd = len > 0 && text.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
      const line = { text: text.slice(pos, textEnd), no: ++this.no, offset: this.offset, terminated: true };
      this.offset += len + 1;
      this.onLine(line);
      pos = nl + 1;
    }
  }

  /** The lines of chunk[start, end) one Buffer each: the exact path for runs that are not ASCII. */
  private emitBytes(chunk: Buffer, start: number, end: number): void {
    while (start <= end) {
      const nl = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, nl);
      if (piece.length > this.maxLine) throw this.tooLong(piece.length);
      this.emit(piece, true);
      start = nl + 1;
    }
  }

  /** Carry chunk[start..] into the next chunk's first line. */
  private keep(chunk: Buffer, start: number): void {
    // Copy: the producer may reuse the chunk's memory, and a small slice would pin a large chunk.
    const rest = Buffer.from(chunk.subarray(start));
    this.carry.push(rest);
    this.carryLen += rest.length;
    if (this.carryLen > this.maxLine) throw this.tooLong(this.carryLen);
  }

  end(): void {
    if (this.carryLen > 0) this.emit(Buffer.concat(this.carry), false);
    this.carry = [];
    this.carryLen = 0;
  }
}
