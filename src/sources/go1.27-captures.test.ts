// The readers on Go 1.27 captures, next to the Go 1.19 captures of the same programs: where the
// formats or the numbers differ, a test says so. Captured (testdata/go1.27/README.md) from
// testdata/goroutine/gen, testdata/pprof/gen and testdata/capture/gctrace built by go1.27.4 in module
// mode with a `go 1.27` line (the line that turns on goroutine labels in traceback headers); the live
// test at the end re-captures the goroutine dumps from running programs and checks the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { goroutineSnapshotFromProfile } from './goroutine-proto.js';
import { parseGoroutineDebug1, readGoroutineDebug2 } from './goroutine-text.js';
import { parseGctraceLog } from './gctrace.js';
import { parsePprof } from './pprof/decode.js';
import { slotOf } from '../model/profile.js';
import { aggregatePprof } from './pprof/aggregate.js';
import type { GoroutineSnapshot } from '../model/goroutines.js';
import { buildGoProgram, repoRoot, type GoVersion } from '../test-support/toolchain.js';

const td = (...p: string[]) => join(repoRoot, 'src/sources/testdata', ...p);
const go127 = (f: string) => readFileSync(td('go1.27', f));

function states(s: GoroutineSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const g of s.groups) out[g.state!] = (out[g.state!] ?? 0) + g.count;
  return out;
}

function labelled(s: GoroutineSnapshot): { count: number; labels: Record<string, string> }[] {
  return s.groups.filter((g) => g.labels).map((g) => ({ count: g.count, labels: g.labels! }));
}

test('debug=2: Go 1.27 prints goroutine labels in the traceback header ({role: selector}); Go 1.19 prints none', async () => {
  const now = await readGoroutineDebug2(go127('goroutine-debug2.txt'), 'go1.27 debug2');
  const old = await readGoroutineDebug2(readFileSync(td('goroutine', 'debug2.txt')), 'go1.19 debug2');
  assert.match(go127('goroutine-debug2.txt').toString(), /^goroutine \d+ \[select\] \{role: selector\}:$/m);
  assert.deepEqual(labelled(now), [{ count: 3, labels: { role: 'selector' } }]);
  assert.deepEqual(labelled(old), [], 'Go 1.19 shows labels only in debug=1 and the proto');
  // The labelled goroutines are the same three in the other forms of the 1.27 capture.
  assert.deepEqual(labelled(parseGoroutineDebug1(go127('goroutine-debug1.txt'), 'go1.27 debug1')), [{ count: 3, labels: { role: 'selector' } }]);
  const proto = goroutineSnapshotFromProfile(parsePprof(go127('goroutine-debug0.pb.gz'), 'go1.27 debug0'), 'go1.27 debug0');
  assert.deepEqual(
    labelled(proto).map((g) => g.count),
    [3],
  );
  assert.equal(proto.total, now.total);
});

test('debug=2: "created by F in goroutine N" (Go 1.21+) names F; Go 1.19 says "created by F"', async () => {
  const text = go127('goroutine-debug2.txt').toString();
  assert.match(text, /^created by main\.spawnPool in goroutine 1$/m);
  assert.doesNotMatch(readFileSync(td('goroutine', 'debug2.txt'), 'utf8'), / in goroutine \d+$/m);
  const now = await readGoroutineDebug2(text, 'go1.27 debug2');
  const creators = new Set(now.groups.map((g) => g.createdBy?.function));
  for (const c of ['main.main', 'main.spawnPool', 'main.spawnLabelled.func1', 'main.acceptOnce']) assert.ok(creators.has(c), c);
  assert.equal(
    [...creators].some((c) => c?.includes(' in goroutine')),
    false,
  );
});

test('debug=2 wait reasons: Go 1.19 "semacquire" for Mutex and WaitGroup, Go 1.27 names them; every other state the same', async () => {
  const now = states(await readGoroutineDebug2(go127('goroutine-debug2.txt'), 'go1.27'));
  const old = states(await readGoroutineDebug2(readFileSync(td('goroutine', 'debug2.txt')), 'go1.19'));
  assert.equal(old.semacquire, 2);
  assert.equal(now.semacquire, undefined);
  assert.equal(now['sync.Mutex.Lock'], 1);
  assert.equal(now['sync.WaitGroup.Wait'], 1);
  const rest = (s: Record<string, number>) =>
    Object.fromEntries(
      Object.entries(s)
        .filter(([k]) => !/^(semacquire|sync\.Mutex\.Lock|sync\.WaitGroup\.Wait)$/.test(k))
        .sort(),
    );
  // 1.27's captured state differs only where gen's start-up did ("chan receive, locked to thread" is a state).
  assert.deepEqual(Object.keys(rest(now)).sort(), Object.keys(rest(old)).sort());
});

