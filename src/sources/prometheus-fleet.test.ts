// Fleet against a real Prometheus (Debian's 2.42) on loopback, seeded with a backfilled synthetic
// fleet whose behaviour per instance is known from how it was generated (test-support/synthetic-fleet.ts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { analyzeFleet, type FleetFindings } from '../analysis/fleet.js';
import { renderFleetHtml } from '../report/fleet-html.js';
import { renderFleetMarkdown } from '../report/fleet-markdown.js';
import { renderFleetTerminal } from '../report/fleet-terminal.js';
import { assertInstanceDetailsAsGenerated, assertLeakersRankFirst, assertVerdictsAsGenerated, assertVersionStory } from '../test-support/fleet-assertions.js';
import { startPrometheus, type RunningPrometheus } from '../test-support/prometheus-server.js';
import { buildFleetBlocks, DEFAULT_END_UNIX, expectedVerdict, fleetInstances, type FleetSpec } from '../test-support/synthetic-fleet.js';
import { join } from 'node:path';
import { repoRoot } from '../test-support/toolchain.js';
import { PrometheusClient } from './prometheus-api.js';
import { readFleet } from './prometheus-fleet.js';

const spec: FleetSpec = { instances: 40, days: 2, scrapeSeconds: 30, endUnix: DEFAULT_END_UNIX, seed: 42 };
let blocks: string;
let prom: RunningPrometheus;
let findings: FleetFindings;

before(async () => {
  blocks = buildFleetBlocks(spec);
  prom = await startPrometheus({ blocksFrom: blocks });
  const client = new PrometheusClient({ url: prom.url, timeoutMs: 60_000 });
  const data = await readFleet(client, { selector: '', end: spec.endUnix, rangeSeconds: spec.days * 86400, groupBy: ['version'] });
  findings = analyzeFleet(data);
});
after(async () => {
  await prom?.stop();
});

test('every instance is found and gets the verdict its generated behaviour implies', () => {
  assertVerdictsAsGenerated(findings, spec);
});

test('every leaker ranks above every non-leaker', () => {
  assertLeakersRankFirst(findings, spec);
});

test('both naming generations, missing process metrics, restarts and OOM cycles are seen', () => {
  assertInstanceDetailsAsGenerated(findings, spec);
});

test('the version label tells the story, and suspects come with next steps', () => {
  assertVersionStory(findings, spec);
  const text = renderFleetTerminal(findings);
  assert.match(text, /Stories\n {2}by version: all 18 instances/);
  assert.match(renderFleetMarkdown(findings), /\| 1 \| (api|checkout)\/10\.1\.0\.\d+:\d+ \| v1\.4\.2 \| (heap|goroutine)-leak \|/);
  const html = renderFleetHtml(findings);
  assert.match(
    html,
    /<td>1<\/td><td>(api|checkout)\/10\.1\.0\.\d+:\d+<\/td><td>v1\.4\.2<\/td><td style="color:#b91c1c;font-weight:600">(heap|goroutine)-leak<\/td>/,
  );
  assert.match(html, /all 18 instances of version=&quot;v1\.4\.2&quot; leak/);
});

test('kilobytes per instance cross the network, not raw samples', () => {
  const t = findings.transfer;
  assert.equal(t.rawSamples, spec.instances * ((spec.days * 86400) / spec.scrapeSeconds));
  assert.ok(t.bytesPerInstance < 16 * 1024, `${t.bytesPerInstance} bytes per instance`);
  assert.ok(t.requests < 30, `${t.requests} requests`);
});

test('a server that refuses big queries gets split ones under a path prefix, with the same verdicts', async (t) => {
  // A range query's answer is counted whole: 576 steps (5 min over 2 days) × 26 instances = 15,000
  // samples, past an 8,000 cap, so the client must split in time. (Range functions in instant queries
  // are counted per series, 5,760 here, so those pass.)
  const small = await startPrometheus({
    blocksFrom: blocks,
    args: ['--query.max-samples=8000', '--web.route-prefix=/prom', '--web.external-url=http://127.0.0.1/prom'],
  });
  t.after(() => small.stop());
  const client = new PrometheusClient({ url: small.url, pathPrefix: '/prom', timeoutMs: 60_000 });
  const data = await readFleet(client, { selector: 'job="api"', end: spec.endUnix, rangeSeconds: spec.days * 86400, stepSeconds: 300, groupBy: ['version'] });
  const split = analyzeFleet(data);
  assert.ok(
    client.stats.splits.some((s) => s.by === 'time' && s.reason === 'too-many-samples'),
    JSON.stringify(client.stats.splits),
  );
  assert.ok(
    split.notes.some((n) => /refused to load that many samples; split in 2 by time/.test(n)),
    split.notes.join('\n'),
  );
  assert.equal(split.window.stepSeconds, 300);
  const apiOnly = findings.instances.filter((j) => j.labels.job === 'api');
  assert.equal(split.instances.length, apiOnly.length);
  const before = new Map(apiOnly.map((j) => [j.labels.instance, j.verdict]));
  for (const j of split.instances) assert.equal(j.verdict, before.get(j.labels.instance), j.labels.instance);
});

