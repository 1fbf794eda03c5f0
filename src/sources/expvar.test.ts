import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { numericExpvars, parseExpvar } from './expvar.js';
import { buildGoProgram, requireClientGolang } from '../test-support/toolchain.js';
import { expectInputError } from '../test-support/input-errors.js';
import { InputError } from './input-error.js';

const dir = new URL('./testdata/expvar/', import.meta.url);
const captured = readFileSync(new URL('go1.19-vars.json', dir));

/** A MemStats field as the digits written in the body, independent of any JSON parser. */
function rawField(body: Uint8Array, field: string): string {
  const m = new RegExp(`"${field}":(\\d+)`).exec(Buffer.from(body).toString('utf8'));
  assert.ok(m, `field ${field} in the capture`);
  return m[1];
}

test('captured go1.19 /debug/vars: MemStats mapped and runtime identities hold', () => {
  const s = parseExpvar(captured, 'vars.json');
  assert.equal(s.source, 'expvar');
  assert.equal(s.heapAlloc, Number(rawField(captured, 'HeapAlloc')));
  assert.equal(s.heapSys, s.heapIdle! + s.heapInuse!);
  assert.equal(s.heapObjects, s.mallocs! - s.frees!);
  assert.equal(s.sys, s.heapSys! + s.stackSys! + s.mspanSys! + s.mcacheSys! + s.buckHashSys! + s.gcSys! + s.otherSys!);
  assert.equal(s.nextGC, s.heapGoal);
  assert.ok(s.heapReleased! <= s.heapIdle!);
  // The capture program retains 12 MiB + 12×64 KiB and ran runtime.GC + FreeOSMemory.
  assert.ok(s.heapAlloc! >= 12 * 2 ** 20, `heapAlloc ${s.heapAlloc}`);
  assert.ok(s.numForcedGC! >= 2 && s.numGC! >= s.numForcedGC!);
  assert.ok(s.gcCpuFraction! > 0 && s.gcCpuFraction! < 1);
  assert.deepEqual(s.cmdline?.slice(1), ['-out', '/tmp/cap-default']);
});

test('LastGC above 2^53 is kept exact (JSON.parse would round it)', () => {
  const s = parseExpvar(captured, 'vars.json');
  const digits = rawField(captured, 'LastGC');
  assert.equal(s.lastGCUnixNanos, BigInt(digits));
  assert.ok(BigInt(digits) > BigInt(Number.MAX_SAFE_INTEGER));
  // Show the precision loss that the lossless parser avoids.
  assert.notEqual(BigInt(JSON.parse(Buffer.from(captured).toString('utf8')).memstats.LastGC), BigInt(digits));
});

test('--work-metric: top-level Int, dotted path into a Map, missing name, non-numeric var', () => {
  // The capture program made 300 requests, every tenth a "500".
  assert.equal(parseExpvar(captured, 'v', { workMetric: 'requests' }).work, 300);
  assert.equal(parseExpvar(captured, 'v', { workMetric: 'responses.500' }).work, 30);
  assert.equal(parseExpvar(captured, 'v', { workMetric: 'responses.200' }).work, 270);
  assert.equal(parseExpvar(captured, 'v', { workMetric: 'nope' }).work, undefined);
  expectInputError(() => parseExpvar(captured, 'v', { workMetric: 'build' }), /--work-metric build: expected a numeric expvar, got a string/);
  expectInputError(() => parseExpvar(captured, 'v', { workMetric: 'responses' }), /got a map \(name one of its keys as NAME\.key\)/);
  // A top-level name that itself contains a dot wins over a path.
  const dotted = '{"memstats":{"HeapAlloc":1},"http.requests":7,"http":{"requests":9}}';
  assert.equal(parseExpvar(dotted, 'v', { workMetric: 'http.requests' }).work, 7);
});

test('numericExpvars lists work-metric candidates without memstats', () => {
  assert.deepEqual(numericExpvars(captured, 'v'), { requests: 300, 'responses.200': 270, 'responses.500': 30 });
});

test('gzip-compressed body is accepted', () => {
  const s = parseExpvar(gzipSync(captured), 'vars.json.gz');
  assert.equal(s.lastGCUnixNanos, BigInt(rawField(captured, 'LastGC')));
});

