// profile.proto's field numbers, written down once. The schema is google/pprof's proto/profile.proto
// (stable since 2016; pprof's own profile/encode.go numbers its fields the same way). Every reader here
// (the full decoder, the aggregating one, the format sniffer in ../detect.ts, the goroutine profile
// reader) names fields through these constants rather than bare numbers.

import { WIRE_LEN, WIRE_VARINT } from './wire.js';

/** message Profile */
export const Profile = {
  sampleType: 1,
  sample: 2,
  mapping: 3,
  location: 4,
  function: 5,
  stringTable: 6,
  dropFrames: 7,
  keepFrames: 8,
  timeNanos: 9,
  durationNanos: 10,
  periodType: 11,
  period: 12,
  comment: 13,
  defaultSampleType: 14,
  docUrl: 15,
} as const;

/** message ValueType */
export const ValueType = { type: 1, unit: 2 } as const;

/** message Sample */
export const Sample = { locationId: 1, value: 2, label: 3 } as const;

/** message Label */
export const Label = { key: 1, str: 2, num: 3, numUnit: 4 } as const;

/** message Mapping */
export const Mapping = { id: 1, memoryStart: 2, memoryLimit: 3, fileOffset: 4, filename: 5, buildId: 6 } as const;

/** message Location */
export const Location = { id: 1, mappingId: 2, address: 3, line: 4, isFolded: 5 } as const;

/** message Line */
export const Line = { functionId: 1, line: 2, column: 3 } as const;

/** message Function */
export const Function = { id: 1, name: 2, systemName: 3, filename: 4, startLine: 5 } as const;

/**
 * The wire types a top-level Profile field may arrive with: messages and strings are length-delimited;
 * scalars are varints, and the repeated scalar `comment` may also be packed.
 */
export const PROFILE_FIELD_WIRE: Readonly<Record<number, readonly number[]>> = {
  [Profile.sampleType]: [WIRE_LEN],
  [Profile.sample]: [WIRE_LEN],
  [Profile.mapping]: [WIRE_LEN],
  [Profile.location]: [WIRE_LEN],
  [Profile.function]: [WIRE_LEN],
  [Profile.stringTable]: [WIRE_LEN],
  [Profile.dropFrames]: [WIRE_VARINT],
  [Profile.keepFrames]: [WIRE_VARINT],
  [Profile.timeNanos]: [WIRE_VARINT],
  [Profile.durationNanos]: [WIRE_VARINT],
  [Profile.periodType]: [WIRE_LEN],
  [Profile.period]: [WIRE_VARINT],
  [Profile.comment]: [WIRE_VARINT, WIRE_LEN],
  [Profile.defaultSampleType]: [WIRE_VARINT],
  [Profile.docUrl]: [WIRE_VARINT],
};

/** The first byte of a Sample field's key (field 2, length-delimited): samples come in long runs. */
export const SAMPLE_KEY_BYTE = (Profile.sample << 3) | WIRE_LEN;
