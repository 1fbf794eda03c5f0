import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { detectFormat, detectInput, type DetectedFormat } from './detect.js';

const testdata = fileURLToPath(new URL('./testdata/', import.meta.url));

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/**
 * What each committed capture is, known from how it was produced (its folder and name, which the
 * detector never sees). Files no rule covers (teammates add testdata all the time) must still be
 * detected without throwing.
 */
const EXPECTED: Array<[RegExp, DetectedFormat]> = [
  [/heap-debug1/, 'heap-debug1'],
  [/goroutine2-[^/]*\.txt(\.gz)?$|goroutine\/debug2\.txt$/, 'goroutine-debug2'],
  [/goroutine1-[^/]*\.txt$|goroutine\/debug1\.txt$/, 'goroutine-debug1'],
  [/\.pb(\.gz)?$/, 'pprof'],
  [/^expvar\//, 'expvar'],
  [/^prometheus\//, 'exposition'],
  [/^gctrace\/.*\.stderr\.txt$|^gctrace\/reference-formats\.txt$|\/gctrace\.log$/, 'gctrace'],
  [/^proc\/status-/, 'proc-status'],
  [/^proc\/smaps_rollup-/, 'smaps-rollup'],
  [/samples\.jsonl$|^samples-jsonl\/.*\.jsonl$/, 'jsonl-samples'],
  [/events\.jsonl$|recording\.json$/, 'unknown'],
];

test('every committed capture under src/sources/testdata is detected by content', () => {
  let checked = 0;
  for (const file of walk(testdata)) {
    const rel = relative(testdata, file);
    if (/\.(go|ts|md|sh|pem)$|\.stdout\.txt$/.test(rel)) continue;
    const bytes = readFileSync(file);
    const got = detectInput(bytes);
    const rule = EXPECTED.find(([re]) => re.test(rel));
    if (rule) {
      assert.equal(got.format, rule[1], `${rel}: ${got.note ?? ''}`);
      checked++;
    }
  }
  // expvar ×2, prometheus ×5, gctrace ×4, pprof, goroutine, proc, samples-jsonl, recording: all present.
  assert.ok(checked >= 30, `checked ${checked} files`);
});

test('gzip: a compressed text dump is detected on its inflated head; raw (inflated) pprof too', () => {
  const debug2 = readFileSync(join(testdata, 'goroutine/debug2.txt'));
  assert.deepEqual(detectInput(gzipSync(debug2)), { format: 'goroutine-debug2', gzip: true });
  const exposition = readFileSync(join(testdata, 'prometheus/go1.19-default.txt'));
  assert.deepEqual(detectInput(gzipSync(exposition)), { format: 'exposition', gzip: true });
  const gz = readFileSync(join(testdata, 'pprof/heap-default.pb.gz'));
  assert.deepEqual(detectInput(gz), { format: 'pprof', gzip: true });
  assert.deepEqual(detectInput(gunzipSync(gz)), { format: 'pprof', gzip: false });
  const goroutineProto = gunzipSync(readFileSync(join(testdata, 'goroutine/debug0.pb.gz')));
  assert.equal(detectFormat(goroutineProto), 'pprof');
  // A profile cut short is still recognisable from its head.
  assert.equal(detectFormat(gz.subarray(0, 200)), 'pprof');
});

test('a gzip bomb is recognised without inflating it', () => {
  const bomb = gzipSync(Buffer.alloc(64 * 2 ** 20, 'goroutine 1 [running]:\n'));
  const t0 = process.hrtime.bigint();
  assert.equal(detectFormat(bomb), 'goroutine-debug2');
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.ok(ms < 500, `took ${ms} ms`);
});

test('html, empty, binary, corrupt gzip, JSON without memstats, heap text: format and note', () => {
  const html = detectInput(Buffer.from('<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body></body></html>'));
  assert.equal(html.format, 'html');
  assert.match(html.note!, /HTML page/);
  assert.deepEqual(detectInput(new Uint8Array(0)), { format: 'unknown', gzip: false, note: 'the input is empty' });
  // Seeded pseudo-random bytes: not text, not a profile.
  let seed = 12345;
  const noise = new Uint8Array(4096);
  for (let i = 0; i < noise.length; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    noise[i] = seed >>> 16;
  }
  const n = detectInput(noise);
  assert.equal(n.format, 'unknown');
  assert.match(n.note!, /binary data that is not a pprof profile/);
  const corrupt = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff]);
  assert.equal(detectInput(corrupt).format, 'unknown');
  assert.equal(detectInput(corrupt).gzip, true);
  const json = detectInput(Buffer.from('{"cmdline":["x"],"requests":3}\n'));
  assert.equal(json.format, 'unknown');
  assert.match(json.note!, /JSON without a memstats object/);
  const heap = detectInput(readFileSync(join(testdata, 'detect/heap-debug1.txt')));
  assert.equal(heap.format, 'heap-debug1');
  assert.equal(heap.note, undefined, 'the text heap profile is read (sources/heap-debug1.ts), so no note');
});

test('text that starts like protobuf field 1 (a newline) is not taken for a profile', () => {
  const debug1 = readFileSync(join(testdata, 'goroutine/debug1.txt'));
  assert.equal(detectFormat(Buffer.concat([Buffer.from('\n\n'), debug1])), 'goroutine-debug1');
  assert.equal(detectFormat(Buffer.from('\nhello\nworld\n')), 'unknown');
});

test('loose variants: exposition without HELP/TYPE, prefixed or docker-wrapped gctrace, single-line expvar', () => {
  assert.equal(detectFormat(Buffer.from('go_goroutines 12\nprocess_resident_memory_bytes 1.2e+07\n')), 'exposition');
  assert.equal(
    detectFormat(
      Buffer.from(
        'starting\n2024-01-01T00:00:00Z stderr F gc 1 @0.010s 3%: 0.01+0.7+0.006 ms clock, 0.02+0.6/0.1/0.3+0.01 ms cpu, 4->4->1 MB, 4 MB goal, 2 P\n',
      ),
    ),
    'gctrace',
  );
  assert.equal(detectFormat(Buffer.from('{"log":"scav 0 KiB work, 3656 KiB total, 71% util\\n","stream":"stderr"}\n')), 'gctrace');
  assert.equal(detectFormat(Buffer.from('{"cmdline":["x"],"memstats":{"HeapAlloc":1}}\n')), 'expvar');
  assert.equal(detectFormat(Buffer.from('{"t":1,"source":"expvar","heapAlloc":1}\n{"t":2,"source":"expvar","heapAlloc":2}\n')), 'jsonl-samples');
  assert.equal(detectFormat(Buffer.from('{"t":1,"kind":"restart","detail":"x"}\n{"t":2,"kind":"gap","detail":"y"}\n')), 'unknown');
});
