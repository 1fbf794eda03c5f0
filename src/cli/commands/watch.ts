// `heapsight watch URL`: flags of the watch command; the watching itself (recording, live view,
// running verdict, stopping) is watch-session.ts, shared with `check`.
//
// The non-obvious decision: --duration defaults to 5 minutes rather than "until Ctrl-C", because a
// forgotten watch in a tmux pane would otherwise poll a production service forever; `--duration 0`
// restores the open-ended watch. With --json the final document is exactly `analyze --json`'s, so
// tooling reads one schema; the recording's path goes to stderr with the progress.

import type { Command } from 'commander';
import {
  checkUrl,
  parseConfidence,
  parseHeaders,
  parseOptionalDuration,
  parsePollingFlags,
  pollingOptions,
  type PollingFlags,
  reportOptions,
  requestOptions,
  watchingOptions,
  workMetricOption,
} from '../flags.js';
import { UsageError } from '../usage-error.js';

interface WatchFlags extends PollingFlags {
  vars?: string;
  metrics?: string;
  pprof?: string;
  pid?: string;
  duration: string;
  untilVerdict?: boolean;
  confidence: string;
  out?: string;
  header: string[];
  insecure?: boolean;
  json?: boolean;
  profileGc?: boolean;
  forceGc: boolean;
  workMetric?: string;
  html?: string;
  md?: string;
  ui?: boolean;
  port?: string;
  uiHost?: string;
  gctraceLog?: string;
}

export function defaultOutDir(target: string): string {
  const u = new URL(target);
  const host = `${u.hostname}${u.port ? `-${u.port}` : ''}`.replace(/[^A-Za-z0-9.-]/g, '_');
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
    .replace('T', '-');
  return `heapsight-${host}-${stamp}`;
}

async function runWatch(url: string | undefined, flags: WatchFlags): Promise<void> {
  const { runWatchSession } = await import('../watch-session.js');

  if (!url && !flags.vars && !flags.metrics && !flags.pprof) throw new UsageError('watch needs a URL (or --vars / --metrics / --pprof)');
  checkUrl('URL', url);
  checkUrl('--vars', flags.vars);
  checkUrl('--metrics', flags.metrics);
  checkUrl('--pprof', flags.pprof);
  const durationMs = parseOptionalDuration('--duration', flags.duration);
  const confidence = parseConfidence('--confidence', flags.confidence);
  const polling = parsePollingFlags(flags);
  let pid: number | undefined;
  if (flags.pid !== undefined) {
    pid = Number(flags.pid);
    if (!Number.isInteger(pid) || pid <= 0) throw new UsageError(`--pid expects a process id, got ${JSON.stringify(flags.pid)}`);
  }
  const headers = parseHeaders(flags.header);

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
    ...polling,
    durationMs,
    durationLabel: flags.duration,
    out,
    headers,
    insecure: flags.insecure === true,
    profileGc: flags.profileGc,
    forceGc: flags.forceGc,
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

export function registerWatch(program: Command): void {
  const watch = program.command('watch');
  requestOptions(watch, { timeout: '10s', timeoutHelp: 'per-request timeout for samples' });
  pollingOptions(watch);
  watchingOptions(watch, { default: '5m', help: 'stop after this long (default 5m; 0 or "none": until Ctrl-C)' });
  reportOptions(watch, 'print the `analyze --json` document on stdout at the end; progress goes to stderr');
  workMetricOption(watch)
    .description('poll a running Go service and record its memory over time (writes a recording directory)')
    .argument('[url]', 'base URL of the service, e.g. http://127.0.0.1:6060')
    .option('--vars <url>', 'explicit /debug/vars URL')
    .option('--metrics <url>', 'explicit Prometheus /metrics URL')
    .option('--pprof <url>', 'explicit pprof base URL (…/debug/pprof)')
    .option('--pid <n>', 'local process id to read /proc for (found from the port for loopback targets)')
    .option('--out <dir>', 'recording directory (default heapsight-<host>-<time>/)')
    .option('--profile-gc', 'fetch heap profiles with ?gc=1 (forces a GC in the target each profile round)')
    .option('--ui', 'serve a live page with charts and the running verdict on 127.0.0.1 while watching')
    .option('--port <n>', 'port for --ui (default: a free port)')
    .option('--ui-host <host>', 'interface for --ui; anything beyond loopback is reachable by others without authentication (prints a warning)')
    .action(async (url: string | undefined, flags: WatchFlags) => {
      await runWatch(url, flags);
    });
}
