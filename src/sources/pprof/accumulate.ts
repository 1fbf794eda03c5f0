// Pass 2 of the aggregating reader, the hot loops: every Sample's stack and values into flat/cum, for the
// selected sample types only. No object per sample and no string: location ids become node keys through
// the frozen tables of pass 1 (tables.ts). Location ids and values may be packed or not, in either order.
// `top` and `diff` ask for one sample type; that common case runs accumulateOne, a leaner copy of the
// general loop (accumulateSamples), and a test holds the two to the same answers.
// The loops decode their varints inline: the same steps as wire.ts's varintAt (the one decoder every
// other reader calls), written into the loop because calling varintAt there was measured ~40 % slower on
// the 87 MB benchmark profile's one-type pass (esbuild bundle, 7 runs, 2026-12-03: median 0.67 s against
// 0.45–0.47 s inline), which would put `top` outside its 1.2× of the gunzip + varint floor.

import { InputError } from '../input-error.js';
import { BIG_SMALL, LIMIT, type ExactSums } from './exact-sums.js';
import { settleCalls, type CallTables } from './inline-calls.js';
import { Sample } from './schema.js';
import type { ProfileTables } from './tables.js';
import { WIRE_LEN, WireError, WireReader } from './wire.js';

/** The sums pass 2 adds into: flat/cum per slot (node × selected type), totals per sample type. */
export interface Sums {
  flat: ExactSums;
  cum: ExactSums;
  total: ExactSums;
  absTotal: ExactSums;
}

/** accumulateOne's code for a location id that no Location has. */
const MISSING = -0x7fffffff;

/**
 * Pass 2, the hot loop: every sample's stack and values into flat/cum, for the selected sample types
 * only (one for `top`: several times less work than all four). A top-level function over one frozen
 * tables object rather than a closure over the reader's locals. Returns whether any value was negative.
 */
export function accumulateSamples(tables: ProfileTables, sel: Int32Array, calls: CallTables, sums: Sums): boolean {
  // Everything the loop reads, as locals: V8 keeps them in registers, as it did when they were parameters.
  const { buf, spans, T, idTable, idMap, locKeyStart, locKeyEnd, keysFlat, prune, origin } = tables;
  // The two Sample fields decoded here, as locals (a load per field from a module object costs).
  const F_LOC: number = Sample.locationId;
  const F_VAL: number = Sample.value;
  const nKeys = tables.functions.length;
  const { flat, cum, total, absTotal } = sums;
  const { candidate, intraStart, intraParents, noinline, usedLoc } = calls;
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
      if (field === F_LOC || field === F_VAL) {
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
          if (field === F_LOC) {
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
    if (nEv > 0) settleCalls(calls, tables, evX, evI, nEv, locScratch, nLocs, counted, nSel);
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
export function accumulateOne(tables: ProfileTables, selT: number, calls: CallTables, sums: Sums): boolean {
  const { buf, spans, T, idTable, idMap, locKeyStart, locKeyEnd, keysFlat, origin } = tables;
  const F_LOC: number = Sample.locationId;
  const F_VAL: number = Sample.value;
  const nKeys = tables.functions.length;
  const { flat, cum, total } = sums;
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
      if (field !== F_LOC && field !== F_VAL) {
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
      if (field === F_LOC) {
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
    if (nEv > 0) settleCalls(calls, tables, evX, evI, nEv, scratch, nLocs, counted, 1, true);
  }
  total.addBig(selT, BigInt(totalNum));
  return sawNegative;
}
