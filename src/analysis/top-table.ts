// The `-top` tables of `heapsight top` and `diff`, from per-function aggregates: rows ordered as
// go tool pprof orders them, its "(inline)" markers, and its percentage denominator. Pure: the sample
// type is chosen by the caller (sources/pprof/aggregate.ts chooseAggregateType/matchingType), because
// which one the user asked for is input, checked where input is read.

import { slotOf, type FunctionTotals, type PprofAggregate, type ProfileTop } from '../model/profile.js';

export type FunctionRow = FunctionTotals;
export type TopTable = ProfileTop;
export type DiffTable = ProfileTop & { base: bigint; new: bigint };

function inlineMarker(bits: number): FunctionRow['inline'] {
  return bits === 1 ? 'inline' : bits === 3 ? 'partial-inline' : undefined;
}

/**
 * Byte-order comparison, as Go's string < (JS's < compares UTF-16 units). UTF-8 keeps code point order,
 * so after a common prefix two code units below the surrogates (U+D800) decide it directly; only
 * otherwise are the strings encoded (sorting thousands of rows must not allocate per comparison).
 */
export function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length - b.length;
  const ca = a.charCodeAt(i);
  const cb = b.charCodeAt(i);
  if (ca < 0xd800 && cb < 0xd800) return ca - cb;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function abs(v: bigint): bigint {
  return v < 0n ? -v : v;
}

/**
 * Rows sorted as `-top` orders them: by flat (or cum) descending, then name. pprof compares absolute
 * values; `signed` (used by diff) puts the largest growth first instead.
 */
export function sortRows(rows: FunctionRow[], byCum: boolean, signed: boolean): FunctionRow[] {
  const key = (r: FunctionRow): bigint => {
    const v = byCum ? r.cum : r.flat;
    return signed ? v : abs(v);
  };
  const key2 = (r: FunctionRow): bigint => {
    const v = byCum ? r.flat : r.cum;
    return signed ? v : abs(v);
  };
  return rows.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka !== kb) return ka > kb ? -1 : 1;
    const n = compareNames(a.function, b.function);
    if (n !== 0) return n;
    const ca = key2(a);
    const cb = key2(b);
    return ca === cb ? 0 : ca > cb ? -1 : 1;
  });
}

/** The `-top` table of one profile for its sample type t. */
export function topTable(agg: PprofAggregate, t: number, byCum = false): TopTable {
  const rows: FunctionRow[] = [];
  for (let f = 0; f < agg.functions.length; f++) {
    const o = slotOf(agg, f, t);
    // pprof drops nodes whose flat and cum are both 0 (selectNodesForGraph).
    if (agg.flat.isZero(o) && agg.cum.isZero(o)) continue;
    const flat = agg.flat.get(o);
    const cum = agg.cum.get(o);
    if (flat === 0n && cum === 0n) continue;
    const row: FunctionRow = { function: agg.functions[f], flat, cum };
    const inl = inlineMarker(agg.calls[o]);
    if (inl) row.inline = inl;
    rows.push(row);
  }
  return {
    sampleType: agg.sampleTypes[t],
    sampleIndex: t,
    pprofTotal: agg.absTotal.get(t),
    total: agg.total.get(t),
    rows: sortRows(rows, byCum, false),
  };
}

/**
 * NEW − BASE per function, as `go tool pprof -diff_base BASE NEW`, for NEW's sample type tn and the
 * same type tb in BASE. Rows are sorted by signed flat (growth first).
 */
export function diffTable(base: PprofAggregate, next: PprofAggregate, tn: number, tb: number, byCum = false): DiffTable {
  const st = next.sampleTypes[tn];
  const byName = new Map<string, FunctionRow>();
  for (let f = 0; f < next.functions.length; f++) {
    const o = slotOf(next, f, tn);
    byName.set(next.functions[f], { function: next.functions[f], flat: next.flat.get(o), cum: next.cum.get(o) });
  }
  for (let f = 0; f < base.functions.length; f++) {
    const o = slotOf(base, f, tb);
    const name = base.functions[f];
    const row = byName.get(name) ?? { function: name, flat: 0n, cum: 0n };
    row.flat -= base.flat.get(o);
    row.cum -= base.cum.get(o);
    byName.set(name, row);
  }
  const rows = [...byName.values()].filter((r) => r.flat !== 0n || r.cum !== 0n);
  // pprof builds one graph from NEW and negated BASE samples, so call markers combine both (by function,
  // not by edge: an edge inlined in one profile and called in the other would be "partial" here).
  const bits = new Map<string, number>();
  for (let f = 0; f < next.functions.length; f++) bits.set(next.functions[f], next.calls[slotOf(next, f, tn)]);
  for (let f = 0; f < base.functions.length; f++) bits.set(base.functions[f], (bits.get(base.functions[f]) ?? 0) | base.calls[slotOf(base, f, tb)]);
  for (const r of rows) {
    const inl = inlineMarker(bits.get(r.function) ?? 0);
    if (inl) r.inline = inl;
  }
  const b = base.total.get(tb);
  const n = next.total.get(tn);
  return {
    sampleType: st,
    sampleIndex: tn,
    pprofTotal: base.absTotal.get(tb),
    total: n - b,
    base: b,
    new: n,
    rows: sortRows(rows, byCum, true),
  };
}
