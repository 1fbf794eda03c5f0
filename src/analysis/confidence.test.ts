// Each confidence number on its own: the factor it sets is 0 at its rule's bar, full at the named
// value and no fuller past it, and the call's confidence stays inside its named range.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leakConfidence, settledConfidence, type LeakEvidence, type SettledEvidence } from './confidence.js';
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
  FLAT_HORIZON_SECONDS,
  LEAK_CONFIDENCE_MIN,
  LEAK_CONFIDENCE_SPAN,
  LEAK_MIN_SNR,
  LEAK_MIN_TAU,
  LEAK_P,
  LEAK_TAIL_PACE,
  SETTLED_CONFIDENCE_MIN,
  SETTLED_CONFIDENCE_SPAN,
} from './decision-rules.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

/** Every leak factor at its zero. */
const weakest: LeakEvidence = {
  pRising: LEAK_P,
  lowerBoundIsLeak: false,
  tau: LEAK_MIN_TAU,
  snr: LEAK_MIN_SNR,
  points: 0,
  gcCycles: 0,
  tailPace: LEAK_TAIL_PACE,
};
/** Every leak factor full. */
const strongest: LeakEvidence = {
  pRising: LEAK_P / 10 ** CONFIDENCE_FULL_P_DECADES,
  lowerBoundIsLeak: true,
  tau: CONFIDENCE_FULL_TAU,
  snr: CONFIDENCE_FULL_SNR,
  points: CONFIDENCE_FULL_POINTS,
  gcCycles: CONFIDENCE_FULL_GC_CYCLES,
  tailPace: CONFIDENCE_FULL_TAIL_PACE,
};
/** One factor's share of the leak range: six factors. */
const leakStep = LEAK_CONFIDENCE_SPAN / 6;

test('LEAK_CONFIDENCE_MIN and LEAK_CONFIDENCE_SPAN: a leak call lies between them, whatever the evidence', () => {
  close(leakConfidence(weakest), LEAK_CONFIDENCE_MIN, 'all factors at their zero');
  close(leakConfidence(strongest), LEAK_CONFIDENCE_MIN + LEAK_CONFIDENCE_SPAN, 'all factors full');
  const beyond = { ...strongest, pRising: 1e-300, tau: 1, snr: 1e9, points: 1e6, gcCycles: 1e6, tailPace: 5 };
  close(leakConfidence(beyond), LEAK_CONFIDENCE_MIN + LEAK_CONFIDENCE_SPAN, 'more than full adds nothing');
  assert.ok(LEAK_CONFIDENCE_MIN + LEAK_CONFIDENCE_SPAN < 1, 'never certainty');
});

test('each leak factor is full at its named value and 0 at its rule bar', () => {
  const cases: [string, Partial<LeakEvidence>][] = [
    ['CONFIDENCE_FULL_P_DECADES', { pRising: LEAK_P / 10 ** CONFIDENCE_FULL_P_DECADES }],
    ['CONFIDENCE_FULL_TAU', { tau: CONFIDENCE_FULL_TAU }],
    ['CONFIDENCE_FULL_SNR', { snr: CONFIDENCE_FULL_SNR }],
    ['CONFIDENCE_FULL_POINTS', { points: CONFIDENCE_FULL_POINTS }],
    ['CONFIDENCE_FULL_GC_CYCLES', { gcCycles: CONFIDENCE_FULL_GC_CYCLES }],
    ['CONFIDENCE_FULL_TAIL_PACE', { tailPace: CONFIDENCE_FULL_TAIL_PACE }],
  ];
  for (const [name, full] of cases) {
    close(leakConfidence({ ...weakest, ...full }), LEAK_CONFIDENCE_MIN + leakStep, `${name} alone gives one factor's share`);
    // Half-way to the named value is half a share: the factor is linear between its bar and its full value.
    const [key, value] = Object.entries(full)[0] as [keyof LeakEvidence, number];
    const zero = weakest[key] as number;
    const half = key === 'pRising' ? LEAK_P / 10 ** (CONFIDENCE_FULL_P_DECADES / 2) : (zero + value) / 2;
    close(leakConfidence({ ...weakest, [key]: half }), LEAK_CONFIDENCE_MIN + leakStep / 2, `${name} half-way`);
  }
});

