// Acceptance (issue 10): a Go 1.27 service holding 50 goroutines leaked at start, their number never
// changing, is a goroutine-leak proven by the runtime, named after the function that started them.
// Real service (testdata/leak-at-start built with Go 1.27 and 1.19), real CLI, loopback only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildGoProgram, type GoVersion } from '../../test-support/toolchain.js';
import { runCli } from '../../test-support/cli-run.js';

const program = 'src/cli/e2e/testdata/leak-at-start';

async function startService(t: { after(fn: () => unknown): void }, go: GoVersion, args: string[] = []): Promise<string> {
  const bin = buildGoProgram(program, { go });
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await closed;
  });
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('leak-at-start: no LISTENING line within 15 s')), 15_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^LISTENING (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`leak-at-start exited (code ${code}) before listening`));
    });
  });
}

function outDir(t: { after(fn: () => unknown): void }): string {
  const base = mkdtempSync(join(tmpdir(), 'heapsight-proof-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  return join(base, 'rec');
}

test('Go 1.27, 50 goroutines leaked at start: watch --duration 60s --json says goroutine-leak, proven, started by main.leakAtStart', { timeout: 150_000 }, async (t) => {
  const url = await startService(t, '1.27');
  const cli = runCli(['watch', url, '--duration', '60s', '--json', '--out', outDir(t)], t);
  const { code } = await cli.exited;
  assert.equal(code === 0 || code === 1 || code === 2 || code === 3, true, `exit ${code}; stderr:\n${cli.stderr().slice(-2000)}`);
  const f = JSON.parse(cli.stdout());
  assert.equal(f.verdict, 'goroutine-leak', f.summary);
  assert.equal(f.confidence, 1);
  const proof = f.provenGoroutineLeaks;
  assert.equal(proof.total, 50);
  assert.equal(proof.sites[0].count, 50);
  assert.equal(proof.sites[0].function, 'main.awaitReply');
  assert.equal(proof.sites[0].state, 'chan receive');
  assert.deepEqual([proof.sites[0].startedBy.function, proof.sites[0].startedBy.from], ['main.leakAtStart', 'created-by']);
  assert.match(f.summary, /proven by the Go runtime/);
  assert.match(f.evidence.reasons[0], /leak-detection GC proved 50 goroutines can never wake/);
  // The 50 never changed (the total moves only with the watcher's own connections): no rising trend
  // that the count-growth evidence could have found.
  const g = f.evidence.goroutines;
  assert.ok(g === undefined || !(g.growth > 0 && g.pRising < 0.05), JSON.stringify(g));
});

test('Go 1.27 on a custom mux: the goroutineleak 404 says to add the route; Go 1.19: says the profile needs Go 1.26+', { timeout: 60_000 }, async (t) => {
  const [own, old] = await Promise.all([startService(t, '1.27', ['-mux']), startService(t, '1.19')]);
  const a = runCli(['watch', own, '--duration', '2s', '--json', '--out', outDir(t)], t);
  const b = runCli(['watch', old, '--duration', '2s', '--json', '--out', outDir(t)], t);
  await Promise.all([a.exited, b.exited]);
  // The custom mux has no /metrics: the version comes from nowhere, so the advice covers 1.26 and 1.27.
  assert.match(a.stderr(), /missing \/debug\/pprof\/goroutineleak: .*HTTP 404/);
  assert.match(a.stderr(), /route \/debug\/pprof\/goroutineleak to pprof\.Handler\("goroutineleak"\)/);
  assert.match(b.stderr(), /missing \/debug\/pprof\/goroutineleak: .*HTTP 404/);
  assert.notEqual(JSON.parse(a.stdout()).verdict, 'goroutine-leak');
  assert.notEqual(JSON.parse(b.stdout()).verdict, 'goroutine-leak');
});