test('bad input: one-line InputError naming what was found', () => {
  expectInputError(() => parseExpvar(new Uint8Array(0), 'e'), /^e: expected expvar JSON with memstats, got an empty input$/);
  expectInputError(
    () => parseExpvar('<!DOCTYPE html><html><head><title>Sign in</title></head><body>login</body></html>', 'http://h/debug/vars'),
    /^http:\/\/h\/debug\/vars: expected expvar JSON with memstats, got an HTML page$/,
  );
  expectInputError(
    () => parseExpvar('{"cmdline":["x"],"requests":3}', 'j'),
    /expected expvar JSON with memstats, got JSON without a memstats object \(keys: cmdline, requests\)/,
  );
  expectInputError(() => parseExpvar('[1,2]', 'j'), /expected expvar JSON with memstats, got a JSON array$/);
  const cut = captured.subarray(0, 1000);
  expectInputError(() => parseExpvar(cut, 'cut'), /expected expvar JSON with memstats, got JSON truncated at byte 1000$/);
  expectInputError(() => parseExpvar('{"memstats": {"HeapAlloc": 1,, }}', 'bad'), /got invalid JSON/);
  const expo = readFileSync(new URL('../prometheus/go1.19-default.txt', dir));
  expectInputError(() => parseExpvar(expo, 'm'), /expected expvar JSON with memstats, got Prometheus text exposition$/);
});

test('oversized input is refused before parsing', () => {
  expectInputError(() => parseExpvar(captured, 'big', { maxBytes: 1024 }), /input is \d+ bytes, past the 1024-byte cap/);
  // A gzip bomb: 64 MiB of zeros inflating past a 1 MiB cap.
  const bomb = gzipSync(Buffer.alloc(64 * 2 ** 20));
  expectInputError(() => parseExpvar(bomb, 'bomb.gz', { maxBytes: 2 ** 20 }), /inflates past the 1048576-byte cap/);
});

test('live: the capture program served /debug/vars that parses with the same identities', () => {
  requireClientGolang();
  const bin = buildGoProgram('src/sources/testdata/capture/exposition');
  const out = mkdtempSync(join(tmpdir(), 'heapsight-expvar-'));
  try {
    execFileSync(bin, ['-out', out], { timeout: 60_000 });
    const body = readFileSync(join(out, 'vars.json'));
    const s = parseExpvar(body, 'live', { workMetric: 'requests' });
    assert.equal(s.work, 300);
    assert.equal(s.lastGCUnixNanos, BigInt(rawField(body, 'LastGC')));
    assert.equal(s.heapSys, s.heapIdle! + s.heapInuse!);
    assert.equal(s.heapObjects, s.mallocs! - s.frees!);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

// Issue 11: a million-digit LastGC cost a second in BigInt. No uint64 has more than 20 digits.
test('a LastGC of more digits than a uint64 has is not read as a time', () => {
  const body = Buffer.from(captured).toString('utf8');
  const digits = rawField(captured, 'LastGC');
  const withLastGC = (v: string) => parseExpvar(Buffer.from(body.replace(`"LastGC":${digits}`, `"LastGC":${v}`)), 'vars.json');
  assert.equal(withLastGC('18446744073709551615').lastGCUnixNanos, 18446744073709551615n);
  assert.equal(withLastGC('9'.repeat(21)).lastGCUnixNanos, undefined);
  assert.equal(withLastGC('9'.repeat(1_000_000)).lastGCUnixNanos, undefined);
});

// Issue 11: lossless-json recurses; 100,000 levels overflowed the stack, reported as "invalid JSON (Maximum call stack size exceeded)".
test('JSON nested deeper than the stack is an input error that says so', () => {
  const deep = '{"memstats":{"HeapAlloc":1},"x":' + '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000) + '}';
  assert.throws(
    () => parseExpvar(Buffer.from(deep), 'vars.json'),
    (e: unknown) => e instanceof InputError && e.message === 'vars.json: expected expvar JSON with memstats, got JSON nested too deeply to read',
  );
  // A few levels, as Go's expvar writes them, are read.
  assert.equal(parseExpvar(Buffer.from('{"memstats":{"HeapAlloc":1},"x":' + '{"a":'.repeat(20) + '1' + '}'.repeat(20) + '}'), 'v').heapAlloc, 1);
});
