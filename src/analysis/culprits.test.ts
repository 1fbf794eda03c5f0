// Culprits on real profiles written by testdata/gen/leaks (Go 1.19): each case's Go source marks the
// line that leaks with `// CULPRIT: <what>`, and the tests expect exactly that line.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GoroutineSnapshot } from '../model/goroutines.js';
import type { TimedProfile } from '../model/recording.js';
import { parsePprof } from '../sources/pprof/decode.js';
import { goroutineSnapshotFromProfile } from '../sources/goroutine-proto.js';
import { parseGoroutineDebug1, readGoroutineDebug2 } from '../sources/goroutine-text.js';
import { buildGoProgram } from '../test-support/toolchain.js';
import type { Culprit } from './findings.js';
import { goroutineCulprits, heapCulprits, httpRequester } from './culprits.js';
import { attributeHttpConnections, refineHttpPatterns } from './patterns.js';

const here = dirname(fileURLToPath(import.meta.url));
const testdata = join(here, 'testdata');
const genDir = join(testdata, 'gen', 'leaks');

/** Line of the `// <kind>: <what>` marker in a case's Go source. */
function marker(file: string, what: string, kind = 'CULPRIT'): number {
  const lines = readFileSync(join(genDir, file), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(`// ${kind}: ${what}`));
  assert.ok(i >= 0, `marker ${kind}: ${what} in ${file}`);
  return i + 1;
}

function stepFiles(dir: string, prefix: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix))
    .sort((a, b) => Number(/(\d+)\./.exec(a)![1]) - Number(/(\d+)\./.exec(b)![1]));
}

function loadHeap(dir: string): TimedProfile[] {
  return stepFiles(dir, 'heap-').map((f) => {
    const profile = parsePprof(readFileSync(join(dir, f)), f);
    return { t: Number(profile.timeNanos / 1_000_000n), origin: f, profile };
  });
}

function loadGoroutineProto(dir: string): GoroutineSnapshot[] {
  return stepFiles(dir, 'goroutine-').map((f) => goroutineSnapshotFromProfile(parsePprof(readFileSync(join(dir, f)), f), f));
}

async function loadGoroutineDebug2(dir: string): Promise<GoroutineSnapshot[]> {
  return Promise.all(stepFiles(dir, 'goroutine2-').map((f) => readGoroutineDebug2(readFileSync(join(dir, f)), f)));
}

function at(culprits: Culprit[], fn: string, line?: number): Culprit | undefined {
  return culprits.find((c) => c.function === fn && (line === undefined || c.line === line));
}

const RATES = ['524288', '4096'];

