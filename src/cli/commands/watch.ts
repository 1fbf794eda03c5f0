// `heapsight watch URL`: flags of the watch command; the watching itself (recording, live view,
// running verdict, stopping) is watch-session.ts, shared with `check`.
//
// The non-obvious decision: --duration defaults to 5 minutes rather than "until Ctrl-C", because a
// forgotten watch in a tmux pane would otherwise poll a production service forever; `--duration 0`
// restores the open-ended watch. With --json the final document is exactly `analyze --json`'s, so
// tooling reads one schema; the recording's path goes to stderr with the progress.

import type { Command } from 'commander';
import { addPollingOptions } from '../polling-options.js';
import { basename } from 'node:path';
import { UsageError } from '../usage-error.js';

interface WatchFlags {
  vars?: string;
  metrics?: string;
  pprof?: string;
  pid?: string;
  interval: string;
  profileInterval: string;
  goroutineDumpEvery: string;
  goroutineleakInterval: string;
  timeout: string;
  duration: string;
  untilVerdict?: boolean;
  confidence: string;
  out?: string;
  header: string[];
  insecure?: boolean;
  json?: boolean;
  profileGc?: boolean;
  workMetric?: string;
  html?: string;
  md?: string;
  ui?: boolean;
  port?: string;
  uiHost?: string;
  gctraceLog?: string;
}

/** `500ms`, `5s`, `2m`, `1h`, or a bare number of seconds → milliseconds. */
export function parseDuration(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag} expects a duration like 500ms, 5s, 2m or 1h, got ${JSON.stringify(text)}`);
  const n = Number(m[1]);
  const ms = n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  if (!(ms >= 1)) throw new UsageError(`${flag} must be at least 1ms, got ${JSON.stringify(text)}`);
  return Math.round(ms);
}

export function defaultOutDir(target: string): string {
  const u = new URL(target);
  const host = `${u.hostname}${u.port ? `-${u.port}` : ''}`.replace(/[^A-Za-z0-9.-]/g, '_');
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '-');
  return `heapsight-${host}-${stamp}`;
}

export function checkUrl(flag: string, value: string | undefined): void {
  if (value === undefined) return;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new UsageError(`${flag} expects an http(s) URL, got ${JSON.stringify(basename(value))}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`${flag} expects an http(s) URL, got ${u.protocol}`);
}

