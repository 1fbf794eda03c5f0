// Reader for pprof's profile.proto (gzip or raw) into the full Profile model. Fields may come in any
// order (Go writes samples before the locations and strings they refer to), so the message is decoded
// into index-based arrays first and resolved into strings and frames once everything is read.
// The non-obvious decision: a value that a JS number cannot hold exactly (beyond ±2^53) is an InputError
// here rather than a rounded number; `top`/`diff` use aggregate.ts, which is exact for any int64.

import type { Frame } from '../../model/frame.js';
import type { Profile, ProfileLocation, ProfileMapping, ProfileSample, ValueType } from '../../model/profile.js';
import { maybeGunzip } from '../gzip.js';
import { InputError, describeBytes } from '../input-error.js';
import { Function as FunctionField, Label, Line, Location, Mapping, Profile as ProfileField, Sample, ValueType as ValueTypeField } from './schema.js';
import { WIRE_LEN, WIRE_VARINT, WireError, WireReader, decodeUtf8, readMessage } from './wire.js';

/**
 * Default cap on a profile's inflated size when the caller gives none (the CLI passes --max-bytes,
 * 48 MiB). 256 MiB like the text readers' cap: at 1 GiB the inflated buffer alone put the process past
 * issue 11's 1 GiB peak RSS before the cap error (a 1.5 GiB gzip of zeros peaked at 1.1 GiB).
 */
export const DEFAULT_MAX_PROFILE_BYTES = 256 * 1024 * 1024;

interface RawFunction {
  name: number;
  systemName: number;
  filename: number;
  startLine: number;
}
interface RawLine {
  functionId: number;
  line: number;
}
interface RawLocation {
  id: number;
  mappingId: number;
  address: bigint;
  lines: RawLine[];
}
interface RawLabel {
  key: number;
  str: number;
  num: number;
}
interface RawSample {
  locationIds: number[];
  values: number[];
  labels: RawLabel[];
}

/** Repeated scalar field: packed (one length-delimited run) or one varint per occurrence. */
function readRepeated(r: WireReader, wire: number, out: number[], read: () => number, what: string): void {
  if (wire === WIRE_LEN) {
    const n = r.len();
    const end = r.pos + n;
    while (r.pos < end) out.push(checked(r, read(), what));
    if (r.pos !== end) throw new WireError(end, false, `packed ${what} overruns its field`);
  } else {
    out.push(checked(r, read(), what));
  }
}

/**
 * A ValueType message at r, as [type, unit] string indices (0 when absent); `int` reads one varint field
 * the way its caller checks range. The full decoder and the tables pass (tables.ts) both read it.
 */
export function readValueType(r: WireReader, int: (m: WireReader, what: string) => number): [number, number] {
  const vt: [number, number] = [0, 0];
  readMessage(r, (f, w, m) => {
    if (w !== WIRE_VARINT || (f !== ValueTypeField.type && f !== ValueTypeField.unit)) return false;
    vt[f - 1] = int(m, 'string index');
    return true;
  });
  return vt;
}

/** Well-formed protobuf, but a value this model cannot hold exactly. */
class OutOfRange extends WireError {}

function checked(r: WireReader, v: number, what: string): number {
  if (Number.isNaN(v)) throw new OutOfRange(r.pos, false, `${what} outside ±2^53 cannot be held exactly (heapsight top/diff are exact for any int64)`);
  return v;
}

/** Decode a pprof profile (gzip or raw protobuf) into the full model. */
export function parsePprof(bytes: Uint8Array, origin: string, opts: { maxBytes?: number } = {}): Profile {
  if (bytes.length === 0) throw new InputError(origin, 'expected a pprof profile (gzip or protobuf), got an empty input');
  const raw = maybeGunzip(bytes, origin, opts.maxBytes ?? DEFAULT_MAX_PROFILE_BYTES);
  try {
    return decodeProfile(raw, origin);
  } catch (err) {
    throw asInputError(err, raw, origin);
  }
}

