// The HTML report as text: self-contained, escaped, within budget. What it looks like and does in a
// browser is checked in report.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeRecording } from '../../analysis/analyze-recording.js';
import { buildReportData, heapDiffTree } from './report-data.js';
import { jsonForScript, renderHtmlReport } from './render.js';
import { exampleRecording, HOSTILE, hostileRecording, thirtyMinuteRecording } from '../../test-support/test-recordings.js';

test('jsonForScript leaves nothing that can end or open markup, and round-trips exactly', () => {
  const value = { a: '</script><script>alert(1)</script>', b: '<!-- x -->', c: 'a\u2028b\u2029c', d: 'x & y > z', big: 12345678901234567890n };
  const text = jsonForScript(value);
  assert.doesNotMatch(text, /[<>&\u2028\u2029]/);
  assert.deepEqual(JSON.parse(text), { ...value, big: '12345678901234567890' });
});

test('hostile names and labels never appear as markup in the report', async () => {
  const rec = await hostileRecording();
  const findings = analyzeRecording(rec);
  // The crafted site must actually be a culprit, or this test would prove nothing about the table.
  assert.ok(
    findings.culprits.some((c) => c.function === HOSTILE.fnImg),
    `culprits: ${findings.culprits.map((c) => c.function).join(', ')}`,
  );
  const html = renderHtmlReport({ findings, recording: rec });
  for (const s of Object.values(HOSTILE)) assert.ok(!html.includes(s), `raw ${JSON.stringify(s)} in the HTML`);
  // Our own four script elements and nothing else.
  assert.equal(html.match(/<script/gi)?.length, 4);
  assert.equal(html.match(/<\/script/gi)?.length, 4);
  // Outside our own code (uPlot, the page script, styles), no markup a hostile name could have made.
  const markup = html.replace(/<script>[\s\S]*?<\/script>/g, '<script></script>').replace(/<style>[\s\S]*?<\/style>/g, '');
  const found = /.{0,80}(<img|<iframe|<svg|<b>|<script>alert).{0,80}/is.exec(markup);
  assert.equal(found, null, `markup from data: ${found?.[0]}`);
  const data = JSON.parse(html.match(/<script type="application\/json" id="heapsight-data">([^<]*)<\/script>/)![1]);
  assert.equal(data.title, HOSTILE.target);
  assert.equal(data.note, HOSTILE.note);
  assert.equal(data.target, HOSTILE.target);
});

test('the report has no external references: no http(s) URL in src/href, a CSP with default-src none', async () => {
  const rec = await exampleRecording('map-leak');
  const html = renderHtmlReport({ findings: analyzeRecording(rec), recording: rec });
  assert.doesNotMatch(html, /\s(src|href)\s*=\s*["']?(https?:)?\/\//i);
  assert.match(html, /http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;sha256-/);
  assert.doesNotMatch(html, /unsafe-eval/);
});

test('the diff tree adds up: each node holds at least the sum of its children, before and after', async () => {
  const rec = await exampleRecording('map-leak');
  const profs = [...rec.heapProfiles].sort((a, b) => a.t! - b.t!);
  const tree = heapDiffTree(profs[0], profs[profs.length - 1])!;
  assert.ok(tree.nodes.length > 10);
  assert.ok(tree.totalAfter > tree.totalBefore, 'a leaking example holds more at the end');
  const childSum = new Map<number, [number, number]>();
  for (const [, parent, before, after] of tree.nodes) {
    if (parent < 0) continue;
    const s = childSum.get(parent) ?? [0, 0];
    childSum.set(parent, [s[0] + before, s[1] + after]);
  }
  for (const [parent, [before, after]] of childSum) {
    assert.ok(tree.nodes[parent][2] >= before && tree.nodes[parent][3] >= after, `node ${tree.names[tree.nodes[parent][0]]}`);
  }
});

test('a 30-minute watch at the default cadence renders under 5 MB', async () => {
  const rec = await thirtyMinuteRecording();
  assert.equal(rec.samples.length >= 360, true);
  const findings = analyzeRecording(rec);
  const t = performance.now();
  const html = renderHtmlReport({ findings, recording: rec });
  const ms = performance.now() - t;
  const bytes = Buffer.byteLength(html);
  const data = buildReportData({ findings, recording: rec });
  assert.ok(bytes < 5 * 1024 * 1024, `${bytes} bytes`);
  assert.equal(data.x.length, rec.samples.length, 'a 30-minute watch needs no thinning');
  assert.ok(data.flame && data.flame.nodes.length > 0);
  process.stdout.write(
    `# 30-minute report: ${(bytes / 1024).toFixed(0)} KiB, rendered in ${ms.toFixed(0)} ms, ${rec.samples.length} samples, ${rec.heapProfiles.length} heap profiles\n`,
  );
});

test('long recordings are thinned to MAX_POINTS, keeping the RSS peak', async () => {
  const rec = await thirtyMinuteRecording();
  // Six times the samples: a 1 s poll over 30 minutes.
  const many = [];
  for (let k = 0; k < 6; k++) for (const s of rec.samples) many.push({ ...s, t: s.t! + (k * 1000) / 6 });
  many.sort((a, b) => a.t - b.t);
  const peakIdx = 1234;
  many[peakIdx] = { ...many[peakIdx], rss: 10 * 1024 ** 3 };
  const data = buildReportData({ findings: analyzeRecording(rec), recording: { ...rec, samples: many } });
  assert.ok(data.x.length <= 1201, `${data.x.length} points`);
  assert.ok(data.mem.rss.includes(10 * 1024 ** 3), 'the peak survives thinning');
});

test('restart and gap events become chart markers at their time', async () => {
  const rec = await exampleRecording('map-leak');
  const mid = rec.samples[Math.floor(rec.samples.length / 2)].t!;
  rec.events = [
    ...rec.events,
    { t: mid, kind: 'restart', detail: 'pid 1 → 2', pidBefore: 1, pidAfter: 2 },
    { t: mid + 20_000, kind: 'gap', detail: 'target down', durationMs: 5000 },
  ];
  const data = buildReportData({ findings: analyzeRecording(rec), recording: rec });
  const restart = data.markers.restarts.find((r) => r.reason.includes('pid 1 → 2'));
  assert.ok(restart, JSON.stringify(data.markers.restarts));
  assert.equal(restart.x, (mid - data.t0) / 1000);
  assert.deepEqual(data.markers.gaps, [{ x: (mid + 20_000 - data.t0) / 1000, seconds: 5, detail: 'target down' }]);
  assert.ok(data.markers.gc.length > 5, 'GC times from LastGC');
});
