// test-lane: wall-clock
// The fleet read against VictoriaMetrics (Debian's victoria-metrics, single node) on loopback, the
// synthetic fleet imported through /api/v1/import/prometheus from the same generator the Prometheus
// fleet tests backfill with promtool: the same verdicts, ranking, generations, restarts and story as on
// Prometheus (test-support/fleet-assertions.ts, shared with prometheus-fleet.test.ts). The server runs
// with two of its query limits lowered below what some of heapsight's reads need, as an operator of a
// shared VictoriaMetrics sets them: -search.maxPointsPerTimeseries (30,000 by default) and
// -search.maxQueryLen (16 KiB by default, which the instance list of a re-read of 1,500 restarting
// instances passes). The default read stays under both; the reads that pass them are split.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { analyzeFleet, type FleetFindings } from '../analysis/fleet.js';
import { assertInstanceDetailsAsGenerated, assertLeakersRankFirst, assertVerdictsAsGenerated, assertVersionStory } from '../test-support/fleet-assertions.js';
import { DEFAULT_END_UNIX, expectedVerdict, fleetInstances, type FleetSpec } from '../test-support/synthetic-fleet.js';
import { importFleet, startVictoriaMetrics, type RunningVictoriaMetrics } from '../test-support/victoria-metrics-server.js';
import { PrometheusClient } from './prometheus-api.js';
import { readFleet } from './prometheus-fleet.js';

// The spec of prometheus-fleet.test.ts: the same instances, kinds and samples.
const spec: FleetSpec = { instances: 40, days: 2, scrapeSeconds: 30, endUnix: DEFAULT_END_UNIX, seed: 42 };
const range = spec.days * 86400;
// The auto step over 2 days is 1,200 s (145 points); a 600 s step (289 points) passes this.
const MAX_POINTS = 200;
// Every query of the default read is under 200 bytes; the coarse-step re-read's list of 10 restarting
// instances, named in both naming generations' alternatives, makes its queries about 600.
const MAX_QUERY_LEN = 300;
let vm: RunningVictoriaMetrics;
let imported: number;
let findings: FleetFindings;

before(async () => {
  vm = await startVictoriaMetrics({ args: [`-search.maxPointsPerTimeseries=${MAX_POINTS}`, `-search.maxQueryLen=${MAX_QUERY_LEN}`] });
  imported = await importFleet(vm, spec);
  const client = new PrometheusClient({ url: vm.url, timeoutMs: 60_000 });
  findings = analyzeFleet(await readFleet(client, { selector: '', end: spec.endUnix, rangeSeconds: range, groupBy: ['version'] }));
});
after(async () => {
  await vm?.stop();
});

test('VictoriaMetrics: every instance gets the verdict its generated behaviour implies, leakers ranked first', () => {
  assert.ok(imported > 0, 'rows imported');
  assertVerdictsAsGenerated(findings, spec);
  assertLeakersRankFirst(findings, spec);
});

test('VictoriaMetrics: naming generations, missing process metrics, restarts, OOM cycles and the version story', () => {
  assertInstanceDetailsAsGenerated(findings, spec);
  assertVersionStory(findings, spec);
  assert.deepEqual(findings.notes, []);
});

test('VictoriaMetrics: kilobytes per instance, and the raw sample estimate within one scrape per hour', () => {
  const t = findings.transfer;
  assert.ok(t.bytesPerInstance < 16 * 1024, `${t.bytesPerInstance} bytes per instance`);
  assert.ok(t.requests < 30, `${t.requests} requests`);
  // VictoriaMetrics's range selectors are left-open, (t-1h, t], where Prometheus 2.x counts [t-1h, t]:
  // the hour's probe sees one scrape fewer, and the estimate scales that over the range.
  const exact = spec.instances * (range / spec.scrapeSeconds);
  const perHour = 3600 / spec.scrapeSeconds;
  assert.ok(t.rawSamples !== undefined && Math.abs(t.rawSamples - exact) <= exact / perHour, `${t.rawSamples} raw samples estimated, ${exact} stored`);
  // Every scrape of every series was imported (the kind decides which series an instance has).
  assert.ok(imported >= spec.instances * (range / spec.scrapeSeconds) * 10, `${imported} rows`);
});

test('VictoriaMetrics: more points per series than -search.maxPointsPerTimeseries allows is split in time, with the same verdicts', async () => {
  const client = new PrometheusClient({ url: vm.url, timeoutMs: 60_000 });
  const data = await readFleet(client, { selector: '', end: spec.endUnix, rangeSeconds: range, stepSeconds: 600, groupBy: ['version'] });
  const fine = analyzeFleet(data);
  assert.ok(
    client.stats.splits.some((s) => s.by === 'time' && s.reason === 'too-many-points'),
    JSON.stringify(client.stats.splits),
  );
  assert.ok(
    fine.notes.some((n) => /refused that many points per series; split in 2 by time/.test(n)),
    fine.notes.join('\n'),
  );
  assert.equal(fine.window.stepSeconds, 600);
  const before = new Map(findings.instances.map((j) => [j.labels.instance, j.verdict]));
  assert.equal(fine.instances.length, findings.instances.length);
  for (const j of fine.instances) assert.equal(j.verdict, before.get(j.labels.instance), j.labels.instance);
});

test('VictoriaMetrics: a re-read whose instance list passes -search.maxQueryLen is split by instance; OOM-kill cycles still seen', async () => {
  const client = new PrometheusClient({ url: vm.url, timeoutMs: 60_000 });
  const data = await readFleet(client, { selector: '', end: spec.endUnix, rangeSeconds: range, stepSeconds: 7200, groupBy: [] });
  const coarse = analyzeFleet(data);
  assert.ok(
    client.stats.splits.some((s) => s.by === 'instance' && s.reason === 'query-too-long'),
    JSON.stringify(client.stats.splits),
  );
  const restarting = fleetInstances(spec).filter((i) => i.kind === 'oom-cycle' || i.kind === 'restarting');
  const refined = data.instances.filter((i) => i.stepSeconds !== undefined);
  assert.deepEqual(refined.map((i) => i.labels.instance).sort(), restarting.map((i) => i.instance).sort());
  for (const inst of restarting) {
    const j = coarse.instances.find((x) => x.labels.instance === inst.instance)!;
    assert.equal(j.verdict, expectedVerdict(inst.kind), `${inst.instance} ${inst.kind}: ${j.headline}`);
    assert.equal(j.oomCycle, inst.kind === 'oom-cycle', `${inst.instance} ${inst.kind}: ${j.headline}`);
  }
});
