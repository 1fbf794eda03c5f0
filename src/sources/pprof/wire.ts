// The few protobuf wire-format primitives the pprof readers need, and the one varint decoder they all use
// (varintAt: WireReader calls it, and so do the aggregating reader's hot loops). Hand-written, as google/pprof's own
// proto.go is: profile.proto is small and stable, and a generated codec would allocate an object per
// message, which the aggregating reader must not do. Every read is bounds-checked so that a truncated
// or non-protobuf input becomes a WireError carrying the byte offset instead of a garbage value.

export class WireError extends Error {
  constructor(
    readonly offset: number,
    readonly truncated: boolean,
    message: string,
  ) {
    super(message);
  }
}

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

/** Where the varint read by the last varintAt call ended: its second result, without allocating a pair. */
export let varintNext = 0;

/**
 * The varint at buf[pos], as a number: exact below 2^53 (so always for 7 bytes or fewer, < 2^49); a
 * longer one is rounded, and callers that need it exact re-read it with WireReader.varintBig. Sets
 * varintNext to the position after it. Small and branch-light so V8 inlines it into the hot loops; the
 * one-byte case (most location ids, tags and lengths) returns at once.
 */
export function varintAt(buf: Uint8Array, pos: number, end: number): number {
  if (pos >= end) throw new WireError(pos, true, 'varint runs past the end');
  let b = buf[pos++];
  if (b < 0x80) {
    varintNext = pos;
    return b;
  }
  let v = b & 0x7f;
  let mul = 128;
  for (let len = 1; ; len++) {
    if (len === 10) throw new WireError(pos, false, 'varint longer than 10 bytes');
    if (pos >= end) throw new WireError(pos, true, 'varint runs past the end');
    b = buf[pos++];
    v += (b & 0x7f) * mul;
    if (b < 0x80) break;
    mul *= 128;
  }
  varintNext = pos;
  return v;
}

export class WireReader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  /** An unsigned varint as a BigInt (any width up to 64 bits). */
  varintBig(): bigint {
    const { buf, end } = this;
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) throw new WireError(this.pos, true, 'varint runs past the end');
      const b = buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new WireError(this.pos, false, 'varint longer than 10 bytes');
  }

  /**
   * A varint read as a JS number. Exact below 2^53; returns NaN (after consuming the varint) when the
   * value does not fit, so callers decide between BigInt re-reading and rejection.
   */
  varint(): number {
    const v = varintAt(this.buf, this.pos, this.end);
    this.pos = varintNext;
    return v <= Number.MAX_SAFE_INTEGER ? v : NaN;
  }

  /** int64 as a number when exactly representable, else NaN (caller re-reads with int64Big). */
  int64(): number {
    const start = this.pos;
    const v = this.varint();
    if (!Number.isNaN(v)) return v;
    this.pos = start;
    const big = this.int64Big();
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : NaN;
  }

  int64Big(): bigint {
    return BigInt.asIntN(64, this.varintBig());
  }

  /** The field key (number << 3 | wire type); field 0, groups and unknown wire types are malformed. */
  tag(): number {
    const at = this.pos;
    const key = this.varint();
    const wire = key & 7;
    if (Number.isNaN(key) || key < 8 || wire === 3 || wire === 4 || wire === 6 || wire === 7) {
      throw new WireError(at, false, `invalid field key ${Number.isNaN(key) ? '(too large)' : key}`);
    }
    return key;
  }

  /** Length of a length-delimited field; checks it fits. Leaves pos at the payload start. */
  len(): number {
    const at = this.pos;
    const n = this.varint();
    if (Number.isNaN(n)) throw new WireError(at, false, 'length too large');
    if (this.pos + n > this.end) throw new WireError(this.end, true, `field of ${n} bytes at byte ${this.pos} runs past the end`);
    return n;
  }

  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_I64:
        this.need(8);
        this.pos += 8;
        return;
      case WIRE_LEN: {
        const n = this.len();
        this.pos += n;
        return;
      }
      case WIRE_I32:
        this.need(4);
        this.pos += 4;
        return;
      default:
        throw new WireError(this.pos, false, `invalid wire type ${wire}`);
    }
  }

  need(n: number): void {
    if (this.pos + n > this.end) throw new WireError(this.end, true, 'field runs past the end');
  }
}

/** Read the length-delimited message at r: onField sees each field and returns false to have it skipped. */
export function readMessage(r: WireReader, onField: (field: number, wire: number, r: WireReader) => boolean): void {
  const n = r.len();
  const end = r.pos + n;
  const sub = new WireReader(r.buf, r.pos, end);
  while (sub.pos < end) {
    const key = sub.tag();
    if (!onField(key >>> 3, key & 7, sub)) sub.skip(key & 7);
  }
  r.pos = end;
}

const utf8 = new TextDecoder('utf-8');
export function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  return utf8.decode(buf.subarray(start, end));
}
