// Fleet benchmark: N synthetic Go instances × D days at a 30 s scrape interval (default 500 × 3), held
// by a real Prometheus (backfilled with promtool, blocks cached under .cache/fleet-tsdb/) and/or a real
// VictoriaMetrics (imported through its API, storage cached under .cache/fleet-vm/), then what
// `heapsight fleet` does (queries + analysis) timed in a process of its own (bench/fleet/read.ts), so
// that its peak RSS is heapsight's. Target: under 30 s on the project machine. Prints time, requests,
// bytes transferred, peak RSS, and how many verdicts match the generated behaviour; with both engines,
// whether they give the same verdicts in the same ranking.
//
// Run: node --import tsx bench/fleet/run.ts [instances] [days] [prometheus|victoria-metrics|both]

import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { startPrometheus } from '../../src/test-support/prometheus-server.js';
import { buildFleetBlocks, DEFAULT_END_UNIX, type FleetSpec } from '../../src/test-support/synthetic-fleet.js';
import { repoRoot } from '../../src/test-support/toolchain.js';
import { buildFleetStorage, startVictoriaMetrics } from '../../src/test-support/victoria-metrics-server.js';

const TARGET_SECONDS = 30;
const spec: FleetSpec = {
  instances: Number(process.argv[2] ?? 500),
  days: Number(process.argv[3] ?? 3),
  scrapeSeconds: 30,
  endUnix: DEFAULT_END_UNIX,
  seed: 500,
};
const engineArg = process.argv[4] ?? 'prometheus';
const engines = engineArg === 'both' ? ['prometheus', 'victoria-metrics'] : [engineArg];

interface Result {
  totalSeconds: number;
  readSeconds: number;
  analysisSeconds: number;
  readCpuSeconds: number;
  analysisCpuSeconds: number;
  maxRssMiB: number;
  instances: number;
  transfer: { requests: number; wireBytes: number; bodyBytes: number; bytesPerInstance: number; rawSamples?: number };
  stepSeconds: number;
  refined: number;
  notes: string[];
  right: number;
  leakersFirst: boolean;
  ranking: string[];
  mismatches: string[];
  stories: string[];
}

function measure(url: string): Result {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/fleet/read.ts', url, JSON.stringify(spec)], {
    cwd: repoRoot,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`bench/fleet/read.ts failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Result;
}

/** CPU seconds a process has used so far (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

function version(cmd: string, arg: string): string {
  try {
    return execFileSync(cmd, [arg], { encoding: 'utf8' }).split('\n')[0].trim();
  } catch {
    return 'unknown';
  }
}

const results = new Map<string, Result>();
for (const engine of engines) {
  const t0 = Date.now();
  let url: string;
  let stop: () => Promise<void>;
  let pid: number;
  if (engine === 'prometheus') {
    const blocks = buildFleetBlocks(spec, (l) => console.log(`backfill: ${l}`));
    console.log(`[prometheus] blocks ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (cached after the first run): ${blocks}`);
    // Backfilled 2 h blocks would otherwise be compacted while we measure.
    const prom = await startPrometheus({ blocksFrom: blocks, args: ['--storage.tsdb.min-block-duration=2h', '--storage.tsdb.max-block-duration=2h'] });
    url = prom.url;
    stop = prom.stop;
    pid = prom.pid;
    console.log(`[prometheus] ${version('prometheus', '--version')}`);
  } else if (engine === 'victoria-metrics') {
    const storage = await buildFleetStorage(spec, (l) => console.log(`import: ${l}`));
    console.log(`[victoria-metrics] storage ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (cached after the first run): ${storage}`);
    const vm = await startVictoriaMetrics({ storageFrom: storage });
    url = vm.url;
    stop = vm.stop;
    pid = vm.pid;
    console.log(`[victoria-metrics] Debian package ${execFileSync('dpkg-query', ['-Wf', '${Version}', 'victoria-metrics'], { encoding: 'utf8' })}`);
  } else {
    throw new Error(`engine: expected prometheus, victoria-metrics or both, got ${engine}`);
  }
  try {
    const serverCpu0 = cpuSeconds(pid);
    const r = measure(url);
    const serverCpu = cpuSeconds(pid) - serverCpu0;
    results.set(engine, r);
    const t = r.transfer;
    console.log(`[${engine}] instances: ${r.instances}; raw samples on the server (goroutine series alone): ${t.rawSamples}`);
    console.log(
      `[${engine}] query: ${r.readSeconds.toFixed(2)} s, ${t.requests} requests, ${t.wireBytes} bytes on the wire (${t.bodyBytes} JSON), ${t.bytesPerInstance} bytes/instance; step ${r.stepSeconds} s, ${r.refined} instances re-read finer`,
    );
    console.log(`[${engine}] analysis: ${r.analysisSeconds.toFixed(2)} s; peak RSS ${r.maxRssMiB.toFixed(0)} MiB`);
    console.log(
      `[${engine}] CPU: server ${serverCpu.toFixed(1)} s, heapsight ${r.readCpuSeconds.toFixed(1)} s reading + ${r.analysisCpuSeconds.toFixed(1)} s analysing; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]} on ${availableParallelism()} cores`,
    );
    console.log(`[${engine}] TOTAL: ${r.totalSeconds.toFixed(2)} s (${r.totalSeconds < TARGET_SECONDS ? 'under' : 'OVER'} the ${TARGET_SECONDS} s target)`);
    console.log(`[${engine}] verdicts matching the generated behaviour: ${r.right}/${r.instances}; every leaker above every non-leaker: ${r.leakersFirst}`);
    for (const m of r.mismatches) console.log(`  mismatch: ${m}`);
    for (const n of r.notes) console.log(`  note: ${n}`);
    console.log(`[${engine}] stories: ${r.stories.join(' / ')}`);
    if (r.totalSeconds >= TARGET_SECONDS || r.right !== r.instances) process.exitCode = 1;
  } finally {
    await stop();
  }
}
if (results.size === 2) {
  const [a, b] = [...results.values()];
  const same = a.ranking.length === b.ranking.length && a.ranking.every((x, i) => x === b.ranking[i]);
  const sameVerdicts = new Map(a.ranking.map((x) => x.split(' ') as [string, string]));
  const verdictsEqual = b.ranking.every((x) => sameVerdicts.get(x.split(' ')[0]) === x.split(' ')[1]);
  const rankA = new Map(a.ranking.map((x, i) => [x.split(' ')[0], i]));
  const moved = b.ranking.map((x, i) => Math.abs(i - (rankA.get(x.split(' ')[0]) ?? i)));
  console.log(
    `engines: same verdicts ${verdictsEqual}; same ranking ${same} (${moved.filter((d) => d === 0).length} of ${moved.length} at the same rank, largest move ${Math.max(...moved)} places)`,
  );
  if (!verdictsEqual) process.exitCode = 1;
}
