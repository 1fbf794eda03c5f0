// The HTML report in a real headless Chromium: charts drawn, verdict and top culprit shown, no console
// errors, zero network requests, hostile names inert, quick to open. Screenshots go to test-artifacts/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyzeRecording } from '../../analysis/analyze-recording.js';
import type { Findings } from '../../analysis/findings.js';
import { repoRoot } from '../../test-support/toolchain.js';
import { drawnCharts, launchChromium, watchPage, type OpenBrowser, type PageWatch } from '../../test-support/browser.js';
import { renderHtmlReport } from './render.js';
import { readRecordingDir } from '../../sources/recording.js';
import { bundledExampleRecordings, exampleRecording, HOSTILE, hostileRecording, thirtyMinuteRecording } from '../../test-support/test-recordings.js';

const artifacts = join(repoRoot, 'test-artifacts');
let chromium: OpenBrowser;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  chromium = await launchChromium();
});
after(async () => {
  await chromium?.close();
});

interface Opened extends PageWatch {
  url: string;
  loadMs: number;
}

async function openReport(name: string, html: string): Promise<Opened> {
  const file = join(artifacts, `report-${name}.html`);
  writeFileSync(file, html);
  const w = await watchPage(chromium.context);
  const url = pathToFileURL(file).href;
  const t = performance.now();
  await w.page.goto(url);
  await w.page.waitForSelector('html[data-ready="1"]', { timeout: 15_000 });
  return { ...w, url, loadMs: performance.now() - t };
}

function assertClean(o: Opened): void {
  assert.deepEqual(o.consoleErrors, [], 'console errors');
  assert.deepEqual(o.pageErrors, [], 'page errors');
  assert.deepEqual(o.dialogs, [], 'dialogs');
  assert.deepEqual(
    o.requests.filter((u) => u !== o.url),
    [],
    'network requests besides the report file itself',
  );
}

async function assertChartsDrawn(o: Opened, expected: string[]): Promise<void> {
  const drawn = await drawnCharts(o.page);
  for (const id of expected) {
    const canvas = drawn.canvases.find((c) => c.chart === id);
    assert.ok(canvas, `chart ${id} has a canvas (got ${drawn.canvases.map((c) => c.chart).join(', ')})`);
    // A line across a 1200×250 plot inks thousands of pixels; an empty uPlot canvas inks none.
    assert.ok(canvas.inkPixels > 2000, `chart ${id} is drawn: ${canvas.inkPixels} inked pixels of ${canvas.width}×${canvas.height}`);
  }
}

function expectedVerdict(name: string): Findings['verdict'] {
  return JSON.parse(readFileSync(join(repoRoot, 'examples', name, 'example.json'), 'utf8')).expect.verdict;
}

const CHARTS = ['chart-memory', 'chart-live', 'chart-goroutines', 'chart-gc'];

for (const name of ['map-leak', 'goroutine-leak', 'retained-after-burst']) {
  test(`report of ${name}: verdict, top culprit, four charts drawn, offline and clean`, async () => {
    const rec = await exampleRecording(name);
    const findings = analyzeRecording(rec);
    // The example's ground truth: the screenshots must show a leak and a no-leak, as the issue asks.
    assert.equal(findings.verdict, expectedVerdict(name), findings.summary);
    const o = await openReport(name, renderHtmlReport({ findings, recording: rec }));
    try {
      assertClean(o);
      await assertChartsDrawn(o, CHARTS);
      assert.equal(await o.page.getAttribute('.verdict-title', 'data-verdict'), findings.verdict);
      assert.match((await o.page.textContent('.verdict-title'))!, findings.verdict === 'no-leak' ? /^No leak/ : /leak/i);
      assert.equal(await o.page.textContent('.conf-value'), `${Math.round(findings.confidence * 100)}%`);
      // A leak names its culprit; a no-leak may still list sites that grew a little.
      if (findings.verdict !== 'no-leak') assert.ok(findings.culprits.length > 0, 'a leak comes with culprits');
      if (findings.culprits.length) {
        assert.equal(await o.page.textContent('#top-culprit'), findings.culprits[0].function);
        // The first culprit row expands to its full stack.
        const row = o.page.locator('tr.culprit-row').first();
        await row.locator('summary').click();
        const frames = await row.locator('ol.stack li code').allTextContents();
        assert.deepEqual(
          frames,
          findings.culprits[0].stack.map((f) => f.function),
        );
        // Sparklines are SVG paths with geometry.
        assert.ok((await drawnCharts(o.page)).svgPaths >= 2 * findings.culprits.length);
      } else {
        assert.equal(await o.page.locator('#top-culprit').count(), 0);
      }
      // Growth view drawn when there are two heap profiles.
      if (rec.heapProfiles.length >= 2) assert.ok((await drawnCharts(o.page)).flameRects > 5);
      await o.page.screenshot({ path: join(artifacts, `report-${name}.png`), fullPage: true });
    } finally {
      await o.page.close();
    }
  });
}

