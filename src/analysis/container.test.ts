import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CgroupMemory, MemorySample } from '../model/memory.js';
import { CONTAINER_MIN_GROWTH, EDGE_SAMPLES, GOMEMLIMIT_SHARE, LAYER_SHARE, containerAdvice, containerFindings } from './container.js';
import { containerWaterfall } from './breakdown.js';
import { oomKillBetween, splitAtRestarts } from './restarts.js';

const MiB = 1024 * 1024;

/** A cgroup v1 reading: anon, page cache on the file LRU (all inactive), tmpfs. */
function cg(anon: number, pageCache: number, shmem = 0, extra: Partial<CgroupMemory> = {}): CgroupMemory {
  const usage = anon + pageCache + shmem;
  return {
    version: 1,
    usage,
    limit: 96 * MiB,
    anon,
    file: pageCache + shmem,
    activeFile: 0,
    inactiveFile: pageCache,
    shmem,
    workingSet: usage - pageCache,
    oomKills: 0,
    ...extra,
  };
}
function series(n: number, f: (i: number) => CgroupMemory, pid = 1, t0 = 0): MemorySample[] {
  return Array.from({ length: n }, (_, i) => ({
    t: t0 + i * 1000,
    source: 'expvar' as const,
    pid,
    rss: 12 * MiB,
    sys: 16 * MiB,
    heapReleased: 4 * MiB,
    cgroup: f(i),
  }));
}

test('page cache that grows is the growing layer; the working set leaves its inactive part out', () => {
  const s = series(20, (i) => cg(8 * MiB, i * 2 * MiB));
  const c = containerFindings(s, s, [])!;
  assert.equal(c.growingLayer, 'page-cache');
  assert.match(c.reasons[0], /page cache.*reclaims it under pressure/);
  const w = containerWaterfall(s.at(-1)!, 1 * MiB, s[0], 1 * MiB)!;
  const l = (id: string) => w.layers.find((x) => x.id === id)!;
  assert.equal(l('cgroup-usage').bytes, 46 * MiB);
  assert.equal(l('working-set').bytes, 8 * MiB);
  assert.equal(l('page-cache').delta, 38 * MiB);
  assert.equal(l('go-mapped').bytes, 12 * MiB);
  assert.deepEqual(
    w.layers.map((x) => x.id),
    ['cgroup-usage', 'working-set', 'page-cache', 'page-cache-inactive', 'tmpfs', 'cgroup-anon', 'rss', 'go-mapped', 'live-heap'],
  );
});

test('tmpfs growth is its own layer and called real growth', () => {
  const s = series(20, (i) => cg(8 * MiB, 2 * MiB, i * MiB));
  const c = containerFindings(s, s, [])!;
  assert.equal(c.growingLayer, 'tmpfs');
  assert.match(c.reasons[0], /real growth/);
});

test('CONTAINER_MIN_GROWTH: just below it nothing is called growing, just above it is', () => {
  const grow = (total: number) => {
    const s = series(2 * EDGE_SAMPLES, (i) => cg(8 * MiB, i < EDGE_SAMPLES ? 0 : total));
    return containerFindings(s, s, [])!.growingLayer;
  };
  assert.equal(grow(CONTAINER_MIN_GROWTH - 4096), undefined);
  assert.equal(grow(CONTAINER_MIN_GROWTH), 'page-cache');
});

test('LAYER_SHARE: a layer below that share of the growth is not named', () => {
  // 20 MiB growth split evenly (at the share: named), then 45 % page cache / 55 % anon (anon is named).
  const mixed = (cacheShare: number) => {
    const s = series(2 * EDGE_SAMPLES, (i) => (i < EDGE_SAMPLES ? cg(8 * MiB, 0) : cg(8 * MiB + (1 - cacheShare) * 20 * MiB, cacheShare * 20 * MiB)));
    return containerFindings(s, s, [])!.growingLayer;
  };
  assert.equal(mixed(LAYER_SHARE), 'page-cache');
  assert.equal(mixed(0.45), 'anon');
  // Three layers, the largest just under LAYER_SHARE of the growth: no single layer is named.
  const under = LAYER_SHARE - 0.05;
  const s = series(2 * EDGE_SAMPLES, (i) => (i < EDGE_SAMPLES ? cg(8 * MiB, 0) : cg(8 * MiB + 0.35 * 20 * MiB, under * 20 * MiB, (0.65 - under) * 20 * MiB)));
  assert.equal(containerFindings(s, s, [])!.growingLayer, undefined);
});

test('EDGE_SAMPLES: one reading taken mid-writeback at an end does not decide the growth', () => {
  const s = series(12, (i) => cg(8 * MiB, i === 11 ? 40 * MiB : 0));
  assert.equal(containerFindings(s, s, [])!.growingLayer, undefined);
});

test('OOM kills from the cgroup counter: restart cause, count, interval and usage at the kill', () => {
  const life = (pid: number, t0: number, kills: number) => series(10, (i) => cg(40 * MiB + i * 5 * MiB, 1 * MiB, 0, { oomKills: kills }), pid, t0);
  const all = [...life(1, 0, 0), ...life(2, 20_000, 1), ...life(3, 40_000, 2)];
  assert.equal(oomKillBetween(all[9], all[10])!.kills, 1);
  assert.equal(oomKillBetween(all[8], all[9]), undefined);
  const { restarts, segments } = splitAtRestarts(all);
  assert.equal(restarts.length, 2);
  assert.ok(restarts.every((r) => r.cause === 'oom-kill' && r.usageBefore === 86 * MiB && r.limit === 96 * MiB));
  const c = containerFindings(all.slice(segments[2].start), all, restarts)!;
  assert.deepEqual(c.oomKills, { count: 2, meanSecondsBetween: 9, meanUsageBefore: 86 * MiB, limit: 96 * MiB });
  assert.ok(c.reasons.includes('killed by the OOM killer 2 times, every ~9 s at ~86 MiB (limit 96 MiB)'));
});

test('advice against the limit: time to it at the measured rate, GOMEMLIMIT in numbers', () => {
  // Anon grows 1 MiB/s from 20 MiB; tmpfs 4 MiB; Go maps 12 MiB of the anon (sys 16 − released 4).
  const s = series(11, (i) => cg(20 * MiB + i * MiB, 10 * MiB, 4 * MiB));
  const c = containerFindings(s, s, [])!;
  assert.ok(Math.abs(c.workingSetRate! - MiB) < 1);
  // Unreclaimable now 30 + 4 = 34 MiB; 62 MiB to go at 1 MiB/s.
  assert.ok(Math.abs(c.secondsToLimit! - 62) < 0.01);
  const healthy = containerAdvice(c, s.at(-1), false, 'go1.27.0');
  const gml = healthy.find((a) => a.id === 'container-gomemlimit')!;
  const notGo = 30 * MiB - 12 * MiB + 4 * MiB;
  assert.match(gml.text, new RegExp(`GOMEMLIMIT=${Math.floor((GOMEMLIMIT_SHARE * 96 * MiB - notGo) / MiB)}MiB`));
  assert.match(gml.text, /No released Go \(through 1\.27\) derives GOMEMLIMIT from the cgroup/);
  assert.match(containerAdvice(c, s.at(-1), true).find((a) => a.id === 'container-gomemlimit')!.text, /cannot save a real leak/);
  assert.match(healthy.find((a) => a.id === 'container-time-to-limit')!.text, /in about 62 s/);
});
