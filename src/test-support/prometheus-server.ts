// Test-only: run Debian's Prometheus on loopback, on a free port with its own temporary data directory,
// optionally seeded with backfilled TSDB blocks and scraping given targets; stop it and remove the
// directory afterwards. Never touches a system Prometheus that may be listening on :9090.
//
// The non-obvious decision: readiness is awaited on Prometheus's own log line ("Server is ready to
// receive web requests.", loopback-server.ts) rather than by polling, and seeded blocks are copied, not linked, because
// Prometheus compacts overlapping blocks and deletes the originals from its data directory.

import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startLoopbackServer } from './loopback-server.js';
import { requireTool } from './toolchain.js';

export interface PrometheusOptions {
  /** A directory of TSDB blocks (e.g. from promtool create-blocks-from) copied into the data dir. */
  blocksFrom?: string;
  /** Scrape targets (host:port), all in one job. */
  scrapeTargets?: { job: string; targets: string[]; labels?: Record<string, string> }[];
  scrapeInterval?: string;
  /** Extra command-line flags (e.g. --query.max-samples=1000, --web.route-prefix=/prom). */
  args?: string[];
  /** Contents of a --web.config.file (TLS, basic auth). */
  webConfig?: string;
}

export interface RunningPrometheus {
  /** Base URL without the route prefix, e.g. http://127.0.0.1:PORT */
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  logLines: () => string[];
  stop(): Promise<void>;
}

export { freePort };

function configYaml(opts: PrometheusOptions): string {
  const interval = opts.scrapeInterval ?? '15s';
  // scrape_timeout may not exceed the interval; Prometheus's own default timeout is 10s.
  const timeout = opts.scrapeInterval ?? '10s';
  const lines = ['global:', `  scrape_interval: ${interval}`, `  scrape_timeout: ${timeout}`, 'scrape_configs:'];
  if (!opts.scrapeTargets?.length) lines.push('  []');
  for (const j of opts.scrapeTargets ?? []) {
    lines.push(`  - job_name: ${JSON.stringify(j.job)}`, '    static_configs:', `      - targets: ${JSON.stringify(j.targets)}`);
    if (j.labels) lines.push(`        labels: ${JSON.stringify(j.labels)}`);
  }
  return lines.join('\n') + '\n';
}

export async function startPrometheus(opts: PrometheusOptions = {}): Promise<RunningPrometheus> {
  const bin = requireTool('prometheus', ['prometheus']);
  const root = mkdtempSync(join(tmpdir(), 'heapsight-prom-'));
  const dataDir = join(root, 'data');
  if (opts.blocksFrom) cpSync(opts.blocksFrom, dataDir, { recursive: true });
  const configFile = join(root, 'prometheus.yml');
  writeFileSync(configFile, configYaml(opts));
  const args = [`--config.file=${configFile}`, `--storage.tsdb.path=${dataDir}`, '--storage.tsdb.retention.time=100y', '--log.level=info'];
  if (opts.webConfig) {
    const wc = join(root, 'web.yml');
    writeFileSync(wc, opts.webConfig);
    args.push(`--web.config.file=${wc}`);
  }
  args.push(...(opts.args ?? []));

  const server = await startLoopbackServer({
    name: 'prometheus',
    bin,
    args: (port) => [...args, `--web.listen-address=127.0.0.1:${port}`],
    ready: (line) => line.includes('Server is ready to receive web requests'),
    root,
  });
  return {
    url: `${opts.webConfig?.includes('tls_server_config') ? 'https' : 'http'}://127.0.0.1:${server.port}`,
    port: server.port,
    pid: server.pid,
    dataDir,
    logLines: server.logLines,
    stop: server.stop,
  };
}

/** Run promtool with arguments; throws with its output on failure. */
export function promtool(args: string[], opts: { cwd?: string } = {}): { stdout: string; stderr: string } {
  const bin = requireTool('promtool', ['prometheus']);
  const r = spawnSync(bin, args, { encoding: 'utf8', cwd: opts.cwd, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`promtool ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** Number of TSDB block directories in a directory (ULID-named). */
export function countBlocks(dir: string): number {
  return readdirSync(dir).filter((n) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(n)).length;
}
