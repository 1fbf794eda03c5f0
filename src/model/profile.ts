// A pprof profile (profile.proto) resolved into plain values: strings instead of string-table
// indices, frames instead of function ids. This is the "full" model, for profiles small enough to hold
// (what a service serves, what examples record). `heapsight top`/`diff` on huge profiles do not build
// it: they aggregate while decoding (sources/pprof/aggregate.ts, into a PprofAggregate below) so that no object exists per sample.
//
// Values are JS numbers. A value outside ±2^53 cannot be held exactly, so the full reader rejects it
// loudly instead of rounding it; the aggregating path is exact for any int64.

import type { Frame } from './frame.js';

export interface ValueType {
  type: string;
  unit: string;
}

export interface ProfileLocation {
  address: bigint;
  /** Inlined frames: the first is the innermost (callee), the last is the caller, as in profile.proto. */
  lines: Frame[];
  /** Index into Profile.mappings, when the location names a known mapping. */
  mapping?: number;
}

export interface ProfileMapping {
  id: number;
  memoryStart: bigint;
  memoryLimit: bigint;
  fileOffset: bigint;
  /** The binary or shared library, e.g. `/usr/local/bin/service`. */
  file: string;
  buildId: string;
}

export interface ProfileSample {
  /** Indices into Profile.locations, leaf first. */
  locations: number[];
  /** One value per sample type. */
  values: number[];
  /** String labels (pprof labels). */
  labels?: Record<string, string>;
  /** Numeric labels, e.g. Go heap profiles' `bytes` (average object size). */
  numLabels?: Record<string, number>;
}

export interface Profile {
  sampleTypes: ValueType[];
  /** default_sample_type when the profile names one; otherwise pprof uses the last sample type. */
  defaultSampleType?: string;
  periodType?: ValueType;
  period: number;
  /** Collection time, Unix nanoseconds (0n when unset). */
  timeNanos: bigint;
  durationNanos: bigint;
  locations: ProfileLocation[];
  samples: ProfileSample[];
  comments: string[];
  dropFrames?: string;
  keepFrames?: string;
  docUrl?: string;
  /** mapping[0] is the main binary. */
  mappings?: ProfileMapping[];
}

/** One function's row in a `top` or `diff` table (pprof -top at granularity=functions). Exact int64. */
export interface FunctionTotals {
  function: string;
  /** Value where the function is the leaf frame. */
  flat: bigint;
  /** Value of every sample with the function anywhere on its stack, counted once per sample. */
  cum: bigint;
  /** As pprof marks it: every call to it was inlined ("inline"), or some were ("partial-inline"). */
  inline?: 'inline' | 'partial-inline';
}

/** `heapsight top` / `diff` result for one sample type. */
export interface ProfileTop {
  sampleType: ValueType;
  /** Index of sampleType in the (new) profile's sample types. */
  sampleIndex: number;
  /** Σ value over samples; for a diff, new − base. */
  total: bigint;
  /** pprof's percentage denominator: Σ|value| (for a diff: of the base profile's samples). */
  pprofTotal: bigint;
  rows: FunctionTotals[];
  /** Present for a diff. */
  base?: bigint;
  new?: bigint;
}

/** Exact integer sums indexed by slot (sources/pprof/exact-sums.ts holds them without a BigInt per add). */
export interface ExactSumsView {
  get(slot: number): bigint;
  isZero(slot: number): boolean;
}

/** Per-function flat/cum totals of one profile, as the aggregating reader computes them while decoding. */
export interface PprofAggregate {
  sampleTypes: ValueType[];
  defaultSampleType?: string;
  periodType?: ValueType;
  period: bigint;
  sampleCount: number;
  /** Node names, pprof's PrintableName at granularity=functions. */
  functions: string[];
  /** Sample type indices held in flat/cum (all, unless the caller asked for one). */
  accumulated: number[];
  /** flat/cum of function f for accumulated[j] live at slot f * accumulated.length + j (see slotOf). */
  flat: ExactSumsView;
  cum: ExactSumsView;
  /**
   * Per slot (as flat/cum), how the function was reached in samples with a nonzero value: bit 1 it has
   * a caller edge that was always inlined, bit 2 one that was a real call. pprof marks rows "(inline)"
   * (1) or "(partial-inline)" (3).
   */
  calls: Uint8Array;
  /** Per sample type: Σ|v| (pprof's total) and Σv; only the accumulated types are filled in. */
  absTotal: ExactSumsView;
  total: ExactSumsView;
}

/** Slot of function f's flat/cum for sample type t; throws if t was not accumulated. */
export function slotOf(agg: PprofAggregate, f: number, t: number): number {
  const j = agg.accumulated.indexOf(t);
  if (j < 0) throw new Error(`sample type ${t} was not aggregated`);
  return f * agg.accumulated.length + j;
}
