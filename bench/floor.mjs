#!/usr/bin/env node
// The speed floor for reading a gzip-compressed profile.proto in Node: inflate it, then decode every
// varint of every sample, location, line, function and mapping (strings are only skipped over). Any
// exact per-function aggregation has to do at least this much work, so `heapsight top` is judged
// against it. Usage: node bench/floor.mjs PROFILE  → prints one JSON line {bytes, varints, checksum, ms}.
// Why a plain .mjs with no imports from src/: the floor must not inherit heapsight's own costs.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

// Field numbers of nested messages worth descending into (everything else length-delimited is skipped
// or, for packed repeated scalars, walked as varints).
const PROFILE_MESSAGES = new Set([1, 2, 3, 4, 5, 11]);
const SAMPLE_PACKED = new Set([1, 2]);

let varints = 0;
let checksum = 0;

function walk(buf, start, end, kind) {
  let pos = start;
  while (pos < end) {
    let key = 0;
    let shift = 0;
    let b;
    do {
      b = buf[pos++];
      key += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      pos = varint(buf, pos);
    } else if (wire === 2) {
      let len = 0;
      shift = 0;
      do {
        b = buf[pos++];
        len += (b & 0x7f) * 2 ** shift;
        shift += 7;
      } while (b & 0x80);
      const stop = pos + len;
      if (kind === 'profile' && PROFILE_MESSAGES.has(field)) walk(buf, pos, stop, field === 2 ? 'sample' : field === 4 ? 'location' : 'msg');
      else if (kind === 'sample' && SAMPLE_PACKED.has(field)) while (pos < stop) pos = varint(buf, pos);
      else if (kind === 'sample' && field === 3) walk(buf, pos, stop, 'msg');
      else if (kind === 'location' && field === 4) walk(buf, pos, stop, 'msg');
      pos = stop;
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 5) {
      pos += 4;
    } else {
      throw new Error(`floor: unsupported wire type ${wire} at byte ${pos}`);
    }
  }
}

function varint(buf, pos) {
  let lo = 0;
  let shift = 0;
  let b;
  do {
    b = buf[pos++];
    if (shift < 28) lo |= (b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  varints++;
  checksum = (checksum + lo) | 0;
  return pos;
}

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/floor.mjs PROFILE');
  process.exit(2);
}
const t0 = process.hrtime.bigint();
const raw = gunzipSync(readFileSync(file));
walk(raw, 0, raw.length, 'profile');
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(JSON.stringify({ bytes: raw.length, varints, checksum, ms }));