test('heap and allocs profiles: same sample types and defaults on both; the same map inserts allocate less on 1.27 (Swiss tables, Go 1.24)', () => {
  for (const f of ['heap-rate1.pb.gz', 'allocs.pb.gz', 'heap-default.pb.gz']) {
    const a = parsePprof(go127(f), f);
    const b = parsePprof(readFileSync(td('pprof', f)), f);
    assert.deepEqual(a.sampleTypes, b.sampleTypes, f);
    assert.equal(a.defaultSampleType, b.defaultSampleType, f);
  }
  const allocSpace = (bytes: Buffer, fn: string) => {
    const agg = aggregatePprof(bytes, 'heap', { sampleIndex: 'alloc_space' });
    const t = agg.sampleTypes.findIndex((x) => x.type === 'alloc_space');
    const f = agg.functions.indexOf(fn);
    assert.ok(f >= 0, fn);
    return agg.flat.get(slotOf(agg, f, t));
  };
  // MemProfileRate=1: every allocation is in the profile, so these are exact.
  const old = allocSpace(readFileSync(td('pprof', 'heap-rate1.pb.gz')), 'main.mapInsert');
  const now = allocSpace(go127('heap-rate1.pb.gz'), 'main.mapInsert');
  assert.ok(now < old, `main.mapInsert alloc_space: go1.19 ${old} B, go1.27 ${now} B`);
  // Code that allocates plain objects is the same on both: main.bigBlock's 2 MiB.
  assert.equal(allocSpace(go127('heap-rate1.pb.gz'), 'main.bigBlock'), allocSpace(readFileSync(td('pprof', 'heap-rate1.pb.gz')), 'main.bigBlock'));
});

test('profile mappings: Go 1.27 binaries carry a GNU build ID, Go 1.19 GOPATH builds none', () => {
  const now = parsePprof(go127('heap-rate1.pb.gz'), 'go1.27').mappings![0];
  const old = parsePprof(readFileSync(td('pprof', 'heap-rate1.pb.gz')), 'go1.19').mappings![0];
  assert.match(now.buildId, /^[0-9a-f]{40}$/);
  assert.equal(old.buildId, '');
});

test('gctrace/scavtrace: Go 1.27 scav lines say "(bg)", "(eager)" and "now" where Go 1.19 says "total"; both read, every GC counted', () => {
  const text = go127('gctrace.stderr.txt').toString();
  assert.match(text, /^scav \d+ KiB work \(bg\), \d+ KiB work \(eager\), \d+ KiB now, \d+% util$/m);
  assert.match(readFileSync(td('gctrace', 'go1.19-interleaved.stderr.txt'), 'utf8'), /^scav \d+ KiB work, \d+ KiB total, \d+% util$/m);
  const log = parseGctraceLog(text, 'go1.27 gctrace');
  assert.equal(log.skippedLines, 0);
  assert.ok(log.scavenges.length > 10);
  // The program prints runtime.MemStats.NumGC after its last forced GC: every cycle is in the log.
  const numgc = [
    ...go127('gctrace.stdout.txt')
      .toString()
      .matchAll(/numgc=(\d+)/g),
  ].map((m) => Number(m[1]));
  assert.equal(log.gcCycles.length, Math.max(...numgc));
  assert.deepEqual(
    log.gcCycles.map((c) => c.n),
    log.gcCycles.map((_, i) => i + 1),
  );
  // "S MB stacks, X MB globals" are there on both runtimes.
  assert.ok(log.gcCycles.every((c) => c.stacksBytes !== undefined && c.globalsBytes !== undefined));
});

// Live: the same goroutine program on Go 1.19, on Go 1.27 in GOPATH mode (an old language version:
// tracebacklabels=0) and on Go 1.27 with a go 1.27 line; the header labels appear only on the last.
function get(url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    request(url, { timeout: 15_000 }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => ((res.statusCode ?? 0) === 200 ? resolve(Buffer.concat(parts)) : reject(new Error(`${url}: HTTP ${res.statusCode}`))));
    })
      .on('error', reject)
      .end();
  });
}

async function liveDump(t: { after(fn: () => unknown): void }, go: GoVersion, goLine?: string): Promise<string> {
  const child = spawn(buildGoProgram('src/sources/testdata/goroutine/gen', { go, goLine }), [], { stdio: ['ignore', 'pipe', 'inherit'] });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await closed;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('gen: no LISTENING line within 15 s')), 15_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^LISTENING (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  return (await get(`${url}/debug/pprof/goroutine?debug=2`)).toString();
}

test('live: header labels only with Go 1.27 and a go 1.27 line; "in goroutine N" on every 1.27 build', { timeout: 90_000 }, async (t) => {
  const [old, gopath, mod] = await Promise.all([liveDump(t, '1.19'), liveDump(t, '1.27'), liveDump(t, '1.27', '1.27')]);
  const read = async (s: string) => labelled(await readGoroutineDebug2(s, 'live'));
  assert.deepEqual(await read(old), []);
  assert.deepEqual(await read(gopath), [], 'GOPATH mode: DefaultGODEBUG has tracebacklabels=0');
  assert.deepEqual(await read(mod), [{ count: 3, labels: { role: 'selector' } }]);
  assert.doesNotMatch(old, / in goroutine \d+$/m);
  for (const s of [gopath, mod]) assert.match(s, /^created by main\.main in goroutine 1$/m);
});
