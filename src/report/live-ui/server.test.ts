// The live page of `watch --ui`, against a real Go service polled by the real poller, in headless
// Chromium: it updates as samples arrive, draws its charts, talks only to its own server, and the
// server stays on loopback unless told otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeRecording } from '../../analysis/analyze-recording.js';
import { LiveRecording } from '../../collect/live-recording.js';
import { Poller, type ProfileFetched } from '../../collect/poller.js';
import { startTarget } from '../../test-support/test-target.js';
import type { MemorySample } from '../../model/memory.js';
import { repoRoot } from '../../test-support/toolchain.js';
import { drawnCharts, launchChromium, watchPage } from '../../test-support/browser.js';
import { isLoopbackHost, startLiveUi } from './server.js';

const artifacts = join(repoRoot, 'test-artifacts');

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; type?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('binding beyond loopback needs an explicit host', async () => {
  assert.ok(isLoopbackHost('127.0.0.1') && isLoopbackHost('localhost') && isLoopbackHost('[::1]') && isLoopbackHost('127.3.2.1'));
  assert.ok(!isLoopbackHost('0.0.0.0') && !isLoopbackHost('10.0.0.1') && !isLoopbackHost('example.com') && !isLoopbackHost('::'));
  await assert.rejects(startLiveUi({ host: '0.0.0.0' }), /needs --ui-host given explicitly/);
  const ui = await startLiveUi();
  try {
    assert.match(ui.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(ui.warning, undefined);
  } finally {
    await ui.close();
  }
});

test('on loopback it answers only to loopback Host names (no DNS rebinding)', async () => {
  const ui = await startLiveUi();
  try {
    const ok = await get(ui.url);
    assert.equal(ok.status, 200);
    assert.match(ok.type!, /^text\/html/);
    assert.match(ok.body, /Content-Security-Policy" content="default-src &#39;none&#39;;.*connect-src &#39;self&#39;/);
    const port = new URL(ui.url).port;
    assert.equal((await get(ui.url, { host: `localhost:${port}` })).status, 200);
    assert.equal((await get(ui.url, { host: `attacker.example:${port}` })).status, 403);
    assert.equal((await get(new URL('/nope', ui.url).href)).status, 404);
  } finally {
    await ui.close();
  }
});

test('the live page follows a real watch: charts drawn and growing, verdict shown, only its own server contacted', async (t) => {
  const target = await startTarget(['-churn', '10ms']);
  t.after(() => target.kill());
  const ui = await startLiveUi({ minIntervalMs: 100, title: 'test target' });
  t.after(() => ui.close());
  const poller = new Poller({ url: target.url, intervalMs: 200, profileIntervalMs: 700, timeoutMs: 3000, profileTimeoutMs: 5000, random: () => 0.5 });
  const liveRec = new LiveRecording();
  let lastVerdict = '';
  poller.on('sample', (s: MemorySample) => {
    liveRec.addSample(s);
    const recording = liveRec.snapshot();
    const findings = analyzeRecording(recording);
    lastVerdict = findings.verdict;
    ui.update({ recording, findings });
  });
  poller.on('profile', (p: ProfileFetched) => liveRec.addProfile(p));
  await poller.discover();
  const run = poller.run();
  t.after(async () => {
    poller.stop();
    await run;
  });

  const chromium = await launchChromium();
  t.after(() => chromium.close());
  const w = await watchPage(chromium.context);
  await w.page.goto(ui.url);
  await w.page.waitForSelector('html[data-ready="1"]', { timeout: 15_000 });
  // waitForFunction would eval a string in the page, which the page's CSP (rightly) forbids; read the
  // counter the page keeps through the DevTools protocol instead, with a deadline.
  const updates = async (n: number) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const seen = Number(await w.page.getAttribute('html', 'data-updates'));
      if (seen >= n) return;
      if (Date.now() > deadline)
        throw new Error(`only ${seen} of ${n} live updates arrived; page errors: ${w.pageErrors.join(' | ')}; console: ${w.consoleErrors.join(' | ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await updates(3);
  const scales = () => w.page.evaluate('HeapsightReport.scales()') as Promise<{ id: string; points: number }[]>;
  const early = (await scales()).find((s) => s.id === 'chart-memory')!;
  await updates(12);
  const later = (await scales()).find((s) => s.id === 'chart-memory')!;
  assert.ok(
    later.points > early.points,
    `memory chart grew from ${early.points} to ${later.points} points as samples arrived (${liveRec.snapshot().samples.length} samples; requests ${w.requests.join(' ')})`,
  );

  const drawn = await drawnCharts(w.page);
  for (const id of ['chart-memory', 'chart-goroutines', 'chart-gc']) {
    const c = drawn.canvases.find((x) => x.chart === id);
    assert.ok(c && c.inkPixels > 2000, `${id} drawn: ${JSON.stringify(c)}`);
  }
  // The banner shows the running verdict the watcher computed.
  const shown = await w.page.getAttribute('.verdict-title', 'data-verdict');
  assert.ok(shown === lastVerdict || ['inconclusive', 'heap-leak'].includes(shown!), `shown ${shown}, last computed ${lastVerdict}`);
  assert.equal(await w.page.locator('#live-status.live-status').count(), 1);
  assert.deepEqual(w.consoleErrors, []);
  assert.deepEqual(w.pageErrors, []);
  const origin = new URL(ui.url).origin;
  assert.deepEqual(
    w.requests.filter((u) => new URL(u).origin !== origin),
    [],
    'requests beyond the live server',
  );
  assert.ok(
    w.requests.some((u) => u === `${origin}/events`),
    'the page subscribed to /events',
  );
  assert.equal(ui.clients(), 1);
  mkdirSync(artifacts, { recursive: true });
  await w.page.screenshot({ path: join(artifacts, 'live-watch.png'), fullPage: true });
  // When the watch ends the page is told so, instead of retrying a server that is gone.
  await ui.close();
  await w.page.waitForSelector('html[data-ended="1"]', { state: 'attached', timeout: 10_000 });
  assert.equal(await w.page.textContent('#live-status'), 'watch ended');
  assert.deepEqual(w.consoleErrors, []);
});
