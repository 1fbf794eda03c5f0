// Fast, exact per-function flat/cum totals for `heapsight top` and `diff`, computed while the protobuf
// is decoded: no object per sample, no string until the end. Semantics are go tool pprof's `-top` at
// granularity=functions (internal/graph CreateNodes/newGraph after Profile.Aggregate):
//   * a node is identified by function name alone (file, line and address are aggregated away);
//     a location without lines, or a line whose function has no name, becomes "[binary]" (the mapping's
//     base name) or "<unknown>";
//   * each Line of a Location is a frame (callee first, caller last); the leaf — the first Line of the
//     first Location — gets the sample's value as flat; every node on the stack gets it once as cum;
//   * total = Σ|value| over samples merged by stack and labels, as pprof's computeTotal after
//     profile.Merge (the denominator of flat% / cum%);
//   * rows are marked "(inline)" / "(partial-inline)" from the kinds of call edges into them.
// The non-obvious decision: sums are kept as a float64 part that stays below 2^52 (so every add of a
// value below 2^49 is exact) plus a BigInt overflow that is touched only when the float part would pass
// that bound or a value is itself large (or a negative int64, which is a 10-byte varint). That is exact
// for any int64 while the hot loop stays on doubles.
// `top` and `diff` ask for one sample type; that common case runs accumulateOne, a leaner copy of the
// general loop (accumulateSamples), and a test holds the two to the same answers.
// drop_frames/keep_frames prune stacks as pprof's RemoveUninteresting does, matched with re2js, a port
// of Go's RE2: the same syntax, and linear time, so a pattern in a hostile profile cannot hang `top`
// (as a backtracking JS RegExp did on `(a+)+$`).

import type { FunctionTotals, ProfileTop, ValueType } from '../model/profile.js';
import { maybeGunzip } from './gzip.js';
import { RE2JS } from 're2js';
import { InputError } from './input-error.js';
import { DEFAULT_MAX_PROFILE_BYTES, asInputError, chooseSampleIndex } from './pprof.js';
import { WIRE_LEN, WireError, WireReader, decodeUtf8 } from './protobuf-wire.js';

const LIMIT = 2 ** 52;
const SMALL = 2 ** 49;
const BIG_SMALL = BigInt(SMALL);
/** accumulateOne's code for a location id that no Location has. */
const MISSING = -0x7fffffff;

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
  flat: ExactSums;
  cum: ExactSums;
  /**
   * Per slot (as flat/cum), how the function was reached in samples with a nonzero value: bit 1 it has
   * a caller edge that was always inlined, bit 2 one that was a real call. pprof marks rows "(inline)"
   * (1) or "(partial-inline)" (3).
   */
  calls: Uint8Array;
  /** Per sample type: Σ|v| (pprof's total) and Σv; only the accumulated types are filled in. */
  absTotal: ExactSums;
  total: ExactSums;
}

/** Slot of function f's flat/cum for sample type t; throws if t was not accumulated. */
export function slotOf(agg: PprofAggregate, f: number, t: number): number {
  const j = agg.accumulated.indexOf(t);
  if (j < 0) throw new Error(`sample type ${t} was not aggregated`);
  return f * agg.accumulated.length + j;
}

