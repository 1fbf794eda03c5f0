import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCount } from './units.js';

test("formatCount groups thousands as toLocaleString('en-US') does, without ICU", () => {
  const values = [0, 5, 12.34, -0.25, 99.96, 100, 999.5, 1234, -1234567.4, 12345678901, 2 ** 52];
  for (let x = 1; x < 1e15; x *= 7.3) values.push(x, -x);
  for (const n of values) {
    const r = Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 10) / 10;
    assert.equal(formatCount(n), r.toLocaleString('en-US'), String(n));
  }
});