test('TLS: a self-signed server is refused with a hint, and read with --insecure', async (t) => {
  const tlsDir = join(repoRoot, 'src/collect/testdata/tls');
  const tls = await startPrometheus({
    blocksFrom: blocks,
    webConfig: `tls_server_config:\n  cert_file: ${join(tlsDir, 'cert.pem')}\n  key_file: ${join(tlsDir, 'key.pem')}\n`,
  });
  t.after(() => tls.stop());
  assert.match(tls.url, /^https:/);
  const strict = new PrometheusClient({ url: tls.url, timeoutMs: 10_000 });
  await assert.rejects(
    readFleet(strict, { selector: '', end: spec.endUnix, rangeSeconds: 86400, groupBy: [] }),
    /TLS certificate not trusted .*--insecure skips verification/,
  );
  const insecure = new PrometheusClient({ url: tls.url, timeoutMs: 60_000, insecure: true });
  const data = await readFleet(insecure, { selector: 'job="checkout"', end: spec.endUnix, rangeSeconds: 86400, groupBy: [] });
  assert.equal(data.instances.length, fleetInstances(spec).filter((i) => i.job === 'checkout').length);
});

test('at a coarse step, instances that restart often are re-read finer, so OOM-kill cycles are still seen', async () => {
  const client = new PrometheusClient({ url: prom.url, timeoutMs: 60_000 });
  const data = await readFleet(client, { selector: '', end: spec.endUnix, rangeSeconds: spec.days * 86400, stepSeconds: 7200, groupBy: [] });
  const coarse = analyzeFleet(data);
  const restarting = fleetInstances(spec).filter((i) => i.kind === 'oom-cycle' || i.kind === 'restarting');
  const refined = data.instances.filter((i) => i.stepSeconds !== undefined);
  assert.deepEqual(refined.map((i) => i.labels.instance).sort(), restarting.map((i) => i.instance).sort());
  assert.ok(refined.every((i) => i.stepSeconds! < 7200 && i.samples.length > 24));
  assert.ok(
    coarse.notes.some((n) => /re-read at a \d+ s step/.test(n)),
    coarse.notes.join('\n'),
  );
  for (const inst of restarting) {
    const j = coarse.instances.find((x) => x.labels.instance === inst.instance)!;
    assert.equal(j.verdict, expectedVerdict(inst.kind), `${inst.instance} ${inst.kind}: ${j.headline}`);
    assert.equal(j.oomCycle, inst.kind === 'oom-cycle', `${inst.instance} ${inst.kind}: ${j.headline}`);
  }
});

test('--work-metric normalises growth per 1,000 requests without changing verdicts', async () => {
  const client = new PrometheusClient({ url: prom.url, timeoutMs: 60_000 });
  const data = await readFleet(client, {
    selector: 'job="checkout"',
    end: spec.endUnix,
    rangeSeconds: spec.days * 86400,
    groupBy: [],
    workMetric: 'http_requests',
  });
  const perWork = analyzeFleet(data);
  for (const j of perWork.instances) {
    const before = findings.instances.find((x) => x.labels.instance === j.labels.instance)!;
    assert.equal(j.verdict, before.verdict, j.labels.instance);
    if (j.verdict === 'heap-leak') {
      assert.ok(j.liveHeapBytesPer1000Work! > 0, j.labels.instance);
      assert.match(j.headline, /per 1,000 requests/);
    }
  }
  const missing = await readFleet(client, { selector: 'job="checkout"', end: spec.endUnix, rangeSeconds: 86400, groupBy: [], workMetric: 'rpc_calls' });
  assert.ok(missing.notes.some((n) => /work metric rpc_calls not found/.test(n)));
});
