// The container section of the terminal and Markdown reports, on a real recording: a leaking Go program
// OOM-killed twice in a 96 MiB cgroup (testdata/oom-recording, see its README). Every kill the recording
// holds is shown with its time, cause, the memory charged before it and the limit; the waterfall runs
// from the cgroup's charge down to the live heap, in that order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { analyzeRecording } from '../analysis/analyze-recording.js';
import { formatBytes } from '../analysis/units.js';
import { readRecordingDir } from '../sources/recording.js';
import { repoRoot } from '../test-support/toolchain.js';
import { containerView } from './container-view.js';
import { renderMarkdownReport } from './markdown.js';
import { renderTerminal } from './terminal.js';

const DIR = join(repoRoot, 'src/report/testdata/oom-recording');
const WATERFALL_ORDER = ['cgroup-usage', 'working-set', 'page-cache', 'page-cache-inactive', 'tmpfs', 'kernel', 'cgroup-anon', 'rss', 'go-mapped', 'live-heap'];

async function load() {
  const rec = await readRecordingDir(DIR);
  const kills = rec.events.filter((e) => e.kind === 'restart' && e.cause === 'oom-kill');
  assert.ok(kills.length >= 2, 'the recording holds at least two OOM kills');
  return { rec, kills, findings: analyzeRecording(rec) };
}

test('the container view: waterfall top-down to the live heap, the limit, one row per kill with the memory before it', async () => {
  const { rec, kills, findings } = await load();
  const v = containerView(findings)!;
  assert.ok(v, 'a container view');
  const limit = rec.samples.find((s) => s.cgroup?.limit)!.cgroup!.limit!;
  assert.equal(v.limit, limit);
  const ids: string[] = v.layers.map((l) => l.id);
  assert.deepEqual(
    ids,
    WATERFALL_ORDER.filter((id) => ids.includes(id)),
    'layers in waterfall order',
  );
  for (const id of ['cgroup-usage', 'working-set', 'cgroup-anon', 'rss', 'go-mapped', 'live-heap']) assert.ok(ids.includes(id), `layer ${id}`);
  // Nesting: each layer below the charge sits deeper than the cgroup's usage, the live heap deepest.
  assert.equal(v.layers[0].depth, 0);
  assert.equal(Math.max(...v.layers.map((l) => l.depth)), v.layers.find((l) => l.id === 'live-heap')!.depth);
  const oom = v.restarts.filter((r) => r.cause === 'OOM kill');
  assert.equal(oom.length, kills.length);
  for (const [i, r] of oom.entries()) {
    assert.equal(r.memoryBefore, kills[i].usageBefore, 'memory at the kill is the cgroup usage the collector recorded');
    assert.equal(r.memoryWhat, 'cgroup usage');
    assert.equal(r.limit, limit);
    assert.ok(r.t! >= kills[i].t - 2000 && r.t! <= kills[i].t + 2000, 'the kill at the time the collector saw the restart');
  }
});

test('terminal: a Container section with the limit and headroom, every layer, and one restart line per kill', async () => {
  const { kills, findings } = await load();
  const text = renderTerminal(findings);
  const section = text.slice(text.indexOf('\nContainer (cgroup v1)'), text.indexOf('\nAdvice'));
  assert.ok(section.length > 0, text);
  assert.match(
    section,
    new RegExp(`^\\nContainer \\(cgroup v1\\): limit ${formatBytes(findings.container!.waterfall!.limit!).replace('.', '\\.')}, headroom `),
  );
  for (const l of containerView(findings)!.layers) assert.ok(section.includes(`${l.label}`) && section.includes(formatBytes(l.bytes)), `layer ${l.id}`);
  const restartLines = section.split('\n').filter((l) => /^ {2}restart at /.test(l));
  assert.equal(restartLines.length, findings.restarts.length);
  for (const k of kills)
    assert.ok(
      restartLines.some((l) => l.includes(k.detail.replace(/^target restarted: /, '').replace(/; the series is split here$/, ''))),
      `kill at ${k.t}`,
    );
  assert.match(section, /killed by the OOM killer \d+ times, every ~\d+ s at ~\d+ MiB \(limit 96 MiB\)/);
  // Restarts are no longer repeated in the evidence list above.
  assert.ok(!text.slice(0, text.indexOf('\nContainer')).includes('restart at '));
});

test('Markdown: the waterfall table, the limit, and a restart table with time, cause, memory before and limit', async () => {
  const { rec, kills, findings } = await load();
  const md = renderMarkdownReport({ findings, recording: rec });
  const section = md.slice(md.indexOf('## Container (cgroup v1)'), md.indexOf('## Advice'));
  assert.ok(section.startsWith('## Container'), md);
  assert.match(section, /\*\*Limit 96\.0 MiB, headroom [\d.]+ (KiB|MiB)/);
  assert.match(section, /^\| layer \| bytes \| of the limit \| since start \|$/m);
  assert.match(section, /^\| charged to the cgroup \| [\d.]+ MiB \| \d+% \| \+[\d.]+ MiB \|$/m);
  assert.match(section, /^\| (\u00a0)+↳ live heap \| [\d.]+ MiB \| \d+% \|/m);
  const rows = section.split('\n').filter((l) => /^\| \d+ \| \d{4}-\d\d-\d\d /.test(l));
  assert.equal(rows.length, findings.restarts.length);
  kills.forEach((k, i) => {
    const cells = rows[i].split(' | ');
    assert.equal(cells[2], 'OOM kill');
    assert.equal(cells[3], `${formatBytes(k.usageBefore!)} (cgroup usage)`);
    assert.equal(cells[4], formatBytes(96 * 1024 * 1024));
  });
});

test('GOMEMLIMIT advice on the real recording states its GC CPU cost in numbers, with the measures it rests on', async () => {
  const { findings } = await load();
  const a = findings.advice.find((x) => x.id === 'container-gomemlimit')!;
  const m =
    /GOMEMLIMIT=(\d+)MiB the heap goal falls from [\d.]+ MiB to [\d.]+ MiB: ~([\d.]+) GC cycles\/min instead of ([\d.]+), GC CPU ~[\d.]+% instead of [\d.]+%\./.exec(
      a.text,
    );
  assert.ok(m, a.text);
  const now = Number(/^GC cycles now = ([\d.]+)\/min$/.exec(a.basedOn.find((b) => b.startsWith('GC cycles now'))!)![1]);
  assert.ok(Math.abs(now - Number(m[3])) <= 0.5 + 0.01 * now, `${now} vs ${m[3]}`);
  // A lower goal means more cycles at the same allocation rate.
  assert.ok(Number(m[2]) > Number(m[3]));
  for (const b of ['allocation rate = ', 'live heap = ', 'GC CPU (GCCPUFraction) = '])
    assert.ok(
      a.basedOn.some((x) => x.startsWith(b)),
      b,
    );
});
