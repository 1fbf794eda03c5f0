// Checks that every Go example under examples/ really does what its example.json claims, using only
// raw runtime numbers (memstats after a forced GC, heap?debug=1 records, goroutine?debug=1 groups,
// /proc) — never heapsight's own verdict logic. Loads run at a multiple of the spec's rate so the
// whole suite stays well under two minutes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { driveLoad, listExamples, startExample, type LoadResult, type RunningExample } from './example-service.js';

const KiB = 1024;
const MiB = 1024 * KiB;

interface MemStats {
  HeapAlloc: number;
  HeapObjects: number;
  HeapIdle: number;
  HeapReleased: number;
  Sys: number;
  NextGC: number;
  NumGC: number;
  TotalAlloc: number;
  StackInuse: number;
}

interface Vars {
  requests: number;
  mem: MemStats;
  all: Record<string, unknown>;
}

interface HeapRecord {
  inuseObjects: number;
  inuseBytes: number;
  functions: string[];
}

interface GoroutineGroup {
  count: number;
  functions: string[];
}

async function fetchText(url: string): Promise<string> {
  const res = await fetch(url);
  const text = await res.text();
  assert.equal(res.status, 200, `${url}: HTTP ${res.status}`);
  return text;
}

// heap?debug=1 text: "<inuse objs>: <inuse bytes> [<alloc objs>: <alloc bytes>] @ pcs" then "#\tpc\tfunc+off\tfile:line".
// Counts are raw samples (unscaled); the checks below compare a site with itself over time or with
// rough lower bounds that hold for sampled counts.
function parseHeapText(text: string): HeapRecord[] {
  const records: HeapRecord[] = [];
  let cur: HeapRecord | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('# runtime.MemStats')) break;
    const head = /^(\d+): (\d+) \[\d+: \d+\] @/.exec(line);
    if (head) {
      cur = { inuseObjects: Number(head[1]), inuseBytes: Number(head[2]), functions: [] };
      records.push(cur);
      continue;
    }
    const frame = /^#\s+0x[0-9a-f]+\s+(\S+?)\+0x[0-9a-f]+\s/.exec(line);
    if (frame && cur) cur.functions.push(frame[1]);
  }
  return records;
}

function parseGoroutineText(text: string): { total: number; groups: GoroutineGroup[] } {
  const total = /^goroutine profile: total (\d+)/.exec(text);
  assert.ok(total, `not a goroutine debug=1 profile: ${text.slice(0, 60)}`);
  const groups: GoroutineGroup[] = [];
  for (const line of text.split('\n')) {
    const head = /^(\d+) @ /.exec(line);
    if (head) groups.push({ count: Number(head[1]), functions: [] });
    const frame = /^#\s+0x[0-9a-f]+\s+(\S+?)\+0x[0-9a-f]+\s/.exec(line);
    if (frame && groups.length) groups[groups.length - 1].functions.push(frame[1]);
  }
  return { total: Number(total[1]), groups };
}

const inuseWith = (heap: HeapRecord[], fn: string, want = true) => heap.filter((r) => r.functions.includes(fn) === want).reduce((s, r) => s + r.inuseBytes, 0);

// Buffers the probe's own requests leave in sync.Pools (profile and JSON writers) are not the service's.
const probeArtefact = (r: HeapRecord) => r.functions.some((f) => /^(runtime\/pprof|net\/http\/pprof|expvar)\./.test(f));

const goroutinesWith = (g: { groups: GoroutineGroup[] }, fn: string) => g.groups.filter((gr) => gr.functions.includes(fn)).reduce((s, gr) => s + gr.count, 0);

/** A client connection kept per request: one readLoop and one writeLoop goroutine each. Returns the readLoops' groups. */
function oneConnectionPerRequest(g: { groups: GoroutineGroup[] }, served: number): GoroutineGroup[] {
  assert.equal(goroutinesWith(g, 'net/http.(*persistConn).readLoop'), served, 'one readLoop per request');
  assert.equal(goroutinesWith(g, 'net/http.(*persistConn).writeLoop'), served, 'one writeLoop per request');
  return g.groups.filter((gr) => gr.functions.includes('net/http.(*persistConn).readLoop'));
}

