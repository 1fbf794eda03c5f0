// Pass 1 of the aggregating reader: one walk over a profile.proto that remembers where each Sample is
// (its bytes are decoded only in pass 2, accumulate.ts) and decodes the small tables — sample types,
// strings (as byte ranges, decoded on first use), mappings, locations, functions — into flat typed
// arrays. Node identity follows go tool pprof's `-top` at granularity=functions: a node is a function
// name alone; a location without lines, or a line whose function has no name, becomes "[binary]" (the
// mapping's base name) or "<unknown>". drop_frames/keep_frames are resolved here per location, matched
// with re2js (a port of Go's RE2: the same syntax, and linear time, so a hostile pattern cannot hang).

import type { ValueType } from '../../model/profile.js';
import { RE2JS } from 're2js';
import { InputError } from '../input-error.js';
import { readValueType } from './decode.js';
import { Function as FunctionField, Location, Mapping, Profile, SAMPLE_KEY_BYTE, Line } from './schema.js';
import { WIRE_LEN, WIRE_VARINT, WireError, WireReader, decodeUtf8, readMessage, varintAt, varintNext } from './wire.js';

/** Byte ranges [starts[i], ends[i]) of the n Sample messages, in file order. */
export interface SampleSpans {
  starts: Int32Array;
  ends: Int32Array;
  n: number;
}

/** Each location's Lines as node keys, callee first: keysFlat[locKeyStart[l] .. locKeyEnd[l]). */
export interface LocationKeys {
  nLoc: number;
  locKeyStart: Int32Array;
  locKeyEnd: Int32Array;
  keysFlat: Int32Array;
}

/** What pass 2 needs, built once and frozen: the hot loops read it and write nothing into it. */
export interface ProfileTables extends LocationKeys {
  buf: Uint8Array;
  origin: string;
  spans: SampleSpans;
  /** Number of sample types: every Sample carries this many values. */
  T: number;
  sampleTypes: ValueType[];
  defaultSampleType?: string;
  periodType?: ValueType;
  period: bigint;
  /** Node names (pprof's PrintableName at granularity=functions); a node key indexes this. */
  functions: string[];
  /** Location id → location index: a dense table when ids are compact (Go numbers them 1..n), else a Map. */
  idTable?: Int32Array;
  idMap?: Map<number, number>;
  /** Per location: 0 keep, 1 cut the stack beneath it, 2 cut it too (drop_frames); undefined when none. */
  prune?: Uint8Array;
}

/** pprof's simplifyFunc: drop an argument list "(…)" unless the parenthesis opens a reserved name. */
export function simplifyFunc(f: string): string {
  const name = f.startsWith('.') ? f.slice(1) : f;
  const rx = /\(anonymous namespace\)|operator\(\)|\(/g;
  for (let m = rx.exec(name); m; m = rx.exec(name)) {
    if (m[0] === '(') return name.slice(0, m.index);
  }
  return name;
}

function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i >= 0 ? path.slice(i + 1) : path;
}

function pushSpan(s: SampleSpans, start: number, end: number): SampleSpans {
  if (s.n === s.starts.length) {
    const starts = new Int32Array(s.starts.length * 2);
    const ends = new Int32Array(s.starts.length * 2);
    starts.set(s.starts);
    ends.set(s.ends);
    s = { starts, ends, n: s.n };
  }
  s.starts[s.n] = start;
  s.ends[s.n] = end;
  s.n++;
  return s;
}

