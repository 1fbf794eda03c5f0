import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TimedProfile } from '../model/recording.js';
import { parsePprof } from '../sources/pprof/decode.js';
import { goroutineSnapshotFromProfile } from '../sources/goroutine-proto.js';
import { goroutineCulprits, heapCulprits } from './culprits.js';
import { goroutinePattern, offHeapPattern, refineHttpPatterns, subsliceFix } from './patterns.js';

const testdata = join(dirname(fileURLToPath(import.meta.url)), 'testdata');

function loadHeap(dir: string): TimedProfile[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith('heap-'))
    .sort((a, b) => Number(/(\d+)\./.exec(a)![1]) - Number(/(\d+)\./.exec(b)![1]))
    .map((f) => {
      const profile = parsePprof(readFileSync(join(dir, f)), f);
      return { t: Number(profile.timeNanos / 1_000_000n), origin: f, profile };
    });
}

test('versions in runtime.Version() and go.mod spellings both steer the advice; unknown ones hedge', () => {
  assert.match(subsliceFix('1.21'), /bytes\.Clone\(s\)/);
  assert.match(subsliceFix('go1.21rc2'), /bytes\.Clone\(s\)/);
  assert.match(subsliceFix('devel +abc123'), /Go 1\.20\/1\.18\+/);
});

test('copy advice follows the version: bytes.Clone only from 1.20, strings.Clone from 1.18', () => {
  assert.match(subsliceFix('go1.21.0'), /bytes\.Clone\(s\)/);
  const v119 = subsliceFix('go1.19.8');
  assert.match(v119, /strings\.Clone/);
  assert.match(v119, /bytes\.Clone needs Go 1\.20/);
  const v117 = subsliceFix('go1.17.13');
  assert.match(v117, /strings\.Clone needs Go 1\.18/);
  assert.match(subsliceFix(undefined), /Go 1\.20\/1\.18\+/);
});

test('ticker advice mentions Go 1.23 collection only as it applies', () => {
  const dir = join(testdata, 'ticker-524288');
  const [old] = heapCulprits(loadHeap(dir), { goVersion: 'go1.19.8' });
  const [modern] = heapCulprits(loadHeap(dir), { goVersion: 'go1.23.4' });
  const [unknown] = heapCulprits(loadHeap(dir));
  assert.match(old.fix!, /Before Go 1\.23 an unstopped ticker/);
  assert.match(modern.fix!, /go\.mod says go 1\.23 or later/);
  assert.match(unknown.fix!, /go\.mod older than go 1\.23/);
  for (const c of [old, modern, unknown]) assert.equal(c.pattern, 'unstopped-ticker');
});

test('map doubling is not read as a map on Go 1.24+, whose Swiss-table maps grow differently', () => {
  const heap = loadHeap(join(testdata, 'maps-4096'));
  const put = (v: string) => heapCulprits(heap, { goVersion: v }).find((c) => c.function === 'main.(*sessionCache).put');
  assert.equal(put('go1.19.8')?.pattern, 'unbounded-map');
  assert.equal(put('go1.24.1')?.pattern, undefined);
});

test('an append-grown slice is not a map: its arrays grow ≈1.25×, though some pairs are ≈2× apart', () => {
  const src = readFileSync(join(testdata, 'gen/leaks/queue.go'), 'utf8').split('\n');
  const line = src.findIndex((l) => l.includes('// CULPRIT: append')) + 1;
  for (const rate of ['524288', '4096']) {
    const culprits = heapCulprits(loadHeap(join(testdata, `queue-${rate}`)), { goVersion: 'go1.19.8' });
    assert.equal(culprits.length, 1);
    assert.equal(culprits[0].function, 'main.enqueue');
    assert.equal(culprits[0].line, line);
    assert.equal(culprits[0].pattern, undefined);
    // The trap the rule avoids: two of the slice's array sizes are within 3% of 2:1.
    const sizes = loadHeap(join(testdata, `queue-${rate}`))
      .at(-1)!
      .profile.samples.filter((s) => (s.numLabels?.bytes ?? 0) >= 64 << 10)
      .map((s) => s.numLabels!.bytes);
    assert.ok(
      sizes.some((a) => sizes.some((b) => Math.abs(b / a - 2) < 0.06)),
      sizes.join(','),
    );
  }
});

test('a writeLoop pile-up alone gets the generic HTTP advice naming both causes', () => {
  const snaps = readdirSync(join(testdata, 'body-524288'))
    .filter((f) => f.startsWith('goroutine-'))
    .sort((a, b) => Number(/(\d+)\./.exec(a)![1]) - Number(/(\d+)\./.exec(b)![1]))
    .map((f) => goroutineSnapshotFromProfile(parsePprof(readFileSync(join(testdata, 'body-524288', f)), f), f));
  const culprits = goroutineCulprits(snaps);
  const write = culprits.find((c) => c.function === 'net/http.(*persistConn).writeLoop')!;
  const alone = goroutinePattern(write, [write]);
  assert.equal(alone?.pattern, 'unclosed-response-body');
  assert.match(alone!.fix, /IO wait/);
  assert.equal(goroutinePattern(write, culprits)?.pattern, 'unclosed-response-body');
  // No goroutine evidence: heap culprits are returned unchanged.
  const heap = heapCulprits(loadHeap(join(testdata, 'body-4096')));
  assert.deepEqual(refineHttpPatterns(heap, []), heap);
});

test('offHeapPattern gives advice for growth no Go profile can see', () => {
  const p = offHeapPattern();
  assert.equal(p.pattern, 'off-heap-cgo');
  assert.match(p.explanation, /cgo/);
  assert.match(p.fix, /C\.free/);
});