test('drag-zooming one chart zooms them all; double-click resets', async () => {
  const rec = await exampleRecording('map-leak');
  const o = await openReport('zoom', renderHtmlReport({ findings: analyzeRecording(rec), recording: rec }));
  try {
    const scales = () => o.page.evaluate('HeapsightReport.scales()') as Promise<{ id: string; min: number; max: number }[]>;
    const full = await scales();
    const box = (await o.page.locator('#chart-memory .u-over').boundingBox())!;
    await o.page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await o.page.mouse.down();
    await o.page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await o.page.mouse.up();
    const zoomed = await scales();
    const mem = zoomed.find((s) => s.id === 'chart-memory')!;
    assert.ok(mem.max - mem.min < 0.5 * (full[0].max - full[0].min), `memory chart zoomed: ${JSON.stringify(mem)}`);
    for (const s of zoomed) {
      assert.ok(Math.abs(s.min - mem.min) < 1e-6 && Math.abs(s.max - mem.max) < 1e-6, `${s.id} follows: ${JSON.stringify(s)} vs ${JSON.stringify(mem)}`);
    }
    await o.page.screenshot({ path: join(artifacts, 'report-zoomed.png'), clip: { x: 0, y: 0, width: 1280, height: 1400 } });
    await o.page.dblclick('#chart-goroutines .u-over');
    const reset = await scales();
    assert.ok(
      reset.every((s) => s.max - s.min > 0.9 * (full[0].max - full[0].min)),
      JSON.stringify(reset),
    );
    assertClean(o);
  } finally {
    await o.page.close();
  }
});

test('the x axis switches to work done (bytes allocated) and back', async () => {
  const rec = await exampleRecording('map-leak');
  const findings = analyzeRecording(rec);
  assert.equal(findings.observed.workAxis, 'bytes-allocated');
  const o = await openReport('work-axis', renderHtmlReport({ findings, recording: rec }));
  try {
    const scales = () => o.page.evaluate('HeapsightReport.scales()') as Promise<{ id: string; min: number; max: number }[]>;
    const byTime = await scales();
    await o.page.selectOption('#x-mode', 'work');
    const byWork = await scales();
    const lastAlloc = Math.max(...rec.samples.map((s) => s.totalAlloc ?? 0));
    const mem = byWork.find((s) => s.id === 'chart-memory')!;
    // Bytes allocated run to hundreds of MiB; seconds to a few hundred.
    assert.ok(mem.max > 1e6 && mem.max <= lastAlloc * 1.05, `memory chart x max ${mem.max}, last TotalAlloc ${lastAlloc}`);
    await assertChartsDrawn(o, CHARTS);
    await o.page.locator('#charts').screenshot({ path: join(artifacts, 'report-work-axis.png') });
    await o.page.selectOption('#x-mode', 'time');
    assert.deepEqual(
      (await scales()).map((s) => Math.round(s.max)),
      byTime.map((s) => Math.round(s.max)),
    );
    assertClean(o);
  } finally {
    await o.page.close();
  }
});

test('hostile function names, files and labels render as text: no dialog, no script, no element', async () => {
  const rec = await hostileRecording();
  const findings = analyzeRecording(rec);
  assert.equal(findings.culprits[0].function, HOSTILE.fnImg, 'the hostile site is the top culprit');
  const o = await openReport('hostile', renderHtmlReport({ findings, recording: rec }));
  try {
    // Expand every stack so the hostile frames are in the rendered text too.
    for (const s of await o.page.locator('details summary').all()) await s.click();
    assertClean(o);
    assert.equal(await o.page.textContent('#top-culprit'), HOSTILE.fnImg);
    const text = (await o.page.textContent('body'))!;
    for (const s of [HOSTILE.fnImg, HOSTILE.fnScript, HOSTILE.fnQuote, HOSTILE.file, HOSTILE.note, HOSTILE.target]) {
      assert.ok(text.includes(s), `literal text ${JSON.stringify(s)} on the page`);
    }
    const counts = (await o.page.evaluate(`({
      img: document.querySelectorAll('img').length,
      iframe: document.querySelectorAll('iframe').length,
      scripts: document.querySelectorAll('script').length,
      handlers: document.querySelectorAll('[onerror],[onload],[onclick]').length,
      bold: document.querySelectorAll('b').length,
      title: document.title,
    })`)) as Record<string, number | string>;
    assert.deepEqual(counts, { img: 0, iframe: 0, scripts: 4, handlers: 0, bold: 0, title: `heapsight: ${findings.verdict} — ${HOSTILE.target}` });
    // The flame graph's tooltip carries the hostile name as text too.
    const titles = await o.page.locator('svg.flame title').allTextContents();
    assert.ok(
      titles.some((t) => t.startsWith(HOSTILE.fnScript)),
      'flame graph shows the hostile frame',
    );
    await o.page.screenshot({ path: join(artifacts, 'report-hostile.png'), fullPage: true });
  } finally {
    await o.page.close();
  }
});

