// The shape numbers of trend.ts's return to baseline, on series built so that the rule under test is
// the only one that changes (a level of 10, a hump after the first third, a tail; over half the points
// exactly on the fitted line, so the robust noise is 0 and the share bounds speak).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RETURN_MIN_P, RETURN_MIN_POINTS, RETURN_MIN_RISE_SHARE } from './decision-rules.js';
import { seriesTrend } from './trend.js';

/** `lead` points at 10, `hump` at `peak`, `tail` at `end`: x = 0, 1, 2, …; no warm-up cut. */
function humped(peak: number, end = 10, lead = 9, hump = 4, tail = 14) {
  const ys = [...Array(lead).fill(10), ...Array(hump).fill(peak), ...Array(tail).fill(end)];
  return seriesTrend(
    ys.map((y, i) => ({ x: i, y })),
    { warmupFraction: 0 },
  );
}

test('RETURN_MIN_RISE_SHARE: a rise and return counts only when the rise passed that share of the level', () => {
  const t = humped(10 * (1 + RETURN_MIN_RISE_SHARE) + 0.01);
  assert.equal(t.noise, 0, 'the construction leaves no noise, so the share decides');
  assert.equal(t.returnedToBaseline, true);
  assert.equal(humped(10 * (1 + RETURN_MIN_RISE_SHARE)).returnedToBaseline, false);
});

test('RETURN_MIN_POINTS: judged from that many points, not fewer', () => {
  // 4 + 2 + 6 = 12 points (the hump after the first third), then one fewer in the tail.
  assert.equal(RETURN_MIN_POINTS, 12);
  assert.equal(humped(15, 10, 4, 2, 6).returnedToBaseline, true);
  assert.equal(humped(15, 10, 4, 2, 5).returnedToBaseline, false);
});

test('RETURN_MIN_P: a series with a rising tendency does not "return", however near its start it ends', () => {
  // A tail at 10.5 is within RETURN_TOLERANCE_SHARE (5 %) of the start, but fourteen points above the
  // nine before the hump make the series rise (Mann–Kendall p under the bar); a tail at 10 does not.
  const rising = humped(15, 10.5);
  const level = humped(15, 10);
  assert.ok(rising.pRising <= RETURN_MIN_P && level.pRising > RETURN_MIN_P, `p ${rising.pRising} / ${level.pRising}`);
  assert.equal(rising.returnedToBaseline, false);
  assert.equal(level.returnedToBaseline, true);
});