/** Turn a decoding failure into the one line a user sees: "not a profile" or "truncated at byte N". */
export function asInputError(err: unknown, raw: Uint8Array, origin: string): unknown {
  if (!(err instanceof WireError)) return err;
  if (err instanceof OutOfRange) return new InputError(origin, `pprof ${err.message}, at byte ${err.offset}`);
  const what = describeBytes(raw);
  if (raw.length === 0 || what !== 'binary data') {
    return new InputError(origin, `expected a pprof profile (gzip or protobuf), got ${what}`);
  }
  if (err.truncated) return new InputError(origin, `pprof protobuf truncated at byte ${err.offset} of ${raw.length}`);
  return new InputError(origin, `expected a pprof profile (gzip or protobuf), got malformed protobuf at byte ${err.offset}: ${err.message}`);
}

function decodeProfile(buf: Uint8Array, origin: string): Profile {
  const r = new WireReader(buf);
  const strings: string[] = [];
  const sampleTypes: [number, number][] = [];
  const samples: RawSample[] = [];
  const locations: RawLocation[] = [];
  const functions = new Map<number, RawFunction>();
  const mappings: { id: number; start: bigint; limit: bigint; offset: bigint; filename: number; buildId: number }[] = [];
  const comments: number[] = [];
  let periodType: [number, number] | undefined;
  let period = 0;
  let dropFrames = 0;
  let keepFrames = 0;
  let defaultSampleType = 0;
  let docUrl = 0;
  let timeNanos = 0n;
  let durationNanos = 0n;

  const valueType = () => readValueType(r, (m, what) => checked(m, m.int64(), what));

  while (r.pos < buf.length) {
    const key = r.tag();
    const field = key >>> 3;
    const wire = key & 7;
    if (field >= ProfileField.sampleType && field <= ProfileField.function && wire !== WIRE_LEN)
      throw new WireError(r.pos, false, `field ${field} has wire type ${wire}`);
    switch (field) {
      case ProfileField.sampleType:
        sampleTypes.push(valueType());
        break;
      case ProfileField.sample: {
        const s: RawSample = { locationIds: [], values: [], labels: [] };
        readMessage(r, (f, w, m) => {
          if (f === Sample.locationId) readRepeated(m, w, s.locationIds, () => m.varint(), 'location id');
          else if (f === Sample.value) readRepeated(m, w, s.values, () => m.int64(), 'sample value');
          else if (f === Sample.label && w === WIRE_LEN) {
            const l: RawLabel = { key: 0, str: 0, num: 0 };
            readMessage(m, (lf, lw, lm) => {
              if (lw !== WIRE_VARINT) return false;
              if (lf === Label.key) l.key = checked(lm, lm.int64(), 'string index');
              else if (lf === Label.str) l.str = checked(lm, lm.int64(), 'string index');
              else if (lf === Label.num) l.num = checked(lm, lm.int64(), 'label value');
              else return false;
              return true;
            });
            s.labels.push(l);
          } else return false;
          return true;
        });
        samples.push(s);
        break;
      }
      case ProfileField.mapping: {
        const mp = { id: 0, start: 0n, limit: 0n, offset: 0n, filename: 0, buildId: 0 };
        readMessage(r, (f, w, m) => {
          if (w !== WIRE_VARINT) return false;
          if (f === Mapping.id) mp.id = checked(m, m.varint(), 'mapping id');
          else if (f === Mapping.memoryStart) mp.start = m.varintBig();
          else if (f === Mapping.memoryLimit) mp.limit = m.varintBig();
          else if (f === Mapping.fileOffset) mp.offset = m.varintBig();
          else if (f === Mapping.filename) mp.filename = checked(m, m.int64(), 'string index');
          else if (f === Mapping.buildId) mp.buildId = checked(m, m.int64(), 'string index');
          else return false;
          return true;
        });
        mappings.push(mp);
        break;
      }
      case ProfileField.location: {
        const loc: RawLocation = { id: 0, mappingId: 0, address: 0n, lines: [] };
        readMessage(r, (f, w, m) => {
          if (f === Location.line && w === WIRE_LEN) {
            const line: RawLine = { functionId: 0, line: 0 };
            readMessage(m, (lf, lw, lm) => {
              if (lw !== WIRE_VARINT) return false;
              if (lf === Line.functionId) line.functionId = checked(lm, lm.varint(), 'function id');
              else if (lf === Line.line) line.line = checked(lm, lm.int64(), 'line number');
              else return false;
              return true;
            });
            loc.lines.push(line);
            return true;
          }
          if (w !== WIRE_VARINT) return false;
          if (f === Location.id) loc.id = checked(m, m.varint(), 'location id');
          else if (f === Location.mappingId) loc.mappingId = checked(m, m.varint(), 'mapping id');
          else if (f === Location.address) loc.address = m.varintBig();
          else return false;
          return true;
        });
        locations.push(loc);
        break;
      }
      case ProfileField.function: {
        const fn: RawFunction & { id: number } = { id: 0, name: 0, systemName: 0, filename: 0, startLine: 0 };
        readMessage(r, (f, w, m) => {
          if (w !== WIRE_VARINT) return false;
          if (f === FunctionField.id) fn.id = checked(m, m.varint(), 'function id');
          else if (f === FunctionField.name) fn.name = checked(m, m.int64(), 'string index');
          else if (f === FunctionField.systemName) fn.systemName = checked(m, m.int64(), 'string index');
          else if (f === FunctionField.filename) fn.filename = checked(m, m.int64(), 'string index');
          else if (f === FunctionField.startLine) fn.startLine = checked(m, m.int64(), 'start line');
          else return false;
          return true;
        });
        functions.set(fn.id, fn);
        break;
      }
      case ProfileField.stringTable: {
        if (wire !== WIRE_LEN) throw new WireError(r.pos, false, `string_table has wire type ${wire}`);
        const n = r.len();
        strings.push(decodeUtf8(buf, r.pos, r.pos + n));
        r.pos += n;
        break;
      }
      case ProfileField.dropFrames:
      case ProfileField.keepFrames:
      case ProfileField.timeNanos:
      case ProfileField.durationNanos:
      case ProfileField.period:
      case ProfileField.defaultSampleType:
      case ProfileField.docUrl: {
        if (wire !== WIRE_VARINT) {
          r.skip(wire);
          break;
        }
        if (field === ProfileField.timeNanos || field === ProfileField.durationNanos) {
          const v = r.int64Big();
          if (field === ProfileField.timeNanos) timeNanos = v;
          else durationNanos = v;
          break;
        }
        const v = checked(r, r.int64(), field === ProfileField.period ? 'period' : 'string index');
        if (field === ProfileField.dropFrames) dropFrames = v;
        else if (field === ProfileField.keepFrames) keepFrames = v;
        else if (field === ProfileField.period) period = v;
        else if (field === ProfileField.defaultSampleType) defaultSampleType = v;
        else docUrl = v;
        break;
      }
      case ProfileField.periodType:
        if (wire !== WIRE_LEN) r.skip(wire);
        else periodType = valueType();
        break;
      case ProfileField.comment:
        readRepeated(r, wire, comments, () => r.int64(), 'string index');
        break;
      default:
        r.skip(wire);
    }
  }

  const str = (i: number, what: string): string => {
    if (i < 0 || i >= strings.length) throw new InputError(origin, `pprof ${what} refers to string ${i}, but the string table has ${strings.length} entries`);
    return strings[i];
  };
  if (sampleTypes.length === 0 && samples.length === 0) {
    throw new WireError(0, false, 'no sample types and no samples');
  }
  if (strings.length > 0 && strings[0] !== '') throw new InputError(origin, 'pprof string_table[0] must be the empty string');

  const vt = ([t, u]: [number, number]): ValueType => ({ type: str(t, 'sample type'), unit: str(u, 'sample unit') });
  const mappingIndex = new Map<number, number>();
  const outMappings: ProfileMapping[] = mappings.map((m, i) => {
    mappingIndex.set(m.id, i);
    return {
      id: m.id,
      memoryStart: m.start,
      memoryLimit: m.limit,
      fileOffset: m.offset,
      file: str(m.filename, 'mapping file'),
      buildId: str(m.buildId, 'mapping build id'),
    };
  });
  const locIndex = new Map<number, number>();
  const outLocations: ProfileLocation[] = locations.map((l, i) => {
    if (l.id === 0) throw new InputError(origin, 'pprof location has id 0 (ids must be nonzero)');
    locIndex.set(l.id, i);
    const lines: Frame[] = l.lines.map((line) => {
      const fn = functions.get(line.functionId);
      if (!fn) throw new InputError(origin, `pprof location ${l.id} refers to missing function ${line.functionId}`);
      return { function: str(fn.name, 'function name'), file: str(fn.filename, 'function file'), line: line.line };
    });
    const out: ProfileLocation = { address: l.address, lines };
    if (l.mappingId !== 0) {
      const mi = mappingIndex.get(l.mappingId);
      if (mi !== undefined) out.mapping = mi;
    }
    return out;
  });
  const nTypes = sampleTypes.length;
  const outSamples: ProfileSample[] = samples.map((s) => {
    if (s.values.length !== nTypes) {
      throw new InputError(origin, `pprof sample has ${s.values.length} values for ${nTypes} sample types`);
    }
    const out: ProfileSample = {
      locations: s.locationIds.map((id) => {
        const i = locIndex.get(id);
        if (i === undefined) throw new InputError(origin, `pprof sample refers to missing location ${id}`);
        return i;
      }),
      values: s.values,
    };
    for (const l of s.labels) {
      const k = str(l.key, 'label key');
      if (l.str !== 0) (out.labels ??= {})[k] = str(l.str, 'label value');
      else (out.numLabels ??= {})[k] = l.num;
    }
    return out;
  });

  const profile: Profile = {
    sampleTypes: sampleTypes.map(vt),
    period,
    timeNanos,
    durationNanos,
    locations: outLocations,
    samples: outSamples,
    comments: comments.map((c) => str(c, 'comment')),
  };
  if (defaultSampleType !== 0) profile.defaultSampleType = str(defaultSampleType, 'default sample type');
  if (periodType) profile.periodType = vt(periodType);
  if (dropFrames !== 0) profile.dropFrames = str(dropFrames, 'drop_frames');
  if (keepFrames !== 0) profile.keepFrames = str(keepFrames, 'keep_frames');
  if (docUrl !== 0) profile.docUrl = str(docUrl, 'doc_url');
  if (outMappings.length) profile.mappings = outMappings;
  return profile;
}

