import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { enclosingFunction, goroutineProof } from './goroutine-proof.js';
import { goroutineSnapshotFromProfile } from '../sources/goroutine-proto.js';
import { readGoroutineDebug2 } from '../sources/goroutine-text.js';
import { parsePprof } from '../sources/pprof/decode.js';

// Real Go 1.27 captures: see src/sources/testdata/goroutineleak/gen/main.go for what they hold.
const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'sources', 'testdata', 'goroutineleak');
const proto = () => goroutineSnapshotFromProfile(parsePprof(readFileSync(join(dir, 'debug0.pb.gz')), 'debug0'), 'debug0');

test('proof from the proto alone: sites by blocked frame, the starter from the closure name', () => {
  const p = goroutineProof([proto()])!;
  assert.equal(p.total, 53);
  assert.deepEqual(
    p.sites.map((s) => [s.count, s.function, s.startedBy?.function, s.startedBy?.from]),
    [
      [50, 'main.leakSends.func1', 'main.leakSends', 'closure-name'],
      [3, 'main.selectForever', undefined, undefined],
    ],
  );
  assert.ok(p.sites.every((s) => s.stack.every((f) => !f.function.startsWith('runtime.'))));
  assert.deepEqual(p.sites[1].labels, { role: 'selector' });
});

test('proof with the debug=2 dump: the starter from `created by`, the wait reason from the state', async () => {
  const dump = await readGoroutineDebug2(readFileSync(join(dir, 'debug2.txt')), 'debug2');
  const p = goroutineProof([proto()], [dump])!;
  const sel = p.sites.find((s) => s.function === 'main.selectForever')!;
  assert.equal(sel.startedBy?.function, 'main.leakSelects.func1');
  assert.equal(sel.startedBy?.from, 'created-by');
  // The dump alone proves the same goroutines.
  const alone = goroutineProof([], [dump])!;
  assert.equal(alone.total, 53);
  assert.deepEqual(
    alone.sites.map((s) => [s.count, s.state, s.startedBy?.function]),
    [
      [50, 'chan send', 'main.leakSends'],
      [3, 'select', 'main.leakSelects.func1'],
    ],
  );
});

test('no leak marks, no proof; an empty leak profile proves nothing', () => {
  assert.equal(goroutineProof([]), undefined);
  const empty = { ...proto(), groups: [], total: 0 };
  assert.equal(goroutineProof([empty]), undefined);
});

test('only the latest marked snapshot counts: a site gone from it is not reported', () => {
  const a = { ...proto(), t: 1000 };
  const b = { ...proto(), t: 2000, groups: proto().groups.filter((g) => g.count === 3) };
  assert.deepEqual(
    goroutineProof([a, b])!.sites.map((s) => s.count),
    [3],
  );
  assert.deepEqual(
    goroutineProof([b, a])!.sites.map((s) => s.count),
    [3],
  );
});

test('enclosingFunction: closures name their definer, plain functions none', () => {
  assert.equal(enclosingFunction('main.leakSends.func1'), 'main.leakSends');
  assert.equal(enclosingFunction('example.com/x.(*S).run.func2.1'), 'example.com/x.(*S).run');
  assert.equal(enclosingFunction('main.worker.gowrap1'), 'main.worker');
  assert.equal(enclosingFunction('main.worker'), undefined);
});

test('a proof that makes the verdict goroutine-leak puts goroutine culprits first, the proven site before the rest', async () => {
  const { applyGoroutineProof } = await import('./goroutine-proof.js');
  const c = (kind: 'heap' | 'goroutine', fn: string) => ({ kind, function: fn }) as unknown as import('./findings.js').Culprit;
  const make = (verdict: string) =>
    ({
      verdict,
      confidence: 0.5,
      culprits: [c('heap', 'main.handleWork'), c('goroutine', 'main.other'), c('goroutine', 'main.leakSends.func1'), c('heap', 'main.b')],
      evidence: { reasons: [] },
    }) as unknown as import('./findings.js').Findings;
  const f = make('inconclusive');
  applyGoroutineProof(f, goroutineProof([proto()]));
  assert.equal(f.verdict, 'goroutine-leak');
  assert.deepEqual(
    f.culprits.map((x) => x.function),
    ['main.leakSends.func1', 'main.other', 'main.handleWork', 'main.b'],
  );
  // A heap leak keeps its verdict and its heap-first ranking; the proof is evidence beside it.
  const h = make('heap-leak');
  applyGoroutineProof(h, goroutineProof([proto()]));
  assert.equal(h.verdict, 'heap-leak');
  assert.deepEqual(
    h.culprits.map((x) => x.function),
    ['main.handleWork', 'main.other', 'main.leakSends.func1', 'main.b'],
  );
});