for (const rate of RATES) {
  test(`maps @${rate}: the map's values and its insert line are named, the reused scratch buffer is not`, () => {
    const culprits = heapCulprits(loadHeap(join(testdata, `maps-${rate}`)), { goVersion: 'go1.19.8' });
    const value = culprits[0];
    assert.equal(value.function, 'main.newSession');
    assert.equal(value.line, marker('maps.go', 'map value'));
    assert.ok(value.file.endsWith('/maps.go'));
    assert.equal(value.kind, 'heap');
    assert.equal(value.growth.unit, 'bytes');
    assert.equal(value.growth.monotonicity, 1);
    assert.ok(value.growth.share > 0.7, `share ${value.growth.share}`);
    assert.equal(value.growth.series.length, 6);
    assert.equal(value.growth.delta, value.growth.series[5] - value.growth.series[0]);
    assert.ok(value.growth.perMinute! > 0);
    assert.equal(value.stack[0].function, 'main.newSession');

    const insert = at(culprits, 'main.(*sessionCache).put', marker('maps.go', 'map insert'));
    assert.ok(insert, 'map insert line named');
    assert.equal(insert.pattern, 'unbounded-map');
    assert.match(insert.fix!, /evict/);
    // The bucket array is a single big object.
    assert.ok(insert.avgObjectBytes! > 1 << 20);

    assert.equal(culprits.length, 2, culprits.map((c) => `${c.function}:${c.line}`).join(', '));
    // Noise: the scratch site swings by MiBs at this rate but does not rise steadily.
    const scratch = marker('maps.go', 'reused scratch', 'HEALTHY');
    assert.equal(at(heapCulprits(loadHeap(join(testdata, `maps-${rate}`)), { minShare: 0 }), 'main.init.3.func1', scratch), undefined);
  });

  test(`syncmap @${rate}: growth under sync.(*Map).Store is an unbounded sync.Map`, () => {
    const culprits = heapCulprits(loadHeap(join(testdata, `syncmap-${rate}`)));
    assert.equal(culprits[0].function, 'main.remember');
    assert.equal(culprits[0].line, marker('syncmap.go', 'sync.Map store'));
    assert.equal(culprits[0].pattern, 'unbounded-sync-map');
    assert.ok(culprits[0].growth.share > 0.8);
  });

  test(`ticker @${rate}: unstopped tickers are named at the user line calling time.NewTicker`, () => {
    const culprits = heapCulprits(loadHeap(join(testdata, `ticker-${rate}`)), { goVersion: 'go1.19.8' });
    assert.equal(culprits.length, 1);
    assert.equal(culprits[0].function, 'main.subscribe');
    assert.equal(culprits[0].line, marker('ticker.go', 'ticker'));
    assert.equal(culprits[0].pattern, 'unstopped-ticker');
    assert.ok(culprits[0].stack.some((f) => f.function === 'time.NewTicker'));
    assert.match(culprits[0].fix!, /Before Go 1\.23/);
  });

  test(`subslice @${rate}: big io.ReadAll buffers kept alive by small slices`, () => {
    const culprits = heapCulprits(loadHeap(join(testdata, `subslice-${rate}`)), { goVersion: 'go1.19.8' });
    assert.equal(culprits.length, 1);
    assert.equal(culprits[0].function, 'main.readHeader');
    assert.equal(culprits[0].line, marker('subslice.go', 'big read'));
    assert.equal(culprits[0].pattern, 'subslice-retention');
    assert.ok(culprits[0].avgObjectBytes! >= 64 << 10);
    assert.match(culprits[0].fix!, /append\(\[\]byte\(nil\), s\.\.\.\)/);
    assert.doesNotMatch(culprits[0].fix!, /bytes\.Clone\(s\)/);
  });

  test(`healthy @${rate}: a bounded cache and short-lived goroutines give no culprit`, async () => {
    const dir = join(testdata, `healthy-${rate}`);
    assert.deepEqual(heapCulprits(loadHeap(dir)), []);
    if (rate === '524288') {
      assert.deepEqual(goroutineCulprits(loadGoroutineProto(dir)), []);
      assert.deepEqual(goroutineCulprits(await loadGoroutineDebug2(dir)), []);
    }
  });
}

test('a cache that fills in the first step and then stays flat is not a leak (healthy @4096)', () => {
  const heap = loadHeap(join(testdata, 'healthy-4096'));
  const line = marker('healthy.go', 'bounded cache fill', 'HEALTHY');
  // With the noise and monotonicity tests off, the cache line is named: it doubled in the first step
  // and explains most of the growth.
  const unguarded = at(heapCulprits(heap, { noiseZ: 0, minMonotonicity: 0 }), 'main.init.1.func2', line);
  assert.ok(unguarded, 'the warm-up is in the captured data');
  const [first, second] = unguarded.growth.series;
  assert.ok(second > 1.5 * first, `warm-up ${first} → ${second}`);
  assert.ok(unguarded.growth.share > 0.5);
  // Its slope over all six profiles is within the scatter of the points: the noise test alone
  // keeps it out, even without the monotonicity test.
  assert.deepEqual(heapCulprits(heap, { minMonotonicity: 0 }), []);
  assert.deepEqual(heapCulprits(heap), []);
});