test('a lower bound already a leak counts as two decades of p when p itself is weak (few looks)', () => {
  close(leakConfidence({ ...weakest, lowerBoundIsLeak: true }), LEAK_CONFIDENCE_MIN + (leakStep * 2) / CONFIDENCE_FULL_P_DECADES, 'two decades');
});

test('CONFIDENCE_UNKNOWN_FACTOR: no GC count, or a first third that did not rise clearly, is neutral', () => {
  close(leakConfidence({ ...weakest, gcCycles: undefined }), LEAK_CONFIDENCE_MIN + leakStep * CONFIDENCE_UNKNOWN_FACTOR, 'GC count unknown');
  close(leakConfidence({ ...weakest, tailPace: undefined }), LEAK_CONFIDENCE_MIN + leakStep * CONFIDENCE_UNKNOWN_FACTOR, 'tail pace unknown');
});

const calm: SettledEvidence = { points: 0, gcCycles: 0, seconds: 0, flatness: 0 };

test('SETTLED_CONFIDENCE_MIN and SETTLED_CONFIDENCE_SPAN: a settled series lies between them', () => {
  close(settledConfidence(calm), SETTLED_CONFIDENCE_MIN, 'all factors at zero');
  const full = { points: CONFIDENCE_FULL_POINTS, gcCycles: CONFIDENCE_FULL_GC_CYCLES, seconds: CONFIDENCE_FULL_SETTLED_SECONDS, flatness: 1 };
  close(settledConfidence(full), SETTLED_CONFIDENCE_MIN + SETTLED_CONFIDENCE_SPAN, 'all full');
  close(
    settledConfidence({ ...full, points: 1e6, gcCycles: 1e6, seconds: 1e6 }),
    SETTLED_CONFIDENCE_MIN + SETTLED_CONFIDENCE_SPAN,
    'more than full adds nothing',
  );
  assert.ok(SETTLED_CONFIDENCE_MIN + SETTLED_CONFIDENCE_SPAN <= LEAK_CONFIDENCE_MIN + LEAK_CONFIDENCE_SPAN, 'no-leak is never surer than the surest leak');
});

test('CONFIDENCE_FULL_SETTLED_SECONDS is three flat horizons; each settled factor is full at its named value', () => {
  assert.equal(CONFIDENCE_FULL_SETTLED_SECONDS, 3 * FLAT_HORIZON_SECONDS);
  const step = SETTLED_CONFIDENCE_SPAN / 4;
  close(settledConfidence({ ...calm, points: CONFIDENCE_FULL_POINTS }), SETTLED_CONFIDENCE_MIN + step, 'points');
  close(settledConfidence({ ...calm, gcCycles: CONFIDENCE_FULL_GC_CYCLES }), SETTLED_CONFIDENCE_MIN + step, 'GC cycles');
  close(settledConfidence({ ...calm, seconds: CONFIDENCE_FULL_SETTLED_SECONDS }), SETTLED_CONFIDENCE_MIN + step, 'seconds');
  close(settledConfidence({ ...calm, seconds: CONFIDENCE_FULL_SETTLED_SECONDS / 2 }), SETTLED_CONFIDENCE_MIN + step / 2, 'half the time');
});

test('a series read at every poll (no GC count) is judged on three factors, not held back by a missing fourth', () => {
  const threeFull = { points: CONFIDENCE_FULL_POINTS, seconds: CONFIDENCE_FULL_SETTLED_SECONDS, flatness: 1 };
  close(settledConfidence(threeFull), SETTLED_CONFIDENCE_MIN + SETTLED_CONFIDENCE_SPAN, 'goroutines or RSS, all full');
  close(settledConfidence({ points: 0, seconds: 0, flatness: 0 }), SETTLED_CONFIDENCE_MIN, 'all zero');
});

test('CONFIDENCE_SHAPE_FLATNESS: a series settled by its shape takes that flatness, and no time is neutral', () => {
  const step = SETTLED_CONFIDENCE_SPAN / 4;
  close(settledConfidence({ ...calm, flatness: undefined }), SETTLED_CONFIDENCE_MIN + step * CONFIDENCE_SHAPE_FLATNESS, 'shape');
  close(settledConfidence({ ...calm, seconds: undefined }), SETTLED_CONFIDENCE_MIN + step * CONFIDENCE_UNKNOWN_FACTOR, 'no clock');
});