/** pprof's simplifyFunc: drop an argument list "(…)" unless the parenthesis opens a reserved name. */
function simplifyFunc(f: string): string {
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

interface SampleSpan {
  starts: Int32Array;
  ends: Int32Array;
  n: number;
}

function pushSpan(s: SampleSpan, start: number, end: number): SampleSpan {
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
  const r = new WireReader(buf);
  // Pass 1: remember where samples and strings are; decode the small tables.
  let spans: SampleSpan = { starts: new Int32Array(1024), ends: new Int32Array(1024), n: 0 };
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
  const readMessage = (rr: WireReader, onField: (f: number, w: number, m: WireReader) => boolean): void => {
    const n = rr.len();
    const end = rr.pos + n;
    const sub = new WireReader(buf, rr.pos, end);
    while (sub.pos < end) {
      const key = sub.tag();
      if (!onField(key >>> 3, key & 7, sub)) sub.skip(key & 7);
    }
    rr.pos = end;
  };
  const valueType = (): [number, number] => {
    const vt: [number, number] = [0, 0];
    readMessage(r, (f, w, m) => {
      if (w !== 0 || (f !== 1 && f !== 2)) return false;
      vt[f - 1] = int(m, 'string index');
      return true;
    });
    return vt;
  };

  while (r.pos < buf.length) {
    const key = r.tag();
    const field = key >>> 3;
    const wire = key & 7;
    if (field >= 1 && field <= 6 && wire !== WIRE_LEN) throw new WireError(r.pos, false, `field ${field} has wire type ${wire}`);
    switch (field) {
      case 1:
        sampleTypes.push(valueType());
        break;
      case 2: {
        // Samples are most of a profile's fields (a million in a big one): take a run of them here,
        // without reader calls per field. A length over 4 varint bytes goes through r.len() instead.
        let pos = r.pos;
        for (;;) {
          let n = 0;
          let i = 0;
          let b = 0x80;
          for (let mul = 1; i < 4 && b >= 0x80 && pos + i < buf.length; i++, mul *= 128) {
            b = buf[pos + i];
            n += (b & 0x7f) * mul;
          }
          if (b >= 0x80) {
            r.pos = pos;
            n = r.len();
            pos = r.pos;
          } else {
            pos += i;
            if (pos + n > buf.length) throw new WireError(buf.length, true, `field of ${n} bytes at byte ${pos} runs past the end`);
          }
          spans = pushSpan(spans, pos, pos + n);
          pos += n;
          if (pos >= buf.length || buf[pos] !== 0x12) break;
          pos++; // the next sample's key
        }
        r.pos = pos;
        break;
      }
      case 3: {
        let id = 0;
        let file = 0;
        readMessage(r, (f, w, m) => {
          if (w !== 0) return false;
          if (f === 1) id = int(m, 'mapping id');
          else if (f === 5) file = int(m, 'string index');
          else return false;
          return true;
        });
        mappingFile.set(id, file);
        break;
      }
      case 4: {
        let id = 0;
        let mapping = 0;
        readMessage(r, (f, w, m) => {
          if (f === 4 && w === WIRE_LEN) {
            let fn = 0;
            readMessage(m, (lf, lw, lm) => {
              if (lf !== 1 || lw !== 0) return false;
              fn = int(lm, 'function id');
              return true;
            });
            lineFuncIds.push(fn);
            return true;
          }
          if (w !== 0) return false;
          if (f === 1) id = int(m, 'location id');
          else if (f === 2) mapping = int(m, 'mapping id');
          else return false;
          return true;
        });
        if (id === 0) throw new InputError(origin, 'pprof location has id 0 (ids must be nonzero)');
        locIds.push(id);
        locMapping.push(mapping);
        locLineStart.push(lineFuncIds.length);
        break;
      }
      case 5: {
        let id = 0;
        let name = 0;
        readMessage(r, (f, w, m) => {
          if (w !== 0) return false;
          if (f === 1) id = int(m, 'function id');
          else if (f === 2) name = int(m, 'string index');
          else return false;
          return true;
        });
        funcName.set(id, name);
        break;
      }
      case 6: {
        const n = r.len();
        strStart.push(r.pos);
        strEnd.push(r.pos + n);
        r.pos += n;
        break;
      }
      case 11:
        if (wire === WIRE_LEN) periodType = valueType();
        else r.skip(wire);
        break;
      case 12:
        if (wire === 0) period = r.int64Big();
        else r.skip(wire);
        break;
      case 7:
      case 8:
        if (wire !== 0) r.skip(wire);
        else if (field === 7) dropFrames = int(r, 'string index');
        else keepFrames = int(r, 'string index');
        break;
      case 14:
        if (wire === 0) defaultSampleType = int(r, 'string index');
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
  const funcKey = new Map<number, number>();
  const nLoc = locIds.length;
  /**
   * pprof's RemoveUninteresting/Prune for drop_frames (and keep_frames): per location, the caller-most
   * Line whose function matches ^(drop)$ (and not keep) marks it; the Lines from there down to the
   * callee are removed, or the whole location when the caller Line itself matched. Returns per location
   * 0, 1 (prune beneath: keep it, cut the stack below it) or 2 (prune: cut it too); the per-sample cut
   * happens in the hot loop. A pattern RE2 cannot compile is ignored, as pprof ignores one Go cannot.
   */
  const pruneLocations = (drop: string, keep: string): Uint8Array | undefined => {
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
      const a = locLineStart[l];
      const b = locLineStart[l + 1];
      let i = b - a - 1;
      for (; i >= 0; i--) {
        const nameIdx = funcName.get(lineFuncIds[a + i]);
        const name = nameIdx === undefined ? '' : str(nameIdx, 'function name');
        if (name === '') continue;
        const simple = simplifyFunc(name);
        if (dropRx.matches(simple) && !(keepRx && keepRx.matches(simple))) break;
      }
      if (i < 0) continue;
      any = true;
      if (i === b - a - 1) flags[l] = 2;
      else {
        flags[l] = 1;
        locKeyStart[l] += i + 1;
      }
    }
    return any ? flags : undefined;
  };
  // Lines flattened per location into node keys, in pprof order (callee first).
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
  const prune = dropFrames === 0 ? undefined : pruneLocations(str(dropFrames, 'drop_frames'), keepFrames === 0 ? '' : str(keepFrames, 'keep_frames'));

  // Location id → index: a dense table when ids are compact (Go numbers them 1..n), else a Map.
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

  const T = sampleTypes.length;
  const nKeys = functions.length;
  const accumulated =
    opts.sampleIndex === undefined
      ? sampleTypes.map((_, i) => i)
      : [chooseSampleIndex(sampleTypes.map(vt), defaultSampleType ? str(defaultSampleType, 'default sample type') : undefined, opts.sampleIndex, origin)];
  const sel = Int32Array.from(accumulated);
  const flat = new ExactSums(nKeys * sel.length);
  const cum = new ExactSums(nKeys * sel.length);
  const absTotal = new ExactSums(T);
  const total = new ExactSums(T);
  const callTables = buildCallTables(nKeys, nLoc, locKeyStart, locKeyEnd, keysFlat, sel.length);
  const one = sel.length === 1 && prune === undefined;
  const sawNegative = one
    ? accumulateOne(buf, spans, T, idTable, idMap, locKeyStart, locKeyEnd, keysFlat, nKeys, sel[0], callTables, flat, cum, total, origin)
    : accumulateSamples(buf, spans, T, idTable, idMap, locKeyStart, locKeyEnd, keysFlat, prune, nKeys, sel, callTables, flat, cum, total, absTotal, origin);

  const out: PprofAggregate = {
    accumulated,
    calls: callMarkers(callTables, nLoc, locKeyStart, locKeyEnd, keysFlat, sel.length),
    absTotal: sawNegative ? mergedAbsTotals(buf, spans, T) : one ? total : absTotal,
    sampleTypes: sampleTypes.map(vt),
    period,
    sampleCount: spans.n,
    functions,
    flat,
    cum,
    total,
  };
  if (defaultSampleType !== 0) out.defaultSampleType = str(defaultSampleType, 'default sample type');
  if (periodType) out.periodType = vt(periodType);
  return out;
}

/**
 * What pprof's "(inline)" markers need, kept off the hot path. An edge caller→callee is inline only if
 * every counted occurrence was inlined (the callee a Line other than the last of its Location, the
 * caller the next Line). Inlined pairs are static per Location, so only real calls are watched while
 * decoding: a flag per callee, and, for the few callees that are inlined somewhere, whether the call
 * came from a caller they are also inlined into (settled per sample by settleCalls).
 */
interface CallTables {
  candidate: Uint8Array;
  /** CSR: the callers function k is inlined into are intraParents[intraStart[k] .. intraStart[k+1]). */
  intraStart: Int32Array;
  intraParents: Int32Array;
  crossSeen: Uint8Array;
  noinline: Uint8Array;
  usedLoc: Uint8Array;
}

function buildCallTables(
  nKeys: number,
  nLoc: number,
  locKeyStart: Int32Array,
  locKeyEnd: Int32Array,
  keysFlat: Int32Array,
  nSel: number,
): CallTables {
  const parents = new Map<number, Set<number>>();
  let multiLine = false;
  for (let l = 0; l < nLoc; l++) {
    for (let j = locKeyStart[l]; j < locKeyEnd[l] - 1; j++) {
      multiLine = true;
      const c = keysFlat[j];
      const p = keysFlat[j + 1];
      if (c === p) continue;
      let set = parents.get(c);
      if (!set) parents.set(c, (set = new Set()));
      set.add(p);
    }
  }
  const candidate = new Uint8Array(nKeys);
  const intraStart = new Int32Array(nKeys + 1);
  const flatParents: number[] = [];
  for (let k = 0; k < nKeys; k++) {
    intraStart[k] = flatParents.length;
    const set = parents.get(k);
    if (set) {
      candidate[k] = 1;
      for (const p of set) flatParents.push(p);
    }
  }
  intraStart[nKeys] = flatParents.length;
  return {
    candidate,
    intraStart,
    intraParents: Int32Array.from(flatParents),
    crossSeen: new Uint8Array(flatParents.length * nSel),
    noinline: new Uint8Array(nKeys * nSel),
    usedLoc: new Uint8Array(multiLine ? nLoc * nSel : 0),
  };
}

function callMarkers(
  t: CallTables,
  nLoc: number,
  locKeyStart: Int32Array,
  locKeyEnd: Int32Array,
  keysFlat: Int32Array,
  nSel: number,
): Uint8Array {
  const out = new Uint8Array(t.noinline.length);
  for (let i = 0; i < out.length; i++) if (t.noinline[i]) out[i] = 2;
  if (t.usedLoc.length === 0) return out;
  for (let l = 0; l < nLoc; l++) {
    for (let j = locKeyStart[l]; j < locKeyEnd[l] - 1; j++) {
      const c = keysFlat[j];
      const p = keysFlat[j + 1];
      if (c === p) continue;
      let x = t.intraStart[c];
      while (t.intraParents[x] !== p) x++;
      for (let q = 0; q < nSel; q++) {
        if (t.usedLoc[l * nSel + q] === 1 && t.crossSeen[x * nSel + q] === 0) out[c * nSel + q] |= 1;
      }
    }
  }
  for (let c = 0; c < t.candidate.length; c++) {
    for (let x = t.intraStart[c]; x < t.intraStart[c + 1]; x++) {
      for (let q = 0; q < nSel; q++) if (t.crossSeen[x * nSel + q] === 1) out[c * nSel + q] |= 2;
    }
  }
  return out;
}

/**
 * Pass 2, the hot loop: every sample's stack and values into flat/cum, for the selected sample types
 * only (one for `top`: several times less work than all four). A top-level function taking its tables
 * as parameters rather than a closure over aggregateRaw's locals. Returns whether any value was negative.
 */
function accumulateSamples(
  buf: Uint8Array,
  spans: SampleSpan,
  T: number,
  idTable: Int32Array | undefined,
  idMap: Map<number, number> | undefined,
  locKeyStart: Int32Array,
  locKeyEnd: Int32Array,
  keysFlat: Int32Array,
  prune: Uint8Array | undefined,
  nKeys: number,
  sel: Int32Array,
  calls: CallTables,
  flat: ExactSums,
  cum: ExactSums,
  total: ExactSums,
  absTotal: ExactSums,
  origin: string,
): boolean {
  const { candidate, intraStart, intraParents, crossSeen, noinline, usedLoc } = calls;
  const stamp = new Int32Array(nKeys).fill(-1);
  let locScratch = new Int32Array(256);
  const vals = new Float64Array(T);
  const bigVals: (bigint | undefined)[] = new Array(T);
  const { starts, ends } = spans;
  let sawNegative = false;
  const nSel = sel.length;
  const sv = new Float64Array(nSel);
  const counted = new Uint8Array(nSel);
  let evX = new Int32Array(16);
  let evI = new Int32Array(16);
  let nEv = 0;
  const flatNum = flat.num;
  const cumNum = cum.num;

  // Pass 2: samples. Location ids and values may be packed or not, in either order.
  for (let s = 0; s < spans.n; s++) {
    let pos = starts[s];
    const end = ends[s];
    let nLocs = 0;
    let nVals = 0;
    let anyBig = false;
    while (pos < end) {
      // Tag (always one byte for fields 1-3).
      const tag = buf[pos++];
      if (tag >= 0x80) {
        const k = new WireReader(buf, pos - 1, end);
        const kk = k.tag();
        k.skip(kk & 7);
        pos = k.pos;
        continue;
      }
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 1 || field === 2) {
        let runEnd: number;
        if (wire === WIRE_LEN) {
          let n = 0;
          let mul = 1;
          for (;;) {
            if (pos >= end) throw new WireError(pos, true, 'sample runs past its end');
            const b = buf[pos++];
            n += (b & 0x7f) * mul;
            if (b < 0x80) break;
            mul *= 128;
          }
          runEnd = pos + n;
          if (runEnd > end) throw new WireError(end, true, 'packed field runs past its sample');
        } else if (wire === 0) {
          runEnd = -1; // exactly one varint
        } else {
          throw new WireError(pos - 1, false, `sample field ${field} has wire type ${wire}`);
        }
        do {
          // Varint; fast path for ≤ 7 bytes (< 2^49), which covers ids and most values.
          const vStart = pos;
          let v = 0;
          let mul = 1;
          let len = 0;
          for (;;) {
            if (pos >= end) throw new WireError(pos, true, 'varint runs past its sample');
            const b = buf[pos++];
            len++;
            v += (b & 0x7f) * mul;
            if (b < 0x80) break;
            if (len === 10) throw new WireError(pos, false, 'varint longer than 10 bytes');
            mul *= 128;
          }
          if (field === 1) {
            if (len > 7) throw new WireError(vStart, false, 'location id out of range');
            let li: number;
            if (idTable) li = v < idTable.length ? idTable[v] : -1;
            else li = idMap!.get(v) ?? -1;
            if (li < 0) throw new InputError(origin, `pprof sample refers to missing location ${v}`);
            if (nLocs === locScratch.length) {
              const g = new Int32Array(nLocs * 2);
              g.set(locScratch);
              locScratch = g;
            }
            locScratch[nLocs++] = li;
          } else {
            if (nVals >= T) throw new InputError(origin, `pprof sample has more values than its ${T} sample types`);
            if (len <= 7) {
              vals[nVals] = v;
              bigVals[nVals] = undefined;
            } else {
              const big = BigInt.asIntN(64, new WireReader(buf, vStart, end).varintBig());
              if (big >= -BIG_SMALL && big <= BIG_SMALL) {
                vals[nVals] = Number(big);
                bigVals[nVals] = undefined;
              } else {
                vals[nVals] = 0;
                bigVals[nVals] = big;
                anyBig = true;
              }
            }
            nVals++;
          }
        } while (runEnd >= 0 && pos < runEnd);
        if (runEnd >= 0 && pos !== runEnd) throw new WireError(runEnd, false, 'packed field overruns');
      } else {
        const k = new WireReader(buf, pos, end);
        k.skip(wire);
        pos = k.pos;
      }
    }
    if (nVals !== T) throw new InputError(origin, `pprof sample has ${nVals} values for ${T} sample types`);

    for (let t = 0; t < T; t++) {
      const bv = bigVals[t];
      if (bv !== undefined) {
        if (bv < 0n) sawNegative = true;
        total.addBig(t, bv);
        absTotal.addBig(t, bv < 0n ? -bv : bv);
      } else {
        const v = vals[t];
        if (v < 0) sawNegative = true;
        total.add(t, v);
        absTotal.add(t, v < 0 ? -v : v);
      }
    }
    // Values of the accumulated types; a sample whose selected values are all 0 adds nothing.
    let allZero = true;
    let selBig = false;
    for (let j = 0; j < nSel; j++) {
      const t = sel[j];
      const bv = bigVals[t];
      if (bv !== undefined) {
        selBig = true;
        allZero = false;
        sv[j] = 0;
      } else {
        sv[j] = vals[t];
        if (sv[j] !== 0) allZero = false;
      }
    }
    let first = 0;
    if (prune !== undefined) {
      // Scan from the root; never cut above the first frame that is not pruned (pprof's foundUser).
      let foundUser = false;
      for (let i = nLocs - 1; i >= 0; i--) {
        const f = prune[locScratch[i]];
        if (f === 0) {
          foundUser = true;
          continue;
        }
        if (!foundUser) continue;
        first = f === 2 ? i + 1 : i;
        break;
      }
    }
    if (allZero || nLocs === first) continue;
    nEv = 0;
    for (let q = 0; q < nSel; q++) counted[q] = sv[q] !== 0 || (selBig && bigVals[sel[q]] !== undefined) ? 1 : 0;
    let child = -1;
    let childInline = false;
    for (let i = first; i < nLocs; i++) {
      const l = locScratch[i];
      const ka = locKeyStart[l];
      const kb = locKeyEnd[l];
      if (kb - ka > 1) for (let q = 0; q < nSel; q++) if (counted[q] === 1) usedLoc[l * nSel + q] = 1;
      for (let j = ka; j < kb; j++) {
        const k = keysFlat[j];
        const o = k * nSel;
        // This frame is the caller of the previous one: record how the callee was reached (pprof's edge
        // is inline when the callee is not the last Line of its Location; self-edges do not count).
        if (child >= 0 && !childInline && child !== k) {
          // A real call from this frame's function into the previous frame's one. When the callee is
          // also inlined into this caller elsewhere, which kind counts is settled after the sample.
          let x = -1;
          if (candidate[child] === 1) {
            for (let y = intraStart[child]; y < intraStart[child + 1]; y++) {
              if (intraParents[y] === k) {
                x = y;
                break;
              }
            }
          }
          if (x < 0) {
            const co = child * nSel;
            for (let q = 0; q < nSel; q++) if (counted[q] === 1) noinline[co + q] = 1;
          } else {
            if (nEv === evX.length) {
              const gx = new Int32Array(nEv * 2);
              gx.set(evX);
              evX = gx;
              const gi = new Int32Array(nEv * 2);
              gi.set(evI);
              evI = gi;
            }
            evX[nEv] = x;
            evI[nEv] = i - 1;
            nEv++;
          }
        }
        child = k;
        childInline = j !== kb - 1;
        if (i === first && j === ka) {
          for (let q = 0; q < nSel; q++) {
            const x = flatNum[o + q] + sv[q];
            if (x > LIMIT || x < -LIMIT) flat.add(o + q, sv[q]);
            else flatNum[o + q] = x;
          }
          if (selBig) for (let q = 0; q < nSel; q++) if (bigVals[sel[q]] !== undefined) flat.addBig(o + q, bigVals[sel[q]]!);
        }
        if (stamp[k] === s) continue;
        stamp[k] = s;
        for (let q = 0; q < nSel; q++) {
          const x = cumNum[o + q] + sv[q];
          if (x > LIMIT || x < -LIMIT) cum.add(o + q, sv[q]);
          else cumNum[o + q] = x;
        }
        if (selBig) for (let q = 0; q < nSel; q++) if (bigVals[sel[q]] !== undefined) cum.addBig(o + q, bigVals[sel[q]]!);
      }
    }
    if (nEv > 0) settleCalls(calls, evX, evI, nEv, locScratch, nLocs, locKeyStart, locKeyEnd, keysFlat, counted, nSel);
  }
  return sawNegative;
}

/**
 * The hot loop for the common case — one sample type (`top`, `diff`) and no drop_frames — with less
 * work per frame than accumulateSamples: a location id maps straight to its node key through one
 * table (multi-line locations are coded as −(index+1)), values are scalars rather than per-type arrays,
 * and only the selected type's total is kept (Σ|v| equals it unless a value is negative, and then
 * mergedAbsTotals recomputes it anyway). Same semantics as accumulateSamples with nSel = 1; the oracle
 * tests run both. Returns whether the selected type had a negative value.
 */
function accumulateOne(
  buf: Uint8Array,
  spans: SampleSpan,
  T: number,
  idTable: Int32Array | undefined,
  idMap: Map<number, number> | undefined,
  locKeyStart: Int32Array,
  locKeyEnd: Int32Array,
  keysFlat: Int32Array,
  nKeys: number,
  selT: number,
  calls: CallTables,
  flat: ExactSums,
  cum: ExactSums,
  total: ExactSums,
  origin: string,
): boolean {
  const { candidate, intraStart, intraParents, noinline, usedLoc } = calls;
  // Location index → code: the node key of a one-line location, or −(index+1) for any other.
  const nLoc = locKeyStart.length - 1;
  const locCode = new Int32Array(nLoc);
  for (let l = 0; l < nLoc; l++) locCode[l] = locKeyEnd[l] - locKeyStart[l] === 1 ? keysFlat[locKeyStart[l]] : -(l + 1);
  // Location id → code directly, so a frame costs one table read before its key is known.
  let idCode: Int32Array | undefined;
  if (idTable) {
    idCode = new Int32Array(idTable.length);
    for (let id = 0; id < idTable.length; id++) idCode[id] = idTable[id] < 0 ? MISSING : locCode[idTable[id]];
  }
  const stamp = new Int32Array(nKeys).fill(-1);
  let scratch = new Int32Array(256);
  const { starts, ends } = spans;
  let sawNegative = false;
  let evX = new Int32Array(16);
  let evI = new Int32Array(16);
  const counted = new Uint8Array([1]);
  const flatNum = flat.num;
  const cumNum = cum.num;
  let totalNum = 0;

  for (let s = 0; s < spans.n; s++) {
    let pos = starts[s];
    const end = ends[s];
    let nLocs = 0;
    let nVals = 0;
    let v = 0;
    let vBig: bigint | undefined;
    while (pos < end) {
      const tag = buf[pos++];
      if (tag >= 0x80) {
        const k = new WireReader(buf, pos - 1, end);
        const kk = k.tag();
        k.skip(kk & 7);
        pos = k.pos;
        continue;
      }
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field !== 1 && field !== 2) {
        const k = new WireReader(buf, pos, end);
        k.skip(wire);
        pos = k.pos;
        continue;
      }
      let runEnd: number;
      if (wire === WIRE_LEN) {
        let n = 0;
        let mul = 1;
        for (;;) {
          if (pos >= end) throw new WireError(pos, true, 'sample runs past its end');
          const b = buf[pos++];
          n += (b & 0x7f) * mul;
          if (b < 0x80) break;
          mul *= 128;
        }
        runEnd = pos + n;
        if (runEnd > end) throw new WireError(end, true, 'packed field runs past its sample');
      } else if (wire === 0) {
        runEnd = -1; // exactly one varint
      } else {
        throw new WireError(pos - 1, false, `sample field ${field} has wire type ${wire}`);
      }
      if (field === 1) {
        do {
          // A location id longer than 7 bytes (≥ 2^49) is out of range, as in accumulateSamples.
          if (pos >= end) throw new WireError(pos, true, 'varint runs past its sample');
          let b = buf[pos++];
          let id = b & 0x7f;
          if (b >= 0x80) {
            let mul = 128;
            for (let len = 1; ; len++) {
              if (pos >= end) throw new WireError(pos, true, 'varint runs past its sample');
              if (len === 7) throw new WireError(pos, false, 'location id out of range');
              b = buf[pos++];
              id += (b & 0x7f) * mul;
              if (b < 0x80) break;
              mul *= 128;
            }
          }
          let code: number;
          if (idCode) code = id < idCode.length ? idCode[id] : MISSING;
          else {
            const li = idMap!.get(id);
            code = li === undefined ? MISSING : locCode[li];
          }
          if (code === MISSING) throw new InputError(origin, `pprof sample refers to missing location ${id}`);
          if (nLocs === scratch.length) {
            const g = new Int32Array(nLocs * 2);
            g.set(scratch);
            scratch = g;
          }
          scratch[nLocs++] = code;
        } while (runEnd >= 0 && pos < runEnd);
      } else {
        do {
          const vStart = pos;
          let x = 0;
          let mul = 1;
          let len = 0;
          for (;;) {
            if (pos >= end) throw new WireError(pos, true, 'varint runs past its sample');
            const b = buf[pos++];
            len++;
            x += (b & 0x7f) * mul;
            if (b < 0x80) break;
            if (len === 10) throw new WireError(pos, false, 'varint longer than 10 bytes');
            mul *= 128;
          }
          if (nVals >= T) throw new InputError(origin, `pprof sample has more values than its ${T} sample types`);
          if (nVals === selT) {
            if (len <= 7) {
              v = x;
            } else {
              const big = BigInt.asIntN(64, new WireReader(buf, vStart, end).varintBig());
              if (big >= -BIG_SMALL && big <= BIG_SMALL) v = Number(big);
              else vBig = big;
            }
          }
          nVals++;
        } while (runEnd >= 0 && pos < runEnd);
      }
      if (runEnd >= 0 && pos !== runEnd) throw new WireError(runEnd, false, 'packed field overruns');
    }
    if (nVals !== T) throw new InputError(origin, `pprof sample has ${nVals} values for ${T} sample types`);

    if (vBig !== undefined) {
      if (vBig < 0n) sawNegative = true;
      total.addBig(selT, vBig);
    } else if (v !== 0) {
      if (v < 0) sawNegative = true;
      const x = totalNum + v;
      if (x > LIMIT || x < -LIMIT) {
        total.addBig(selT, BigInt(totalNum));
        totalNum = v;
      } else {
        totalNum = x;
      }
    } else {
      continue; // a zero value adds nothing to any node
    }
    if (nLocs === 0) continue;

    // Flat: the first Line of the first Location (the leaf).
    const leaf = scratch[0] >= 0 ? scratch[0] : keysFlat[locKeyStart[-scratch[0] - 1]];
    if (vBig !== undefined) flat.addBig(leaf, vBig);
    else {
      const x = flatNum[leaf] + v;
      if (x > LIMIT || x < -LIMIT) flat.add(leaf, v);
      else flatNum[leaf] = x;
    }
    let nEv = 0;
    let child = -1;
    let childInline = false;
    for (let i = 0; i < nLocs; i++) {
      const code = scratch[i];
      // One Line per Location is the common case; the loop below covers several (inlined calls).
      let ka = 0;
      let kb = 1;
      if (code < 0) {
        const l = -code - 1;
        ka = locKeyStart[l];
        kb = locKeyEnd[l];
        usedLoc[l] = 1;
      }
      for (let j = ka; j < kb; j++) {
        const k = code >= 0 ? code : keysFlat[j];
        // As in accumulateSamples: a real call from this frame into the previous one.
        if (child !== k && child >= 0 && !childInline) {
          let x = -1;
          if (candidate[child] === 1) {
            for (let y = intraStart[child]; y < intraStart[child + 1]; y++) {
              if (intraParents[y] === k) {
                x = y;
                break;
              }
            }
          }
          if (x < 0) {
            noinline[child] = 1;
          } else {
            if (nEv === evX.length) {
              const gx = new Int32Array(nEv * 2);
              gx.set(evX);
              evX = gx;
              const gi = new Int32Array(nEv * 2);
              gi.set(evI);
              evI = gi;
            }
            evX[nEv] = x;
            evI[nEv] = i - 1;
            nEv++;
          }
        }
        child = k;
        childInline = j + 1 < kb;
        if (stamp[k] === s) continue;
        stamp[k] = s;
        if (vBig !== undefined) cum.addBig(k, vBig);
        else {
          const x = cumNum[k] + v;
          if (x > LIMIT || x < -LIMIT) cum.add(k, v);
          else cumNum[k] = x;
        }
      }
    }
    if (nEv > 0) settleCalls(calls, evX, evI, nEv, scratch, nLocs, locKeyStart, locKeyEnd, keysFlat, counted, 1, true);
  }
  total.addBig(selT, BigInt(totalNum));
  return sawNegative;
}