export function readTables(buf: Uint8Array, origin: string): ProfileTables {
  const r = new WireReader(buf);
  let spans: SampleSpans = { starts: new Int32Array(1024), ends: new Int32Array(1024), n: 0 };
  const strStart: number[] = [];
  const strEnd: number[] = [];
  const sampleTypes: [number, number][] = [];
  let periodType: [number, number] | undefined;
  let period = 0n;
  let defaultSampleType = 0;
  let dropFrames = 0;
  let keepFrames = 0;
  // Locations: id, mapping id, and the function ids of their lines (flattened).
  const locIds: number[] = [];
  const locMapping: number[] = [];
  const locLineStart: number[] = [0];
  const lineFuncIds: number[] = [];
  const funcName = new Map<number, number>();
  const mappingFile = new Map<number, number>();

  const int = (m: WireReader, what: string): number => {
    const v = m.int64();
    if (Number.isNaN(v)) throw new WireError(m.pos, false, `${what} out of range`);
    return v;
  };
  const valueType = () => readValueType(r, int);

  while (r.pos < buf.length) {
    const key = r.tag();
    const field = key >>> 3;
    const wire = key & 7;
    if (field >= Profile.sampleType && field <= Profile.stringTable && wire !== WIRE_LEN)
      throw new WireError(r.pos, false, `field ${field} has wire type ${wire}`);
    switch (field) {
      case Profile.sampleType:
        sampleTypes.push(valueType());
        break;
      case Profile.sample: {
        // Samples are most of a profile's fields (a million in a big one): take a run of them here,
        // without reader calls per field.
        let pos = r.pos;
        for (;;) {
          const n = varintAt(buf, pos, buf.length);
          pos = varintNext;
          if (pos + n > buf.length) throw new WireError(buf.length, true, `field of ${n} bytes at byte ${pos} runs past the end`);
          spans = pushSpan(spans, pos, pos + n);
          pos += n;
          if (pos >= buf.length || buf[pos] !== SAMPLE_KEY_BYTE) break;
          pos++; // the next sample's key
        }
        r.pos = pos;
        break;
      }
      case Profile.mapping: {
        let id = 0;
        let file = 0;
        readMessage(r, (f, w, m) => {
          if (w !== WIRE_VARINT) return false;
          if (f === Mapping.id) id = int(m, 'mapping id');
          else if (f === Mapping.filename) file = int(m, 'string index');
          else return false;
          return true;
        });
        mappingFile.set(id, file);
        break;
      }
      case Profile.location: {
        let id = 0;
        let mapping = 0;
        readMessage(r, (f, w, m) => {
          if (f === Location.line && w === WIRE_LEN) {
            let fn = 0;
            readMessage(m, (lf, lw, lm) => {
              if (lf !== Line.functionId || lw !== WIRE_VARINT) return false;
              fn = int(lm, 'function id');
              return true;
            });
            lineFuncIds.push(fn);
            return true;
          }
          if (w !== WIRE_VARINT) return false;
          if (f === Location.id) id = int(m, 'location id');
          else if (f === Location.mappingId) mapping = int(m, 'mapping id');
          else return false;
          return true;
        });
        if (id === 0) throw new InputError(origin, 'pprof location has id 0 (ids must be nonzero)');
        locIds.push(id);
        locMapping.push(mapping);
        locLineStart.push(lineFuncIds.length);
        break;
      }
      case Profile.function: {
        let id = 0;
        let name = 0;
        readMessage(r, (f, w, m) => {
          if (w !== WIRE_VARINT) return false;
          if (f === FunctionField.id) id = int(m, 'function id');
          else if (f === FunctionField.name) name = int(m, 'string index');
          else return false;
          return true;
        });
        funcName.set(id, name);
        break;
      }
      case Profile.stringTable: {
        const n = r.len();
        strStart.push(r.pos);
        strEnd.push(r.pos + n);
        r.pos += n;
        break;
      }
      case Profile.periodType:
        if (wire === WIRE_LEN) periodType = valueType();
        else r.skip(wire);
        break;
      case Profile.period:
        if (wire === WIRE_VARINT) period = r.int64Big();
        else r.skip(wire);
        break;
      case Profile.dropFrames:
      case Profile.keepFrames:
        if (wire !== WIRE_VARINT) r.skip(wire);
        else if (field === Profile.dropFrames) dropFrames = int(r, 'string index');
        else keepFrames = int(r, 'string index');
        break;
      case Profile.defaultSampleType:
        if (wire === WIRE_VARINT) defaultSampleType = int(r, 'string index');
        else r.skip(wire);
        break;
      default:
        r.skip(wire);
    }
  }
  if (sampleTypes.length === 0 && spans.n === 0) throw new WireError(0, false, 'no sample types and no samples');

  const strCache = new Map<number, string>();
  const str = (i: number, what: string): string => {
    if (i < 0 || i >= strStart.length) throw new InputError(origin, `pprof ${what} refers to string ${i}, but the string table has ${strStart.length} entries`);
    let s = strCache.get(i);
    if (s === undefined) {
      s = decodeUtf8(buf, strStart[i], strEnd[i]);
      strCache.set(i, s);
    }
    return s;
  };
  const vt = ([t, u]: [number, number]): ValueType => ({ type: str(t, 'sample type'), unit: str(u, 'sample unit') });

  // Node keys: one per distinct printable name.
  const keyOf = new Map<string, number>();
  const functions: string[] = [];
  const key = (name: string): number => {
    let k = keyOf.get(name);
    if (k === undefined) {
      k = functions.length;
      functions.push(name);
      keyOf.set(name, k);
    }
    return k;
  };
  const anonymous = (mappingId: number): number => {
    const file = mappingId !== 0 && mappingFile.has(mappingId) ? str(mappingFile.get(mappingId)!, 'mapping file') : '';
    return key(file ? `[${baseName(file)}]` : '<unknown>');
  };

  // Lines flattened per location into node keys, in pprof order (callee first).
  const funcKey = new Map<number, number>();
  const nLoc = locIds.length;
  const locKeyStart = new Int32Array(nLoc + 1);
  const locKeys: number[] = [];
  for (let l = 0; l < nLoc; l++) {
    locKeyStart[l] = locKeys.length;
    const a = locLineStart[l];
    const b = locLineStart[l + 1];
    if (a === b) {
      locKeys.push(anonymous(locMapping[l]));
      continue;
    }
    for (let j = a; j < b; j++) {
      const fid = lineFuncIds[j];
      let k = funcKey.get(fid);
      if (k === undefined) {
        const nameIdx = funcName.get(fid);
        if (nameIdx === undefined) throw new InputError(origin, `pprof location ${locIds[l]} refers to missing function ${fid}`);
        const name = str(nameIdx, 'function name');
        // An unnamed function is named after the location's mapping, so it cannot be cached per function.
        k = name === '' ? -1 : key(name);
        funcKey.set(fid, k);
      }
      locKeys.push(k >= 0 ? k : anonymous(locMapping[l]));
    }
  }
  locKeyStart[nLoc] = locKeys.length;
  const keysFlat = Int32Array.from(locKeys);
  const locKeyEnd = locKeyStart.slice(1);
  const lineName = (l: number, i: number): string => {
    const nameIdx = funcName.get(lineFuncIds[locLineStart[l] + i]);
    return nameIdx === undefined ? '' : str(nameIdx, 'function name');
  };
  const lineCount = (l: number): number => locLineStart[l + 1] - locLineStart[l];
  const framePattern = (index: number, what: string): string => {
    const pattern = str(index, what);
    if (pattern.length > MAX_FRAME_PATTERN_CHARS) {
      throw new InputError(
        origin,
        `pprof ${what} is a pattern of ${pattern.length} characters; heapsight compiles at most ${MAX_FRAME_PATTERN_CHARS} (a longer one takes seconds to minutes)`,
        'cap',
      );
    }
    return pattern;
  };
  const prune =
    dropFrames === 0
      ? undefined
      : pruneLocations(
          framePattern(dropFrames, 'drop_frames'),
          keepFrames === 0 ? '' : framePattern(keepFrames, 'keep_frames'),
          nLoc,
          lineCount,
          lineName,
          locKeyStart,
        );

  let maxId = 0;
  for (const id of locIds) if (id > maxId) maxId = id;
  const dense = maxId <= nLoc * 4 + 1024;
  const idTable = dense ? new Int32Array(maxId + 1).fill(-1) : undefined;
  const idMap = dense ? undefined : new Map<number, number>();
  for (let l = 0; l < nLoc; l++) {
    const id = locIds[l];
    if (idTable ? idTable[id] >= 0 : idMap!.has(id)) throw new InputError(origin, `pprof profile has several locations with id ${id}`);
    if (idTable) idTable[id] = l;
    else idMap!.set(id, l);
  }

  const tables: ProfileTables = {
    buf,
    origin,
    spans,
    T: sampleTypes.length,
    sampleTypes: sampleTypes.map(vt),
    period,
    functions,
    nLoc,
    locKeyStart,
    locKeyEnd,
    keysFlat,
    idTable,
    idMap,
    prune,
  };
  if (defaultSampleType !== 0) tables.defaultSampleType = str(defaultSampleType, 'default sample type');
  if (periodType) tables.periodType = vt(periodType);
  return Object.freeze(tables);
}

