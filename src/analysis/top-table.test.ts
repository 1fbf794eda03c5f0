import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FunctionTotals, PprofAggregate } from '../model/profile.js';
import { compareNames, diffTable, sortRows, topTable } from './top-table.js';

test('function names sort in UTF-8 byte order, as Go compares strings', () => {
  const names = ['b', 'a', 'ab', '', 'a\u00e9', 'a\uffff', 'a\u{1F600}', 'a\ud7ff', 'a\ue000', 'main.f', 'main.F', 'ä', 'z'];
  const byBytes = (x: string, y: string) => Buffer.compare(Buffer.from(x), Buffer.from(y));
  for (const x of names)
    for (const y of names) assert.equal(Math.sign(compareNames(x, y)), Math.sign(byBytes(x, y)), `${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
});

test('rows sort by |flat| (or |cum|) descending, then name; signed puts growth first', () => {
  const rows = (): FunctionTotals[] => [
    { function: 'b', flat: -5n, cum: 1n },
    { function: 'a', flat: 5n, cum: 2n },
    { function: 'c', flat: 3n, cum: 9n },
  ];
  assert.deepEqual(
    sortRows(rows(), false, false).map((r) => r.function),
    ['a', 'b', 'c'],
  );
  assert.deepEqual(
    sortRows(rows(), true, false).map((r) => r.function),
    ['c', 'a', 'b'],
  );
  assert.deepEqual(
    sortRows(rows(), false, true).map((r) => r.function),
    ['a', 'c', 'b'],
  );
});

/** A two-function aggregate of one sample type, with plain sums. */
function aggregate(functions: string[], flat: bigint[], cum: bigint[], calls: number[] = []): PprofAggregate {
  const view = (xs: bigint[]) => ({ get: (i: number) => xs[i] ?? 0n, isZero: (i: number) => (xs[i] ?? 0n) === 0n });
  const total = flat.reduce((a, b) => a + b, 0n);
  return {
    sampleTypes: [{ type: 'inuse_space', unit: 'bytes' }],
    period: 0n,
    sampleCount: 1,
    functions,
    accumulated: [0],
    flat: view(flat),
    cum: view(cum),
    calls: Uint8Array.from(functions.map((_, i) => calls[i] ?? 0)),
    absTotal: view([total]),
    total: view([total]),
  };
}

test('topTable drops functions with zero flat and cum and marks inlined ones', () => {
  const t = topTable(aggregate(['main.a', 'main.b', 'main.c'], [10n, 0n, 0n], [10n, 10n, 0n], [1, 3, 0]), 0);
  assert.deepEqual(
    t.rows.map((r) => [r.function, r.flat, r.cum, r.inline]),
    [
      ['main.a', 10n, 10n, 'inline'],
      ['main.b', 0n, 10n, 'partial-inline'],
    ],
  );
  assert.equal(t.pprofTotal, 10n);
});

test('diffTable is NEW − BASE per function, growth first, with functions only in one side', () => {
  const base = aggregate(['main.a', 'main.gone'], [10n, 4n], [10n, 4n]);
  const next = aggregate(['main.a', 'main.new'], [25n, 7n], [25n, 7n]);
  const d = diffTable(base, next, 0, 0);
  assert.deepEqual(
    d.rows.map((r) => [r.function, r.flat]),
    [
      ['main.a', 15n],
      ['main.new', 7n],
      ['main.gone', -4n],
    ],
  );
  assert.equal(d.total, 32n - 14n);
  assert.equal(d.base, 14n);
  assert.equal(d.new, 32n);
});
