import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describeBytes, InputError, MAX_SHOWN_CHARS, quote } from './input-error.js';

test('describeBytes names what arrived instead of the expected format', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  assert.equal(describeBytes(enc('<!DOCTYPE html><html><title>Sign in</title>')), 'an HTML page');
  assert.equal(describeBytes(enc('{"memstats": {}}')), 'JSON');
  assert.equal(describeBytes(enc('# HELP go_goroutines x\n')), 'Prometheus text exposition');
  assert.equal(describeBytes(gzipSync('x')), 'gzip data');
  assert.equal(describeBytes(enc('gc 1 @0.010s 3%: ...')), 'a gctrace log');
  // UTF-8 text is text, however many of its bytes are above 0x7f.
  assert.match(describeBytes(enc('journée: requête traitée en 3 ms\n'.repeat(20))), /^text starting "journée/);
  assert.match(describeBytes(enc('请求已处理\n'.repeat(40))), /^text starting/);
  // Protobuf and random bytes are not.
  assert.equal(describeBytes(Uint8Array.from([0x0a, 0x12, 0x08, 0x01, 0x10, 0x80, 0x80, 0x04, 0x1a, 0xff, 0xfe, 0x00, 0x02, 0x9c, 0x88])), 'binary data');
  let x = 42;
  const noise = Uint8Array.from({ length: 512 }, () => (x = (x * 1103515245 + 12345) % 2 ** 31) & 0xff);
  assert.equal(describeBytes(noise), 'binary data');
});

test('quote shows a value from the input escaped, on one line, cut to MAX_SHOWN_CHARS', () => {
  assert.equal(quote('a\r\nb\x1b[31m\u2028"\\'), '"a\\r\\nb\\x1b[31m\\u2028\\"\\\\"');
  const long = quote('x'.repeat(5000));
  assert.equal(long, `"${'x'.repeat(MAX_SHOWN_CHARS)}"… (${5000 - MAX_SHOWN_CHARS} more characters)`);
  // Deep JSON values are described, not walked (JSON.stringify would overflow the stack).
  let deep: unknown = [];
  for (let i = 0; i < 200_000; i++) deep = [deep];
  assert.equal(quote(deep), 'an array of 1 item');
  assert.equal(quote({ a: 1, b: { c: 2 } }), 'an object with keys a, b');
  assert.equal(quote(12.5), '12.5');
});

test('InputError keeps a message on one line whatever a reader pasted into it', () => {
  const e = new InputError('dump\n.txt', `got ${'\r\x1b'.repeat(2000)}`);
  // eslint-disable-next-line no-control-regex -- control characters are what must not appear
  assert.doesNotMatch(e.message, /[\u0000-\u001f\u007f-\u009f]/);
  assert.ok(e.message.startsWith('dump\\n.txt: got \\r\\x1b'));
  assert.ok(e.message.length < 1100, `${e.message.length} characters`);
});
