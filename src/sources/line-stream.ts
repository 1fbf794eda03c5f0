// Byte streams into lines for the readers that read line by line (debug=2 dumps, gctrace logs,
// JSON-lines samples), so that a file of any size costs one line and what the reader keeps.

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
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      let piece = chunk.subarray(start, nl);
      if (this.carryLen > 0) {
        piece = Buffer.concat([...this.carry, piece]);
        this.carry = [];
        this.carryLen = 0;
      }
      if (piece.length > this.maxLine) throw this.tooLong(piece.length);
      this.emit(piece, true);
      start = nl + 1;
    }
    if (start < chunk.length) {
      // Copy: the producer may reuse the chunk's memory, and a small slice would pin a large chunk.
      const rest = Buffer.from(chunk.subarray(start));
      this.carry.push(rest);
      this.carryLen += rest.length;
      if (this.carryLen > this.maxLine) throw this.tooLong(this.carryLen);
    }
  }

  end(): void {
    if (this.carryLen > 0) this.emit(Buffer.concat(this.carry), false);
    this.carry = [];
    this.carryLen = 0;
  }
}