test('a real map leak: value and insert lines are one culprit, and bucket arrays under 256 KiB already show the doubling', () => {
  const dir = join(testdata, 'map-leak-run');
  const heap = readdirSync(dir)
    .filter((f) => f.startsWith('heap-'))
    .map((f) => ({ t: Number(/(\d+)\./.exec(f)![1]), origin: f, profile: parsePprof(readFileSync(join(dir, f)), f) }));
  const culprits = heapCulprits(heap, { goVersion: 'go1.19.8' });
  assert.equal(culprits[0].function, 'main.rememberSession');
  assert.equal(culprits[0].pattern, 'unbounded-map');
  assert.equal(culprits.filter((c) => c.function === 'main.rememberSession').length, 1);
  assert.ok([60, 64].includes(culprits[0].line), `line ${culprits[0].line}`);
  // The largest bucket array allocated at the site is below the 256 KiB the rule once required three of.
  const last = heap.sort((a, b) => a.t - b.t)[heap.length - 1].profile;
  const sizes = last.samples.filter((s) => last.locations[s.locations[0]]?.lines[0]?.function === 'main.rememberSession').map((s) => s.numLabels?.bytes ?? 0);
  assert.ok(Math.max(...sizes) > 128 * 1024 && Math.max(...sizes) < 256 * 1024, `max object ${Math.max(...sizes)}`);
  // Go 1.24+ maps are Swiss tables: no doubling rule there.
  assert.equal(heapCulprits(heap, { goVersion: 'go1.24.0' })[0].pattern, undefined);
});

test('a real bounded cache that filled in the first half of the run and then plateaued is not named', () => {
  const dir = join(testdata, 'bounded-cache-run');
  const heap = readdirSync(dir)
    .filter((f) => f.startsWith('heap-'))
    .map((f) => ({ t: Number(/(\d+)\./.exec(f)![1]), origin: f, profile: parsePprof(readFileSync(join(dir, f)), f) }));
  assert.equal(heap.length, 12);
  // Without the later-half test the cache is named: over the whole run it rose steeply enough.
  const unguarded = heapCulprits(heap, { minLaterHalfSlope: -Infinity });
  const cache = unguarded.find((c) => c.function === 'main.(*lru).get');
  assert.ok(cache, unguarded.map((c) => c.function).join(', '));
  const s = cache.growth.series;
  const half = Math.floor(s.length / 2);
  assert.ok(Math.max(...s.slice(0, half)) >= Math.max(...s.slice(half)) * 0.95, `plateau in the later half: ${s.join(' ')}`);
  assert.deepEqual(heapCulprits(heap), []);
});

test('unclosed bodies: readLoop and writeLoop pile up in select, created by dialConn', async () => {
  const dir = join(testdata, 'body-524288');
  for (const snaps of [loadGoroutineProto(dir), await loadGoroutineDebug2(dir)]) {
    const culprits = goroutineCulprits(snaps);
    assert.equal(culprits.length, 2);
    const read = at(culprits, 'net/http.(*persistConn).readLoop');
    const write = at(culprits, 'net/http.(*persistConn).writeLoop');
    assert.ok(read && write);
    for (const c of [read, write]) {
      assert.equal(c.kind, 'goroutine');
      assert.equal(c.pattern, 'unclosed-response-body');
      assert.match(c.fix!, /resp\.Body\.Close/);
      assert.deepEqual(c.growth.series, [12, 24, 36, 48, 60, 72]);
      assert.equal(c.growth.share, 0.5);
      assert.equal(c.growth.unit, 'goroutines');
    }
    if (snaps[0].kind === 'debug2') {
      assert.equal(read.state, 'select');
      assert.equal(read.createdBy?.function, 'net/http.(*Transport).dialConn');
    } else {
      assert.equal(read.state, undefined);
    }
  }
});