/**
 * pprof counts a caller→callee pair once per sample, with the kind of its root-most occurrence. For each
 * pair seen as a real call in this sample, look for an inlined occurrence further toward the root.
 */
function settleCalls(
  calls: CallTables,
  evX: Int32Array,
  evI: Int32Array,
  nEv: number,
  locScratch: Int32Array,
  nLocs: number,
  locKeyStart: Int32Array,
  locKeyEnd: Int32Array,
  keysFlat: Int32Array,
  counted: Uint8Array,
  nSel: number,
  coded = false,
): void {
  for (let e = 0; e < nEv; e++) {
    const x = evX[e];
    let rootMost = evI[e];
    let dup = false;
    for (let f = 0; f < nEv; f++) {
      if (evX[f] !== x) continue;
      if (f < e) dup = true;
      if (evI[f] > rootMost) rootMost = evI[f];
    }
    if (dup) continue;
    const p = calls.intraParents[x];
    let c = 0;
    while (calls.intraStart[c + 1] <= x) c++;
    let inlinedAbove = false;
    // The call sits between locations rootMost and rootMost+1; inlined occurrences at or above
    // rootMost+1 are nearer the root.
    for (let m = rootMost + 1; m < nLocs && !inlinedAbove; m++) {
      // With `coded` (accumulateOne), a one-line location (code ≥ 0) has no inlined pair to look at.
      let l = locScratch[m];
      if (coded) {
        if (l >= 0) continue;
        l = -l - 1;
      }
      for (let j = locKeyStart[l]; j < locKeyEnd[l] - 1; j++) {
        if (keysFlat[j] === c && keysFlat[j + 1] === p) {
          inlinedAbove = true;
          break;
        }
      }
    }
    if (!inlinedAbove) for (let q = 0; q < nSel; q++) if (counted[q] === 1) calls.crossSeen[x * nSel + q] = 1;
  }
}

