// test-lane: wall-clock (time spent waiting on live services: scripts/run-tests.mjs runs it beside the CPU-bound tests)
// Acceptance (issue 10): a Go 1.27 service holding 50 goroutines leaked at start, their number never
// changing, is a goroutine-leak proven by the runtime, named after the function that started them.
// Real service (testdata/leak-at-start built with Go 1.27 and 1.19), real CLI, loopback only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import { buildGoProgram, requireGo, type GoVersion } from '../../test-support/toolchain.js';
import { runCli } from '../../test-support/cli-run.js';
import { launchChromium, watchPage } from '../../test-support/browser.js';

const program = 'src/cli/e2e/testdata/leak-at-start';

async function startService(t: { after(fn: () => unknown): void }, go: GoVersion, args: string[] = []): Promise<string> {
  const bin = buildGoProgram(program, { go });
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await closed;
  });
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('leak-at-start: no LISTENING line within 15 s')), 15_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^LISTENING (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`leak-at-start exited (code ${code}) before listening`));
    });
  });
}

function outDir(t: { after(fn: () => unknown): void }): string {
  const base = mkdtempSync(join(tmpdir(), 'heapsight-proof-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  return join(base, 'rec');
}

test(
  'Go 1.27, 50 goroutines leaked at start: watch --duration 60s --json says goroutine-leak, proven, started by main.leakAtStart; every report shows the proof and the build info',
  { timeout: 180_000 },
  async (t) => {
    const url = await startService(t, '1.27');
    const rec = outDir(t);
    const html = join(dirname(rec), 'report.html');
    const md = join(dirname(rec), 'report.md');
    const cli = runCli(['watch', url, '--duration', '60s', '--json', '--out', rec, '--html', html, '--md', md], t);
    const { code } = await cli.exited;
    assert.equal(code === 0 || code === 1 || code === 2 || code === 3, true, `exit ${code}; stderr:\n${cli.stderr().slice(-2000)}`);
    const f = JSON.parse(cli.stdout());
    assert.equal(f.verdict, 'goroutine-leak', f.summary);
    assert.equal(f.confidence, 1);
    const proof = f.provenGoroutineLeaks;
    assert.equal(proof.total, 50);
    assert.equal(proof.sites[0].count, 50);
    assert.equal(proof.sites[0].function, 'main.awaitReply');
    assert.equal(proof.sites[0].state, 'chan receive');
    assert.deepEqual([proof.sites[0].startedBy.function, proof.sites[0].startedBy.from], ['main.leakAtStart', 'created-by']);
    assert.match(f.summary, /proven by the Go runtime/);
    assert.match(f.evidence.reasons[0], /leak-detection GC proved 50 goroutines can never wake/);
    // Their heap did not grow: no advice may say it does.
    assert.ok(
      f.advice.every((a: { text: string }) => !/live heap itself is growing/.test(a.text)),
      JSON.stringify(f.advice.map((a: { id: string }) => a.id)),
    );
    // The 50 never changed (the total moves only with the watcher's own connections): no rising trend
    // that the count-growth evidence could have found.
    const g = f.evidence.goroutines;
    assert.ok(g === undefined || !(g.growth > 0 && g.pRising < 0.05), JSON.stringify(g));

    // Build info, read from /proc/PID/exe of the service: the same version `go version` reports.
    const goVersion = spawnSync(requireGo('1.27'), ['env', 'GOVERSION'], { encoding: 'utf8' }).stdout.trim();
    assert.equal(f.buildInfo.goVersion, goVersion);
    assert.match(f.buildInfo.origin, /^\/proc\/\d+\/exe$/);
    assert.match(f.buildInfo.path, /leak-at-start$/);

    // The terminal report of the recording (analyze DIR), the Markdown and the HTML: proof and build.
    const term = runCli(['analyze', rec], t);
    await term.exited;
    const text = term.stdout();
    const flat = text.replace(/\s+/g, ' '); // the terminal report wraps at 100 columns
    assert.match(text, /^Goroutines proven leaked by the runtime: 50$/m, text);
    assert.match(
      flat,
      /50 goroutines blocked in chan receive at main\.awaitReply \(\S*main\.go:\d+\) started by main\.leakAtStart \(\S*main\.go:\d+\) main\.awaitReply /,
    );
    assert.match(text, /^Build$/m);
    assert.match(text, new RegExp(`^  Go +${goVersion.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(flat, / for memory unstopped tickers\/timers: collected once unreferenced; GC: Green Tea;/);
    const mdText = readFileSync(md, 'utf8');
    assert.match(mdText, /^## Goroutines proven leaked by the runtime \(50\)$/m);
    assert.match(mdText, /`started by main\.leakAtStart/);
    assert.match(mdText, /^ {2}main\.awaitReply {2}.*main\.go:\d+$/m, 'the stack, leaf first');
    assert.match(mdText, new RegExp(`^\\| Go \\| \`${goVersion.replace(/\./g, '\\.')}\` \\|$`, 'm'));

    const chromium = await launchChromium();
    t.after(() => chromium.close());
    const w = await watchPage(chromium.context);
    await w.page.goto(pathToFileURL(html).href);
    await w.page.waitForSelector('html[data-ready="1"]', { timeout: 15_000 });
    assert.deepEqual([w.consoleErrors, w.pageErrors], [[], []]);
    assert.match(await w.page.locator('#proven-leaks h2').innerText(), /\(50\)$/);
    assert.match(await w.page.locator('#proven-leaks .started-by').first().innerText(), /^started by main\.leakAtStart/);
    await w.page.locator('#proven-leaks summary').first().click();
    assert.ok(await w.page.locator('#proven-leaks ol.stack li', { hasText: 'main.awaitReply' }).first().isVisible(), 'the stack opens');
    const rows = new Map(
      await w.page.$$eval('#build table.build-info tr', (trs) =>
        trs.map((tr) => [tr.querySelector('th')!.textContent!, tr.querySelector('td')!.textContent!] as [string, string]),
      ),
    );
    assert.equal(rows.get('Go'), goVersion, JSON.stringify([...rows]));
    assert.match(rows.get('read from') ?? '', /^\/proc\/\d+\/exe$/);
    assert.ok(await w.page.locator('#build').isVisible());
  },
);

test('Go 1.27 on a custom mux: the goroutineleak 404 says to add the route; Go 1.19: says the profile needs Go 1.26+', { timeout: 60_000 }, async (t) => {
  const [own, old] = await Promise.all([startService(t, '1.27', ['-mux']), startService(t, '1.19')]);
  const a = runCli(['watch', own, '--duration', '2s', '--json', '--out', outDir(t)], t);
  const b = runCli(['watch', old, '--duration', '2s', '--json', '--out', outDir(t)], t);
  await Promise.all([a.exited, b.exited]);
  // The custom mux has no /metrics: the version comes from nowhere, so the advice covers 1.26 and 1.27.
  assert.match(a.stderr(), /missing \/debug\/pprof\/goroutineleak: .*HTTP 404/);
  assert.match(a.stderr(), /route \/debug\/pprof\/goroutineleak to pprof\.Handler\("goroutineleak"\)/);
  assert.match(b.stderr(), /missing \/debug\/pprof\/goroutineleak: .*HTTP 404/);
  // Said once, in the header, not again as a note line.
  for (const run of [a, b]) assert.equal(run.stderr().match(/goroutineleak: .*HTTP 404/g)?.length, 1, run.stderr());
  assert.notEqual(JSON.parse(a.stdout()).verdict, 'goroutine-leak');
  assert.notEqual(JSON.parse(b.stdout()).verdict, 'goroutine-leak');
});

test('check --goroutineleak-interval paces the goroutineleak profiles as watch does: at start, every interval, at the end', { timeout: 60_000 }, async (t) => {
  const url = await startService(t, '1.27');
  const rec = outDir(t);
  const run = runCli(['check', '--url', url, '--duration', '9s', '--interval', '1s', '--goroutineleak-interval', '3s', '--out', rec], t);
  const { code } = await run.exited;
  assert.ok(code !== null && code <= 3, run.stderr());
  const leakProfiles = readdirSync(join(rec, 'profiles')).filter((n) => n.startsWith('goroutineleak-')).length;
  // Start, ~3 s, ~6 s, (~9 s), end: 4 or 5, never the 2 of the default 5m interval in a 9 s run.
  assert.ok(leakProfiles >= 4 && leakProfiles <= 5, `${leakProfiles} goroutineleak profiles`);
  const bad = runCli(['check', '--url', url, '--goroutineleak-interval', 'soon'], t);
  assert.equal((await bad.exited).code, 2);
  assert.match(bad.stderr(), /--goroutineleak-interval/);
});
