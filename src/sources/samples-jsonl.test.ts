import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { repoRoot } from '../test-support/toolchain.js';
import { InputError } from './input-error.js';
import { looksLikeSamplesJsonl, readSamplesJsonl, splitJsonLines } from './samples-jsonl.js';

const dir = join(repoRoot, 'src/sources/testdata/samples-jsonl');
const varsPath = join(dir, 'vars.jsonl');
const memstatsPath = join(dir, 'memstats.jsonl');
const recordedPath = join(repoRoot, 'src/sources/testdata/recording/target-churn/samples.jsonl');

/** A field's digits straight from the raw line, so that expectations come from the captured bytes. */
function rawField(line: string, name: string): string {
  const m = new RegExp(`"${name}": ?(\\d+)`).exec(line);
  assert.ok(m, `${name} in line`);
  return m[1];
}

test('a series of saved /debug/vars bodies, one per line', () => {
  const text = readFileSync(varsPath, 'utf8');
  const lines = text.trim().split('\n');
  const { samples, notes } = readSamplesJsonl(readFileSync(varsPath), varsPath);
  assert.deepEqual(notes, []);
  assert.equal(samples.length, 3);
  samples.forEach((s, i) => {
    assert.equal(s.source, 'expvar');
    assert.equal(s.t, undefined, 'expvar bodies carry no time of their own');
    assert.equal(s.heapAlloc, Number(rawField(lines[i], 'HeapAlloc')));
    // LastGC is ~1.8e18: exact only if parsed losslessly.
    assert.equal(s.lastGCUnixNanos, BigInt(rawField(lines[i], 'LastGC')));
    assert.ok(s.lastGCUnixNanos! > BigInt(Number.MAX_SAFE_INTEGER));
  });
  assert.ok(samples[2].totalAlloc! > samples[0].totalAlloc!);
});

test('a service log of {Time, MemStats} lines gets times from Time, ordered', () => {
  const lines = readFileSync(memstatsPath, 'utf8').trim().split('\n');
  const { samples } = readSamplesJsonl(readFileSync(memstatsPath), memstatsPath);
  assert.equal(samples.length, lines.length);
  samples.forEach((s, i) => {
    const time = /"Time":"([^"]+)"/.exec(lines[i])![1];
    assert.equal(s.t, Date.parse(time));
    assert.equal(s.totalAlloc, Number(rawField(lines[i], 'TotalAlloc')));
  });
  for (let i = 1; i < samples.length; i++) assert.ok(samples[i].t! > samples[i - 1].t!);
});

test("a recording's samples.jsonl reads the same, gzip-compressed or not", () => {
  const raw = readFileSync(recordedPath);
  const plain = readSamplesJsonl(raw, recordedPath);
  const gz = readSamplesJsonl(gzipSync(raw), recordedPath);
  assert.equal(plain.samples.length, raw.toString('utf8').trim().split('\n').length);
  assert.deepEqual(gz, plain);
  assert.equal(typeof plain.samples[1].lastGCUnixNanos, 'bigint');
});

test('a torn last line is dropped with a note; a broken line elsewhere names file:line', () => {
  const lines = readFileSync(varsPath, 'utf8').trim().split('\n');
  const torn = `${lines[0]}\n${lines[1]}\n${lines[2].slice(0, 700)}`;
  const r = readSamplesJsonl(torn, 'vars.jsonl');
  assert.equal(r.samples.length, 2);
  assert.deepEqual(r.notes, ['vars.jsonl:3: dropped a torn last line (700 bytes); the writer was probably stopped mid-line']);

  const middle = `${lines[0]}\n${lines[1].slice(0, 700)}\n${lines[2]}\n`;
  assert.throws(
    () => readSamplesJsonl(middle, 'vars.jsonl'),
    (err: unknown) =>
      err instanceof InputError && err.message === 'vars.jsonl:2: expected one JSON object per line, got a line that is not valid JSON (700 characters)',
  );
});

