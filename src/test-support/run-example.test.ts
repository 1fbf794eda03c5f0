// Runs the run-example command line as a recorder would: real build, real service, real load.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from './toolchain.js';

function runExample(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/test-support/run-example.ts', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const out = createInterface({ input: child.stdout });
  const listening = new Promise<{ url: string; pid: number }>((resolve, reject) => {
    let url: string | undefined;
    out.on('line', (line) => {
      lines.push(line);
      if (line.startsWith('URL ')) url = line.slice(4);
      if (line.startsWith('PID ') && url) resolve({ url, pid: Number(line.slice(4)) });
    });
    child.once('close', () => reject(new Error(`run-example ended before listening: ${stderr}`)));
  });
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, lines, listening, closed, stderr: () => stderr };
}

test('run-example drives the spec load for --seconds, writes gctrace, and stops the service', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'run-example-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const gctrace = join(dir, 'gctrace.log');
  const run = runExample(['steady-churn', '--seconds', '1', '--gctrace', gctrace]);
  t.after(() => run.child.kill('SIGKILL'));
  const { url, pid } = await run.listening;
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(await run.closed, 0, run.stderr());
  const summary = JSON.parse(run.lines[run.lines.length - 1]);
  assert.deepEqual(summary, { example: 'steady-churn', seconds: 1, requests: 200, errors: 0, bursts: 0 });
  assert.match(readFileSync(gctrace, 'utf8'), /^gc 1 @/m);
  assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'service stopped');
});

test('run-example stops load and service on SIGINT and exits 0', async (t) => {
  const run = runExample(['worker-pool', '--seconds', '120']);
  t.after(() => run.child.kill('SIGKILL'));
  const { pid } = await run.listening;
  run.child.kill('SIGINT');
  assert.equal(await run.closed, 0, run.stderr());
  assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'service stopped');
  const summary = JSON.parse(run.lines[run.lines.length - 1]);
  assert.equal(summary.errors, 0);
  assert.ok(summary.requests < 120 * 100, 'load ended early');
});

test('run-example rejects bad usage with exit code 2', async () => {
  const run = runExample(['map-leak', '--bogus', '1']);
  run.listening.catch(() => {});
  assert.equal(await run.closed, 2);
  assert.match(run.stderr(), /unknown option --bogus/);
});
