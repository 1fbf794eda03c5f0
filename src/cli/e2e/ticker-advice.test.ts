// Acceptance (issue 10): advice checked against behaviour. The same program (examples/ticker-leak: a
// time.NewTicker per request, never stopped) built with Go 1.19 and with Go 1.27, under the same
// bounded loopback load, watched by the real CLI. The test measures what each runtime did (heap in use
// right after a forced GC, before and after the load, per request served) and checks that heapsight's
// verdict and ticker advice follow it: Go 1.19 keeps every ticker (heap-leak at main.startKeepalive,
// "never collected"); Go 1.27 collects them (no leak, no ticker advice), even though this GOPATH-mode
// build has an old language version, because 1.27 removed asynctimerchan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Findings } from '../../analysis/findings.js';
import { driveLoad, startExample } from '../../test-support/example-service.js';
import type { GoVersion } from '../../test-support/toolchain.js';
import { runCli } from '../../test-support/cli-run.js';

const WATCH_SECONDS = 80;
// 150 requests a second: at ~250 B a ticker, Go 1.19's heap grows ~2 MiB a minute, several times
// the program's base heap within the window, so the growth is unmistakable in 80 s.
const LOAD = { path: '/work', rps: 150, concurrency: 4 };
/**
 * Heap kept per request that counts as "the runtime kept the ticker": a time.Ticker with its runtime
 * timer and 1-slot channel is well over 150 B; a tenth of that per request is no per-request retention
 * (what one request leaves behind in sync.Pools and the like is spread over thousands of requests).
 */
const KEPT_PER_REQUEST = 15;

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: 30_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => ((res.statusCode ?? 0) === 200 ? resolve(body) : reject(new Error(`${url}: HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

/** Heap in use right after a full GC: the heap profile with gc=1 runs runtime.GC first, then memstats. */
async function heapAfterGC(url: string): Promise<number> {
  await get(`${url}/debug/pprof/heap?gc=1`);
  return JSON.parse(await get(`${url}/debug/vars`)).memstats.HeapAlloc as number;
}

async function runOn(t: { after(fn: () => unknown): void; diagnostic(m: string): void }, go: GoVersion) {
  const ex = await startExample('ticker-leak', { go });
  t.after(() => ex.stop());
  const base = mkdtempSync(join(tmpdir(), `heapsight-ticker-${go}-`));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const before = await heapAfterGC(ex.url);
  const watch = runCli(['watch', ex.url, '--duration', `${WATCH_SECONDS}s`, '--interval', '1s', '--profile-interval', '5s', '--json', '--out', join(base, 'rec')], t);
  const ac = new AbortController();
  const load = driveLoad(ex.url, LOAD, { durationMs: WATCH_SECONDS * 1000, signal: ac.signal });
  const { code } = await watch.exited;
  ac.abort();
  const served = await load;
  const after = await heapAfterGC(ex.url);
  assert.ok(code !== null && code <= 3, `watch exit ${code}: ${watch.stderr().slice(-2000)}`);
  const f = JSON.parse(watch.stdout()) as Findings;
  const perRequest = (after - before) / served.requests;
  t.diagnostic(`Go ${go}: ${served.requests} requests, heap after GC ${before} → ${after} B (${perRequest.toFixed(1)} B/request); heapsight: ${f.verdict} ${f.confidence}`);
  assert.ok(served.requests > LOAD.rps * WATCH_SECONDS * 0.8, `load ran: ${JSON.stringify(served)}`);
  return { f, kept: perRequest >= KEPT_PER_REQUEST, perRequest };
}

test('ticker-leak built with Go 1.19 and Go 1.27: each runtime does what the ticker advice says, and the verdicts follow', { timeout: 240_000 }, async (t) => {
  const [old, now] = await Promise.all([runOn(t, '1.19'), runOn(t, '1.27')]);

  // What the runtimes did.
  assert.equal(old.kept, true, `Go 1.19 keeps unstopped tickers: ${old.perRequest.toFixed(1)} B/request`);
  assert.equal(now.kept, false, `Go 1.27 collects them: ${now.perRequest.toFixed(1)} B/request`);

  for (const [go, r] of [['1.19', old], ['1.27', now]] as const) {
    const f = r.f;
    assert.match(f.buildInfo?.goVersion ?? '', new RegExp(`^go${go.replace('.', '\\.')}\\.`), 'build info read from the service binary');
    // heapsight's verdict follows what the runtime did.
    assert.equal(f.verdict === 'heap-leak', r.kept, `Go ${go}: ${f.verdict}: ${f.summary}`);
    const ids = f.advice.map((a) => a.id);
    assert.equal(ids.includes('ticker-never-collected'), r.kept, `Go ${go} advice: ${ids.join(', ')}`);
    if (r.kept) {
      assert.equal(f.culprits[0]?.function, 'main.startKeepalive');
      assert.equal(f.culprits[0]?.pattern, 'unstopped-ticker');
      const advice = f.advice.find((a) => a.id === 'ticker-never-collected')!;
      assert.match(advice.text, /before Go 1\.23 the runtime never collects a ticker/);
      assert.ok(advice.basedOn.includes(`binary built with ${f.buildInfo!.goVersion}`));
    } else {
      assert.equal(f.verdict, 'no-leak', f.summary);
      assert.equal(f.culprits.some((c) => c.pattern === 'unstopped-ticker'), false, 'no growing ticker site');
    }
  }
});
