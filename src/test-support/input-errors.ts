// Test-only: the assertion every reader test makes about bad input: the reader throws an InputError
// (never a TypeError or a RangeError from deep inside), its message says what was wrong, on one line.

import assert from 'node:assert/strict';
import { InputError } from '../sources/input-error.js';

export function expectInputError(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
    assert.match(err.message, re);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
}
