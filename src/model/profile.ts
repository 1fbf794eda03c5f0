// A pprof profile (profile.proto) resolved into plain values: strings instead of string-table
// indices, frames instead of function ids. This is the "full" model, for profiles small enough to hold
// (what a service serves, what examples record). `heapsight top`/`diff` on huge profiles do not build
// it: they aggregate while decoding (see sources/pprof-aggregate.ts) so that no object exists per sample.
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
}
