// `heapsight check`: a CI gate. Optionally starts the service (--run) and a load driver (--load), each
// in its own process group, waits until the service answers, watches it (the same session as `watch`,
// writing a recording), stops everything it started, and exits 0 (no leak), 1 (leak, culprit printed),
// 3 (inconclusive; --inconclusive-exit), 2 (usage) or 4 (the target could not be read, or the service
// it started died without a leak verdict). Rules for --max-*-growth: check-gate.ts.
//
// The non-obvious decision: whatever happens — a failed start, an exception, Ctrl-C, the service
// dying — the started process groups are stopped in a `finally`, and an 'exit' hook SIGKILLs any that
// survive (process-group.ts). On SIGINT/SIGTERM the check still analyses what it collected and prints
// it, but exits 130/143 so that a cancelled CI job is never read as a pass.

import type { Command } from 'commander';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { EXIT_INPUT, EXIT_LEAK } from '../exit-codes.js';
import { UsageError } from '../usage-error.js';
import {
  checkUrl,
  parseByteRate,
  parseConfidence,
  parseCountRate,
  parseDuration,
  parseHeaders,
  parsePollingFlags,
  pollingOptions,
  type PollingFlags,
  reportOptions,
  requestOptions,
  watchingOptions,
  workMetricOption,
} from '../flags.js';

interface CheckFlags extends PollingFlags {
  url?: string;
  run?: string;
  load?: string;
  duration: string;
  untilVerdict?: boolean;
  confidence: string;
  maxHeapGrowth?: string;
  maxGoroutineGrowth?: string;
  junit?: string;
  inconclusiveExit: string;
  header: string[];
  insecure?: boolean;
  forceGc: boolean;
  out?: string;
  startupTimeout: string;
  workMetric?: string;
  html?: string;
  md?: string;
  json?: boolean;
  /** false with --no-gctrace. */
  gctrace: boolean;
  gctraceLog?: string;
}

/** GODEBUG for the started service: the user's settings, plus gctrace=1 unless they chose a gctrace value. */
export function godebugWithGctrace(current: string | undefined): string {
  const parts = (current ?? '').split(',').filter((p) => p.trim() !== '');
  if (parts.some((p) => p.trim().startsWith('gctrace='))) return parts.join(',');
  return [...parts, 'gctrace=1'].join(',');
}

const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