/** kB fields of /proc/<pid>/status and smaps_rollup, in bytes. */
function procMemory(pid: number): { VmRSS: number; VmHWM: number; RssAnon: number; LazyFree: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8') + readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    assert.ok(m, `/proc/${pid}: no ${key}`);
    return Number(m[1]) * KiB;
  };
  return { VmRSS: kb('VmRSS'), VmHWM: kb('VmHWM'), RssAnon: kb('RssAnon'), LazyFree: kb('LazyFree') };
}

class Probe {
  served = 0;
  constructor(readonly ex: RunningExample) {}

  async vars(): Promise<Vars> {
    // Only memstats fields far below 2^53 are read, so JSON.parse's precision loss on LastGC is harmless.
    const all = JSON.parse(await fetchText(`${this.ex.url}/debug/vars`)) as Record<string, unknown>;
    return { requests: Number(all.requests), mem: all.memstats as MemStats, all };
  }

  /** Force a GC through the heap profile endpoint, then read memstats: the live heap as of that GC. */
  async afterGc(): Promise<{ heap: HeapRecord[]; vars: Vars }> {
    // Twice: runtime.GC publishes the heap profile only if no other GC cycle began while it swept,
    // so a single forced GC can leave the previous cycle's profile in place.
    await fetchText(`${this.ex.url}/debug/pprof/heap?gc=1&debug=1`);
    const heap = parseHeapText(await fetchText(`${this.ex.url}/debug/pprof/heap?gc=1&debug=1`));
    return { heap, vars: await this.vars() };
  }

  async goroutines() {
    return parseGoroutineText(await fetchText(`${this.ex.url}/debug/pprof/goroutine?debug=1`));
  }

  /** Server-side connection goroutines (and their 4 KiB bufio buffers). */
  async serverConns(): Promise<number> {
    return goroutinesWith(await this.goroutines(), 'net/http.(*conn).serve');
  }

  /** Wait states (debug=2 header brackets, minutes dropped) of goroutines with `fn` on their stack, and their creators. */
  async goroutineStates(fn: string): Promise<{ states: Record<string, number>; createdBy: Record<string, number> }> {
    const text = await fetchText(`${this.ex.url}/debug/pprof/goroutine?debug=2`);
    const states: Record<string, number> = {};
    const createdBy: Record<string, number> = {};
    for (const block of text.split('\n\n')) {
      const head = /^goroutine \d+ \[([^\],]*)/.exec(block);
      if (!head || !block.includes(`\n${fn}(`)) continue;
      states[head[1]] = (states[head[1]] ?? 0) + 1;
      const creator = /\ncreated by (\S+)/.exec(block)?.[1] ?? '?';
      createdBy[creator] = (createdBy[creator] ?? 0) + 1;
    }
    return { states, createdBy };
  }

