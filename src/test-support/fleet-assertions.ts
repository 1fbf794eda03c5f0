// Test-only: what a fleet read of the synthetic fleet must show, whichever engine served it (Prometheus
// backfilled with promtool, VictoriaMetrics through its import API): the verdict each instance's
// generated kind implies, every leaker ranked above every non-leaker, the naming generation, missing
// process metrics, restarts and OOM cycles as generated, and the version story. One definition, so
// that "same verdicts, same ranking" on two engines means the same checks.

import assert from 'node:assert/strict';
import { isLeak, type FleetFindings } from '../analysis/fleet.js';
import { expectedVerdict, fleetInstances, type FleetSpec, type SyntheticInstance } from './synthetic-fleet.js';

function truthOf(spec: FleetSpec): Map<string, SyntheticInstance> {
  return new Map(fleetInstances(spec).map((i) => [i.instance, i]));
}

/** Every instance found once, with the verdict its generated behaviour implies. */
export function assertVerdictsAsGenerated(findings: FleetFindings, spec: FleetSpec): void {
  const truth = truthOf(spec);
  assert.equal(findings.instances.length, spec.instances);
  const wrong = findings.instances
    .map((j) => ({ j, t: truth.get(j.labels.instance)! }))
    .filter(({ j, t }) => j.verdict !== expectedVerdict(t.kind))
    .map(({ j, t }) => `${j.labels.instance} (${t.kind}): ${j.verdict} — ${j.reasons[0]}`);
  assert.deepEqual(wrong, []);
}

export function assertLeakersRankFirst(findings: FleetFindings, spec: FleetSpec): void {
  const truth = truthOf(spec);
  const ranks = findings.instances.map((j) => ({ rank: j.rank, leaker: expectedVerdict(truth.get(j.labels.instance)!.kind) !== 'no-leak' }));
  const worstLeaker = Math.max(...ranks.filter((r) => r.leaker).map((r) => r.rank));
  const bestHealthy = Math.min(...ranks.filter((r) => !r.leaker).map((r) => r.rank));
  assert.ok(worstLeaker < bestHealthy, `leaker at rank ${worstLeaker}, healthy at ${bestHealthy}`);
}

/** Both naming generations, missing process metrics, restarts and OOM cycles, per instance as generated. */
export function assertInstanceDetailsAsGenerated(findings: FleetFindings, spec: FleetSpec): void {
  const truth = truthOf(spec);
  for (const j of findings.instances) {
    const t = truth.get(j.labels.instance)!;
    assert.equal(j.generation, t.generation, j.labels.instance);
    assert.equal(j.missing.includes('rss'), !t.processMetrics, j.labels.instance);
    if (t.kind === 'restarting' || t.kind === 'oom-cycle') assert.ok(j.restarts >= 3, `${j.labels.instance} ${t.kind}: ${j.restarts} restarts`);
    else assert.equal(j.restarts, 0, `${j.labels.instance} ${t.kind}`);
    assert.equal(j.oomCycle, t.kind === 'oom-cycle', `${j.labels.instance} ${t.kind}: oomCycle ${j.oomCycle}`);
  }
}

/** The version label's story (leakers run v1.4.2, the rest v1.4.1), counted from the generated fleet. */
export function assertVersionStory(findings: FleetFindings, spec: FleetSpec): void {
  const insts = fleetInstances(spec);
  const leaking = insts.filter((i) => i.version === 'v1.4.2').length;
  const healthy = insts.length - leaking;
  assert.equal(findings.stories.length, 1);
  const s = findings.stories[0];
  assert.match(s.text, new RegExp(`all ${leaking} instances of version="v1\\.4\\.2" leak`));
  assert.match(s.text, new RegExp(`version="v1\\.4\\.1": none of ${healthy} instances leak`));
  const top = findings.instances[0];
  assert.ok(isLeak(top.verdict));
  assert.equal(top.next?.watch, `heapsight watch http://${top.labels.instance}`);
  assert.equal(top.next?.heapProfile, `http://${top.labels.instance}/debug/pprof/heap`);
}
