// Fleet on a Kubernetes cluster, against a real Prometheus (Debian's 2.42) on loopback, backfilled with a
// synthetic cluster (test-support/synthetic-fleet.ts, `cluster`): Go series relabeled with namespace/pod/
// container, cAdvisor's container_memory_* and limits, kube-state-metrics' restarts and OOMKilled reason.
// OOM-killed leakers must rank above every page-cache grower and healthy pod, page-cache growers are
// not leaks (though their working set nears the limit), and the join labels can be named.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { analyzeFleet, isLeak, type FleetFindings } from '../analysis/fleet.js';
import { renderFleetTerminal } from '../report/fleet-terminal.js';
import { startPrometheus, type RunningPrometheus } from '../test-support/prometheus-server.js';
import { buildFleetBlocks, DEFAULT_END_UNIX, expectedVerdict, fleetInstances, type FleetSpec } from '../test-support/synthetic-fleet.js';
import { PrometheusClient } from './prometheus-api.js';
import { readFleet } from './prometheus-fleet.js';

const spec: FleetSpec = { instances: 30, days: 2, scrapeSeconds: 30, endUnix: DEFAULT_END_UNIX, seed: 12, cluster: true };
const truth = new Map(fleetInstances(spec).map((i) => [i.instance, i]));
let prom: RunningPrometheus;
let client: PrometheusClient;
let findings: FleetFindings;

before(async () => {
  prom = await startPrometheus({ blocksFrom: buildFleetBlocks(spec) });
  client = new PrometheusClient({ url: prom.url, timeoutMs: 60_000 });
  findings = analyzeFleet(await readFleet(client, { selector: 'job="app"', end: spec.endUnix, rangeSeconds: spec.days * 86400, groupBy: [] }));
});
after(async () => {
  await prom?.stop();
});

const kindOf = (instance: string) => truth.get(instance)!.kind;

test('every pod is joined to its container series on namespace/pod/container', () => {
  assert.equal(findings.instances.length, spec.instances);
  for (const j of findings.instances) {
    const t = truth.get(j.labels.instance)!;
    assert.equal(j.labels.pod, t.k8s!.pod);
    assert.equal(j.labels.namespace, t.k8s!.namespace);
    assert.ok(j.container, `${j.labels.instance} joined`);
    assert.ok(!j.missing.includes('container'));
    assert.equal(j.container!.limit, t.k8s!.limit);
  }
  assert.ok(
    findings.notes.some((n) => n === `container series joined on namespace, pod, container: ${spec.instances} of ${spec.instances} instances`),
    findings.notes.join('\n'),
  );
});

test('every OOM-killed leaker ranks above every page-cache grower and healthy pod', () => {
  const oom = findings.instances.filter((j) => kindOf(j.labels.instance) === 'oom-killed');
  const rest = findings.instances.filter((j) => kindOf(j.labels.instance) !== 'oom-killed');
  assert.ok(oom.length >= 9 && rest.length >= 18);
  const worst = Math.max(...oom.map((j) => j.rank));
  const best = Math.min(...rest.map((j) => j.rank));
  assert.ok(worst < best, `OOM-killed leaker at rank ${worst}, another pod at ${best}:\n${renderFleetTerminal(findings)}`);
  for (const j of oom) {
    assert.equal(j.verdict, expectedVerdict('oom-killed'), `${j.labels.pod}: ${j.headline}`);
    // Every restart of such a pod was the kernel's OOM killer, counted from kube-state-metrics.
    assert.ok(j.container!.oomKills >= 3, `${j.labels.pod}: ${j.container!.oomKills} OOM kills`);
    assert.equal(j.container!.oomKills, j.restarts, `${j.labels.pod}: ${j.headline}`);
    assert.match(j.headline, new RegExp(`OOM-killed ${j.container!.oomKills} times at its 512 MiB limit`));
  }
});

test('page-cache growers are not leaks: the page cache is named as what grows, though the working set nears the limit', () => {
  const pc = findings.instances.filter((j) => kindOf(j.labels.instance) === 'page-cache');
  assert.ok(pc.length >= 9);
  for (const j of pc) {
    assert.ok(!isLeak(j.verdict), `${j.labels.pod}: ${j.verdict} — ${j.headline}`);
    assert.equal(j.verdict, 'no-leak', `${j.labels.pod}: ${j.headline}`);
    // The trap a working-set alert falls into: close to the limit at the end of the window.
    assert.ok(j.container!.workingSet! > 0.8 * j.container!.limit!, `${j.labels.pod}: working set ${j.container!.workingSet} of ${j.container!.limit}`);
    assert.equal(j.container!.growingLayer, 'page-cache');
    assert.equal(j.container!.oomKills, 0);
    assert.match(j.headline, /grows with page cache: reclaimed under pressure, not a leak/);
    assert.ok(
      j.reasons.some((r) => /page cache/.test(r) && /reclaims it under pressure/.test(r)),
      j.reasons.join('\n'),
    );
  }
  for (const j of findings.instances.filter((x) => ['steady', 'plateau'].includes(kindOf(x.labels.instance)))) {
    assert.equal(j.verdict, 'no-leak', `${j.labels.pod}: ${j.headline}`);
    assert.equal(j.container!.oomKills, 0);
    assert.notEqual(j.container!.growingLayer, 'page-cache', j.labels.pod);
  }
});

test('the join labels are configurable; without pod labels the container series are not guessed at', async () => {
  const byPod = analyzeFleet(
    await readFleet(client, {
      selector: 'job="app",namespace="shop"',
      end: spec.endUnix,
      rangeSeconds: spec.days * 86400,
      groupBy: [],
      joinLabels: ['namespace', 'pod'],
    }),
  );
  assert.equal(byPod.instances.length, fleetInstances(spec).filter((i) => i.k8s!.namespace === 'shop').length);
  for (const j of byPod.instances) {
    const full = findings.instances.find((x) => x.labels.instance === j.labels.instance)!;
    assert.equal(j.labels.container, undefined);
    assert.deepEqual(j.container && { k: j.container.oomKills, l: j.container.limit }, { k: full.container!.oomKills, l: full.container!.limit });
    assert.equal(j.verdict, full.verdict, j.labels.pod);
  }
  const none = await readFleet(client, { selector: 'job="app"', end: spec.endUnix, rangeSeconds: 86400, groupBy: [], joinLabels: ['kubernetes_pod'] });
  assert.ok(none.instances.every((i) => i.container === undefined));
  assert.ok(
    none.notes.some((n) => /no "pod" label to join them on/.test(n)),
    none.notes.join('\n'),
  );
});