test('the report of a 30-minute watch stays under 5 MB and draws every chart, even polled every second', async () => {
  const rec = await thirtyMinuteRecording(1);
  const html = renderHtmlReport({ findings: analyzeRecording(rec), recording: rec });
  assert.ok(Buffer.byteLength(html) < 5 * 1024 * 1024);
  const o = await openReport('30min', html);
  try {
    assertClean(o);
    await assertChartsDrawn(o, CHARTS);
    // Navigation start to drawn page, as the page measures it. Reported, not asserted: speed is
    // benchmarked, never a timed test (the figures go into the notes).
    const times: number[] = [Number(await o.page.getAttribute('html', 'data-ready-ms'))];
    for (let i = 0; i < 2; i++) {
      await o.page.reload();
      await o.page.waitForSelector('html[data-ready="1"]', { timeout: 15_000 });
      times.push(Number(await o.page.getAttribute('html', 'data-ready-ms')));
    }
    assert.ok(
      times.every((ms) => Number.isFinite(ms) && ms > 0),
      `the page reports its ready time: ${times.join(', ')}`,
    );
    process.stdout.write(
      `# 30-minute report (1 s polls, ${rec.samples.length} samples): ${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB, ready in ${times.join(' / ')} ms (first load ${o.loadMs.toFixed(0)} ms by the test's clock)\n`,
    );
    await o.page.screenshot({ path: join(artifacts, 'report-30min.png'), fullPage: true });
  } finally {
    await o.page.close();
  }
});

test('every recording bundled with the examples opens as a clean report showing its verdict and top culprit', async () => {
  const bundled = bundledExampleRecordings();
  // Every example directory ships a recording; a test over none of them would pass without checking anything.
  const exampleDirs = readdirSync(join(repoRoot, 'examples'), { withFileTypes: true }).filter((d) => d.isDirectory());
  assert.equal(bundled.length, exampleDirs.length, `recordings found: ${bundled.map((b) => b.name).join(', ')}`);
  assert.ok(bundled.length >= 16);
  process.stdout.write(`# bundled example recordings: ${bundled.map((b) => b.name).join(', ')}\n`);
  for (const { name, dir } of bundled) {
    const rec = await readRecordingDir(dir);
    const findings = analyzeRecording(rec);
    const o = await openReport(`example-${name}`, renderHtmlReport({ findings, recording: rec, title: name }));
    try {
      assertClean(o);
      const drawn = await drawnCharts(o.page);
      assert.ok(drawn.canvases.length >= 1, `${name}: at least one chart`);
      for (const c of drawn.canvases) assert.ok(c.inkPixels > 2000, `${name}: ${c.chart} drawn (${c.inkPixels} inked pixels)`);
      assert.equal(await o.page.getAttribute('.verdict-title', 'data-verdict'), findings.verdict, name);
      if (findings.culprits.length) assert.equal(await o.page.textContent('#top-culprit'), findings.culprits[0].function, name);
      await o.page.screenshot({ path: join(artifacts, `report-example-${name}.png`) });
    } finally {
      await o.page.close();
    }
  }
});

test('report of a real OOM-kill recording: the container waterfall, the limit, each kill and the cgroup chart', async () => {
  const rec = await readRecordingDir(join(repoRoot, 'src/report/testdata/oom-recording'));
  const findings = analyzeRecording(rec);
  const kills = rec.events.filter((e) => e.kind === 'restart' && e.cause === 'oom-kill');
  assert.ok(kills.length >= 2);
  const o = await openReport('oom', renderHtmlReport({ findings, recording: rec }));
  try {
    assertClean(o);
    await assertChartsDrawn(o, ['chart-memory', 'chart-container']);
    assert.match((await o.page.textContent('#container h2'))!, /^Container \(cgroup v1\)$/);
    assert.match((await o.page.textContent('#container .intro'))!, /^limit 96\.0 MiB · headroom [\d.]+ (KiB|MiB)/);
    const layers = await o.page.locator('#container tr.layer').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-layer')));
    assert.deepEqual(
      layers,
      findings.container!.waterfall!.layers.map((l) => l.id),
    );
    assert.equal(layers[0], 'cgroup-usage');
    assert.equal(layers.at(-1), 'live-heap');
    const rows = await o.page
      .locator('#container tr.restart-row[data-cause="OOM kill"]')
      .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => (td as { textContent: string | null }).textContent)));
    assert.equal(rows.length, kills.length);
    rows.forEach((cells, i) => {
      assert.match(cells[0]!, /^\d\d:\d\d:\d\d\.\d{3} UTC$/);
      assert.match(cells[2]!, /^[\d.]+ MiB \(cgroup usage\)$/);
      assert.equal(cells[3], '96.0 MiB');
      assert.match(cells[4]!, /killed by the OOM killer/);
      assert.equal(Date.parse(`${new Date(findings.restarts[i].t!).toISOString().slice(0, 11)}${cells[0]!.replace(' UTC', '')}Z`), findings.restarts[i].t);
    });
    assert.match((await o.page.textContent('#container .oom-summary'))!, /^Killed by the OOM killer \d+ times/);
    await o.page.locator('#container').screenshot({ path: join(artifacts, 'report-oom-container.png') });
  } finally {
    await o.page.close();
  }
});
