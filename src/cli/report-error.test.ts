import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../sources/input-error.js';
import { EXIT_INPUT, EXIT_INTERNAL, EXIT_USAGE } from './exit-codes.js';
import { InternalError, readingInput, reportFailure } from './report-error.js';
import { UsageError } from './usage-error.js';

function report(err: unknown): { code: number; text: string } {
  let text = '';
  const code = reportFailure(err, (s) => (text += s));
  return { code, text };
}

test('bad input is one line naming the input, exit 4', () => {
  const r = report(new InputError('heap.pb.gz', 'gzip stream truncated at byte 12\r\n\x1b[2J'));
  assert.equal(r.code, EXIT_INPUT);
  assert.equal(r.text, 'heapsight: heap.pb.gz: gzip stream truncated at byte 12\\r\\n\\x1b[2J\n');
  assert.equal(report(new UsageError('--seconds expects a number')).code, EXIT_USAGE);
});

test('an unexpected error while reading an input is a heapsight bug naming the input, not "unreadable input"', async () => {
  const before = process.env.HEAPSIGHT_DEBUG;
  delete process.env.HEAPSIGHT_DEBUG;
  try {
    const err = await readingInput('dump.txt', () => {
      throw new RangeError('Invalid code point 1179647');
    }).catch((e: unknown) => e);
    assert.ok(err instanceof InternalError);
    const r = report(err);
    assert.equal(r.code, EXIT_INTERNAL);
    assert.equal(
      r.text,
      'heapsight: internal error while reading dump.txt (a bug in heapsight; please report it, with HEAPSIGHT_DEBUG=1 for the stack): RangeError: Invalid code point 1179647\n',
    );
    // Input errors pass through readingInput unchanged.
    const ie = new InputError('dump.txt', 'expected a goroutine dump');
    assert.equal(await readingInput('dump.txt', () => Promise.reject(ie)).catch((e: unknown) => e), ie);
    // A bare engine error (no input known) is a bug too; a plain Error is a command's operational message.
    assert.equal(report(new TypeError('x is undefined')).code, EXIT_INTERNAL);
    assert.deepEqual(report(new Error('did not answer within the startup timeout\nmore')), {
      code: EXIT_INPUT,
      text: 'heapsight: did not answer within the startup timeout\n',
    });
  } finally {
    if (before !== undefined) process.env.HEAPSIGHT_DEBUG = before;
  }
});