/** Header flags → a header map; a malformed flag is a usage error whose message never holds the value. */
export async function parseHeaders(flags: string[]): Promise<Record<string, string>> {
  const { parseHeaderFlag } = await import('../../sources/http.js');
  const headers: Record<string, string> = {};
  for (const h of flags) {
    try {
      const { name, value } = parseHeaderFlag(h);
      headers[name] = value;
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  return headers;
}

export function parseConfidence(text: string): number {
  const c = Number(text);
  if (!/^\s*\d*\.?\d+\s*$/.test(text) || !(c >= 0 && c <= 1)) throw new UsageError(`--confidence expects a number from 0 to 1, got ${JSON.stringify(text)}`);
  return c;
}

async function runWatch(url: string | undefined, flags: WatchFlags): Promise<void> {
  const { runWatchSession } = await import('../watch-session.js');

  if (!url && !flags.vars && !flags.metrics && !flags.pprof) throw new UsageError('watch needs a URL (or --vars / --metrics / --pprof)');
  checkUrl('URL', url);
  checkUrl('--vars', flags.vars);
  checkUrl('--metrics', flags.metrics);
  checkUrl('--pprof', flags.pprof);
  const intervalMs = parseDuration('--interval', flags.interval);
  const profileIntervalMs = parseDuration('--profile-interval', flags.profileInterval);
  const timeoutMs = parseDuration('--timeout', flags.timeout);
  const goroutineLeakIntervalMs = parseGoroutineLeakInterval(flags.goroutineleakInterval);
  const durationMs = /^(0|none)$/.test(flags.duration.trim()) ? undefined : parseDuration('--duration', flags.duration);
  const confidence = parseConfidence(flags.confidence);
  const dumpEvery = Number(flags.goroutineDumpEvery);
  if (!Number.isInteger(dumpEvery) || dumpEvery < 0) throw new UsageError(`--goroutine-dump-every expects a whole number ≥ 0, got ${JSON.stringify(flags.goroutineDumpEvery)}`);
  let pid: number | undefined;
  if (flags.pid !== undefined) {
    pid = Number(flags.pid);
    if (!Number.isInteger(pid) || pid <= 0) throw new UsageError(`--pid expects a process id, got ${JSON.stringify(flags.pid)}`);
  }
  const headers = await parseHeaders(flags.header);
  if (flags.insecure) {
    // fetch() (undici) takes its TLS default from this variable; Node prints a warning saying so, which is fair.
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  }

  const target = (url ?? flags.vars ?? flags.metrics ?? flags.pprof)!;
  const out = flags.out ?? defaultOutDir(target);
  // Progress goes to stderr with --json so that stdout carries only the final document.
  const progress = flags.json ? process.stderr : process.stdout;
  // The live page: 127.0.0.1 unless --ui-host names an interface (which then prints a warning).
  let ui: import('../../report/live-ui/server.js').LiveUi | undefined;
  if (flags.ui || flags.uiHost !== undefined) {
    const port = flags.port === undefined ? 0 : Number(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port expects a port number, got ${JSON.stringify(flags.port)}`);
    const { startLiveUi } = await import('../../report/live-ui/server.js');
    const { redactUrl } = await import('../../sources/http.js');
    ui = await startLiveUi({ host: flags.uiHost, hostExplicit: flags.uiHost !== undefined, port, title: redactUrl(target) });
    progress.write(`live page: ${ui.url}\n`);
  }
  const outcome = await runWatchSession({
    ui,
    url,
    vars: flags.vars,
    metrics: flags.metrics,
    pprof: flags.pprof,
    pid,
    intervalMs,
    profileIntervalMs,
    goroutineDebug2Every: dumpEvery,
    goroutineLeakIntervalMs,
    timeoutMs,
    durationMs,
    durationLabel: flags.duration,
    out,
    headers,
    profileGc: flags.profileGc,
    workMetric: flags.workMetric,
    untilVerdict: flags.untilVerdict,
    confidence,
    progress,
    live: !flags.json && process.stdout.isTTY === true,
    gctraceLog: flags.gctraceLog,
  }).finally(() => ui?.close());
  if (flags.untilVerdict && outcome.confidentAfterMs === undefined) {
    progress.write(`no confident verdict before the watch stopped (${outcome.stopReason})\n`);
  }
  const { findings } = outcome;
  if (!findings) {
    throw new Error(`the recording ${out} is kept, but analysing it failed: ${outcome.analysisError}`);
  }
  if (flags.html || flags.md) {
    const { writeReportFiles } = await import('../../report/write-reports.js');
    writeReportFiles({ findings, recording: outcome.recording! }, { html: flags.html, md: flags.md });
  }
  if (flags.json) {
    const { renderJson } = await import('../../report/json.js');
    process.stdout.write(renderJson(findings));
  } else {
    const { renderTerminal } = await import('../../report/terminal.js');
    const tty = process.stdout.isTTY === true;
    process.stdout.write('\n' + renderTerminal(findings, { color: tty && !process.env.NO_COLOR, width: Math.min(100, process.stdout.columns ?? 100) }));
  }
  // A request to a hung target would keep Node alive until its timeout (up to a minute for a profile)
  // although everything is written; stdout/stderr are synchronous on Linux, so exiting loses nothing.
  if (outcome.requestsInFlight > 0) process.exit(process.exitCode ?? 0);
}

/** --goroutineleak-interval: a duration, or 0/none for only the profiles at start and end. */
export function parseGoroutineLeakInterval(value: string): number {
  return /^(0|none)$/.test(value.trim()) ? 0 : parseDuration('--goroutineleak-interval', value);
}

export function registerWatch(program: Command): void {
  const watch = program
    .command('watch')
    .description('poll a running Go service and record its memory over time (writes a recording directory)')
    .argument('[url]', 'base URL of the service, e.g. http://127.0.0.1:6060')
    .option('--vars <url>', 'explicit /debug/vars URL')
    .option('--metrics <url>', 'explicit Prometheus /metrics URL')
    .option('--pprof <url>', 'explicit pprof base URL (…/debug/pprof)')
    .option('--pid <n>', 'local process id to read /proc for (found from the port for loopback targets)');
  addPollingOptions(watch)
    .option('--duration <duration>', 'stop after this long (default 5m; 0 or "none": until Ctrl-C)', '5m')
    .option('--until-verdict', 'stop as soon as the running verdict is confident (see --confidence)')
    .option('--confidence <0..1>', 'confidence a verdict needs, twice in a row, for --until-verdict to stop', '0.8')
    .option('--out <dir>', 'recording directory (default heapsight-<host>-<time>/)')
    .option('--header <header>', "HTTP header 'Name: value' sent with every request (repeatable; never recorded)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--insecure', 'do not verify TLS certificates')
    .option('--profile-gc', 'fetch heap profiles with ?gc=1 (forces a GC in the target each profile round)')
    .option('--work-metric <name>', 'counter of work done (expvar name or Prometheus counter), e.g. requests served')
    .option('--json', 'print the `analyze --json` document on stdout at the end; progress goes to stderr')
    .option('--gctrace-log <file>', "a file the service's stderr goes to, run with GODEBUG=gctrace=1: its trace lines are copied into the recording as they appear")
    .option('--html <file>', 'write a self-contained HTML report at the end (charts, culprits, growth view; opens offline)')
    .option('--md <file>', 'write a Markdown summary at the end, for tickets and pull requests')
    .option('--ui', 'serve a live page with charts and the running verdict on 127.0.0.1 while watching')
    .option('--port <n>', 'port for --ui (default: a free port)')
    .option('--ui-host <host>', 'interface for --ui; anything beyond loopback is reachable by others without authentication (prints a warning)')
    .action(async (url: string | undefined, flags: WatchFlags) => {
      await runWatch(url, flags);
    });
}
