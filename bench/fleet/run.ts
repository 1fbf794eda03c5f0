// Fleet benchmark: 500 synthetic Go instances × 3 days at a 30 s scrape interval, backfilled into a
// real Prometheus (cached under .cache/fleet-tsdb/), then `heapsight fleet` end to end (queries +
// analysis) timed. Target: under 30 s on the project machine. Prints time, bytes transferred, and how
// many verdicts match the generated behaviour.
//
// Run: node --import tsx bench/fleet/run.ts [instances] [days]

import { analyzeFleet } from '../../src/analysis/fleet.js';
import { PrometheusClient } from '../../src/sources/prometheus-api.js';
import { readFleet } from '../../src/sources/prometheus-fleet.js';
import { startPrometheus } from '../../src/test-support/prometheus-server.js';
import { buildFleetBlocks, DEFAULT_END_UNIX, expectedVerdict, fleetInstances, type FleetSpec } from '../../src/test-support/synthetic-fleet.js';

const spec: FleetSpec = {
  instances: Number(process.argv[2] ?? 500),
  days: Number(process.argv[3] ?? 3),
  scrapeSeconds: 30,
  endUnix: DEFAULT_END_UNIX,
  seed: 500,
};
const t0 = Date.now();
const blocks = buildFleetBlocks(spec, (l) => console.log(`backfill: ${l}`));
console.log(`blocks ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (cached after the first run): ${blocks}`);
// Backfilled 2 h blocks would otherwise be compacted while we measure.
const prom = await startPrometheus({ blocksFrom: blocks, args: ['--storage.tsdb.min-block-duration=2h', '--storage.tsdb.max-block-duration=2h'] });
try {
  const started = performance.now();
  const client = new PrometheusClient({ url: prom.url, timeoutMs: 120_000 });
  const data = await readFleet(client, { selector: '', end: spec.endUnix, rangeSeconds: spec.days * 86400, groupBy: ['version'] });
  const read = performance.now();
  const f = analyzeFleet(data);
  const done = performance.now();
  const truth = new Map(fleetInstances(spec).map((i) => [i.instance, i]));
  const right = f.instances.filter((j) => j.verdict === expectedVerdict(truth.get(j.labels.instance)!.kind)).length;
  const leakerRanks = f.instances.filter((j) => expectedVerdict(truth.get(j.labels.instance)!.kind) !== 'no-leak').map((j) => j.rank);
  const healthyRanks = f.instances.filter((j) => expectedVerdict(truth.get(j.labels.instance)!.kind) === 'no-leak').map((j) => j.rank);
  const total = (done - started) / 1000;
  console.log(`instances: ${f.instances.length}; raw samples on the server (goroutine series alone): ${f.transfer.rawSamples}`);
  console.log(
    `query: ${((read - started) / 1000).toFixed(2)} s, ${f.transfer.requests} requests, ${f.transfer.wireBytes} bytes on the wire (${f.transfer.bodyBytes} JSON), ${f.transfer.bytesPerInstance} bytes/instance; step ${f.window.stepSeconds} s`,
  );
  console.log(`analysis: ${((done - read) / 1000).toFixed(2)} s`);
  console.log(`TOTAL: ${total.toFixed(2)} s (${total < 30 ? 'under' : 'OVER'} the 30 s target)`);
  console.log(
    `verdicts matching the generated behaviour: ${right}/${f.instances.length}; every leaker above every non-leaker: ${Math.max(...leakerRanks) < Math.min(...healthyRanks)}`,
  );
  for (const j of f.instances.filter((j) => j.verdict !== expectedVerdict(truth.get(j.labels.instance)!.kind)).slice(0, 5)) {
    console.log(`  mismatch: ${j.labels.instance} ${truth.get(j.labels.instance)!.kind} → ${j.verdict} ${j.confidence}: ${j.headline}; ${j.reasons[0] ?? ''}`);
  }
  console.log(`stories: ${f.stories.map((s) => s.text).join(' / ')}`);
  if (total >= 30 || right !== f.instances.length) process.exitCode = 1;
} finally {
  await prom.stop();
}
