import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { decimalSecondsToNanos, memorySampleFromExposition, parseExposition, samplesNamed } from './prometheus-text.js';
import type { MemorySample } from '../model/memory.js';
import { InputError } from './input-error.js';
import { buildGoProgram, requireClientGolang } from '../test-support/toolchain.js';
import { expectInputError } from '../test-support/input-errors.js';

const dir = new URL('./testdata/prometheus/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, dir));
const CAPTURES = ['go1.19-default.txt', 'go1.19-default.openmetrics.txt', 'go1.19-runtime-metrics.txt', 'go1.19-runtime-metrics.openmetrics.txt'];

/** The value of an unlabelled series as printed, found with a plain regex (not our parser). */
function raw(body: Uint8Array, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(Buffer.from(body).toString('utf8'));
  assert.ok(m, `${name} in the body`);
  return Number(m[1]);
}

function assertIdentities(s: MemorySample): void {
  assert.equal(s.heapSys, s.heapIdle! + s.heapInuse!);
  assert.equal(s.sys, s.heapSys! + s.stackSys! + s.mspanSys! + s.mcacheSys! + s.buckHashSys! + s.gcSys! + s.otherSys!);
  assert.ok(s.heapReleased! <= s.heapIdle!);
  assert.ok(s.heapAlloc! <= s.heapInuse!);
}

test('captures: format detected, every sample line parsed', () => {
  for (const name of CAPTURES) {
    const body = read(name);
    const e = parseExposition(body, name);
    assert.equal(e.format, name.includes('openmetrics') ? 'openmetrics-1.0' : 'text-0.0.4', name);
    const sampleLines = Buffer.from(body)
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#')).length;
    assert.equal(
      e.families.reduce((n, f) => n + f.samples.length, 0),
      sampleLines,
      name,
    );
  }
});

test('OpenMetrics: counter family names drop _total; gauge and counter alloc_bytes are two families', () => {
  const e = parseExposition(read('go1.19-default.openmetrics.txt'), 'om');
  const alloc = e.families.filter((f) => f.name === 'go_memstats_alloc_bytes');
  assert.deepEqual(
    alloc.map((f) => [f.type, f.samples[0].name]),
    [
      ['gauge', 'go_memstats_alloc_bytes'],
      ['counter', 'go_memstats_alloc_bytes_total'],
    ],
  );
  const req = e.families.find((f) => f.name === 'capture_requests')!;
  assert.equal(req.type, 'counter');
  assert.deepEqual(
    req.samples.map((s) => [s.labels.code, s.labels.path, s.value]),
    [
      ['200', '/api/"v1"\\items', 270],
      ['500', '/api/"v1"\\items', 30],
    ],
  );
  assert.equal(samplesNamed(e, 'go_goroutines')[0].valueText.endsWith('.0'), true);
  const text = parseExposition(read('go1.19-default.txt'), 't');
  assert.ok(text.families.some((f) => f.name === 'capture_requests_total' && f.type === 'counter'));
});

test('default registry (go_memstats_* generation) maps onto MemorySample', () => {
  const body = read('go1.19-default.txt');
  const s = memorySampleFromExposition(body, 'm', { workMetric: 'capture_requests_total' });
  assert.equal(s.source, 'prometheus');
  assertIdentities(s);
  assert.equal(s.heapAlloc, raw(body, 'go_memstats_heap_alloc_bytes'));
  assert.equal(s.totalAlloc, raw(body, 'go_memstats_alloc_bytes_total'));
  assert.equal(s.rss, raw(body, 'process_resident_memory_bytes'));
  assert.equal(s.processStartSeconds, raw(body, 'process_start_time_seconds'));
  assert.equal(s.numGC, raw(body, 'go_gc_duration_seconds_count'));
  assert.equal(s.goVersion, /go_info\{version="([^"]+)"\}/.exec(body.toString())![1]);
  assert.equal(s.work, 300); // the capture program counted 300 requests over two label sets
  assert.equal(s.liveHeap, undefined); // never guessed: no go_gc_heap_live_bytes on Go 1.19
  // Printed like 1.7956644189194145e+09: the bigint is exactly the printed decimal, in nanoseconds.
  const printed = /^go_memstats_last_gc_time_seconds (\S+)$/m.exec(body.toString())![1];
  const [mant, exp] = printed.split('e+');
  const [i, f] = mant.split('.');
  assert.equal(s.lastGCUnixNanos, BigInt((i + f).padEnd(Number(exp) + 1 + 9, '0')));
});

test('runtime/metrics generation: memory classes agree with the go_memstats_* series in the same scrape', () => {
  for (const name of ['go1.19-runtime-metrics.txt', 'go1.19-runtime-metrics.openmetrics.txt']) {
    const body = read(name);
    const s = memorySampleFromExposition(body, name, { workMetric: 'capture_requests' });
    assertIdentities(s);
    assert.equal(s.numGC, raw(body, 'go_gc_cycles_total_gc_cycles_total'));
    assert.equal(s.numForcedGC, raw(body, 'go_gc_cycles_forced_gc_cycles_total'));
    assert.equal(s.work, 300);
    // Strip the go_memstats_* series: the fallbacks from go_memory_classes_*/go_gc_* must give the same numbers.
    const text = Buffer.from(body).toString('utf8');
    const stripped = text
      .split('\n')
      .filter((l) => !/go_memstats_/.test(l))
      .join('\n');
    const rm = memorySampleFromExposition(stripped, name);
    for (const k of [
      'heapAlloc',
      'heapInuse',
      'heapIdle',
      'heapSys',
      'heapReleased',
      'heapObjects',
      'stackInuse',
      'stackSys',
      'mspanInuse',
      'mspanSys',
      'mcacheInuse',
      'mcacheSys',
      'buckHashSys',
      'gcSys',
      'otherSys',
      'sys',
      'totalAlloc',
      'mallocs',
      'frees',
      'nextGC',
    ] as const) {
      assert.equal(rm[k], s[k], `${name} ${k}`);
    }
    assert.equal(rm.lastGCUnixNanos, undefined);
  }
});

test('synthesised Go 1.21 fixture: live heap, GOGC, memory limit, namespaced process collector, exemplars', () => {
  const body = read('synthesised-go1.21-memstats-disabled.openmetrics.txt');
  const e = parseExposition(body, 'syn');
  const orders = e.families.find((f) => f.name === 'shop_orders')!;
  assert.equal(orders.samples[0].labels.note, 'a "quoted", {braced} value\nwith newline');
  assert.equal(orders.samples[0].timestampMs, 1.7956e12);
  assert.equal(orders.help, 'Orders placed, with "quotes" \\ and a\nnewline in HELP.');
  assert.equal(e.families.find((f) => f.name === 'go_gc_gomemlimit_bytes')!.unit, 'bytes');
  const pauses = samplesNamed(e, 'go_gc_pauses_seconds_bucket');
  assert.equal(pauses[2].value, 12); // exemplar after ` # ` ignored
  assert.equal(pauses.at(-1)!.labels.le, '+Inf');
  assert.ok(Number.isNaN(samplesNamed(e, 'go_gc_pauses_seconds_sum')[0].value));
  const s = memorySampleFromExposition(body, 'syn', { workMetric: 'shop_orders' });
  assertIdentities(s);
  assert.equal(s.liveHeap, 31457280);
  assert.equal(s.heapGoal, 67108864);
  assert.equal(s.nextGC, 67108864);
  assert.equal(s.gogcPercent, 100);
  assert.equal(s.memoryLimitBytes, 2 ** 63);
  assert.equal(s.mallocs, 255000);
  assert.equal(s.heapInuse! - s.heapAlloc!, 2097152);
  assert.equal(s.heapIdle! - s.heapReleased!, 20971520);
  assert.equal(s.rss, 94371840);
  assert.equal(s.cpuSeconds, 12.5);
  assert.equal(s.goVersion, 'go1.21.13');
  assert.equal(s.work, 200); // _created samples are not summed
  // GOGC=off is uint64(-1) in runtime/metrics.
  const off = Buffer.from(body).toString('utf8').replace('go_gc_gogc_percent 100.0', 'go_gc_gogc_percent 1.8446744073709552e+19');
  assert.equal(memorySampleFromExposition(off, 'off').gogcPercent, -1);
});

test('decimalSecondsToNanos is exact on printed forms', () => {
  assert.equal(decimalSecondsToNanos('1.795663678166664e+09'), 1795663678166664000n);
  assert.equal(decimalSecondsToNanos('1795663678.123456789'), 1795663678123456789n);
  assert.equal(decimalSecondsToNanos('0.5'), 500000000n);
  assert.equal(decimalSecondsToNanos('2.5e-10'), 0n);
  assert.equal(decimalSecondsToNanos('abc'), undefined);
  assert.equal(decimalSecondsToNanos('0.0000000001e+20'), 10000000000000000000n);
  assert.equal(decimalSecondsToNanos('000'), 0n);
  // Issue 11: an exponent far out of range is refused at once, not expanded into digits.
  for (const huge of ['9e+99999999', '5e600000000', '1' + '0'.repeat(100_000), '1e12']) assert.equal(decimalSecondsToNanos(huge), undefined, huge.slice(0, 20));
  const scrape = read('go1.19-default.txt').toString('utf8');
  for (const bad of ['5e600000000', '9e+99999999', '1.9e+10']) {
    const text = scrape.replace(/^go_memstats_last_gc_time_seconds .*$/m, `go_memstats_last_gc_time_seconds ${bad}`);
    assert.throws(
      () => memorySampleFromExposition(text, 'm.txt'),
      (e: unknown) => e instanceof InputError && e.message === `m.txt: go_memstats_last_gc_time_seconds: expected Unix seconds, got "${bad}"`,
    );
  }
});

test('hand-made text-format edge cases: timestamps (ms), trailing comma, UTF-8 quoted names, CRLF', () => {
  const text = ['# TYPE a counter', 'a_total{x="1",} 3 1700000000000', '{"my.metric", y="2"} -Inf', 'b +1.5e3\r', ''].join('\n');
  const e = parseExposition(text, 'h');
  assert.equal(e.format, 'text-0.0.4');
  assert.equal(samplesNamed(e, 'a_total')[0].timestampMs, 1700000000000);
  assert.deepEqual(samplesNamed(e, 'my.metric')[0].labels, { y: '2' });
  assert.equal(samplesNamed(e, 'my.metric')[0].value, -Infinity);
  assert.equal(samplesNamed(e, 'b')[0].value, 1500);
});

test('bad input: one-line InputError naming what was found', () => {
  expectInputError(() => parseExposition('', 'e'), /^e: expected Prometheus text exposition, got an empty input$/);
  expectInputError(
    () => memorySampleFromExposition('<html><head><title>Login</title></head><body><form></form></body></html>\n', 'http://h/metrics'),
    /^http:\/\/h\/metrics: expected Prometheus text exposition, got an HTML page$/,
  );
  const vars = readFileSync(new URL('../expvar/go1.19-vars.json', dir));
  expectInputError(() => parseExposition(vars, 'v'), /expected Prometheus text exposition, got JSON$/);
  // Cut in the middle of a sample line: the scrape was truncated.
  const body = Buffer.from(read('go1.19-default.txt')).toString('utf8');
  const cutAt = body.indexOf('go_memstats_heap_idle_bytes') + 'go_memstats_heap_idle_bytes 5.9'.length;
  const lineNo = body.slice(0, cutAt).split('\n').length;
  expectInputError(
    () => parseExposition(body.slice(0, cutAt), 'cut'),
    new RegExp(`^cut: Prometheus text exposition truncated at line ${lineNo} \\(no newline at the end\\)$`),
  );
  expectInputError(() => parseExposition(body.slice(0, body.indexOf('go_memstats_heap_idle_bytes') + 5), 'cut2'), /truncated at line \d+/);
  // OpenMetrics cut exactly at a line boundary: only the missing # EOF tells, once we know it is OpenMetrics
  // (from the Content-Type, or from a # UNIT line); without either it is indistinguishable from text format.
  const om = Buffer.from(read('go1.19-default.openmetrics.txt')).toString('utf8');
  const omCut = om.slice(0, om.indexOf('# HELP go_threads'));
  expectInputError(
    () => parseExposition(omCut, 'om', { contentType: 'application/openmetrics-text; version=0.0.1; charset=utf-8' }),
    /^om: OpenMetrics exposition truncated: no # EOF after line \d+$/,
  );
  assert.equal(parseExposition(omCut, 'om').format, 'text-0.0.4');
  const syn = Buffer.from(read('synthesised-go1.21-memstats-disabled.openmetrics.txt')).toString('utf8');
  expectInputError(() => parseExposition(syn.replace('# EOF\n', ''), 'syn'), /no # EOF/);
  expectInputError(() => parseExposition(`${om}go_threads 3\n`, 'om'), /content after # EOF at line \d+/);
  expectInputError(
    () => parseExposition('go_goroutines twelve\n', 'x'),
    /^x: line 1: expected a metric sample, got "go_goroutines twelve" \(expected a number, got "twelve"\)$/,
  );
  expectInputError(() => parseExposition('a{b="c} 1\n', 'x'), /line 1: .*unterminated quoted string/);
  expectInputError(() => parseExposition('# TYPE a countr\na 1\n', 'x'), /line 1: unknown metric type "countr" for a/);
  expectInputError(
    () => memorySampleFromExposition('# TYPE http_requests_total counter\nhttp_requests_total 5\n', 'node'),
    /expected Go runtime metrics \(go_memstats_\*, go_memory_classes_\*\) or process_\* series, found none among 1 metric families/,
  );
  expectInputError(
    () => memorySampleFromExposition('go_memstats_heap_alloc_bytes{instance="a"} 1\ngo_memstats_heap_alloc_bytes{instance="b"} 2\n', 'fed'),
    /expected one process per scrape, got 2 series of go_memstats_heap_alloc_bytes/,
  );
});

test('oversized input is refused with the cap in the message', () => {
  expectInputError(() => parseExposition(read('go1.19-default.txt'), 'big', { maxBytes: 4096 }), /input is \d+ bytes, past the 4096-byte cap/);
  expectInputError(() => parseExposition('x'.repeat(5000), 'big', { maxBytes: 4096 }), /past the 4096-byte cap/);
});

test('live: both collector generations, text and OpenMetrics, parse and agree with the runtime identities', () => {
  requireClientGolang();
  const bin = buildGoProgram('src/sources/testdata/capture/exposition');
  const out = mkdtempSync(join(tmpdir(), 'heapsight-prom-'));
  try {
    for (const collector of ['default', 'runtime-metrics']) {
      execFileSync(bin, ['-out', out, '-collector', collector], { timeout: 60_000 });
      for (const file of ['metrics.txt', 'metrics.openmetrics.txt']) {
        const body = readFileSync(join(out, file));
        const s = memorySampleFromExposition(body, `${collector}/${file}`, { workMetric: 'capture_requests' });
        assertIdentities(s);
        assert.equal(s.work, 300);
        assert.equal(s.heapAlloc, raw(body, 'go_memstats_heap_alloc_bytes'));
        assert.equal(parseExposition(body, file).format, file.includes('openmetrics') ? 'openmetrics-1.0' : 'text-0.0.4');
      }
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