/**
 * Which sample type pprof shows by default: default_sample_type when set, else the last one.
 * `index` may be a sample type name or a number, as pprof's -sample_index accepts.
 */
export function chooseSampleIndex(sampleTypes: ValueType[], defaultSampleType: string | undefined, index: string | undefined, origin: string): number {
  if (sampleTypes.length === 0) throw new InputError(origin, 'pprof profile has no sample types');
  const names = sampleTypes.map((t) => t.type).join(', ');
  if (index === undefined || index === '') {
    if (defaultSampleType) {
      const i = sampleTypes.findIndex((t) => t.type === defaultSampleType);
      if (i >= 0) return i;
    }
    return sampleTypes.length - 1;
  }
  if (/^\d+$/.test(index)) {
    const n = Number(index);
    if (n >= sampleTypes.length) throw new InputError(origin, `sample index ${n} out of range: the profile has ${sampleTypes.length} sample types (${names})`);
    return n;
  }
  // As pprof: "inuse_space" also selects a legacy profile's "space".
  const noInuse = index.replace(/^inuse_/, '');
  const i = sampleTypes.findIndex((t) => t.type === index || t.type === noInuse);
  if (i < 0) throw new InputError(origin, `sample index ${JSON.stringify(index)} not in the profile's sample types (${names})`);
  return i;
}
