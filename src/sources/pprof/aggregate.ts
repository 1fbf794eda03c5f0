// Fast, exact per-function flat/cum totals for `heapsight top` and `diff`, computed while the protobuf
// is decoded: no object per sample, no string until the end. Semantics are go tool pprof's `-top` at
// granularity=functions (internal/graph CreateNodes/newGraph after Profile.Aggregate):
//   * a node is identified by function name alone (tables.ts);
//   * each Line of a Location is a frame (callee first, caller last); the leaf — the first Line of the
//     first Location — gets the sample's value as flat; every node on the stack gets it once as cum
//     (accumulate.ts);
//   * total = Σ|value| over samples merged by stack and labels, as pprof's computeTotal after
//     profile.Merge (the denominator of flat% / cum%; exact-sums.ts);
//   * rows are marked "(inline)" / "(partial-inline)" from the kinds of call edges into them
//     (inline-calls.ts).
// The tables `top` and `diff` print from this are built in src/analysis/top-table.ts, for the sample
// type chosen here (AggregateOptions.sampleIndex, matchingType): which one the user asked for is input.

import type { PprofAggregate } from '../../model/profile.js';
import { maybeGunzip } from '../gzip.js';
import { InputError } from '../input-error.js';
import { accumulateOne, accumulateSamples } from './accumulate.js';
import { DEFAULT_MAX_PROFILE_BYTES, asInputError, chooseSampleIndex } from './decode.js';
import { ExactSums, mergedAbsTotals } from './exact-sums.js';
import { buildCallTables, callMarkers } from './inline-calls.js';
import { readTables } from './tables.js';

export interface AggregateOptions {
  maxBytes?: number;
  /** Aggregate only this sample type (name or number, as -sample_index; "" for pprof's default). */
  sampleIndex?: string;
}

/**
 * Decode (gzip or raw) and aggregate. `maxBytes` caps the inflated size. With `sampleIndex`, flat/cum
 * are kept for that one sample type only, which is what `top` needs and is several times faster.
 */
export function aggregatePprof(bytes: Uint8Array, origin: string, opts: AggregateOptions = {}): PprofAggregate {
  if (bytes.length === 0) throw new InputError(origin, 'expected a pprof profile (gzip or protobuf), got an empty input');
  const raw = maybeGunzip(bytes, origin, opts.maxBytes ?? DEFAULT_MAX_PROFILE_BYTES);
  try {
    return aggregateRaw(raw, origin, opts);
  } catch (err) {
    throw asInputError(err, raw, origin);
  }
}

function aggregateRaw(buf: Uint8Array, origin: string, opts: AggregateOptions): PprofAggregate {
  const tables = readTables(buf, origin);
  const { T, sampleTypes, spans } = tables;
  const nKeys = tables.functions.length;
  const accumulated =
    opts.sampleIndex === undefined ? sampleTypes.map((_, i) => i) : [chooseSampleIndex(sampleTypes, tables.defaultSampleType, opts.sampleIndex, origin)];
  const sel = Int32Array.from(accumulated);
  const sums = { flat: new ExactSums(nKeys * sel.length), cum: new ExactSums(nKeys * sel.length), total: new ExactSums(T), absTotal: new ExactSums(T) };
  const calls = buildCallTables(tables, nKeys, sel.length);
  const one = sel.length === 1 && tables.prune === undefined;
  const sawNegative = one ? accumulateOne(tables, sel[0], calls, sums) : accumulateSamples(tables, sel, calls, sums);

  const out: PprofAggregate = {
    accumulated,
    calls: callMarkers(calls, tables, sel.length),
    // With one type the loop keeps Σv only: it equals Σ|v| unless a value was negative, and then the
    // merged recount below replaces it anyway.
    absTotal: sawNegative ? mergedAbsTotals(buf, spans, T) : one ? sums.total : sums.absTotal,
    sampleTypes,
    period: tables.period,
    sampleCount: spans.n,
    functions: tables.functions,
    flat: sums.flat,
    cum: sums.cum,
    total: sums.total,
  };
  if (tables.defaultSampleType !== undefined) out.defaultSampleType = tables.defaultSampleType;
  if (tables.periodType) out.periodType = tables.periodType;
  return out;
}

/** Index in `base` of the sample type `t` of `next` (pprof's -diff_base needs the same type in both). */
export function matchingType(base: PprofAggregate, next: PprofAggregate, t: number, baseOrigin: string): number {
  const st = next.sampleTypes[t];
  const tb = base.sampleTypes.findIndex((x) => x.type === st.type && x.unit === st.unit);
  if (tb < 0) {
    throw new InputError(
      baseOrigin,
      `base profile has no sample type ${st.type}/${st.unit} (it has ${base.sampleTypes.map((x) => `${x.type}/${x.unit}`).join(', ')})`,
    );
  }
  return tb;
}
