// The measured part of the fleet benchmark, in a process of its own so that its peak RSS is heapsight's
// alone (not the generator's or the backfill's): what `heapsight fleet` does, readFleet + analyzeFleet,
// against the server at argv[2] for the fleet spec in argv[3]. Prints one JSON line.
import { analyzeFleet } from '../../src/analysis/fleet.js';
import { PrometheusClient } from '../../src/sources/prometheus-api.js';
import { readFleet } from '../../src/sources/prometheus-fleet.js';
import { expectedVerdict, fleetInstances, type FleetSpec } from '../../src/test-support/synthetic-fleet.js';

const url = process.argv[2];
const spec = JSON.parse(process.argv[3]) as FleetSpec;
const started = performance.now();
const cpu0 = process.cpuUsage();
const client = new PrometheusClient({ url, timeoutMs: 120_000 });
const data = await readFleet(client, { selector: '', end: spec.endUnix, rangeSeconds: spec.days * 86400, groupBy: ['version'] });
const read = performance.now();
const cpu1 = process.cpuUsage();
const f = analyzeFleet(data);
const done = performance.now();
const cpu2 = process.cpuUsage();
const seconds = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) => (b.user + b.system - a.user - a.system) / 1e6;
const truth = new Map(fleetInstances(spec).map((i) => [i.instance, i]));
const expected = (j: (typeof f.instances)[number]) => expectedVerdict(truth.get(j.labels.instance)!.kind);
const leakerRanks = f.instances.filter((j) => expected(j) !== 'no-leak').map((j) => j.rank);
const healthyRanks = f.instances.filter((j) => expected(j) === 'no-leak').map((j) => j.rank);
console.log(
  JSON.stringify({
    readSeconds: (read - started) / 1000,
    analysisSeconds: (done - read) / 1000,
    totalSeconds: (done - started) / 1000,
    // CPU time, which a machine shared with other work inflates far less than wall time.
    readCpuSeconds: seconds(cpu0, cpu1),
    analysisCpuSeconds: seconds(cpu1, cpu2),
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    instances: f.instances.length,
    transfer: f.transfer,
    stepSeconds: f.window.stepSeconds,
    refined: data.instances.filter((i) => i.stepSeconds !== undefined).length,
    notes: f.notes,
    right: f.instances.filter((j) => j.verdict === expected(j)).length,
    leakersFirst: Math.max(...leakerRanks) < Math.min(...healthyRanks),
    ranking: f.instances.map((j) => `${j.labels.instance} ${j.verdict}`),
    mismatches: f.instances
      .filter((j) => j.verdict !== expected(j))
      .slice(0, 5)
      .map((j) => `${j.labels.instance} ${truth.get(j.labels.instance)!.kind} → ${j.verdict} ${j.confidence}: ${j.headline}; ${j.reasons[0] ?? ''}`),
    stories: f.stories.map((s) => s.text),
  }),
);
