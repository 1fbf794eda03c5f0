// Test-only: a minimal profile.proto writer for synthetic profiles, with the encodings real writers
// differ on (packed or unpacked repeated fields, field order, int64 beyond 2^53, negative values), so
// that readers are tested against inputs that Go's writer never produces but other tools may.

import { seededRandom } from './seeded-random.js';

export interface SynthProfile {
  strings: string[];
  sampleTypes: [number, number][];
  defaultSampleType?: number;
  functions: { id: number; name: number; file?: number }[];
  locations: { id: number; mappingId?: number; address?: bigint; lines: { functionId: number; line?: number }[] }[];
  mappings?: { id: number; file: number }[];
  samples: { locationIds: number[]; values: bigint[]; labels?: { key: number; str?: number; num?: bigint }[] }[];
  period?: bigint;
  periodType?: [number, number];
  timeNanos?: bigint;
  comments?: number[];
  dropFrames?: number;
  keepFrames?: number;
}

class Out {
  parts: number[] = [];
  varint(v: bigint | number): void {
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.parts.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.parts.push(Number(x));
  }
  key(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }
  uint(field: number, v: bigint | number): void {
    if (BigInt(v) === 0n) return;
    this.key(field, 0);
    this.varint(v);
  }
  bytes(field: number, b: number[] | Uint8Array): void {
    this.key(field, 2);
    this.varint(b.length);
    for (const x of b) this.parts.push(x);
  }
  msg(field: number, fill: (o: Out) => void): void {
    const o = new Out();
    fill(o);
    this.bytes(field, o.parts);
  }
  repeated(field: number, vs: (bigint | number)[], packed: boolean): void {
    if (vs.length === 0) return;
    if (packed) {
      const o = new Out();
      for (const v of vs) o.varint(v);
      this.bytes(field, o.parts);
    } else {
      for (const v of vs) {
        this.key(field, 0);
        this.varint(v);
      }
    }
  }
}

/** Encode; `packed` chooses the repeated-field encoding, `samplesLast` moves samples after the tables. */
export function encodeProfile(p: SynthProfile, opts: { packed?: boolean; samplesLast?: boolean } = {}): Uint8Array {
  const packed = opts.packed ?? true;
  const o = new Out();
  const samples = () => {
    for (const s of p.samples) {
      o.msg(2, (m) => {
        m.repeated(1, s.locationIds, packed);
        m.repeated(2, s.values, packed);
        for (const l of s.labels ?? []) {
          m.msg(3, (lm) => {
            lm.uint(1, l.key);
            if (l.str !== undefined) lm.uint(2, l.str);
            if (l.num !== undefined) lm.uint(3, l.num);
          });
        }
      });
    }
  };
  for (const [t, u] of p.sampleTypes) o.msg(1, (m) => (m.uint(1, t), m.uint(2, u)));
  if (!opts.samplesLast) samples();
  for (const mp of p.mappings ?? []) o.msg(3, (m) => (m.uint(1, mp.id), m.uint(5, mp.file)));
  for (const l of p.locations) {
    o.msg(4, (m) => {
      m.uint(1, l.id);
      m.uint(2, l.mappingId ?? 0);
      m.uint(3, l.address ?? 0n);
      for (const line of l.lines) m.msg(4, (lm) => (lm.uint(1, line.functionId), lm.uint(2, line.line ?? 0)));
    });
  }
  for (const f of p.functions) o.msg(5, (m) => (m.uint(1, f.id), m.uint(2, f.name), m.uint(4, f.file ?? 0)));
  for (const s of p.strings) o.bytes(6, Buffer.from(s, 'utf8'));
  if (p.dropFrames !== undefined) o.uint(7, p.dropFrames);
  if (p.keepFrames !== undefined) o.uint(8, p.keepFrames);
  if (p.timeNanos !== undefined) o.uint(9, p.timeNanos);
  if (p.periodType) o.msg(11, (m) => (m.uint(1, p.periodType![0]), m.uint(2, p.periodType![1])));
  if (p.period !== undefined) o.uint(12, p.period);
  o.repeated(13, p.comments ?? [], packed);
  if (p.defaultSampleType !== undefined) o.uint(14, p.defaultSampleType);
  if (opts.samplesLast) samples();
  return Uint8Array.from(o.parts);
}

/**
 * A random profile: `nFuncs` functions (some sharing a name, as pprof groups by name), locations with
 * 1–3 inlined lines (and some without lines), samples with recursion, zero, negative and huge values.
 */
export function randomProfile(seed: number, opts: { samples?: number; huge?: boolean } = {}): SynthProfile {
  const rnd = seededRandom(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const strings = ['', 'alloc_objects', 'count', 'alloc_space', 'bytes', 'inuse_space', '/bin/service', 'libc.so.6'];
  const nNames = 12 + int(20);
  const nameIdx: number[] = [];
  for (let i = 0; i < nNames; i++) {
    nameIdx.push(strings.length);
    strings.push(`pkg${i % 4}.fn${i}`);
  }
  const emptyName = strings.length;
  strings.push(''); // a second empty string: a function without a name
  const functions: SynthProfile['functions'] = [];
  for (let id = 1; id <= nNames + 6; id++) {
    // The last ids reuse names of earlier ones (same name, different function id/file).
    const name = id <= nNames ? nameIdx[id - 1] : id === nNames + 6 ? emptyName : nameIdx[int(nNames)];
    functions.push({ id, name, file: 6 });
  }
  const locations: SynthProfile['locations'] = [];
  const nLocs = 20 + int(30);
  let id = 0;
  for (let i = 0; i < nLocs; i++) {
    id += 1 + int(3); // gaps between ids
    const nLines = rnd() < 0.08 ? 0 : 1 + int(3);
    const lines = [];
    for (let j = 0; j < nLines; j++) lines.push({ functionId: 1 + int(functions.length), line: 1 + int(500) });
    locations.push({ id, mappingId: rnd() < 0.5 ? 1 : rnd() < 0.5 ? 2 : 0, address: BigInt(0x400000 + i * 16), lines });
  }
  const samples: SynthProfile['samples'] = [];
  const nSamples = opts.samples ?? 50 + int(200);
  for (let s = 0; s < nSamples; s++) {
    const depth = int(12);
    const ids: number[] = [];
    for (let d = 0; d < depth; d++) ids.push(locations[int(locations.length)].id);
    if (depth > 3 && rnd() < 0.3) ids.push(ids[1]); // recursion
    const values: bigint[] = [];
    for (let t = 0; t < 3; t++) {
      const r = rnd();
      let v: bigint;
      if (r < 0.1) v = 0n;
      else if (r < 0.2) v = -BigInt(int(100000));
      else if (opts.huge && r < 0.35) v = (1n << 62n) - BigInt(int(1000)) - (rnd() < 0.5 ? 0n : 1n << 63n);
      else if (opts.huge && r < 0.45) v = (1n << 51n) + BigInt(int(1 << 30));
      else v = BigInt(int(1 << 20));
      values.push(v);
    }
    samples.push({ locationIds: ids, values, labels: rnd() < 0.3 ? [{ key: 4, num: BigInt(int(4096)) }] : undefined });
  }
  return {
    strings,
    sampleTypes: [
      [1, 2],
      [3, 4],
      [5, 4],
    ],
    defaultSampleType: rnd() < 0.5 ? 3 : undefined,
    functions,
    locations,
    mappings: [
      { id: 1, file: 6 },
      { id: 2, file: 7 },
    ],
    samples,
    period: 524288n,
    periodType: [3, 4],
    timeNanos: 1_700_000_000_123_456_789n,
  };
}