/**
 * Longest drop_frames/keep_frames pattern compiled. Matching with re2js is linear in the names, but
 * compiling is not linear in the pattern: 200 KB took 3.6 s and 800 KB 76 s, so a profile under 1 MB
 * could hang `top` (issue 11). The patterns profilers write name a few functions (Go's runtime writes
 * none); 4096 characters is a long alternation of them and compiles in milliseconds.
 */
export const MAX_FRAME_PATTERN_CHARS = 4096;

/**
 * pprof's RemoveUninteresting/Prune for drop_frames (and keep_frames): per location, the caller-most
 * Line whose function matches ^(drop)$ (and not keep) marks it; the Lines from there down to the callee
 * are removed, or the whole location when the caller Line itself matched. Returns per location 0, 1
 * (prune beneath: keep it, cut the stack below it) or 2 (prune: cut it too), and for a prune-beneath
 * location moves locKeyStart past the removed Lines; the per-sample cut happens in the hot loop. A
 * pattern RE2 cannot compile is ignored, as pprof ignores one Go cannot.
 */
function pruneLocations(
  drop: string,
  keep: string,
  nLoc: number,
  lineCount: (l: number) => number,
  lineName: (l: number, i: number) => string,
  locKeyStart: Int32Array,
): Uint8Array | undefined {
  let dropRx: RE2JS;
  let keepRx: RE2JS | undefined;
  try {
    dropRx = RE2JS.compile(`^(${drop})$`);
    if (keep) keepRx = RE2JS.compile(`^(${keep})$`);
  } catch {
    return undefined;
  }
  const flags = new Uint8Array(nLoc);
  let any = false;
  for (let l = 0; l < nLoc; l++) {
    const n = lineCount(l);
    let i = n - 1;
    for (; i >= 0; i--) {
      const name = lineName(l, i);
      if (name === '') continue;
      const simple = simplifyFunc(name);
      if (dropRx.matches(simple) && !(keepRx && keepRx.matches(simple))) break;
    }
    if (i < 0) continue;
    any = true;
    if (i === n - 1) flags[l] = 2;
    else {
      flags[l] = 1;
      locKeyStart[l] += i + 1;
    }
  }
  return any ? flags : undefined;
}
