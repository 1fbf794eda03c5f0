// The goroutineleak profile (Go 1.26 experiment, always on in 1.27) in its three forms, captured from
// testdata/goroutineleak/gen/main.go built with Go 1.27.4. The program's comment says what it holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { goroutineSnapshotFromProfile } from './goroutine-proto.js';
import { parseGoroutineDebug1, readGoroutineDebug2 } from './goroutine-text.js';
import { parsePprof } from './pprof/decode.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'testdata', 'goroutineleak');
const read = (name: string) => readFileSync(join(dir, name));
const userFn = (fns: string[]) => fns.find((f) => f.startsWith('main.'));

test('goroutineleak proto: sample type goroutineleak/count, every group leaked', () => {
  const s = goroutineSnapshotFromProfile(parsePprof(read('debug0.pb.gz'), 'debug0.pb.gz'), 'debug0.pb.gz');
  assert.equal(s.profile, 'goroutineleak');
  assert.equal(s.total, 53);
  const byFn = new Map(s.groups.map((g) => [userFn(g.stack.map((f) => f.function)), g]));
  assert.equal(byFn.get('main.leakSends.func1')?.count, 50);
  assert.equal(byFn.get('main.selectForever')?.count, 3);
  assert.deepEqual(byFn.get('main.selectForever')?.labels, { role: 'selector' });
  assert.ok(s.groups.every((g) => g.leaked === true));
  // The reachable receivers on the global channel and the sleeper are not in it.
  assert.ok(!s.groups.some((g) => g.stack.some((f) => f.function === 'main.recvGlobal')));
});

test('goroutineleak debug=1: "goroutineleak profile: total N" header, groups leaked', () => {
  const s = parseGoroutineDebug1(read('debug1.txt'), 'debug1.txt');
  assert.equal(s.profile, 'goroutineleak');
  assert.equal(s.total, 53);
  assert.deepEqual(s.groups.map((g) => [g.count, g.stack[0].function, g.leaked]).sort(), [
    [3, 'main.selectForever', true],
    [50, 'main.leakSends.func1', true],
  ]);
});

test('goroutineleak debug=2: all goroutines, the "(leaked)" ones marked, the state without the suffix', async () => {
  const s = await readGoroutineDebug2(read('debug2.txt'), 'debug2.txt');
  const leaked = s.groups.filter((g) => g.leaked);
  assert.deepEqual(leaked.map((g) => [g.count, g.state, g.createdBy?.function]).sort(), [
    [3, 'select', 'main.leakSelects.func1'],
    [50, 'chan send', 'main.leakSends'],
  ]);
  const notLeaked = s.groups.filter((g) => !g.leaked);
  // Two `go recvGlobal()` statements: two creators, two groups.
  const receivers = notLeaked.filter((g) => g.state === 'chan receive' && g.stack.some((f) => f.function === 'main.recvGlobal'));
  assert.equal(
    receivers.reduce((n, g) => n + g.count, 0),
    2,
    'receivers on the global channel are not leaked',
  );
  assert.ok(notLeaked.some((g) => g.state === 'sleep'));
  assert.equal(s.total, 57);
});

test('debug=2: the same stack and state, leaked and not, are two groups', async () => {
  const dump = 'goroutine 7 [chan send (leaked)]:\nmain.f()\n\t/a.go:3 +0x1\n\ngoroutine 8 [chan send]:\nmain.f()\n\t/a.go:3 +0x1\n';
  const s = await readGoroutineDebug2(dump, 'x');
  assert.deepEqual(
    s.groups.map((g) => [g.state, g.leaked === true]),
    [
      ['chan send', true],
      ['chan send', false],
    ],
  );
});
