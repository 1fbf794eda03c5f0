// Issue 9 class 7, on a real Prometheus: a 120-instance, 2-day fleet whose go_gc_duration_seconds (and
// runtime/metrics' GC cycle counter) were dropped by relabeling. GC cycles are estimated from bytes
// allocated over the heap goal's headroom, so the fleet is judged, not left all inconclusive: leakers are
// found, no healthy instance is called a leak, and every heap verdict says it rests on an estimate.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { analyzeFleet, isLeak, type FleetFindings } from '../analysis/fleet.js';
import { startPrometheus, type RunningPrometheus } from '../test-support/prometheus-server.js';
import { buildFleetBlocks, DEFAULT_END_UNIX, expectedVerdict, fleetInstances, type FleetSpec } from '../test-support/synthetic-fleet.js';
import { PrometheusClient } from './prometheus-api.js';
import { readFleet } from './prometheus-fleet.js';

const spec: FleetSpec = { instances: 120, days: 2, scrapeSeconds: 30, endUnix: DEFAULT_END_UNIX, seed: 42, dropGcCycles: true };
const truth = new Map(fleetInstances(spec).map((i) => [i.instance, i]));
let prom: RunningPrometheus;
let findings: FleetFindings;

before(async () => {
  prom = await startPrometheus({ blocksFrom: buildFleetBlocks(spec) });
  const client = new PrometheusClient({ url: prom.url, timeoutMs: 120_000 });
  findings = analyzeFleet(await readFleet(client, { selector: '', end: spec.endUnix, rangeSeconds: spec.days * 86400, groupBy: [] }));
});
after(async () => {
  await prom?.stop();
});

test('without go_gc_duration_seconds the fleet is judged: leakers found, no false leak, few inconclusive', () => {
  assert.equal(findings.instances.length, spec.instances);
  for (const j of findings.instances) assert.ok(j.missing.includes('numGC'), `${j.labels.instance} has no GC counter`);
  const rows = findings.instances.map((j) => ({ j, kind: truth.get(j.labels.instance)!.kind }));
  const inconclusive = rows.filter((r) => r.j.verdict === 'inconclusive');
  const falseLeaks = rows
    .filter((r) => isLeak(r.j.verdict) && expectedVerdict(r.kind) === 'no-leak')
    .map((r) => `${r.j.labels.instance} (${r.kind}): ${r.j.verdict}`);
  const leakers = rows.filter((r) => expectedVerdict(r.kind) !== 'no-leak');
  const found = leakers.filter((r) => r.j.verdict === expectedVerdict(r.kind));
  console.log(
    JSON.stringify({
      counts: findings.counts,
      found: found.length,
      leakers: leakers.length,
      inconclusive: inconclusive.map((r) => `${r.kind}: ${r.j.headline}`),
    }),
  );
  assert.deepEqual(falseLeaks, []);
  assert.ok(inconclusive.length <= 0.1 * spec.instances, `${inconclusive.length} inconclusive`);
  assert.ok(found.length >= 0.9 * leakers.length, `${found.length} of ${leakers.length} leakers found`);
  // Leakers rank above every healthy instance.
  const worst = Math.max(...found.map((r) => r.j.rank));
  const best = Math.min(...rows.filter((r) => expectedVerdict(r.kind) === 'no-leak').map((r) => r.j.rank));
  assert.ok(worst < best, `leaker at ${worst}, healthy at ${best}`);
});