test('unclosed bodies, heap: at rate 4096 the connection buffers and the request line grow; at 512 KiB they hide in the noise', () => {
  const culprits = heapCulprits(loadHeap(join(testdata, 'body-4096')));
  // The reader and writer buffers (two lines of dialConn) are one site: a site is a function.
  const bufs = culprits.filter((c) => c.function === 'net/http.(*Transport).dialConn');
  assert.equal(bufs.length, 1);
  assert.ok(bufs[0].stack.some((f) => f.function.startsWith('bufio.New')));
  const user = at(culprits, 'main.fetchStatus', marker('http.go', 'unclosed body'));
  assert.ok(user, 'the user line issuing the requests');
  assert.equal(user.pattern, 'unclosed-response-body');
  // 72 connections × 8 KiB is about one sample at the default rate.
  assert.deepEqual(heapCulprits(loadHeap(join(testdata, 'body-524288'))), []);
});

test('unclosed bodies: with the goroutine evidence, connection buffers and goroutines are named after the user request line', async () => {
  const heap = heapCulprits(loadHeap(join(testdata, 'body-4096')));
  const goroutines = goroutineCulprits(await loadGoroutineDebug2(join(testdata, 'body-524288')));
  const line = marker('http.go', 'unclosed body');
  const r = attributeHttpConnections(heap, goroutines);
  assert.equal(r.heap[0].function, 'main.fetchStatus');
  assert.equal(r.heap[0].line, line);
  assert.equal(r.heap[0].pattern, 'unclosed-response-body');
  assert.equal(at(r.heap, 'net/http.(*Transport).dialConn'), undefined, 'folded into the request line');
  // The folded series is the sum of the sites' series.
  const parts = heap.filter((c) => c.function === 'main.fetchStatus' || c.function === 'net/http.(*Transport).dialConn');
  assert.deepEqual(
    r.heap[0].growth.series,
    parts[0].growth.series.map((_, i) => parts.reduce((a, c) => a + c.growth.series[i], 0)),
  );
  // readLoop + writeLoop: one goroutine culprit with both counts, the readLoop's stack and state.
  assert.equal(r.goroutines.length, 1);
  const g = r.goroutines[0];
  assert.equal(g.function, 'main.fetchStatus');
  assert.equal(g.kind, 'goroutine');
  assert.equal(g.state, 'select');
  assert.equal(g.pattern, 'unclosed-response-body');
  assert.ok(
    g.stack.some((f) => f.function === 'net/http.(*persistConn).readLoop'),
    'stack kept as evidence',
  );
  assert.deepEqual(g.growth.series, [24, 48, 72, 96, 120, 144]);
  assert.equal(g.growth.share, 1);
  // The inputs are untouched; refineHttpPatterns replaces the caller's goroutine list in place.
  assert.equal(goroutines.length, 2);
  const refined = refineHttpPatterns(heap, goroutines);
  assert.deepEqual(refined, r.heap);
  assert.deepEqual(goroutines, r.goroutines);
});

test('profiles repeating the previous picture (no GC in between) are not counted as flat steps', () => {
  // In the given order (no times): each profile followed by a copy of itself.
  const heap = loadHeap(join(testdata, 'ticker-4096')).map((p) => ({ ...p, t: undefined }));
  const doubled = heap.flatMap((p) => [p, { ...p }]);
  const a = heapCulprits(heap);
  const b = heapCulprits(doubled);
  assert.deepEqual(
    b.map((c) => [c.function, c.line, c.growth.series, c.growth.monotonicity]),
    a.map((c) => [c.function, c.line, c.growth.series, c.growth.monotonicity]),
  );
});

