import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import {
  parseByteRate,
  parseByteSize,
  parseConfidence,
  parseCount,
  parseCountRate,
  parseDuration,
  parseHeaderFlag,
  parseHeaders,
  parseOptionalDuration,
  parsePollingFlags,
  parseSeconds,
  parseTime,
  pollingOptions,
  requestOptions,
} from './flags.js';
import { UsageError } from './usage-error.js';

const MiB = 1024 * 1024;

test('durations: ms, s, m, h, d, w or bare seconds; at least 1 ms', () => {
  assert.equal(parseDuration('--interval', '500ms'), 500);
  assert.equal(parseDuration('--interval', '5'), 5000);
  assert.equal(parseDuration('--interval', '2m'), 120_000);
  assert.equal(parseDuration('--interval', '1.5h'), 5_400_000);
  assert.equal(parseDuration('--range', '7d'), 7 * 86_400_000);
  assert.throws(() => parseDuration('--interval', '0'), /--interval must be at least 1ms/);
  assert.throws(
    () => parseDuration('--interval', 'soon'),
    (e: unknown) => e instanceof UsageError && /--interval expects a duration/.test(e.message),
  );
  assert.equal(parseOptionalDuration('--duration', 'none'), undefined);
  assert.equal(parseOptionalDuration('--duration', '0'), undefined);
  assert.equal(parseOptionalDuration('--duration', '90s'), 90_000);
  assert.equal(parseSeconds('--step', '250ms'), 0.25);
  assert.equal(parseSeconds('--range', '2w'), 14 * 86400);
  assert.equal(parseTime('--end', '2026-01-01T00:00:00Z'), 1767225600);
  assert.equal(parseTime('--end', '1767225600.5'), 1767225600.5);
  assert.throws(() => parseTime('--end', 'yesterday'), /RFC 3339/);
});

test('sizes: one meaning, powers of 1024, with or without B and i (as pprof prints MB)', () => {
  for (const t of ['1MiB', '1MB', '1M', '1m', '1 mib']) assert.equal(parseByteSize('--max-bytes', t), MiB, t);
  assert.equal(parseByteSize('--max-bytes', '1.5k'), 1536);
  assert.equal(parseByteSize('--max-bytes', '2GiB'), 2 * 1024 ** 3);
  assert.equal(parseByteSize('--max-bytes', '4096'), 4096);
  assert.throws(() => parseByteSize('--max-bytes', '0'), /must be positive/);
  assert.throws(() => parseByteSize('--max-bytes', 'big'), /expects a size like 512MiB/);
});

test('rates: a size or a count per s, min or h (per minute by default), sizes as parseByteSize reads them', () => {
  assert.equal(parseByteRate('--max-heap-growth', '1MiB/min'), MiB);
  assert.equal(parseByteRate('--max-heap-growth', '512 KiB / min'), 512 * 1024);
  // The same MB as --max-bytes: 60 × 2^20 per hour is 2^20 per minute.
  assert.equal(parseByteRate('--max-heap-growth', '60MB/h'), MiB);
  assert.equal(parseByteRate('--max-heap-growth', '1KiB/s'), 60 * 1024);
  assert.equal(parseByteRate('--max-heap-growth', '2MiB'), 2 * MiB);
  assert.equal(parseCountRate('--max-goroutine-growth', '10/min'), 10);
  assert.equal(parseCountRate('--max-goroutine-growth', '1/s'), 60);
  assert.equal(parseCountRate('--max-goroutine-growth', '5'), 5);
  assert.throws(() => parseByteRate('--max-heap-growth', 'lots'), UsageError);
  assert.throws(() => parseByteRate('--max-heap-growth', '1 parsec/min'), /expects a rate like 1MiB\/min/);
  assert.throws(() => parseCountRate('--max-goroutine-growth', '3/fortnight'), /unknown time unit "\/fortnight"/);
});

test('confidence and counts', () => {
  assert.equal(parseConfidence('--confidence', '0.8'), 0.8);
  assert.throws(() => parseConfidence('--confidence', '1.2'), /--confidence expects a number from 0 to 1/);
  assert.equal(parseCount('--goroutine-dump-every', '4'), 4);
  assert.throws(() => parseCount('--goroutine-dump-every', '-1'), /whole number ≥ 0/);
  assert.throws(() => parseCount('--goroutine-dump-every', '2.5'), /whole number ≥ 0/);
});

test('headers: the message names a bad header, never its value', () => {
  assert.deepEqual(parseHeaderFlag('Authorization: Bearer x:y'), { name: 'Authorization', value: 'Bearer x:y' });
  assert.throws(
    () => parseHeaderFlag('no colon here SECRET'),
    (e: unknown) => e instanceof UsageError && !e.message.includes('SECRET'),
  );
  assert.throws(() => parseHeaderFlag('Bad Name: v'), /--header expects 'Name: value'/);
  assert.deepEqual(parseHeaders(['A: 1', 'B: 2']), { A: '1', B: '2' });
  assert.deepEqual(parseHeaders(undefined), {});
});

test('requestOptions declares --header (repeatable), --timeout with its default, and --insecure unless asked not to', () => {
  const cmd = requestOptions(new Command('x').exitOverride(), { timeout: '10s' });
  cmd.parse(['--header', 'A: 1', '--header', 'B: 2', '--insecure'], { from: 'user' });
  assert.deepEqual(cmd.opts(), { header: ['A: 1', 'B: 2'], timeout: '10s', insecure: true });
  const noTls = requestOptions(new Command('y').exitOverride(), { timeout: '30s', insecure: false });
  assert.equal(
    noTls.options.some((o) => o.long === '--insecure'),
    false,
  );
});

test('parsePollingFlags: pollingOptions and --timeout as a watch session takes them, and a bad one named', () => {
  const cmd = requestOptions(pollingOptions(new Command('x').exitOverride()), { timeout: '10s' });
  cmd.parse(['--interval', '2s', '--goroutineleak-interval', '0'], { from: 'user' });
  assert.deepEqual(parsePollingFlags(cmd.opts()), {
    intervalMs: 2000,
    profileIntervalMs: 30_000,
    goroutineDebug2Every: 4,
    goroutineLeakIntervalMs: 0,
    timeoutMs: 10_000,
  });
  assert.throws(
    () =>
      parsePollingFlags({
        ...cmd.opts<{ interval: string; profileInterval: string; goroutineDumpEvery: string; goroutineleakInterval: string; timeout: string }>(),
        profileInterval: 'soon',
      }),
    (e: unknown) => e instanceof UsageError && /--profile-interval/.test(e.message),
  );
});
