// One watch of a running service, shared by `heapsight watch` and `heapsight check`: poll into a
// recording directory, show progress (a live block on a terminal, plain lines otherwise), keep a
// running verdict, stop on duration / confident verdict / signal / caller's abort, then analyse the
// recording as written on disk.
//
// The non-obvious decision: the recording is the product, the verdict a bonus. Every sample is on disk
// before its progress line is printed, so whatever the user saw survives a kill -9 of the watcher; the
// final verdict is computed from the directory as `heapsight analyze DIR` would read it (not from the
// in-memory copy), so the two always agree; and a failing analysis never loses the recording.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Findings } from '../analysis/findings.js';
import type { Discovery, ProfileFetched } from '../collect/poller.js';
import type { MemorySample } from '../model/memory.js';
import type { Recording, RecordingEvent } from '../model/recording.js';
import type { RunningState } from './running-verdict.js';
import type { LiveViewState } from './watch-live-view.js';

export interface WatchSessionOptions {
  url?: string;
  vars?: string;
  metrics?: string;
  pprof?: string;
  pid?: number;
  intervalMs: number;
  profileIntervalMs: number;
  goroutineDebug2Every: number;
  /** goroutineleak profile interval besides start and end (undefined: the poller's default, 0: never between). */
  goroutineLeakIntervalMs?: number;
  timeoutMs: number;
  /** Stop after this long (undefined: until a signal, a confident verdict or `signal`). */
  durationMs?: number;
  /** How the duration was written by the user, for the stop reason. */
  durationLabel?: string;
  out: string;
  headers: Record<string, string>;
  insecure?: boolean;
  profileGc?: boolean;
  /** Force a GC after a poll that saw none (poller.ts FORCED_LOOKS_MAX times at most); false: never. */
  forceGc?: boolean;
  workMetric?: string;
  note?: string;
  /** Stop once the running verdict is confident (this threshold) and stable. */
  untilVerdict?: boolean;
  confidence: number;
  /** Where progress goes (stdout normally, stderr when stdout carries JSON). */
  progress: NodeJS.WriteStream;
  /** Draw the live block instead of plain lines (the caller decides: a TTY and no --json). */
  live: boolean;
  /** The caller's own stop (check: the service it started exited). The reason is `signal.reason`. */
  signal?: AbortSignal;
  /** A file the service writes its stderr to, run with GODEBUG=gctrace=1: its trace lines are copied
   * into the recording's gctrace.log as they appear (gctrace-capture.ts). */
  gctraceLog?: string;
  /** The live page (watch --ui): given the in-memory recording and the running verdict after each sample. */
  ui?: { update(input: { findings: Findings; recording: Recording }): void };
}

export interface WatchOutcome {
  out: string;
  samples: number;
  profiles: number;
  stopReason: string;
  /** Set when SIGINT / SIGTERM stopped the watch. */
  stoppedBySignal?: NodeJS.Signals;
  /** The running verdict's last state, and when (elapsed ms) it became stable, if it did. */
  running?: RunningState;
  confidentAfterMs?: number;
  /** Time spent on running analyses, ms (watcher's own CPU, not the target's). */
  runningAnalysisMs: number;
  findings?: Findings;
  /** The recording as read back from disk for the final verdict; reports render this same one. */
  recording?: Recording;
  analysisError?: string;
  /** The poller still has a request to a hung target in flight: the CLI may exit instead of waiting. */
  requestsInFlight: number;
  elapsedMs: number;
}

function mib(n: number | undefined): string {
  return n === undefined ? '?' : `${(n / 1048576).toFixed(1)} MiB`;
}