  async load(durationMs: number, rpsScale: number): Promise<LoadResult> {
    const spec = this.ex.spec.load;
    const connsBefore = await this.serverConns();
    const r = await driveLoad(this.ex.url, { ...spec, rps: spec.rps * rpsScale }, { durationMs });
    // The driver has closed its sockets, but the server notices a moment later; snapshots taken
    // before that would count the load's connection buffers as growth. Bounded wait, no assertion:
    // unclosed-body's upstream connections legitimately outlive the load for its 2 s idle timeout.
    for (let i = 0; i < 20 && (await this.serverConns()) > connsBefore; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(r.errors, 0, `${this.ex.spec.name}: load errors`);
    assert.ok(r.requests > 0, `${this.ex.spec.name}: no request succeeded`);
    this.served += r.requests + r.bursts;
    const v = await this.vars();
    assert.equal(v.requests, this.served, 'expvar "requests" counts every work request served');
    return r;
  }

  async metrics(): Promise<string> {
    return fetchText(`${this.ex.url}/metrics`);
  }
}

/** Load in two equal phases with a forced-GC snapshot after each; for leak/no-leak growth checks. */
async function twoPhases(p: Probe, durationMs: number, rpsScale: number) {
  await p.load(durationMs, rpsScale);
  const a = await p.afterGc();
  const r = await p.load(durationMs, rpsScale);
  const b = await p.afterGc();
  return { a, b, r };
}

function describeGrowth(a: HeapRecord[], b: HeapRecord[], fn: string): string {
  const sum = (recs: HeapRecord[]) => {
    const m = new Map<string, number>();
    for (const r of recs)
      if (!r.functions.includes(fn) && !probeArtefact(r))
        m.set(r.functions.slice(0, 3).join('<'), (m.get(r.functions.slice(0, 3).join('<')) ?? 0) + r.inuseBytes);
    return m;
  };
  const ma = sum(a);
  const mb = sum(b);
  return [...new Set([...ma.keys(), ...mb.keys()])]
    .map((k) => [k, (mb.get(k) ?? 0) - (ma.get(k) ?? 0)] as const)
    .filter(([, d]) => d > 0)
    .sort((x, y) => y[1] - x[1])
    .slice(0, 4)
    .map(([k, d]) => `${d} ${k}`)
    .join('; ');
}

/** The expected culprit's retained bytes grow, and grow more than everything else together. */
function assertCulpritGrows(a: HeapRecord[], b: HeapRecord[], fn: string, minBytes: number) {
  const culprit = inuseWith(b, fn) - inuseWith(a, fn);
  const service = (h: HeapRecord[]) => h.filter((r) => !probeArtefact(r));
  const others = inuseWith(service(b), fn, false) - inuseWith(service(a), fn, false);
  assert.ok(culprit >= minBytes, `${fn}: sampled inuse grew ${culprit} B (${inuseWith(a, fn)} -> ${inuseWith(b, fn)}), want >= ${minBytes}`);
  assert.ok(culprit > others, `${fn}: grew ${culprit} B but the other sites grew ${others} B: ${describeGrowth(a, b, fn)}`);
}

// Most of a leaked connection's memory (the 4 KiB bufio buffers) is allocated in the Transport's own
// dial goroutine, whose stack has no user frame; main.callUpstream only shows through the smaller
// objects it allocates itself (the Request, or the Transport) that the connection keeps alive.
function assertTransportGrowth(a: HeapRecord[], b: HeapRecord[]) {
  const dial = inuseWith(b, 'net/http.(*Transport).dialConn') - inuseWith(a, 'net/http.(*Transport).dialConn');
  assert.ok(dial >= 16 * KiB, `connection buffers from dialConn grew ${dial} B`);
  // Those objects are few and small, so sampled growth between two phases is noisy; before the load
  // nothing had been allocated there at all, so being retained after two phases and a GC is the claim.
  assert.ok(inuseWith(b, 'main.callUpstream') > 0, 'objects allocated under main.callUpstream are retained');
}

async function assertMetricsServed(p: Probe) {
  const text = await p.metrics();
  const m = /^work_requests_total (\d+)$/m.exec(text);
  assert.ok(m, '/metrics has work_requests_total');
  assert.ok(Number(m[1]) >= p.served, 'work_requests_total counts the work requests');
  assert.match(text, /^go_memstats_heap_alloc_bytes /m);
  return text;
}

type Check = { args?: string[]; run: (p: Probe) => Promise<void> };

async function retainedBurst(p: Probe, madvFree: boolean) {
  const base = await p.afterGc();
  const r = await p.load(1500, 1);
  assert.equal(r.bursts, 1);
  const after = await p.afterGc();
  const m = after.vars.mem;
  assert.ok(m.TotalAlloc - base.vars.mem.TotalAlloc >= 200 * MiB, 'the burst allocated 200 MiB');
  assert.ok(m.HeapAlloc < base.vars.mem.HeapAlloc + 16 * MiB, `live heap back near baseline: ${m.HeapAlloc}`);
  // Right after the GC the runtime still holds a good part of the freed burst (the scavenger is paced,
  // not immediate). How much is left by the time this reads it depends on how busy the machine was in
  // between — a loaded CI host gave 105 MiB where a quiet one gives ~190 — so the claim is a third.
  assert.ok(m.HeapIdle - m.HeapReleased >= 64 * MiB, `freed burst retained as idle heap: ${m.HeapIdle - m.HeapReleased}`);
  assert.ok(procMemory(p.ex.pid).VmHWM >= 200 * MiB, 'the burst was resident');

  // The background scavenger is paced (about 1% of one CPU in Go 1.19), so how fast it gets through
  // 200 MiB depends on what madvise costs on this machine: a slow VM once needed more than 10 s. The
  // claim is that it releases most of the burst on its own, so wait for that, bounded at 60 s, and
  // compare RSS against what was actually released rather than against a fixed figure.
  let released = 0;
  for (let i = 0; i < 300 && released < 120 * MiB; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Counted from before the burst: what the scavenger released before the read above counts too.
    released = (await p.vars()).mem.HeapReleased - base.vars.mem.HeapReleased;
  }
  assert.ok(released >= 120 * MiB, `scavenger released ${released} B of the burst within 60 s`);
  const proc = procMemory(p.ex.pid);
  if (madvFree) {
    assert.ok(proc.VmRSS >= proc.VmHWM - 48 * MiB, `MADV_FREE: RSS stays high (${proc.VmRSS} of peak ${proc.VmHWM})`);
    assert.ok(proc.LazyFree >= 100 * MiB, `MADV_FREE: released pages show as LazyFree (${proc.LazyFree})`);
  } else {
    assert.ok(proc.VmRSS <= proc.VmHWM - 100 * MiB, `MADV_DONTNEED: RSS falls (${proc.VmRSS} of peak ${proc.VmHWM}, ${released} B released)`);
    assert.ok(proc.LazyFree < 16 * MiB);
  }
}

async function heapLeak(p: Probe, perRequestBytes: number, objectsPerRequest: number, rpsScale: number) {
  const { a, b, r } = await twoPhases(p, 1500, rpsScale);
  const dObjects = b.vars.mem.HeapObjects - a.vars.mem.HeapObjects;
  const dBytes = b.vars.mem.HeapAlloc - a.vars.mem.HeapAlloc;
  assert.ok(dObjects >= objectsPerRequest * r.requests, `HeapObjects grew ${dObjects} for ${r.requests} requests`);
  assert.ok(dBytes >= perRequestBytes * r.requests, `live heap grew ${dBytes} B for ${r.requests} requests`);
  return { a, b, r };
}

const checks: Record<string, Check> = {
  'retained-after-burst': { run: (p) => retainedBurst(p, false) },
  'retained-madvfree': { run: (p) => retainedBurst(p, true) },

  'steady-churn': {
    async run(p) {
      const { a, b, r } = await twoPhases(p, 1500, 2);
      const ma = a.vars.mem;
      const mb = b.vars.mem;
      assert.ok(Math.abs(mb.HeapAlloc - ma.HeapAlloc) < 1 * MiB, `live heap flat: ${ma.HeapAlloc} -> ${mb.HeapAlloc}`);
      assert.ok((mb.TotalAlloc - ma.TotalAlloc) / r.requests >= 50 * KiB, 'churns >= 50 KiB per request');
      assert.ok(mb.NumGC - ma.NumGC >= 5, `many GCs under churn: ${mb.NumGC - ma.NumGC}`);
      await assertMetricsServed(p);
    },
  },

  'bounded-cache': {
    args: ['-entries', '500'],
    async run(p) {
      const base = await p.afterGc();
      const { a, b, r } = await twoPhases(p, 2000, 4);
      assert.equal(a.vars.all.cache_entries, 500, 'cache full after the first phase');
      assert.equal(b.vars.all.cache_entries, 500, 'cache stays at its bound');
      const evicted = Number(b.vars.all.cache_evictions) - Number(a.vars.all.cache_evictions);
      assert.ok(evicted >= 0.95 * r.requests, `evicts as it inserts: ${evicted} for ${r.requests}`);
      assert.ok(a.vars.mem.HeapAlloc - base.vars.mem.HeapAlloc >= 0.8 * 500 * 2 * KiB, 'filling the cache grew the heap');
      assert.ok(Math.abs(b.vars.mem.HeapAlloc - a.vars.mem.HeapAlloc) < 512 * KiB, 'then the heap plateaus');
    },
  },

  'gogc400-stable': {
    async run(p) {
      const base = (await p.afterGc()).vars.mem;
      assert.ok(base.HeapAlloc >= 48 * MiB && base.HeapAlloc < 64 * MiB, `48 MiB table live: ${base.HeapAlloc}`);
      const ratio = base.NextGC / base.HeapAlloc;
      assert.ok(ratio >= 4.5 && ratio <= 5.5, `GOGC=400 heap goal is ~5x the live heap: ${ratio.toFixed(2)}`);
      await p.load(2000, 2);
      const before = (await p.vars()).mem;
      // 400 requests x 64 KiB = 25 MiB of garbage, and the goal is ~200 MiB away: no GC in between.
      assert.ok(before.HeapAlloc - base.HeapAlloc >= 16 * MiB, 'garbage accumulates towards the distant goal');
      const after = (await p.afterGc()).vars.mem;
      assert.ok(Math.abs(after.HeapAlloc - base.HeapAlloc) < 2 * MiB, `post-GC live heap unchanged: ${after.HeapAlloc}`);
      await assertMetricsServed(p);
    },
  },

  memlimit: {
    async run(p) {
      const base = (await p.afterGc()).vars.mem;
      assert.ok(base.HeapAlloc >= 96 * MiB, `96 MiB table live: ${base.HeapAlloc}`);
      assert.ok(base.NextGC <= 150 * MiB, `GOMEMLIMIT caps the goal below GOGC's ~2x: ${base.NextGC}`);
      await p.load(4000, 2);
      const during = (await p.vars()).mem;
      assert.ok(during.NumGC - base.NumGC >= 2, `the limit makes GCs frequent: ${during.NumGC - base.NumGC}`);
      assert.ok(during.Sys - during.HeapReleased <= 160 * MiB, `Sys-HeapReleased near the limit: ${during.Sys - during.HeapReleased}`);
      const after = (await p.afterGc()).vars.mem;
      assert.ok(Math.abs(after.HeapAlloc - base.HeapAlloc) < 2 * MiB, 'post-GC live heap unchanged');
      const text = await assertMetricsServed(p);
      assert.match(text, /^go_gc_heap_goal_bytes /m, 'runtime/metrics series exported by the custom registry');
      assert.match(text, /^go_gc_limiter_last_enabled_gc_cycle /m);
      assert.match(text, /^go_memory_classes_heap_released_bytes /m);
    },
  },

  'worker-pool': {
    async run(p) {
      await p.load(1500, 1);
      const g1 = await p.goroutines();
      const r = await p.load(1500, 1);
      const g2 = await p.goroutines();
      assert.equal(goroutinesWith(g2, 'main.worker'), 4, 'pool stays at 4 workers');
      assert.ok(g2.total <= g1.total + 2, `goroutines flat: ${g1.total} -> ${g2.total} after ${r.requests} more requests`);
    },
  },

  'map-leak': {
    async run(p) {
      const { a, b } = await heapLeak(p, 1 * KiB, 2, 4);
      assertCulpritGrows(a.heap, b.heap, 'main.rememberSession', 32 * KiB);
      await assertMetricsServed(p);
    },
  },

  'syncmap-leak': {
    async run(p) {
      const { a, b } = await heapLeak(p, 1 * KiB, 2, 4);
      assertCulpritGrows(a.heap, b.heap, 'main.trackRequest', 32 * KiB);
    },
  },

  'goroutine-leak': {
    async run(p) {
      await p.load(1500, 4);
      const g1 = await p.goroutines();
      assert.equal(goroutinesWith(g1, 'main.awaitReply'), p.served, 'one blocked goroutine per request');
      const before = (await p.vars()).mem;
      await p.load(1500, 4);
      const g2 = await p.goroutines();
      assert.equal(goroutinesWith(g2, 'main.awaitReply'), p.served, 'and they never exit');
      const after = (await p.vars()).mem;
      assert.ok(after.StackInuse > before.StackInuse, 'stacks grow with them');
      assert.deepEqual(await p.goroutineStates('main.awaitReply'), {
        states: { 'chan receive': p.served },
        createdBy: { 'main.handleWork': p.served },
      });
      await assertMetricsServed(p);
    },
  },

  'unclosed-body': {
    async run(p) {
      const { a, b } = await twoPhases(p, 2000, 10);
      const g = await p.goroutines();
      const readLoops = oneConnectionPerRequest(g, p.served);
      assert.ok(
        readLoops.every((gr) => !gr.functions.includes('bufio.(*Reader).Peek')),
        'readLoop waits for the body, not in IO',
      );
      assert.deepEqual((await p.goroutineStates('net/http.(*persistConn).readLoop')).states, { select: p.served });
      assertTransportGrowth(a.heap, b.heap);
    },
  },

  'transport-per-request': {
    async run(p) {
      const { a, b } = await twoPhases(p, 2000, 10);
      const g = await p.goroutines();
      const readLoops = oneConnectionPerRequest(g, p.served);
      assert.ok(
        readLoops.every((gr) => gr.functions.includes('bufio.(*Reader).Peek')),
        'idle readLoops wait in IO (Peek)',
      );
      assert.deepEqual((await p.goroutineStates('net/http.(*persistConn).readLoop')).states, { 'IO wait': p.served });
      assertTransportGrowth(a.heap, b.heap);
    },
  },

  'ticker-leak': {
    async run(p) {
      const { a, b } = await heapLeak(p, 150, 2, 2);
      assertCulpritGrows(a.heap, b.heap, 'main.startKeepalive', 4 * KiB);
    },
  },

  'subslice-retention': {
    async run(p) {
      const { a, b, r } = await heapLeak(p, 60 * KiB, 1, 5);
      const grown = b.vars.mem.HeapAlloc - a.vars.mem.HeapAlloc;
      assert.ok(grown <= 1.5 * 64 * KiB * r.requests, `about 64 KiB per request, not more: ${grown}`);
      assertCulpritGrows(a.heap, b.heap, 'main.readDocument', 0.8 * 64 * KiB * r.requests);
    },
  },

  'small-leak-heavy-churn': {
    async run(p) {
      const { a, b, r } = await heapLeak(p, 200, 1, 4);
      const churn = (b.vars.mem.TotalAlloc - a.vars.mem.TotalAlloc) / r.requests;
      assert.ok(churn >= 150 * KiB, `heavy churn per request: ${churn}`);
      assertCulpritGrows(a.heap, b.heap, 'main.recordAudit', 2 * KiB);
    },
  },

  'cgo-leak': {
    async run(p) {
      await p.load(1500, 10);
      const a = await p.afterGc();
      const rssA = procMemory(p.ex.pid).RssAnon;
      const r = await p.load(1500, 10);
      const b = await p.afterGc();
      const rssB = procMemory(p.ex.pid).RssAnon;
      assert.equal(b.vars.all.c_frames_leaked, p.served);
      assert.ok(rssB - rssA >= 0.8 * 32 * KiB * r.requests, `RssAnon grew ${rssB - rssA} B for ${r.requests} x 32 KiB`);
      const goHeap = b.vars.mem.HeapAlloc - a.vars.mem.HeapAlloc;
      const goMapped = b.vars.mem.Sys - b.vars.mem.HeapReleased - (a.vars.mem.Sys - a.vars.mem.HeapReleased);
      assert.ok(goHeap < 512 * KiB, `Go heap flat: ${goHeap}`);
      assert.ok(goMapped < 0.25 * (rssB - rssA), `Go's own mapped memory explains little of it: ${goMapped}`);
      const text = await assertMetricsServed(p);
      assert.match(text, /^process_resident_memory_bytes /m);
    },
  },
};

const names = listExamples();

test('every example has a run spec and a behaviour check', () => {
  assert.ok(names.length >= 14, `examples found: ${names.join(', ')}`);
  assert.deepEqual(
    names.filter((n) => !checks[n]),
    [],
    'examples without a check',
  );
  assert.deepEqual(
    Object.keys(checks)
      .filter((n) => !names.includes(n))
      .sort(),
    [],
    'checks without an example',
  );
});

for (const name of names) {
  test(`example ${name} behaves as its example.json says`, async (t) => {
    const check = checks[name];
    assert.ok(check, `no check for ${name}`);
    const ex = await startExample(name, { args: check.args });
    t.after(() => ex.stop());
    const p = new Probe(ex);
    await check.run(p);
    // The endpoints a recorder polls, in the formats it expects.
    const heap = new Uint8Array(await (await fetch(`${ex.url}/debug/pprof/heap`)).arrayBuffer());
    assert.deepEqual([heap[0], heap[1]], [0x1f, 0x8b], 'heap profile is gzip-compressed protobuf');
    assert.ok((await p.goroutines()).total >= 1);
    assert.ok(p.served > 0 && (await p.vars()).requests === p.served);
  });
}

test('startExample fails loudly when the service exits before listening, and stop() ends the process', async () => {
  await assert.rejects(startExample('worker-pool', { args: ['-no-such-flag'] }), /exited \(code 2.*before listening.*no-such-flag/);
  const ex = await startExample('worker-pool');
  await ex.stop();
  assert.throws(() => process.kill(ex.pid, 0), { code: 'ESRCH' });
});

test('driveLoad paces a fixed number of requests and gctrace lines reach stderrLines', async (t) => {
  const ex = await startExample('steady-churn', { gctrace: true });
  t.after(() => ex.stop());
  const r = await driveLoad(ex.url, { path: '/work', rps: 40, concurrency: 2 }, { durationMs: 1000 });
  assert.deepEqual(r, { requests: 40, errors: 0, bursts: 0 });
  assert.ok(
    ex.stderrLines().some((l) => /^gc \d+ @[\d.]+s \d+%: /.test(l)),
    'gctrace lines captured',
  );
  await assert.rejects(driveLoad('http://192.0.2.1:80', { path: '/work', rps: 1, concurrency: 1 }, { durationMs: 10 }), /loopback/);
});