/** Wait until `url` gives any HTTP answer (a 404 counts: the server is up), the command exits, or the deadline. */
async function waitUntilAnswering(
  url: string,
  headers: Record<string, string>,
  insecure: boolean,
  deadlineMs: number,
  gone: () => string | undefined,
  cancelled: AbortSignal,
): Promise<void> {
  const [{ request }, { InputError }] = await Promise.all([import('../../sources/http.js'), import('../../sources/input-error.js')]);
  let last = 'no answer yet';
  for (;;) {
    const why = gone();
    if (why) throw new Error(why);
    if (cancelled.aborted) throw new Error(String(cancelled.reason));
    try {
      await request(url, { headers, insecure, timeoutMs: 2000, maxBytes: 64 * 1024, errorBodyBytes: 0 });
      return;
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      last = err.problem;
    }
    if (Date.now() > deadlineMs) throw new Error(`did not answer within the startup timeout (${last})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function runCheck(flags: CheckFlags): Promise<number> {
  const { gate, culpritLine } = await import('../check-gate.js');
  const { redactUrl } = await import('../../sources/http.js');

  if (!flags.url) throw new UsageError('check needs --url URL (the service to watch; with --run, where it will listen)');
  checkUrl('--url', flags.url);
  const durationMs = parseDuration('--duration', flags.duration);
  const startupTimeoutMs = parseDuration('--startup-timeout', flags.startupTimeout);
  const confidence = parseConfidence('--confidence', flags.confidence);
  const polling = parsePollingFlags(flags);
  const inconclusiveExit = Number(flags.inconclusiveExit);
  if (!/^\d+$/.test(flags.inconclusiveExit.trim()) || inconclusiveExit > 255) {
    throw new UsageError(`--inconclusive-exit expects an exit code 0..255, got ${JSON.stringify(flags.inconclusiveExit)}`);
  }
  const allow = {
    heapBytesPerMinute: flags.maxHeapGrowth !== undefined ? parseByteRate('--max-heap-growth', flags.maxHeapGrowth) : undefined,
    goroutinesPerMinute: flags.maxGoroutineGrowth !== undefined ? parseCountRate('--max-goroutine-growth', flags.maxGoroutineGrowth) : undefined,
  };
  const headers = parseHeaders(flags.header);
  const junitPath = flags.junit ? resolve(flags.junit) : undefined;

  if (flags.out && existsSync(flags.out) && readdirSync(flags.out).length > 0) {
    // Found before anything is started: the recording writer would refuse it after the service is up.
    throw new UsageError(`--out ${flags.out} exists and is not empty; choose another directory`);
  }
  const url = flags.url;
  const shown = redactUrl(url);
  const work = mkdtempSync(join(tmpdir(), 'heapsight-check-'));
  const out = flags.out ?? join(work, 'recording');
  // With --json, stdout carries only the final document, so that a CI step can pipe it to a file or jq.
  const log = flags.json ? process.stderr : process.stdout;
  const say = (line: string) => log.write(line + '\n');
  const startedAt = new Date();
  const t0 = Date.now();

  const { startCommand } = await import('../../collect/process-group.js');
  type Started = ReturnType<typeof startCommand>;
  let service: Started | undefined;
  let load: Started | undefined;
  const cancel = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  let finishing = false;
  const onSignal = (sig: NodeJS.Signals) => {
    signalled ??= sig;
    cancel.abort(`stopped by ${sig}`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const writeJunit = async (cases: import('../../report/junit.js').JunitCase[]) => {
    if (!junitPath) return;
    const { renderJunit } = await import('../../report/junit.js');
    mkdirSync(dirname(junitPath), { recursive: true });
    writeFileSync(
      junitPath,
      renderJunit({
        name: 'heapsight check',
        timestamp: startedAt.toISOString().replace(/\.\d+Z$/, 'Z'),
        time: (Date.now() - t0) / 1000,
        hostname: hostname(),
        properties: { url: shown, recording: out, duration: flags.duration },
        cases,
      }),
    );
    say(`junit: ${junitPath}`);
  };
  /** The target could not be read: exit 4, and the JUnit file says so as an error. */
  const unreadable = async (message: string): Promise<number> => {
    process.stderr.write(`heapsight: ${message}\n`);
    await writeJunit([{ name: 'verdict', classname: 'heapsight.check', error: { type: 'unreadable', message } }]);
    return EXIT_INPUT;
  };

  try {
    if (flags.run) {
      // gctrace costs the service one line of stderr per GC and gives the exact marked heap of each cycle.
      const env: Record<string, string> = flags.gctrace ? { GODEBUG: godebugWithGctrace(process.env.GODEBUG) } : {};
      service = startCommand(flags.run, { logFile: join(work, 'service.log'), env });
      say(`started service (process group ${service.pid}): ${flags.run}\n  output: ${service.logFile}`);
      const svc = service;
      try {
        await waitUntilAnswering(
          url,
          headers,
          flags.insecure === true,
          Date.now() + startupTimeoutMs,
          () => {
            if (!svc.hasExited) return undefined;
            return `the service exited before answering at ${shown}; its last output:\n${svc.tail()}`;
          },
          cancel.signal,
        );
      } catch (err) {
        return signalled ? SIGNAL_EXIT[signalled]! : unreadable(`${shown}: ${(err as Error).message}`);
      }
      say(`service answers at ${shown} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    if (flags.load) {
      load = startCommand(flags.load, { logFile: join(work, 'load.log'), env: { HEAPSIGHT_URL: url } });
      say(`started load (process group ${load.pid}): ${flags.load}\n  output: ${load.logFile}`);
      const l = load;
      void l.exited.then(({ code, signal }) => {
        // A load driver that ends early is not a failure of the service: the watch goes on and says so.
        if (!cancel.signal.aborted && !finishing) say(`load command ended (${signal ?? `exit code ${code}`}) after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      });
    }
    // The watch stops early when the service we started dies (or on a signal, via the session's own handler).
    const stopWatch = new AbortController();
    let serviceDied: string | undefined;
    if (service) {
      const svc = service;
      void svc.exited.then(({ code, signal }) => {
        if (cancel.signal.aborted || finishing) return;
        serviceDied = `the service exited (${signal ?? `exit code ${code}`}) after ${((Date.now() - t0) / 1000).toFixed(0)} s`;
        stopWatch.abort(serviceDied);
      });
    }
    cancel.signal.addEventListener('abort', () => stopWatch.abort(cancel.signal.reason), { once: true });

    const { runWatchSession } = await import('../watch-session.js');
    let outcome;
    try {
      outcome = await runWatchSession({
        url,
        ...polling,
        durationMs,
        durationLabel: flags.duration,
        out,
        headers,
        insecure: flags.insecure === true,
        forceGc: flags.forceGc,
        workMetric: flags.workMetric,
        note: 'heapsight check',
        untilVerdict: flags.untilVerdict,
        confidence,
        progress: log,
        live: false,
        signal: stopWatch.signal,
        gctraceLog: flags.gctraceLog ?? (service && flags.gctrace ? service.logFile : undefined),
      });
    } catch (err) {
      if (signalled) return SIGNAL_EXIT[signalled]!;
      return unreadable((err as Error).message.split('\n')[0]);
    }
    if (!outcome.findings) return unreadable(`the recording ${out} is kept, but analysing it failed: ${outcome.analysisError}`);
    if (flags.html || flags.md) {
      const { writeReportFiles } = await import('../../report/write-reports.js');
      for (const f of writeReportFiles({ findings: outcome.findings, recording: outcome.recording! }, { html: flags.html, md: flags.md })) say(`report: ${f}`);
    }
    if (!flags.json) {
      const { renderTerminal } = await import('../../report/terminal.js');
      process.stdout.write('\n' + renderTerminal(outcome.findings, { color: false, width: 100 }));
    }
    const result = gate(outcome.findings, allow, { inconclusiveExit });
    // The verdict took the whole watch; the growth checks are read off the same findings.
    result.cases[0].time = outcome.elapsedMs / 1000;
    say('');
    say(`heapsight check: ${result.headline}`);
    for (const d of result.details) say(`  ${d}`);
    say(`  recording: ${out} (heapsight analyze ${out})`);
    const findings = outcome.findings;
    /** The analyze --json document plus how the gate decided, printed last with --json. */
    const printJson = async (exitCode: number, extra: string[] = []) => {
      if (!flags.json) return;
      const { toJsonText } = await import('../../report/json.js');
      const check = { outcome: result.outcome, exitCode, headline: result.headline, details: [...result.details, ...extra], recording: out };
      process.stdout.write(toJsonText({ ...findings, check }));
    };
    if (serviceDied && result.exitCode !== EXIT_LEAK) {
      // A crash under test is a failure to report, not a pass: the verdict could not run its course.
      result.cases[0] = {
        ...result.cases[0],
        failure: undefined,
        skipped: undefined,
        error: { type: 'service-exited', message: `${serviceDied}; last output: ${service!.tail(3)}` },
      };
      await writeJunit(result.cases);
      process.stderr.write(`heapsight: ${serviceDied}; its last output:\n${service!.tail()}\n`);
      await printJson(EXIT_INPUT, [serviceDied]);
      return EXIT_INPUT;
    }
    if (serviceDied) say(`  ${serviceDied}`);
    await writeJunit(result.cases);
    const exitCode = signalled ? SIGNAL_EXIT[signalled]! : result.exitCode;
    const noCulprit = result.exitCode === EXIT_LEAK && !culpritLine(findings);
    if (noCulprit) say('  no culprit could be named from the profiles');
    await printJson(exitCode, [
      ...(serviceDied ? [serviceDied] : []),
      ...(signalled ? [`stopped by ${signalled}`] : []),
      ...(noCulprit ? ['no culprit could be named from the profiles'] : []),
    ]);
    return exitCode;
  } finally {
    finishing = true;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // Load first, so the service is not stopped under load (and does not log errors for it).
    await load?.stop();
    await service?.stop();
  }
}

export function registerCheck(program: Command): void {
  const check = program.command('check');
  requestOptions(check, { timeout: '10s', timeoutHelp: 'per-request timeout for samples' });
  pollingOptions(check);
  watchingOptions(check, { default: '2m', help: 'how long to watch' });
  reportOptions(
    check,
    'print the `analyze --json` document, plus a "check" object (outcome, exitCode, headline), on stdout at the end; progress goes to stderr',
  );
  workMetricOption(check)
    .description('CI gate: (start the service and load,) watch, and exit 0 no leak / 1 leak / 3 inconclusive / 4 target unreadable')
    .option('--url <url>', 'base URL of the service (with --run: where it will listen)')
    .option('--run <cmd>', 'shell command that starts the service; run in its own process group and stopped at the end')
    .option('--load <cmd>', 'shell command that drives load (env HEAPSIGHT_URL is the --url); stopped at the end')
    .option('--max-heap-growth <rate>', 'allowance for a heap-leak / off-heap-growth verdict, e.g. 1MiB/min: slower growth passes')
    .option('--max-goroutine-growth <rate>', 'allowance for a goroutine-leak verdict, e.g. 10/min: slower growth passes')
    .option('--junit <file>', 'write a JUnit XML report (test cases: verdict, heap growth, goroutine growth)')
    .option('--inconclusive-exit <code>', 'exit code when the verdict is inconclusive', '3')
    .option('--out <dir>', 'recording directory (default: a new temporary directory)')
    .option('--startup-timeout <duration>', 'how long --run may take until the URL answers', '60s')
    .option('--no-gctrace', 'do not start the --run service with GODEBUG=gctrace=1 (by default its trace lines go into the recording)')
    .action(async (flags: CheckFlags) => {
      const code = await runCheck(flags);
      // Exit now: a request to a target that hung may still be in flight until its timeout, and
      // everything is written (stdout and files are synchronous on Linux).
      process.exit(code);
    });
}