test('a new Transport per request: readLoop idles in IO wait; heap patterns follow the goroutine evidence', async () => {
  const dir = join(testdata, 'transport-524288');
  const goroutines = goroutineCulprits(await loadGoroutineDebug2(dir));
  assert.equal(goroutines.length, 2);
  assert.ok(goroutines.every((c) => c.pattern === 'transport-per-request'));
  assert.equal(at(goroutines, 'net/http.(*persistConn).readLoop')?.state, 'IO wait');
  assert.equal(at(goroutines, 'net/http.(*persistConn).writeLoop')?.state, 'select');
  const proto = goroutineCulprits(loadGoroutineProto(dir));
  assert.ok(proto.length === 2 && proto.every((c) => c.pattern === 'transport-per-request'));

  const heap = heapCulprits(loadHeap(join(testdata, 'transport-4096')));
  const user = at(heap, 'main.fetchWithNewTransport', marker('http.go', 'request through a new transport'));
  assert.ok(user);
  assert.equal(user.pattern, 'unclosed-response-body', 'heap alone cannot tell the two HTTP patterns apart');
  const refined = refineHttpPatterns(heap, goroutines);
  assert.equal(at(refined, 'main.fetchWithNewTransport')?.pattern, 'transport-per-request');
  assert.ok(refined.filter((c) => c.function === 'net/http.(*Transport).dialConn').every((c) => c.pattern === 'transport-per-request'));
  assert.match(at(refined, 'main.fetchWithNewTransport')!.fix!, /reuse/);
});

test('blocked channel: waiters named at the receive, created at the go statement', async () => {
  const dir = join(testdata, 'chans');
  const line = marker('chans.go', 'blocked receive');
  const proto = goroutineCulprits(loadGoroutineProto(dir));
  const text = goroutineCulprits(await loadGoroutineDebug2(dir));
  for (const culprits of [proto, text]) {
    assert.equal(culprits.length, 1);
    assert.equal(culprits[0].function, 'main.handle');
    assert.equal(culprits[0].line, line);
    assert.equal(culprits[0].pattern, 'blocked-channel');
    assert.deepEqual(culprits[0].growth.series, [15, 30, 45, 60, 75, 90]);
    assert.equal(culprits[0].growth.share, 1);
  }
  assert.equal(text[0].state, 'chan receive');
  assert.equal(text[0].createdBy?.function, 'main.init.0.func1');
  assert.equal(text[0].createdBy?.line, marker('chans.go', 'go statement'));
  assert.ok(proto[0].stack.some((f) => f.function === 'runtime.chanrecv'));
});

test('blocked channel from debug=1 text: named at the receive, but the pattern needs a state or runtime frames', () => {
  const dir = join(testdata, 'chans');
  const snaps = stepFiles(dir, 'goroutine1-').map((f) => parseGoroutineDebug1(readFileSync(join(dir, f)), f));
  const culprits = goroutineCulprits(snaps);
  assert.equal(culprits.length, 1);
  assert.equal(culprits[0].function, 'main.handle');
  assert.equal(culprits[0].line, marker('chans.go', 'blocked receive'));
  assert.deepEqual(culprits[0].growth.series, [15, 30, 45, 60, 75, 90]);
  // debug=1 hides runtime.chanrecv and has no wait state: the leak is named, the shape is not.
  assert.equal(culprits[0].pattern, undefined);
});

test('mixed goroutine dump kinds: debug=2 is used, never a mix', async () => {
  const dir = join(testdata, 'chans');
  const culprits = goroutineCulprits([...loadGoroutineProto(dir), ...(await loadGoroutineDebug2(dir))]);
  assert.equal(culprits.length, 1);
  assert.equal(culprits[0].state, 'chan receive');
  assert.equal(culprits[0].growth.series.length, 6);
});

test('without times the slope is per profile and perMinute is absent; profiles are taken in the given order', () => {
  const timed = loadHeap(join(testdata, 'ticker-524288'));
  const untimed = timed.map((p) => ({ ...p, t: undefined }));
  const a = heapCulprits(timed);
  const b = heapCulprits(untimed);
  assert.ok(a[0].growth.perMinute! > 0);
  assert.equal(b[0].growth.perMinute, undefined);
  assert.deepEqual(b[0].growth.series, a[0].growth.series);
  // Shuffled input with times is put back in time order.
  const shuffled = [timed[3], timed[0], timed[5], timed[1], timed[4], timed[2]];
  assert.deepEqual(heapCulprits(shuffled)[0].growth.series, a[0].growth.series);
});

