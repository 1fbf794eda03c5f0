// Exact sums for the aggregating reader: a float64 part that stays below 2^52 (so every add of a value
// below 2^49 is exact) plus a BigInt overflow touched only when the float part would pass that bound or a
// value is itself large (a negative int64 is a 10-byte varint). Exact for any int64 while the hot loops
// stay on doubles. Also pprof's total for profiles with negative values (mergedAbsTotals).

import { Sample } from './schema.js';
import { WIRE_LEN, WIRE_VARINT, WireReader } from './wire.js';
import type { SampleSpans } from './tables.js';

/** The float part of a sum is kept within ±LIMIT; values up to ±SMALL are added as doubles. */
export const LIMIT = 2 ** 52;
export const SMALL = 2 ** 49;
export const BIG_SMALL = BigInt(SMALL);

/** Exact sums indexed by slot: float part below 2^52 plus a sparse BigInt overflow. */
export class ExactSums {
  readonly num: Float64Array;
  readonly big = new Map<number, bigint>();

  constructor(size: number) {
    this.num = new Float64Array(size);
  }

  /** v must satisfy |v| ≤ 2^49. */
  add(i: number, v: number): void {
    const x = this.num[i] + v;
    if (x > LIMIT || x < -LIMIT) {
      this.big.set(i, (this.big.get(i) ?? 0n) + BigInt(x));
      this.num[i] = 0;
    } else {
      this.num[i] = x;
    }
  }

  addBig(i: number, v: bigint): void {
    this.big.set(i, (this.big.get(i) ?? 0n) + v);
  }

  get(i: number): bigint {
    const b = this.big.get(i);
    return b === undefined ? BigInt(this.num[i]) : b + BigInt(this.num[i]);
  }

  isZero(i: number): boolean {
    return this.num[i] === 0 && (this.big.size === 0 || !this.big.get(i));
  }
}

/**
 * pprof's total when values have mixed signs. go tool pprof merges the profile before reporting
 * (profile.Merge, even for one input), which adds up samples with the same stack and labels, and its
 * total is Σ|v| over the merged samples: +100 and −60 on one stack count 40, not 160. Only then does the
 * order matter, so this slower keyed pass runs only for profiles with negative values (delta profiles).
 * Stacks are keyed by location id, which equals pprof's location key for every profile we know of.
 */
export function mergedAbsTotals(buf: Uint8Array, spans: SampleSpans, T: number): ExactSums {
  const groups = new Map<string, bigint[]>();
  for (let s = 0; s < spans.n; s++) {
    const r = new WireReader(buf, spans.starts[s], spans.ends[s]);
    const locs: string[] = [];
    const labels: string[] = [];
    const values: bigint[] = [];
    while (r.pos < r.end) {
      const key = r.tag();
      const field = key >>> 3;
      const wire = key & 7;
      if ((field === Sample.locationId || field === Sample.value) && (wire === WIRE_VARINT || wire === WIRE_LEN)) {
        const runEnd = wire === WIRE_LEN ? r.len() + r.pos : -1;
        do {
          const v = r.varintBig();
          if (field === Sample.locationId) locs.push(v.toString(36));
          else values.push(BigInt.asIntN(64, v));
        } while (runEnd >= 0 && r.pos < runEnd);
      } else if (field === Sample.label && wire === WIRE_LEN) {
        const n = r.len();
        labels.push(Buffer.from(buf.subarray(r.pos, r.pos + n)).toString('latin1'));
        r.pos += n;
      } else {
        r.skip(wire);
      }
    }
    const k = `${locs.join(',')}|${labels.sort().join('\u0000')}`;
    const g = groups.get(k);
    if (g) for (let t = 0; t < T; t++) g[t] += values[t];
    else groups.set(k, values);
  }
  const out = new ExactSums(T);
  for (const g of groups.values()) for (let t = 0; t < T; t++) out.addBig(t, g[t] < 0n ? -g[t] : g[t]);
  return out;
}