export async function runWatchSession(o: WatchSessionOptions): Promise<WatchOutcome> {
  const { Poller, FORCED_LOOKS_MAX, GOROUTINE_LOOKS_MAX } = await import('../collect/poller.js');
  const { RecordingWriter } = await import('../collect/recording-writer.js');
  const { LiveRecording } = await import('../collect/live-recording.js');
  const { redactUrl } = await import('../sources/http.js');
  const { analyzeRecording } = await import('../analysis/analyze-recording.js');
  const { RunningVerdict } = await import('./running-verdict.js');
  const { clock, LiveView, renderLiveView } = await import('./watch-live-view.js');

  const target = (o.url ?? o.vars ?? o.metrics ?? o.pprof)!;
  const writer = RecordingWriter.create(o.out, {
    target: { url: o.url ? redactUrl(o.url) : undefined },
    note: o.note ?? 'heapsight watch',
    workMetric: o.workMetric,
  });
  const say = (line: string) => o.progress.write(line + '\n');
  const poller = new Poller({
    url: o.url,
    vars: o.vars,
    metrics: o.metrics,
    pprof: o.pprof,
    pid: o.pid,
    intervalMs: o.intervalMs,
    profileIntervalMs: o.profileIntervalMs,
    goroutineDebug2Every: o.goroutineDebug2Every,
    goroutineLeakIntervalMs: o.goroutineLeakIntervalMs,
    timeoutMs: o.timeoutMs,
    profileTimeoutMs: Math.max(o.timeoutMs, 60_000),
    headers: o.headers,
    insecure: o.insecure,
    profileGc: o.profileGc,
    forcedLooks: o.forceGc === false ? 0 : FORCED_LOOKS_MAX,
    goroutineLooks: GOROUTINE_LOOKS_MAX,
    workMetric: o.workMetric,
    writer,
  });
  const liveRec = new LiveRecording(writer.metadata);
  const { GctraceCapture } = await import('../collect/gctrace-capture.js');
  const gctrace = o.gctraceLog ? new GctraceCapture(o.gctraceLog, join(o.out, 'gctrace.log')) : undefined;
  let gctraceProblem: string | undefined;
  const pollGctrace = (final = false) => {
    if (!gctrace || gctraceProblem) return;
    try {
      liveRec.addGctrace(gctrace.poll(final));
    } catch (err) {
      // The trace is evidence, not the recording: a problem with it is said once, and the watch goes on.
      gctraceProblem = (err as Error).message.split('\n')[0];
      say(`gctrace: stopped reading ${o.gctraceLog}: ${gctraceProblem}`);
    }
  };
  const running = new RunningVerdict((rec) => analyzeRecording(rec, { workMetric: o.workMetric }), { confidence: o.confidence });

  let samples = 0;
  let profiles = 0;
  let confidentAfterMs: number | undefined;
  let stopReason = 'stopped';
  let stoppedBySignal: NodeJS.Signals | undefined;
  let stopping = false;
  // The first reason to stop is the one recorded; later ones (a signal during the final fetch) are not.
  const stop = (reason: string) => {
    if (!stopping) stopReason = reason;
    stopping = true;
    poller.stop();
  };

  const liveView = o.live ? new LiveView((text) => o.progress.write(text)) : undefined;
  const state: LiveViewState = {
    target: redactUrl(target),
    out: o.out,
    elapsedMs: 0,
    durationMs: o.durationMs,
    untilVerdict: o.untilVerdict ? o.confidence : undefined,
    window: [],
    sampleCount: 0,
    profileCount: 0,
    events: [],
    missing: [],
    startedAt: Date.now(),
  };
  const redraw = () => {
    if (!liveView) return;
    state.elapsedMs = poller.elapsedMs;
    state.sampleCount = samples;
    state.profileCount = profiles;
    state.goroutineTotal = poller.lastGoroutineTotal;
    const r = running.current;
    state.verdict = r ? { verdict: r.verdict, confidence: r.confidence, observeMoreSeconds: r.observeMoreSeconds, streak: r.streak } : undefined;
    liveView.draw(renderLiveView(state, Math.max(40, o.progress.columns ?? 80)));
  };

  const evaluate = () => {
    // A dump still being parsed joins the next evaluation; the final verdict reads the directory anyway.
    let r: RunningState | undefined;
    try {
      const snapshot = liveRec.snapshot();
      r = running.evaluate(snapshot);
      if (o.ui && r) o.ui.update({ recording: snapshot, findings: r.findings });
    } catch (err) {
      // The running verdict is advisory: a bug in it must not end the recording.
      if (!liveView) say(`[${clock(poller.elapsedMs).padStart(5)}] running verdict failed: ${(err as Error).message.split('\n')[0]}`);
      return;
    }
    if (r?.stable && confidentAfterMs === undefined) {
      confidentAfterMs = poller.elapsedMs;
      if (o.untilVerdict) stop(`verdict ${r.verdict} reached confidence ${r.confidence.toFixed(2)} (≥ ${o.confidence}) in ${r.streak} consecutive evaluations`);
    }
  };

  poller.on('sample', (s: MemorySample) => {
    samples++;
    liveRec.addSample(s);
    pollGctrace();
    evaluate();
    if (liveView) {
      state.window.push(s);
      if (state.window.length > 240) state.window.shift();
      redraw();
      return;
    }
    const goroutines = s.goroutines ?? poller.lastGoroutineTotal;
    const live = s.liveHeap !== undefined ? `  live ${mib(s.liveHeap)}` : '';
    const r = running.current;
    const verdict = r ? `  · ${r.verdict} ${r.confidence.toFixed(2)}` : '';
    say(`[${clock(poller.elapsedMs).padStart(5)}] heap ${mib(s.heapAlloc)}${live}  goroutines ${goroutines ?? '?'}  rss ${mib(s.rss)}${verdict}`);
  });
  poller.on('profile', (p: ProfileFetched) => {
    profiles++;
    liveRec.addProfile(p);
  });
  // The header lists every missing endpoint with its cost; the events recording the same absence (an
  // endpoint-missing event, or the goroutineleak note) are not printed a second time.
  const saidAtDiscovery = (e: RecordingEvent) =>
    e.kind === 'endpoint-missing' || (e.kind === 'note' && state.missing.some((path) => e.detail.startsWith(`${path}: `)));
  poller.on('event', (e: RecordingEvent) => {
    liveRec.addEvent(e);
    state.events.push(e);
    if (liveView) redraw();
    else if (!saidAtDiscovery(e)) say(`[${clock(poller.elapsedMs).padStart(5)}] ${e.kind}: ${e.detail}`);
  });

  const onSignal = (sig: NodeJS.Signals) => {
    stoppedBySignal ??= sig;
    stop(`stopped by ${sig}`);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const onAbort = () => stop(String(o.signal?.reason ?? 'stopped by the caller'));
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  // Discovery emits this before its first sample, so the header comes first.
  poller.once('discovery', (discovery: Discovery) => {
    state.pid = discovery.pid;
    state.startedAt = Date.now() - poller.elapsedMs;
    state.missing = discovery.endpoints.filter((ep) => !ep.ok).map((ep) => new URL(ep.url).pathname);
    liveRec.setMeta(writer.metadata);
    say(`watching ${redactUrl(target)}${discovery.pid !== undefined ? ` (pid ${discovery.pid})` : ''}, recording to ${o.out}/`);
    for (const ep of discovery.endpoints) {
      if (!ep.ok) say(`  missing ${new URL(ep.url).pathname}: ${ep.problem}\n    costs: ${ep.cost}`);
    }
  });
  let timer: NodeJS.Timeout | undefined;
  let discovered = false;
  try {
    try {
      await poller.discover();
      discovered = true;
    } catch (err) {
      // Nothing was recorded: don't leave an empty recording behind (create() refused a non-empty dir).
      writer.close();
      rmSync(o.out, { recursive: true, force: true });
      throw err;
    }
    const durationMs = o.durationMs;
    if (durationMs !== undefined) {
      timer = setTimeout(() => stop(`duration ${o.durationLabel ?? `${durationMs / 1000}s`} reached`), durationMs);
    }
    if (!o.signal?.aborted) await poller.run();
  } finally {
    if (timer) clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    o.signal?.removeEventListener('abort', onAbort);
    poller.stop();
    // Not when discovery failed: the directory is gone.
    if (discovered) pollGctrace(true);
    // The runtime's leak proof once more at the end (Go 1.26+; a no-op where the route is missing).
    if (discovered) await poller.fetchGoroutineLeakFinal();
    try {
      writer.appendEvent({ t: Date.now(), kind: 'stopped', detail: stopReason });
    } catch {
      // Already closed: nothing to add.
    }
    writer.close();
  }
  const elapsedMs = poller.elapsedMs;
  say(`stopped after ${clock(elapsedMs)}: ${stopReason}`);
  say(`recording: ${o.out} (${samples} samples, ${profiles} profiles)`);
  if (gctrace && !gctraceProblem) {
    say(
      gctrace.recordCount > 0
        ? `gctrace: ${gctrace.cycleCount} GC cycles from ${o.gctraceLog}, copied to gctrace.log`
        : `gctrace: no trace lines in ${o.gctraceLog} (was the service started with GODEBUG=gctrace=1?)`,
    );
  }

  // The verdict on what was just recorded, read back as `analyze DIR` would.
  let findings: Findings | undefined;
  let recording: Recording | undefined;
  let analysisError: string | undefined;
  try {
    const { readRecordingDir } = await import('../sources/recording.js');
    recording = await readRecordingDir(o.out);
    findings = analyzeRecording(recording, { workMetric: o.workMetric });
  } catch (err) {
    analysisError = (err as Error).message.split('\n')[0];
  }
  return {
    out: o.out,
    samples,
    profiles,
    stopReason,
    stoppedBySignal,
    running: running.current,
    confidentAfterMs,
    runningAnalysisMs: running.totalCostMs,
    findings,
    recording,
    analysisError,
    requestsInFlight: poller.inFlight,
    elapsedMs,
  };
}
