// Live evaluation of `heapsight watch --until-verdict` (issue 9 acceptance: median time to the right
// verdict ≤ 90 s, never a wrong verdict on the way): corpus scenarios run for real on loopback, each
// watched by the real CLI as a user would type it, while this script drives the scenario's load.
//
//   npm run live-eval -- [names...] [--go 1.27|1.19|1.19,1.27] [--parallel 4] [--duration 240s]
//        [--gctrace] [--keep DIR] [-- extra watch flags...]
//
// Per run it records the final verdict (`watch --json`'s document), when the watch stopped and why,
// whether that verdict is the scenario's truth, and — replaying the watch's own recording every 5 s
// through the eval's analysis (src/test-support/eval-corpus.ts) — whether any prefix on the way gave
// a wrong verdict (one other than the truth and other than inconclusive). It prints a table per Go
// version and the median time to the right verdict.
//
// The non-obvious decisions:
// - The watch runs at its defaults (--interval 5s, --profile-interval 30s, --confidence 0.8) and
//   without gctrace: `heapsight watch URL --until-verdict` is what a user types. --gctrace runs the
//   service with GODEBUG=gctrace=1 and passes --gctrace-log, as a user who has the trace would.
// - A run that stops without the right verdict (wrong, or none before --duration) counts as never
//   reaching it (∞) in the median: dropping it would flatter the median exactly where it fails.
// - Every process started here (service, its upstream, the watch) runs in a process group of its own,
//   stopped by group id; the load runs in this process, paced by schedule (scripts/lib/recorder.ts),
//   and starts with the watch's first sample so that the recording opens on the idle service.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { clientGolangFor, scenarios, serviceArgs, truthFor, type Scenario, type Truth } from '../corpus/scenarios.js';
import { parseDuration } from '../src/cli/flags.js';
import { runCase, LEAK_VERDICTS } from '../src/test-support/eval-corpus.js';
import type { ReplayStep } from '../src/analysis/replay.js';
import { buildGoProgram, goVersions, repoRoot, requireTool, type GoVersion } from '../src/test-support/toolchain.js';
import { drivePhases, waitForListening } from './lib/recorder.js';

/**
 * The default set: the classes the independent evaluation of issue 9 watched (bounded LRU, madvfree
 * after bursts, linear heap growth, a map leak per request, churn with a flat heap, a slow leak under
 * churn, connection leaks) and the other kinds (goroutines on channels, TTL and keyspace caches,
 * programs in miniature, a one-off step), at different speeds.
 */
export const LIVE_SET = [
  'lru-fill-30s',
  'lru-fill-40s-metrics',
  'burst-madvfree',
  'burst-retained',
  'map-100m-per-min',
  'slice-20m-per-min-gogc800',
  'map-4k-heavy-churn',
  'map-1m-per-min',
  'map-slow-heavy-churn-gogc25',
  'churn-heavy',
  'churn-light',
  'ttl-30s',
  'unclosed-body',
  'transport-per-request',
  'chan-1200-per-min',
  'program-order-store',
];

export interface LiveRun {
  scenario: string;
  go: GoVersion;
  truth: Truth;
  verdict?: string;
  confidence?: number;
  culprit?: string;
  /** Seconds from the watch's start to its stop. */
  stoppedAfter?: number;
  stopReason?: string;
  /** The watch stopped on its own verdict (--until-verdict), not on --duration. */
  decided: boolean;
  right: boolean;
  /** Replayed prefixes (every 5 s) whose verdict is neither the truth nor inconclusive. */
  wrongOnTheWay: ReplayStep[];
  error?: string;
  dir: string;
}

const LISTEN_TIMEOUT_EXTRA_MS = 120_000;

const groups = new Set<number>();
function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // Already gone.
  }
}
process.on('exit', () => {
  for (const g of groups) killGroup(g, 'SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    for (const g of groups) killGroup(g, 'SIGKILL');
    process.exit(130);
  });
}

