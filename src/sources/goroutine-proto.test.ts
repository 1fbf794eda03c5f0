import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { goroutineSnapshotFromProfile } from './goroutine-proto.js';
import { parsePprof } from './pprof/decode.js';
import { InputError } from './input-error.js';
import type { Profile } from '../model/profile.js';

const here = dirname(fileURLToPath(import.meta.url));
const debug0 = readFileSync(join(here, 'testdata', 'goroutine', 'debug0.pb.gz'));

test('proto goroutine profile from gen/main.go', () => {
  const s = goroutineSnapshotFromProfile(parsePprof(debug0, 'debug0.pb.gz'), 'debug0.pb.gz');
  assert.equal(s.kind, 'proto');
  assert.equal(s.total, 27);
  assert.equal(
    s.groups.reduce((n, g) => n + g.count, 0),
    27,
  );
  // Captured at a known time (the capture script ran in 2026): time_nanos becomes Unix ms.
  assert.ok(s.t !== undefined && s.t > Date.UTC(2026, 0, 1) && s.t < Date.UTC(2027, 0, 1), `t=${s.t}`);
  const recv = s.groups.filter((g) => g.stack.some((f) => f.function === 'main.recvForever'));
  assert.equal(recv.length, 1);
  assert.equal(recv[0].count, 6);
  // Frames are kept as the profile has them: runtime.gopark first, leaf first.
  assert.deepEqual(
    recv[0].stack.map((f) => f.function),
    ['runtime.gopark', 'runtime.chanrecv', 'runtime.chanrecv1', 'main.recvForever'],
  );
  const sel = s.groups.filter((g) => g.stack.some((f) => f.function === 'main.selectForever'));
  assert.deepEqual(
    sel.map((g) => [g.count, g.labels]),
    [[3, { role: 'selector' }]],
  );
  // Inlined frames are expanded from one location: sync.(*Mutex).Lock is inlined into main.lockMutex.
  const lock = s.groups.find((g) => g.stack.some((f) => f.function === 'main.lockMutex'))!;
  const i = lock.stack.findIndex((f) => f.function === 'sync.(*Mutex).Lock');
  assert.equal(lock.stack[i + 1].function, 'main.lockMutex');
  for (const g of s.groups) {
    assert.equal(g.state, undefined);
    assert.equal(g.createdBy, undefined);
  }
});

test('proto: raw (un-gzipped) bytes read the same', () => {
  const a = goroutineSnapshotFromProfile(parsePprof(debug0, 'a'));
  const b = goroutineSnapshotFromProfile(parsePprof(gunzipSync(debug0), 'b'));
  assert.deepEqual(b, a);
});

test('proto: equal stacks with equal labels merge; unsymbolized locations keep their address', () => {
  const p: Profile = {
    sampleTypes: [{ type: 'goroutine', unit: 'count' }],
    period: 1,
    timeNanos: 0n,
    durationNanos: 0n,
    locations: [
      { address: 0x4a2bn, lines: [] },
      { address: 0x10n, lines: [{ function: 'main.f', file: 'main.go', line: 3 }] },
    ],
    samples: [
      { locations: [0, 1], values: [2] },
      { locations: [0, 1], values: [3] },
      { locations: [0, 1], values: [1], labels: { k: 'v' } },
    ],
    comments: [],
  };
  const s = goroutineSnapshotFromProfile(p);
  assert.equal(s.t, undefined);
  assert.equal(s.total, 6);
  assert.deepEqual(
    s.groups.map((g) => [g.count, g.labels, g.stack.map((f) => f.function)]),
    [
      [5, undefined, ['0x4a2b', 'main.f']],
      [1, { k: 'v' }, ['0x4a2b', 'main.f']],
    ],
  );
});

test('proto: wrong inputs are InputErrors', () => {
  const heap = readFileSync(join(here, 'testdata', 'pprof', 'heap-default.pb.gz'));
  assert.throws(
    () => goroutineSnapshotFromProfile(parsePprof(heap, 'heap.pb.gz'), 'heap.pb.gz'),
    (e: unknown) =>
      e instanceof InputError &&
      /expected a goroutine profile \(sample type goroutine\/count or goroutineleak\/count\), got a profile with alloc_objects\/count, alloc_space\/bytes/.test(
        e.message,
      ),
  );
  for (const [bytes, re] of [
    [new Uint8Array(), /got an empty input/],
    [Buffer.from('<html><head><title>Login</title></head></html>'), /got an HTML page/],
    [Buffer.from('{"goroutines": 1}'), /got JSON/],
    [debug0.subarray(0, 1000), /gzip stream truncated at byte 1000/],
  ] as const) {
    assert.throws(
      () => goroutineSnapshotFromProfile(parsePprof(bytes, 'x'), 'x'),
      (e: unknown) => e instanceof InputError && re.test(e.message),
    );
  }
});
