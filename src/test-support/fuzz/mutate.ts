// Mutations for the fuzz suite: from a real capture, make the kinds of input that broke readers before
// (bit flips, truncation, splices of two captures, a protobuf length made huge, hostile strings, numbers
// far out of range, deep nesting). Seeded, so a run is repeated exactly by its seed.

import { seededRandom } from '../seeded-random.js';

/** Mutation picks from seededRandom (mulberry32): the same seed gives the same inputs. */
export class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}

/** Strings that have broken parsers: escapes for invalid code points, control characters, quotes. */
export const HOSTILE_STRINGS: readonly string[] = [
  '\\U11ffff',
  '\\U0010ffff',
  '\\ud800',
  '\\x',
  '\\',
  '"',
  '\r\n',
  '\x1b[31m',
  '\x00',
  '\u2028',
  '{{{{',
  '}}}}',
  '"a":"\\U7fffffff"',
  'NaN',
  'Inf',
  '-Inf',
  '+Inf',
  '1e309',
  '5e600000000',
  '9e+99999999',
  '-0',
  '0x7fffffffffffffff',
  '18446744073709551616',
  '99999999999999999999999999',
  '(a+)+$',
  '((a|aa)*)*b',
  '.*.*.*.*.*=',
  '\\p{',
  '[',
  '%!s(MISSING)',
];

/** Numbers far out of range, spliced over digits. */
const HUGE_NUMBERS: readonly string[] = [
  '1e309',
  '5e600000000',
  '9e+99999999',
  '1' + '0'.repeat(400),
  '-1',
  '4294967296',
  '18446744073709551615',
  '1.5e-99999',
];

function nesting(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** Overwrite a varint at `at` with a 10-byte varint of a huge value: a protobuf length that lies. */
function hugeVarint(out: Uint8Array, at: number, rng: Rng): Uint8Array {
  const v = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
  const n = 1 + rng.int(10);
  const res = new Uint8Array(out.length + n);
  res.set(out.subarray(0, at));
  res.set(v.slice(10 - n), at);
  if (n < 10) res[at + n - 1] &= 0x7f;
  res.set(out.subarray(at), at + n);
  return res;
}

function insertText(bytes: Uint8Array, at: number, text: string): Uint8Array {
  const t = Buffer.from(text, 'utf8');
  const res = new Uint8Array(bytes.length + t.length);
  res.set(bytes.subarray(0, at));
  res.set(t, at);
  res.set(bytes.subarray(at), at + t.length);
  return res;
}

export type Mutation = (bytes: Uint8Array, rng: Rng, other: Uint8Array) => Uint8Array;

export const MUTATIONS: Record<string, Mutation> = {
  bitflip(b, rng) {
    const out = Uint8Array.from(b);
    const n = 1 + rng.int(8);
    for (let k = 0; k < n && out.length; k++) out[rng.int(out.length)] ^= 1 << rng.int(8);
    return out;
  },
  byte(b, rng) {
    const out = Uint8Array.from(b);
    const n = 1 + rng.int(4);
    for (let k = 0; k < n && out.length; k++) out[rng.int(out.length)] = rng.pick([0, 0xff, 0x7f, 0x80, 0x0a, 0x0d, 0x22, 0x5c, 0x7b, 0x1b]);
    return out;
  },
  truncate(b, rng) {
    return b.subarray(0, rng.int(b.length + 1));
  },
  splice(b, rng, other) {
    const at = rng.int(b.length + 1);
    const from = rng.int(other.length + 1);
    const res = new Uint8Array(at + other.length - from);
    res.set(b.subarray(0, at));
    res.set(other.subarray(from), at);
    return res;
  },
  duplicate(b, rng) {
    const a = rng.int(b.length + 1);
    const len = Math.min(b.length - a, 1 + rng.int(4096));
    const times = 1 + rng.int(8);
    const chunk = b.subarray(a, a + len);
    const res = new Uint8Array(b.length + chunk.length * times);
    res.set(b.subarray(0, a + len));
    for (let k = 1; k <= times; k++) res.set(chunk, a + len * k);
    res.set(b.subarray(a + len), a + len * (times + 1));
    return res;
  },
  protoLength(b, rng) {
    return hugeVarint(b, rng.int(b.length + 1), rng);
  },
  hostile(b, rng) {
    return insertText(b, rng.int(b.length + 1), rng.pick(HOSTILE_STRINGS));
  },
  hugeNumber(b, rng) {
    // Replace a run of digits (found from a random start) with a number far out of range.
    const start = rng.int(b.length + 1);
    let i = start;
    while (i < b.length && !(b[i] >= 0x30 && b[i] <= 0x39)) i++;
    let j = i;
    while (j < b.length && ((b[j] >= 0x30 && b[j] <= 0x39) || b[j] === 0x2e || b[j] === 0x65 || b[j] === 0x2b)) j++;
    const t = Buffer.from(rng.pick(HUGE_NUMBERS));
    const res = new Uint8Array(b.length - (j - i) + t.length);
    res.set(b.subarray(0, i));
    res.set(t, i);
    res.set(b.subarray(j), i + t.length);
    return res;
  },
  nest(b, rng) {
    return insertText(b, rng.int(b.length + 1), nesting(1000 + rng.int(20000)));
  },
  longValue(b, rng) {
    return insertText(b, rng.int(b.length + 1), rng.pick(['x', '\r', '\x1b', '9']).repeat(2000 + rng.int(10000)));
  },
};

const NAMES = Object.keys(MUTATIONS);

/** 1–3 stacked mutations; returns the input and the names of what was applied. */
export function mutate(seed: Uint8Array, other: Uint8Array, rng: Rng): { bytes: Uint8Array; how: string[] } {
  let bytes = seed;
  const how: string[] = [];
  const n = 1 + rng.int(3);
  for (let k = 0; k < n; k++) {
    const name = rng.pick(NAMES);
    bytes = MUTATIONS[name](bytes, rng, other);
    how.push(name);
  }
  return { bytes, how };
}