/** Spawn in a process group of its own; `closed` settles when the leader exits. */
function spawnGroup(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; argv0?: string; cwd?: string }) {
  const child = spawn(cmd, args, { ...opts, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid!;
  groups.add(pid);
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, closed, pid };
}

/** SIGTERM to the group, SIGKILL after 3 s, then the group is forgotten. */
async function stopGroup(g: { child: ChildProcess; closed: Promise<unknown>; pid: number }): Promise<void> {
  killGroup(g.pid, 'SIGTERM');
  const timer = setTimeout(() => killGroup(g.pid, 'SIGKILL'), 3000);
  await g.closed;
  clearTimeout(timer);
  // Members that outlived the leader (the upstream of body/transport scenarios has Pdeathsig anyway).
  killGroup(g.pid, 'SIGKILL');
  groups.delete(g.pid);
}

export interface LiveOptions {
  durationMs: number;
  durationLabel: string;
  gctrace: boolean;
  watchArgs: string[];
  workRoot: string;
}

export async function liveRun(s: Scenario, go: GoVersion, bin: string, o: LiveOptions): Promise<LiveRun> {
  const truth = truthFor(s, go);
  const work = mkdtempSync(join(o.workRoot, `${s.name}-go${go}-`));
  const recDir = join(work, 'recording');
  const gctracePath = join(work, 'service-stderr.log');
  const run: LiveRun = { scenario: s.name, go, truth, decided: false, right: false, wrongOnTheWay: [], dir: recDir };
  const log = (msg: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${s.name} go${go}: ${msg}\n`);

  const env: NodeJS.ProcessEnv = { ...process.env, ...(s.env ?? {}) };
  const gctrace = o.gctrace && s.gctrace !== false;
  if (gctrace) env.GODEBUG = env.GODEBUG ? `${env.GODEBUG},gctrace=1` : 'gctrace=1';
  const service = spawnGroup(bin, serviceArgs(s), { env, argv0: s.name });
  service.child.stderr!.pipe(createWriteStream(gctracePath));
  const abort = new AbortController();
  let watch: ReturnType<typeof spawnGroup> | undefined;
  let load: Promise<unknown> | undefined;
  try {
    const url = await waitForListening(s.name, service.child, service.closed);
    const args = [
      '--import',
      'tsx',
      join(repoRoot, 'src/cli/main.ts'),
      'watch',
      url,
      '--until-verdict',
      '--duration',
      o.durationLabel,
      '--json',
      '--out',
      recDir,
      ...(gctrace ? ['--gctrace-log', gctracePath] : []),
      ...o.watchArgs,
    ];
    watch = spawnGroup(process.execPath, args, { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    watch.child.stdout!.on('data', (d) => (stdout += d));
    const watchLog = createWriteStream(join(work, 'watch.log'));
    watch.child.stderr!.pipe(watchLog);
    const w = watch;
    const hung = setTimeout(() => killGroup(w.pid, 'SIGTERM'), o.durationMs + LISTEN_TIMEOUT_EXTRA_MS);
    createInterface({ input: watch.child.stderr! }).on('line', (line) => {
      if (!load && /^\[\s*[\d:]+\] heap /.test(line)) load = drivePhases(url, s.load, o.durationMs, abort.signal);
      const m = /^stopped after (\d+):(\d\d): (.*)$/.exec(line);
      if (m) {
        run.stoppedAfter = Number(m[1]) * 60 + Number(m[2]);
        run.stopReason = m[3];
      }
    });
    const { code } = await watch.closed;
    clearTimeout(hung);
    groups.delete(watch.pid);
    abort.abort();
    if (code !== 0 && !stdout.trim().startsWith('{'))
      throw new Error(`watch exited with ${code}: ${readFileSync(join(work, 'watch.log'), 'utf8').trim().split('\n').pop()}`);
    const doc = JSON.parse(stdout) as { verdict: string; confidence: number; culprits?: { function: string }[] };
    run.verdict = doc.verdict;
    run.confidence = doc.confidence;
    run.culprit = doc.culprits?.[0]?.function;
    run.decided = run.stopReason?.startsWith('verdict ') === true;
    run.right = run.decided && doc.verdict === truth.verdict;
    // The stop line is to the second; the recording knows it to the millisecond.
    const meta = JSON.parse(readFileSync(join(recDir, 'recording.json'), 'utf8')) as { startedAt: string; endedAt?: string };
    if (meta.endedAt) run.stoppedAfter = Math.round((Date.parse(meta.endedAt) - Date.parse(meta.startedAt)) / 1000);
    const [replayed] = await runCase(
      { label: recDir, dir: recDir, source: 'corpus', goVersion: go, verdict: truth.verdict, culprit: truth.culprit },
      { asRecordedOnly: true },
    );
    run.wrongOnTheWay = replayed.steps.filter((st) => st.verdict !== 'inconclusive' && st.verdict !== truth.verdict);
    log(
      `${run.verdict} ${run.confidence?.toFixed(2)} after ${run.stoppedAfter} s (${run.stopReason}); truth ${truth.verdict}; wrong on the way: ${run.wrongOnTheWay.length}`,
    );
  } catch (err) {
    run.error = (err as Error).message.split('\n')[0];
    log(`FAILED: ${run.error} (kept ${work})`);
  } finally {
    abort.abort();
    if (watch && groups.has(watch.pid)) await stopGroup(watch);
    await load?.catch(() => undefined);
    await stopGroup(service);
  }
  return run;
}

/** The median with runs that never got the right verdict counted as ∞. */
export function medianToRight(runs: LiveRun[]): number {
  const xs = runs.map((r) => (r.right && r.stoppedAfter !== undefined ? r.stoppedAfter : Infinity)).sort((a, b) => a - b);
  if (!xs.length) return NaN;
  const mid = xs.length / 2;
  return xs.length % 2 ? xs[Math.floor(mid)] : (xs[mid - 1] + xs[mid]) / 2;
}

export function formatLiveTable(runs: LiveRun[]): string {
  const lines = [
    '| Go | scenario | truth | verdict (confidence) | stopped after | stopped because | right | wrong on the way (s: verdict) | culprit (truth) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of runs) {
    const wrong = r.wrongOnTheWay.length ? r.wrongOnTheWay.map((w) => `${w.seconds}: ${w.verdict} ${w.confidence}`).join(', ') : 'none';
    const culprit = LEAK_VERDICTS.has(r.truth.verdict) && r.truth.culprit ? `${r.culprit ?? '—'} (${r.truth.culprit})` : '';
    lines.push(
      r.error
        ? `| ${r.go} | ${r.scenario} | ${r.truth.verdict} | FAILED: ${r.error} | | | no | | |`
        : `| ${r.go} | ${r.scenario} | ${r.truth.verdict} | ${r.verdict} (${r.confidence?.toFixed(2)}) | ${r.stoppedAfter} s | ${r.decided ? 'verdict' : (r.stopReason ?? '?')} | ${r.right ? 'yes' : 'NO'} | ${wrong} | ${culprit} |`,
    );
  }
  for (const go of [...new Set(runs.map((r) => r.go))]) {
    const of = runs.filter((r) => r.go === go);
    const m = medianToRight(of);
    const right = of.filter((r) => r.right);
    const wrong = of.filter((r) => r.wrongOnTheWay.length > 0 || (r.decided && !r.right));
    lines.push(
      `\nGo ${go}: ${right.length}/${of.length} right; median time to the right verdict ${Number.isFinite(m) ? `${m} s` : '∞'} (never-right counted as ∞); runs with a wrong verdict on the way or at the end: ${wrong.length}${wrong.length ? ` (${wrong.map((r) => r.scenario).join(', ')})` : ''}`,
    );
  }
  return lines.join('\n');
}

function usage(message: string): never {
  process.stderr.write(
    `live-eval: ${message}\nusage: live-eval [names...] [--go 1.27|1.19|1.19,1.27] [--parallel K] [--duration 240s] [--gctrace] [--keep DIR] [-- watch flags...]\n`,
  );
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  const opts = { names: [] as string[], go: ['1.27'] as GoVersion[], parallel: 4, duration: '240s', gctrace: false, keep: undefined as string | undefined };
  const dashdash = argv.indexOf('--');
  const watchArgs = dashdash >= 0 ? argv.slice(dashdash + 1) : [];
  const own = dashdash >= 0 ? argv.slice(0, dashdash) : argv;
  for (let i = 0; i < own.length; i++) {
    const a = own[i];
    const value = () => own[++i] ?? usage(`${a} needs a value`);
    if (a === '--go') opts.go = value().split(',') as GoVersion[];
    else if (a === '--parallel') opts.parallel = Number(value());
    else if (a === '--duration') opts.duration = value();
    else if (a === '--gctrace') opts.gctrace = true;
    else if (a === '--keep') opts.keep = value();
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else opts.names.push(a);
  }
  for (const g of opts.go) if (!goVersions.includes(g)) usage(`--go: no Go ${g} (have ${goVersions.join(', ')})`);
  if (!Number.isInteger(opts.parallel) || opts.parallel < 1) usage('--parallel must be a whole number ≥ 1');
  let durationMs: number;
  try {
    durationMs = parseDuration('--duration', opts.duration);
  } catch (err) {
    usage((err as Error).message);
  }
  const byName = new Map(scenarios.map((s) => [s.name, s]));
  const names = opts.names.length ? opts.names : LIVE_SET;
  for (const n of names) if (!byName.has(n)) usage(`no scenario ${JSON.stringify(n)}`);

  requireTool('gcc', ['gcc']);
  const workRoot = opts.keep ?? mkdtempSync(join(tmpdir(), 'heapsight-live-eval-'));
  mkdirSync(workRoot, { recursive: true });
  // Built one at a time before anything runs: parallel go builds would fight for the cores.
  const jobs = opts.go.flatMap((go) =>
    names.map((n) => {
      const s = byName.get(n)!;
      const bin = buildGoProgram('corpus/service', { go, clientGolang: clientGolangFor(s, go), cgo: true, importPath: 'heapsight.example/corpus/service' });
      return { s, go, bin };
    }),
  );
  process.stderr.write(`live-eval: ${jobs.length} live watches of up to ${opts.duration}, ${opts.parallel} at a time, in ${workRoot}\n`);
  const queue = [...jobs];
  const runs: LiveRun[] = [];
  const o: LiveOptions = { durationMs, durationLabel: opts.duration, gctrace: opts.gctrace, watchArgs, workRoot };
  await Promise.all(
    Array.from({ length: Math.min(opts.parallel, queue.length) }, async () => {
      for (let j = queue.shift(); j; j = queue.shift()) runs.push(await liveRun(j.s, j.go, j.bin, o));
    }),
  );
  runs.sort((a, b) => a.go.localeCompare(b.go) || names.indexOf(a.scenario) - names.indexOf(b.scenario));
  process.stdout.write(`${formatLiveTable(runs)}\n`);
  process.stdout.write(
    `\nwatch: heapsight watch URL --until-verdict --duration ${opts.duration} --json${opts.gctrace ? ' --gctrace-log FILE' : ''} ${watchArgs.join(' ')}\n`,
  );
  if (!opts.keep) rmSync(workRoot, { recursive: true, force: true });
  else process.stdout.write(`recordings kept under ${workRoot}\n`);
}

if (process.argv[1]?.endsWith('live-eval.ts')) await main(process.argv.slice(2));
