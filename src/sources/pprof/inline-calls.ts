// pprof's "(inline)" / "(partial-inline)" row markers, kept off the hot path. An edge caller→callee is
// inline only if every counted occurrence was inlined (the callee a Line other than the last of its
// Location, the caller the next Line). Inlined pairs are static per Location, so the hot loops only watch
// real calls: a flag per callee, and for the few callees that are inlined somewhere, whether the call
// came from a caller they are also inlined into (settled per sample by settleCalls).

import type { LocationKeys } from './tables.js';

export interface CallTables {
  candidate: Uint8Array;
  /** CSR: the callers function k is inlined into are intraParents[intraStart[k] .. intraStart[k+1]). */
  intraStart: Int32Array;
  intraParents: Int32Array;
  crossSeen: Uint8Array;
  noinline: Uint8Array;
  usedLoc: Uint8Array;
}

export function buildCallTables(loc: LocationKeys, nKeys: number, nSel: number): CallTables {
  const { nLoc, locKeyStart, locKeyEnd, keysFlat } = loc;
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

/** Per slot: bit 1 reached through an always-inlined edge, bit 2 through a real call. */
export function callMarkers(t: CallTables, loc: LocationKeys, nSel: number): Uint8Array {
  const { nLoc, locKeyStart, locKeyEnd, keysFlat } = loc;
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
 * pprof counts a caller→callee pair once per sample, with the kind of its root-most occurrence. For each
 * pair seen as a real call in this sample, look for an inlined occurrence further toward the root.
 */
export function settleCalls(
  calls: CallTables,
  loc: LocationKeys,
  evX: Int32Array,
  evI: Int32Array,
  nEv: number,
  locScratch: Int32Array,
  nLocs: number,
  counted: Uint8Array,
  nSel: number,
  coded = false,
): void {
  const { locKeyStart, locKeyEnd, keysFlat } = loc;
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