test('lines of the wrong shape are refused with the line number', () => {
  assert.throws(
    () => readSamplesJsonl('{"source":"expvar","heapAlloc":1}\n{"name":"x"}\n{"source":"expvar"}\n', 'x.jsonl'),
    /^InputError|x\.jsonl:2: expected a memory sample, a \/debug\/vars body or a MemStats object, got an object with keys name/,
  );
  assert.throws(() => readSamplesJsonl('{"source":"nope"}\n', 'x.jsonl'), /x\.jsonl:1: expected a memory sample with a known "source", got "nope"/);
  assert.throws(() => readSamplesJsonl('[1,2]\n{}\n', 'x.jsonl'), /x\.jsonl:1: expected one JSON object per line, got a JSON array/);
  assert.throws(
    () => readSamplesJsonl('<html><body>hi</body></html>\n\n{"a":1}\n', 'x.jsonl'),
    /x\.jsonl:1: expected one JSON object per line, got an HTML page/,
  );
  assert.throws(() => readSamplesJsonl('\n\n', 'x.jsonl'), /x\.jsonl: expected JSON lines of memory samples, got an empty input/);
});

test('NUL padding left by a crash is not a line', () => {
  const { lines, torn } = splitJsonLines('{"a":1}\n{"b":2}\n\0\0\0\0', 'f');
  assert.equal(lines.length, 2);
  assert.equal(torn, undefined);
});

test('sniffing: the three line shapes are recognised, a single expvar body or other JSON is not', () => {
  assert.equal(looksLikeSamplesJsonl(readFileSync(varsPath)), true);
  assert.equal(looksLikeSamplesJsonl(readFileSync(memstatsPath)), true);
  assert.equal(looksLikeSamplesJsonl(readFileSync(recordedPath)), true);
  // A pretty-printed /debug/vars body is one JSON document, for the expvar reader.
  assert.equal(looksLikeSamplesJsonl(readFileSync(join(repoRoot, 'src/sources/testdata/expvar/go1.19-vars.json'))), false);
  assert.equal(looksLikeSamplesJsonl(Buffer.from('{"a":1}\n{"a":2}\n')), false);
  assert.equal(looksLikeSamplesJsonl(Buffer.from('gc 1 @0.1s 0%: ...\n')), false);
});

// Issue 11: JSON.stringify of a 200,000-deep value overflowed the stack while building the message, and
// control characters and 3,000-character values were pasted into it whole.
test('bad values are described in one short clean line, however deep or long', () => {
  const deep = '['.repeat(200_000) + ']'.repeat(200_000);
  assert.throws(
    () => readSamplesJsonl(`{"source":"expvar","t":${deep}}\n{"source":"expvar","t":2}\n`, 's.jsonl'),
    (e: unknown) => e instanceof InputError && e.message === 's.jsonl:1: expected "t" in Unix milliseconds, got an array of 1 item',
  );
  const long = `\\r\\u001b[31m${'x'.repeat(3000)}`;
  assert.throws(
    () => readSamplesJsonl(`{"source":"${long}"}\n{"source":"expvar","t":2}\n`, 's.jsonl'),
    (e: unknown) =>
      e instanceof InputError &&
      e.message.startsWith('s.jsonl:1: expected a memory sample with a known "source", got "\\r\\x1b[31mxxx') &&
      e.message.endsWith('… (2886 more characters)'),
  );
});

// Issue 11: a million-digit lastGCUnixNanos cost a second per line in BigInt. A uint64 has at most 20.
test('lastGCUnixNanos of more than 20 digits is an input error naming the line, shown cut', () => {
  const line = (v: string) => `{"t":1,"source":"expvar","heapAlloc":1,"lastGCUnixNanos":"${v}"}\n`;
  const ok = readSamplesJsonl(Buffer.from(line('18446744073709551615') + line('1')), 's.jsonl');
  assert.equal(ok.samples[0].lastGCUnixNanos, 18446744073709551615n);
  for (const v of ['9'.repeat(21), '9'.repeat(1_000_000)]) {
    assert.throws(
      () => readSamplesJsonl(Buffer.from(line(v) + line('1')), 's.jsonl'),
      (e: unknown) => e instanceof InputError && e.message.startsWith('s.jsonl:1: ') && e.message.includes('at most 20 digits') && e.message.length < 400,
    );
  }
});
