// How sure a call is, once the decision rules (verdict.ts judgeSeries) have made it: each piece of
// evidence becomes a factor from 0 (at the bar its rule sets) to 1 (at the value decision-rules.ts
// names as full), and the confidence is the mean factor placed in the call's range. Separate from the
// rules so that no confidence number can change a verdict, only how sure it reads.

import {
  CONFIDENCE_FULL_GC_CYCLES,
  CONFIDENCE_FULL_P_DECADES,
  CONFIDENCE_FULL_POINTS,
  CONFIDENCE_FULL_SETTLED_SECONDS,
  CONFIDENCE_FULL_SNR,
  CONFIDENCE_FULL_TAIL_PACE,
  CONFIDENCE_FULL_TAU,
  CONFIDENCE_SHAPE_FLATNESS,
  CONFIDENCE_UNKNOWN_FACTOR,
  LEAK_CONFIDENCE_MIN,
  LEAK_CONFIDENCE_SPAN,
  LEAK_MIN_SNR,
  LEAK_MIN_TAU,
  LEAK_P,
  LEAK_TAIL_PACE,
  SETTLED_CONFIDENCE_MIN,
  SETTLED_CONFIDENCE_SPAN,
} from './decision-rules.js';
import { clamp } from './robust-stats.js';

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
/** 0 at `zero`, 1 at `full`, linear between. */
const between = (v: number, zero: number, full: number) => clamp((v - zero) / (full - zero), 0, 1);

export interface LeakEvidence {
  pRising: number;
  /** The lower end of the growth's interval is already a leak's worth (significance with few looks). */
  lowerBoundIsLeak: boolean;
  tau: number;
  snr: number;
  points: number;
  gcCycles?: number;
  /** Last third's pace over the first's, when the first third rose clearly. */
  tailPace?: number;
}

/** Confidence of a leak call. */
export function leakConfidence(e: LeakEvidence): number {
  const decades = -Math.log10(Math.max(e.pRising, 1e-300)) + Math.log10(LEAK_P);
  // With few looks p cannot get low; a lower bound already past a leak's worth counts as two decades.
  const fP = clamp(Math.max(decades, e.lowerBoundIsLeak ? 2 : 0) / CONFIDENCE_FULL_P_DECADES, 0, 1);
  const fTau = between(e.tau, LEAK_MIN_TAU, CONFIDENCE_FULL_TAU);
  const fSnr = between(e.snr, LEAK_MIN_SNR, CONFIDENCE_FULL_SNR);
  const fData = clamp(e.points / CONFIDENCE_FULL_POINTS, 0, 1);
  const fGc = e.gcCycles === undefined ? CONFIDENCE_UNKNOWN_FACTOR : clamp(e.gcCycles / CONFIDENCE_FULL_GC_CYCLES, 0, 1);
  const fLast = e.tailPace === undefined ? CONFIDENCE_UNKNOWN_FACTOR : between(e.tailPace, LEAK_TAIL_PACE, CONFIDENCE_FULL_TAIL_PACE);
  return LEAK_CONFIDENCE_MIN + LEAK_CONFIDENCE_SPAN * mean([fP, fTau, fSnr, fData, fGc, fLast]);
}

export interface SettledEvidence {
  points: number;
  /** Undefined for series read directly at every poll (goroutines, RSS): GC cycles are no measure of them. */
  gcCycles?: number;
  seconds?: number;
  /** How far under a leak's worth the growth's upper bound stays (0..1), or undefined when settled by shape. */
  flatness?: number;
}

/** Confidence of a flat or bounded series. */
export function settledConfidence(e: SettledEvidence): number {
  const fData = clamp(e.points / CONFIDENCE_FULL_POINTS, 0, 1);
  const fGc = e.gcCycles === undefined ? [] : [clamp(e.gcCycles / CONFIDENCE_FULL_GC_CYCLES, 0, 1)];
  const fTime = e.seconds === undefined ? CONFIDENCE_UNKNOWN_FACTOR : clamp(e.seconds / CONFIDENCE_FULL_SETTLED_SECONDS, 0, 1);
  const fFlat = e.flatness ?? CONFIDENCE_SHAPE_FLATNESS;
  return SETTLED_CONFIDENCE_MIN + SETTLED_CONFIDENCE_SPAN * mean([fData, ...fGc, fTime, fFlat]);
}
