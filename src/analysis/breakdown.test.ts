import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExpvar } from '../sources/expvar.js';
import { parseProcStatus, parseSmapsRollup } from '../sources/procfs.js';
import { repoRoot } from '../test-support/toolchain.js';
import { goMapped, memoryBreakdown } from './breakdown.js';

const td = (p: string) => readFileSync(join(repoRoot, 'src/sources/testdata', p));

test('the Go parts add up to Sys − HeapReleased exactly (real go1.19 /debug/vars)', () => {
  const s = parseExpvar(td('expvar/go1.19-vars.json'), 'vars');
  const live = Math.round(s.heapAlloc! * 0.6);
  const b = memoryBreakdown(s, live);
  const goParts = b.parts.filter((p) => p.id !== 'non-go' && p.id !== 'lazy-free');
  const sum = goParts.reduce((a, p) => a + p.bytes, 0);
  assert.equal(sum, goMapped(s));
  assert.equal(b.parts.find((p) => p.id === 'live-heap')!.bytes, live);
  assert.equal(b.parts.find((p) => p.id === 'dead-not-yet-collected')!.bytes, s.heapAlloc! - live);
  assert.equal(b.parts.find((p) => p.id === 'heap-free-retained')!.bytes, s.heapIdle! - s.heapReleased!);
  assert.ok(b.notes.some((n) => /no RSS/.test(n)));
});

test('MADV_FREE: LazyFree is its own part, not non-Go memory (real madvdontneed=0 capture)', () => {
  const status = parseProcStatus(td('proc/status-released-madvfree.txt'));
  const rollup = parseSmapsRollup(td('proc/smaps_rollup-released-madvfree.txt'));
  const vars = parseExpvar(td('expvar/go1.19-vars.json'), 'vars');
  // The capture released a 64 MiB heap under madvdontneed=0: Go numbers to match (Sys ≈ 76 MiB,
  // HeapReleased ≈ 66 MiB); RSS and LazyFree are the captured ones.
  const MiB = 1024 * 1024;
  const s = { ...vars, sys: 76 * MiB, heapReleased: 66 * MiB, heapIdle: 66 * MiB, rss: status.rss, lazyFree: rollup.lazyFree };
  const b = memoryBreakdown(s);
  const lazy = b.parts.find((p) => p.id === 'lazy-free');
  assert.ok(lazy && lazy.bytes > 60 * MiB, `lazy ${lazy?.bytes}`);
  const nonGo = b.parts.find((p) => p.id === 'non-go')!;
  assert.equal(nonGo.bytes, Math.max(0, s.rss! - goMapped(s)! - s.lazyFree!));
  assert.ok(nonGo.bytes < 8 * MiB, 'released pages are not blamed on cgo/mmap');
});

test('RSS below Go-mapped memory: non-Go clamped to 0 with a note', () => {
  const MiB = 1024 * 1024;
  const b = memoryBreakdown({ source: 'expvar', sys: 100 * MiB, heapReleased: 10 * MiB, heapAlloc: 20 * MiB, rss: 60 * MiB });
  assert.equal(b.parts.find((p) => p.id === 'non-go')!.bytes, 0);
  assert.ok(b.notes.some((n) => /below Go-mapped/.test(n)));
});

test('deltas against the first sample of the process', () => {
  const MiB = 1024 * 1024;
  const first = { source: 'expvar' as const, sys: 50 * MiB, heapReleased: 0, heapAlloc: 10 * MiB, heapIdle: 0, heapInuse: 10 * MiB, rss: 60 * MiB };
  const last = { ...first, heapAlloc: 30 * MiB, heapInuse: 30 * MiB, sys: 70 * MiB, rss: 80 * MiB };
  const b = memoryBreakdown(last, 25 * MiB, first, 8 * MiB);
  assert.equal(b.parts.find((p) => p.id === 'live-heap')!.delta, 17 * MiB);
});
