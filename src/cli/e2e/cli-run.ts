// Test-only: run the heapsight CLI (from source through tsx, so there is no stale dist/ to rebuild) as
// a child process and wait on what it prints. Every wait has a deadline and also ends when the CLI
// exits, so a wrong verdict or a crash fails the test with the CLI's output instead of hanging it.

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from '../../test-support/toolchain.js';

export interface CliRun {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once `n` lines of `stream` match `re`; rejects on timeout or exit. */
  waitFor(stream: 'stdout' | 'stderr', re: RegExp, n: number, timeoutMs: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export const cliEntry = join(repoRoot, 'src/cli/main.ts');

export function runCli(args: string[], t: { after(fn: () => unknown): void }, env: Record<string, string> = {}): CliRun {
  const proc = spawn(process.execPath, ['--import', 'tsx', cliEntry, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const text = { stdout: '', stderr: '' };
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  proc.stdout!.on('data', (d: Buffer) => {
    text.stdout += d.toString();
    notify();
  });
  proc.stderr!.on('data', (d: Buffer) => {
    text.stderr += d.toString();
    notify();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => {
      resolve({ code, signal });
      // Let 'data' still queued arrive before waiters give up.
      setImmediate(notify);
    }),
  );
  t.after(async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  });
  return {
    proc,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    exited,
    waitFor: (stream, re, n, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const done = (err?: Error) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (err) reject(err);
          else resolve();
        };
        const timer = setTimeout(() => done(new Error(`no ${n} ${stream} lines matching ${re} within ${timeoutMs} ms\nstdout:\n${text.stdout.slice(-3000)}\nstderr:\n${text.stderr.slice(-3000)}`)), timeoutMs);
        const check = () => {
          if (text[stream].split('\n').filter((l) => re.test(l)).length >= n) done();
          else if (proc.exitCode !== null || proc.signalCode !== null) {
            done(new Error(`the CLI exited before ${n} ${stream} lines matching ${re}\nstdout:\n${text.stdout.slice(-3000)}\nstderr:\n${text.stderr.slice(-3000)}`));
          }
        };
        waiters.add(check);
        check();
      }),
  };
}

/** A loopback port that was free a moment ago (for `check --run` services that need a fixed -addr). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
