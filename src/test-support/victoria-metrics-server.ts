// Test-only: run Debian's VictoriaMetrics (single-node `victoria-metrics`) on loopback, on a free port
// with its own temporary storage directory, and backfill it with the synthetic fleet through its import
// API; stop it by PID and remove the directory afterwards. The package's own service (port 8428,
// /var/lib/victoria-metrics) is never touched.
//
// The non-obvious decisions: readiness is awaited on VictoriaMetrics's log line "starting http server
// at http://HOST:PORT/" rather than by polling; the retention is set to 100 years, because the default
// (one month) makes VictoriaMetrics drop every backfilled sample older than that without an error; and
// the fleet is imported from the very OpenMetrics windows promtool backfills into Prometheus
// (fleetOpenMetricsWindows), with each timestamp turned from seconds into the milliseconds that
// /api/v1/import/prometheus expects, so both engines hold the same samples.

import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from '../sources/http.js';
import { startLoopbackServer } from './loopback-server.js';
import { fleetOpenMetricsWindows, type FleetSpec } from './synthetic-fleet.js';
import { repoRoot, requireTool } from './toolchain.js';

export interface VictoriaMetricsOptions {
  /** Extra command-line flags (e.g. -search.maxQueryLen=4096, -search.maxPointsPerTimeseries=500). */
  args?: string[];
  /** A storage directory of a stopped VictoriaMetrics (buildFleetStorage), copied in as its storage. */
  storageFrom?: string;
}

export interface RunningVictoriaMetrics {
  /** Base URL, e.g. http://127.0.0.1:PORT (the Prometheus query API is under /api/v1). */
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  logLines: () => string[];
  stop(): Promise<void>;
  /** Stop the server and keep its storage directory. */
  halt(): Promise<void>;
}

export async function startVictoriaMetrics(opts: VictoriaMetricsOptions = {}): Promise<RunningVictoriaMetrics> {
  const bin = requireTool('victoria-metrics', ['victoria-metrics']);
  const root = mkdtempSync(join(tmpdir(), 'heapsight-vm-'));
  const dataDir = join(root, 'data');
  if (opts.storageFrom) cpSync(opts.storageFrom, dataDir, { recursive: true });
  const args = [
    `-storageDataPath=${dataDir}`,
    '-retentionPeriod=100y',
    // Its caches size themselves to 60 % of the machine's memory by default; a test needs little.
    '-memory.allowedBytes=512MiB',
    ...(opts.args ?? []),
  ];
  const server = await startLoopbackServer({
    name: 'victoria-metrics',
    bin,
    args: (port) => [...args, `-httpListenAddr=127.0.0.1:${port}`],
    ready: (line, port) => line.includes(`starting http server at http://127.0.0.1:${port}/`),
    root,
  });
  return { url: `http://127.0.0.1:${server.port}`, ...server, dataDir };
}

/**
 * The generator's OpenMetrics windows are sample lines `name{labels} value seconds` and a final `# EOF`;
 * VictoriaMetrics's Prometheus import reads the timestamp as milliseconds. Appending 000 to every line
 * does it in one pass (the `# EOF` line becomes `# EOF000`, still a comment); anything else in the text
 * is refused rather than imported at the wrong time.
 */
export function secondsToMillisTimestamps(openMetrics: string): string {
  const head = openMetrics.slice(0, openMetrics.lastIndexOf('\n', 1 << 20));
  const bad = head.split('\n').find((l) => l !== '# EOF' && !/^[a-zA-Z_:][^ ]*\{[^}]*\} -?[0-9.e+]+ \d+$/.test(l));
  if (bad !== undefined) throw new Error(`expected the fleet generator's sample lines, got ${JSON.stringify(bad.slice(0, 80))}`);
  return openMetrics.replaceAll('\n', '000\n');
}

/**
 * Import the synthetic fleet into a running VictoriaMetrics through /api/v1/import/prometheus, one
 * two-hour window per request, then flush it so that every sample is searchable. Returns the samples
 * sent, as the server counts them (vm_rows_inserted_total{type="prometheus"}).
 */
export async function importFleet(vm: RunningVictoriaMetrics, spec: FleetSpec): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-vm-import-'));
  const post = async (file: string, body: string) => {
    const res = await request(`${vm.url}/api/v1/import/prometheus`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'text/plain' },
      timeoutMs: 120_000,
      maxBytes: 1024 * 1024,
    });
    if (res.status !== 204 && res.status !== 200)
      throw new Error(`victoria-metrics import of ${file}: HTTP ${res.status} ${Buffer.from(res.bytes).toString('utf8').slice(0, 300)}`);
  };
  try {
    // One window in flight while the next is generated: the server parses on its own core meanwhile.
    let inFlight: Promise<void> | undefined;
    for (const file of fleetOpenMetricsWindows(spec, dir)) {
      const body = secondsToMillisTimestamps(readFileSync(file, 'utf8'));
      rmSync(file);
      await inFlight;
      inFlight = post(file, body);
    }
    await inFlight;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Imported rows sit in memory buffers for up to a second before queries see them.
  const flush = await request(`${vm.url}/internal/force_flush`, { timeoutMs: 60_000, maxBytes: 1024 * 1024 });
  if (flush.status !== 200) throw new Error(`victoria-metrics force_flush: HTTP ${flush.status}`);
  const metrics = await request(`${vm.url}/metrics`, { timeoutMs: 10_000, maxBytes: 16 * 1024 * 1024 });
  const m = /^vm_rows_inserted_total\{type="prometheus"\} (\d+)$/m.exec(Buffer.from(metrics.bytes).toString('utf8'));
  return m ? Number(m[1]) : 0;
}

/**
 * A VictoriaMetrics storage directory holding the fleet, imported once and cached under
 * .cache/fleet-vm/<key> (key: the spec and the text of the generator and of this file), for the
 * benchmark's large fleets; start a server on a copy with startVictoriaMetrics({ storageFrom }).
 */
export async function buildFleetStorage(spec: FleetSpec, log: (line: string) => void = () => {}): Promise<string> {
  const key = createHash('sha256')
    .update(JSON.stringify(spec))
    .update(readFileSync(join(repoRoot, 'src/test-support/synthetic-fleet.ts'), 'utf8'))
    .update(readFileSync(join(repoRoot, 'src/test-support/victoria-metrics-server.ts'), 'utf8'))
    .digest('hex')
    .slice(0, 16);
  const base = join(repoRoot, '.cache', 'fleet-vm');
  const out = join(base, key);
  if (existsSync(`${out}.done`)) return out;
  mkdirSync(base, { recursive: true });
  const started = Date.now();
  const vm = await startVictoriaMetrics();
  const keep = `${out}.tmp-${process.pid}`;
  try {
    const rows = await importFleet(vm, spec);
    log(`imported ${rows} rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // Stopped first, so that every part is written out; then moved out before stop() removes it.
    await stopKeeping(vm, keep);
  } catch (err) {
    await vm.stop();
    throw err;
  }
  rmSync(out, { recursive: true, force: true });
  renameSync(keep, out);
  writeFileSync(`${out}.done`, JSON.stringify(spec));
  return out;
}

async function stopKeeping(vm: RunningVictoriaMetrics, to: string): Promise<void> {
  // VictoriaMetrics writes out what it holds in memory when stopped (SIGTERM).
  await vm.halt();
  renameSync(vm.dataDir, to);
  await vm.stop();
}