test('fewer than two profiles or snapshots: no culprits', () => {
  const heap = loadHeap(join(testdata, 'ticker-524288'));
  assert.deepEqual(heapCulprits(heap.slice(0, 1)), []);
  assert.deepEqual(heapCulprits([]), []);
  assert.deepEqual(goroutineCulprits(loadGoroutineProto(join(testdata, 'chans')).slice(0, 1)), []);
});

test('live: the generator still produces what the committed profiles show', () => {
  const bin = buildGoProgram('src/analysis/testdata/gen/leaks');
  const out = mkdtempSync(join(tmpdir(), 'heapsight-leaks-'));
  try {
    for (const args of [
      ['-case', 'chans'],
      ['-case', 'maps', '-rate', '4096'],
    ]) {
      const r = spawnSync(bin, [...args, '-steps', '4', '-out', out], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
    }
    const g = goroutineCulprits(loadGoroutineProto(out));
    assert.equal(g[0].function, 'main.handle');
    assert.equal(g[0].line, marker('chans.go', 'blocked receive'));
    const h = heapCulprits(loadHeap(out));
    assert.equal(h[0].function, 'main.newSession');
    assert.ok(at(h, 'main.(*sessionCache).put', marker('maps.go', 'map insert'))?.pattern === 'unbounded-map');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("unclosed bodies at the default rate: the heap shows no growing site, yet the requester is found on the paths into net/http's client and names the connections", async () => {
  const dir = join(testdata, 'body-524288');
  const heapProfiles = loadHeap(dir);
  const snaps = await loadGoroutineDebug2(dir);
  const requester = httpRequester(heapProfiles, snaps);
  assert.ok(requester, 'a requester');
  assert.equal(requester.frame.function, 'main.fetchStatus');
  assert.equal(requester.frame.line, marker('http.go', 'unclosed body'));
  const goroutines = goroutineCulprits(snaps);
  const r = attributeHttpConnections(heapCulprits(heapProfiles), goroutines, requester);
  assert.equal(r.goroutines.length, 1);
  const g = r.goroutines[0];
  assert.equal(g.function, 'main.fetchStatus');
  assert.equal(g.pattern, 'unclosed-response-body');
  assert.match(g.attribution!, /readLoop/);
  assert.ok(
    g.stack.some((f) => f.function === 'net/http.(*persistConn).readLoop'),
    'the stdlib stack stays as the detail',
  );
  // Without a requester nothing is renamed.
  assert.equal(attributeHttpConnections([], goroutines).goroutines[0].function.startsWith('net/http.'), true);
  // A dial goroutine's stack (no own frame beyond the client frames) names no requester.
  const dialOnly = snaps.map((s) => ({ ...s, groups: s.groups.filter((gr) => !gr.stack.some((f) => f.function.startsWith('main.'))) }));
  assert.equal(httpRequester([], dialOnly), undefined);
});

test('a readLoop group caught in IO wait mid-request does not decide the pattern: the one that grew most does', async () => {
  const body = goroutineCulprits(await loadGoroutineDebug2(join(testdata, 'body-524288')));
  const idle = goroutineCulprits(await loadGoroutineDebug2(join(testdata, 'transport-524288'))).find((c) => c.state === 'IO wait');
  assert.ok(idle && idle.pattern === 'transport-per-request');
  // A smaller IO-wait group, listed first.
  const small = { ...idle, growth: { ...idle.growth, delta: 3, series: idle.growth.series.map((v, i) => Math.min(v, i)) } };
  const requester = {
    frame: { function: 'main.fetchStatus', file: 'http.go', line: marker('http.go', 'unclosed body') },
    evidence: 'heap-allocations' as const,
  };
  const r = attributeHttpConnections([], [small, ...body], requester);
  assert.equal(r.goroutines.length, 1, r.goroutines.map((c) => `${c.function} ${c.state}`).join(', '));
  assert.equal(r.goroutines[0].function, 'main.fetchStatus');
  assert.equal(r.goroutines[0].pattern, 'unclosed-response-body');
  assert.equal(r.goroutines[0].state, 'select');
});
