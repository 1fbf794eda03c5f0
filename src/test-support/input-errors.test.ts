import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../sources/input-error.js';
import { expectInputError } from './input-errors.js';

test('expectInputError passes on a one-line InputError that matches, and fails otherwise', () => {
  expectInputError(() => {
    throw new InputError('f.txt', 'expected a number, got "x"');
  }, /expected a number/);
  const fails = (fn: () => unknown, re: RegExp) => assert.throws(() => expectInputError(fn, re), assert.AssertionError);
  fails(() => {
    throw new TypeError('expected a number');
  }, /expected a number/);
  fails(() => {
    throw new InputError('f.txt', 'expected a number');
  }, /expected a string/);
  fails(() => {
    // InputError escapes control characters itself; a message changed after the fact must still be caught.
    const e = new InputError('f.txt', 'expected a number');
    e.message += '\nat line 2';
    throw e;
  }, /expected a number/);
  fails(() => undefined, /anything/);
});
