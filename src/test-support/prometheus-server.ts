// Test-only: run Debian's Prometheus on loopback, on a free port with its own temporary data directory,
// optionally seeded with backfilled TSDB blocks and scraping given targets; stop it and remove the
// directory afterwards. Never touches a system Prometheus that may be listening on :9090.
//
// The non-obvious decision: readiness is awaited on Prometheus's own log line ("Server is ready to
// receive web requests.") rather than by polling, and seeded blocks are copied, not linked, because
// Prometheus compacts overlapping blocks and deletes the originals from its data directory.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from './cli-run.js';
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
  dataDir: string;
  logLines: () => string[];
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

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

  // A port taken between freePort() and the bind makes Prometheus exit; try a few ports.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    hookExit();
    const child = spawn(bin, [...args, `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    live.add(child);
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        live.delete(child);
        resolve();
      }),
    );
    const log: string[] = [];
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(root, { recursive: true, force: true });
    };
    const ready = await new Promise<boolean>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`prometheus not ready within 60 s: ${log.slice(-5).join(' | ')}`)), 60_000);
      createInterface({ input: child.stderr! }).on('line', (line) => {
        if (log.length < 5000) log.push(line);
        if (line.includes('Server is ready to receive web requests')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    }).catch(async (err) => {
      await stop();
      throw err;
    });
    if (ready)
      return {
        url: `${opts.webConfig?.includes('tls_server_config') ? 'https' : 'http'}://127.0.0.1:${port}`,
        port,
        dataDir,
        logLines: () => log.slice(),
        stop,
      };
    const bindFailed = log.some((l) => l.includes('address already in use'));
    if (!bindFailed) {
      rmSync(root, { recursive: true, force: true });
      throw new Error(`prometheus exited before ready: ${log.slice(-5).join(' | ')}`);
    }
  }
  rmSync(root, { recursive: true, force: true });
  throw new Error('prometheus: no free port after 3 attempts');
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