/**
 * pprof's total when values have mixed signs. go tool pprof merges the profile before reporting
 * (profile.Merge, even for one input), which adds up samples with the same stack and labels, and its
 * total is Σ|v| over the merged samples: +100 and −60 on one stack count 40, not 160. Only then does the
 * order matter, so this slower keyed pass runs only for profiles with negative values (delta profiles).
 * Stacks are keyed by location id, which equals pprof's location key for every profile we know of.
 */
function mergedAbsTotals(buf: Uint8Array, spans: SampleSpan, T: number): ExactSums {
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
      if ((field === 1 || field === 2) && (wire === 0 || wire === WIRE_LEN)) {
        const runEnd = wire === WIRE_LEN ? r.len() + r.pos : -1;
        do {
          const v = r.varintBig();
          if (field === 1) locs.push(v.toString(36));
          else values.push(BigInt.asIntN(64, v));
        } while (runEnd >= 0 && r.pos < runEnd);
      } else if (field === 3 && wire === WIRE_LEN) {
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

/** The `-top` table of one profile under one sample index (name or number, as -sample_index). */
export function topTable(agg: PprofAggregate, origin: string, sampleIndex?: string, byCum = false): TopTable {
  const t = chooseSampleIndex(agg.sampleTypes, agg.defaultSampleType, sampleIndex, origin);
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
 * NEW − BASE per function, as `go tool pprof -diff_base BASE NEW`: the sample index is chosen on NEW
 * and must name the same sample type in BASE. Rows are sorted by signed flat (growth first).
 */
export function diffTable(base: PprofAggregate, next: PprofAggregate, origins: { base: string; new: string }, sampleIndex?: string, byCum = false): DiffTable {
  const tn = chooseSampleIndex(next.sampleTypes, next.defaultSampleType, sampleIndex, origins.new);
  const st = next.sampleTypes[tn];
  const tb = base.sampleTypes.findIndex((x) => x.type === st.type && x.unit === st.unit);
  if (tb < 0) {
    throw new InputError(origins.base, `base profile has no sample type ${st.type}/${st.unit} (it has ${base.sampleTypes.map((x) => `${x.type}/${x.unit}`).join(', ')})`);
  }
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
