// LineSplitter against the plain definition of lines: split the whole input at LF, drop one CR
// before each LF, decode each line as UTF-8. The splitter takes a fast path for runs of ASCII (one
// decode per chunk) and the byte path otherwise, so the inputs mix ASCII, multi-byte UTF-8, invalid
// bytes and CRs, cut into chunks anywhere.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineSplitter, type Line } from './line-stream.js';
import { InputError } from './input-error.js';

/** The lines of `bytes` by definition, or the line number and byte offset of the first one over `maxLine`. */
function referenceLines(bytes: Buffer, maxLine: number): Line[] | { tooLong: string } {
  const out: Line[] = [];
  let start = 0;
  let no = 0;
  while (start < bytes.length) {
    const nl = bytes.indexOf(0x0a, start);
    const terminated = nl >= 0;
    const end = terminated ? nl : bytes.length;
    no++;
    if (end - start > maxLine) return { tooLong: `line ${no} (at byte ${start})` };
    const textEnd = terminated && end > start && bytes[end - 1] === 0x0d ? end - 1 : end;
    out.push({ text: bytes.toString('utf8', start, textEnd), no, offset: start, terminated });
    start = end + 1;
  }
  return out;
}

function splitterLines(chunks: Buffer[], maxLine: number): Line[] | { tooLong: string } {
  const out: Line[] = [];
  const s = new LineSplitter('input.txt', maxLine, (l) => out.push({ ...l }), 'not lines');
  try {
    for (const c of chunks) s.push(c);
    s.end();
  } catch (e) {
    assert.ok(e instanceof InputError, String(e));
    const m = /line \d+ \(at byte \d+\)/.exec(e.message);
    assert.ok(m, e.message);
    return { tooLong: m[0] };
  }
  return out;
}

// Pieces chosen to hit every path: ASCII, CR, LF, CRLF, 2- and 4-byte UTF-8, a lone continuation
// byte and a truncated 3-byte sequence (invalid UTF-8 decodes to U+FFFD either way).
const pieces = ['a', 'goroutine 1 [running]:', '\t/src/main.go:12 +0x1d', '\n', '\r', '\r\n', 'é', '😀', '\x80', '\xe2\x82'];
const pieceBytes = pieces.map((p) => (p === '\x80' || p === '\xe2\x82' ? Buffer.from(p, 'latin1') : Buffer.from(p, 'utf8')));

const input = fc.array(fc.nat(pieces.length - 1), { maxLength: 120 }).map((ix) => Buffer.concat(ix.map((i) => pieceBytes[i])));

function cut(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  return out;
}

test('LineSplitter gives the lines, numbers, byte offsets and last-line flag of the definition, for any chunking', () => {
  fc.assert(
    fc.property(input, fc.array(fc.nat(), { maxLength: 12 }), (bytes, cuts) => {
      assert.deepEqual(splitterLines(cut(bytes, cuts), 1 << 20), referenceLines(bytes, 1 << 20));
    }),
    { seed: 1, numRuns: 2000 },
  );
});

test('LineSplitter names the first line over the cap, for any chunking', () => {
  fc.assert(
    fc.property(input, fc.array(fc.nat(), { maxLength: 12 }), fc.integer({ min: 1, max: 40 }), (bytes, cuts, maxLine) => {
      assert.deepEqual(splitterLines(cut(bytes, cuts), maxLine), referenceLines(bytes, maxLine));
    }),
    { seed: 2, numRuns: 2000 },
  );
});

test('LineSplitter: a line handed out is not changed by later chunks (the producer may reuse its buffer)', () => {
  const seen: string[] = [];
  const s = new LineSplitter('input.txt', 100, (l) => seen.push(l.text), 'not lines');
  const buf = Buffer.from('one\ntw');
  s.push(buf);
  buf.fill(0x7a); // "zzzzzz": what a reused buffer would hold next
  s.push(Buffer.from('o\nthree'));
  s.end();
  assert.deepEqual(seen, ['one', 'two', 'three']);
});
