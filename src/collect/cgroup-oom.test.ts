// test-lane: wall-clock (time spent waiting on live services: scripts/run-tests.mjs runs it beside the CPU-bound tests)
// OOM kills for real: a Go program that leaks its heap, in a 96 MiB v1 memory cgroup, is killed by the
// kernel's OOM killer and restarted on the same port by a supervisor (this test) each time. The poller
// follows it across the kills; each restart is recorded with its cause from the cgroup's oom_kill
// count, and the verdict over the lifetimes is the leak with the kills counted.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeRecording } from '../analysis/analyze-recording.js';
import { readRecordingDir } from '../sources/recording.js';
import { parseFlatKeyed } from '../sources/cgroup.js';
import { buildGoProgram } from '../test-support/toolchain.js';
import { runCli } from '../test-support/cli-run.js';
import { splitAtRestarts } from '../analysis/restarts.js';
import { freePort } from '../test-support/cli-run.js';
import { createMemoryCgroup, startInCgroup, type CgroupProcess } from '../test-support/test-cgroup.js';

const MiB = 1024 * 1024;
const LIMIT = 96 * MiB;
/** Heap retained per second: the limit is reached in roughly 10–20 s (the heap goal adds up to the live heap again). */
const LEAK_RATE = 6 * MiB;
/**
 * Garbage per second: with GOGC=100 the GC runs each time the heap grows by the live heap, so at ~40 MiB
 * live this gives a collection about every second — enough looks at the live heap per ~15 s lifetime
 * for each lifetime's rise to be significant on its own.
 */
const CHURN_RATE = 32 * MiB;
const KILLS_WANTED = 2;
const INTERVAL_MS = 500;
/** The watch's request timeout, and so the allowance for one slow poll on a busy machine. */
const REQUEST_TIMEOUT_MS = 2000;

test('a leaking Go service in a 96 MiB cgroup, OOM-killed and restarted: watch follows it, records each kill, finds the leak', async (t) => {
  const bin = buildGoProgram('src/collect/testdata/cgroup-target');
  const cg = createMemoryCgroup('hs-oom', LIMIT);
  const tmp = mkdtempSync(join(tmpdir(), 'heapsight-oom-'));
  const port = await freePort();
  const args = ['-addr', `127.0.0.1:${port}`, '-leak', String(LEAK_RATE), '-churn', String(CHURN_RATE)];
  const exits: { t: number; signal: string | null; oomKill: number }[] = [];
  let current: CgroupProcess | undefined;
  let stopping = false;
  const oomKills = () => parseFlatKeyed(readFileSync(`${cg.dir}/memory.oom_control`, 'utf8'), 'oom_control').get('oom_kill') ?? 0;
  try {
    current = await startInCgroup(cg, bin, args);
    const dir = join(tmp, 'rec');
    // The supervisor: restart the program each time it dies, until the test stops it.
    const supervise = (async () => {
      while (!stopping) {
        const e = await current!.exited;
        exits.push({ t: Date.now(), signal: e.signal, oomKill: oomKills() });
        if (stopping) return;
        current = await startInCgroup(cg, bin, args);
      }
    })();
    const watch = runCli(
      [
        'watch',
        `http://127.0.0.1:${port}`,
        '--interval',
        `${INTERVAL_MS}ms`,
        '--profile-interval',
        '60s',
        '--timeout',
        `${REQUEST_TIMEOUT_MS}ms`,
        '--duration',
        '85s',
        '--json',
        '--out',
        dir,
      ],
      t,
    );
    await watch.waitFor('stderr', /restart: target restarted: .*killed by the OOM killer/, KILLS_WANTED, 80_000);
    watch.proc.kill('SIGINT');
    const { code } = await watch.exited;
    stopping = true;
    await current.kill();
    await supervise;
    assert.equal(code, 0, watch.stderr().slice(-2000));
    const report = await (async () => {
      const a = runCli(['analyze', dir, '--no-color'], t);
      await a.exited;
      return a.stdout();
    })();
    const restartLines = report.split('\n').filter((l) => /^ {2}restart at /.test(l));
    t.diagnostic(restartLines.join('\n'));
    assert.ok(
      restartLines.filter((l) => /killed by the OOM killer \(cgroup oom_kill \d → \d, \d+ MiB charged at the last sample of a 96 MiB limit\)/.test(l)).length >=
        KILLS_WANTED,
      'the report shows each kill and the limit',
    );

    const rec = await readRecordingDir(dir);
    const f = analyzeRecording(rec);
    const restartEvents = rec.events.filter((e) => e.kind === 'restart');
    t.diagnostic(
      JSON.stringify({
        exits,
        restarts: restartEvents.map((e) => e.detail),
        verdict: f.verdict,
        reasons: f.evidence.reasons.slice(0, 3),
        oom: f.container?.oomKills,
      }),
    );

    // The kernel did the killing: SIGKILL, and the group's oom_kill count rose with each death.
    const kills = exits.slice(0, KILLS_WANTED);
    for (const [i, e] of kills.entries()) {
      assert.equal(e.signal, 'SIGKILL');
      assert.equal(e.oomKill, i + 1);
    }
    // Each restart is recorded with its cause, from the cgroup.
    assert.ok(restartEvents.length >= KILLS_WANTED);
    for (const e of restartEvents.slice(0, KILLS_WANTED)) {
      assert.equal(e.cause, 'oom-kill');
      assert.match(e.detail, /killed by the OOM killer/);
      assert.ok(e.usageBefore! > LIMIT / 2 && e.usageBefore! <= LIMIT, `usage before the kill ${e.usageBefore}`);
    }
    // Nothing collected is lost: within each lifetime no two samples are further apart than a poll
    // interval plus the CLI's request timeout, and the last one before each kill is as recent.
    const { segments } = splitAtRestarts(rec.samples, rec.events);
    for (const seg of segments) {
      for (let i = seg.start + 1; i < seg.end; i++)
        assert.ok(rec.samples[i].t! - rec.samples[i - 1].t! <= INTERVAL_MS + REQUEST_TIMEOUT_MS, `gap of ${rec.samples[i].t! - rec.samples[i - 1].t!} ms`);
    }
    for (const e of kills) {
      const before = rec.samples.filter((s) => s.t! <= e.t);
      assert.ok(e.t - before.at(-1)!.t! <= INTERVAL_MS + REQUEST_TIMEOUT_MS, `last sample ${e.t - before.at(-1)!.t!} ms before the kill`);
    }
    assert.equal(f.verdict, 'heap-leak');
    assert.equal(f.container?.oomKills?.count, restartEvents.filter((e) => e.cause === 'oom-kill').length);
    assert.equal(f.container?.oomKills?.limit, LIMIT);
    assert.ok(f.evidence.reasons.some((r) => /^killed by the OOM killer \d+ times, every ~\d+ s at ~\d+ MiB \(limit 96 MiB\)$/.test(r)));
    // How src/report/testdata/oom-recording was made: this run's recording, kept on request.
    if (process.env.HEAPSIGHT_KEEP_OOM_RECORDING) cpSync(dir, process.env.HEAPSIGHT_KEEP_OOM_RECORDING, { recursive: true });
  } finally {
    stopping = true;
    await current?.kill();
    rmSync(tmp, { recursive: true, force: true });
    await cg.remove();
  }
});
