// Test-only: the one way tests run the heapsight CLI as a child process.
// - `runCli`: from source through tsx (no stale dist/ to rebuild), streaming, for live tests that wait
//   on what it prints. Every wait has a deadline and also ends when the CLI exits, so a wrong verdict or
//   a crash fails the test with the CLI's output instead of hanging it.
// - `runCliToEnd`: one run to its exit, from source, or from the package's `bin` bundle (what users
//   run: the exactness and speed-sensitive tests use it), which is rebuilt first when any source file
//   is newer than it, so a test never runs stale code.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from './toolchain.js';

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
  const proc = spawn(process.execPath, ['--import', 'tsx', cliEntry, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
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
        const timer = setTimeout(
          () =>
            done(
              new Error(
                `no ${n} ${stream} lines matching ${re} within ${timeoutMs} ms\nstdout:\n${text.stdout.slice(-3000)}\nstderr:\n${text.stderr.slice(-3000)}`,
              ),
            ),
          timeoutMs,
        );
        const check = () => {
          if (text[stream].split('\n').filter((l) => re.test(l)).length >= n) done();
          else if (proc.exitCode !== null || proc.signalCode !== null) {
            done(
              new Error(
                `the CLI exited before ${n} ${stream} lines matching ${re}\nstdout:\n${text.stdout.slice(-3000)}\nstderr:\n${text.stderr.slice(-3000)}`,
              ),
            );
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

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /**
   * 'source' (tsx on src/cli/main.ts, the default), 'bundle' (the package's bin) or 'built' (the tsc
   * build, builtCliEntry); both built entries are rebuilt first when stale (freshBundle).
   */
  entry?: 'source' | 'bundle' | 'built';
  env?: Record<string, string>;
  /** The CLI is killed (SIGKILL) after this long; the result then has signal 'SIGKILL'. */
  timeoutMs?: number;
  cwd?: string;
}

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'testdata') newest = Math.max(newest, newestSourceMtime(p));
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** The tsc build of the CLI (`npm run build` writes it next to the bundle). */
export const builtCliEntry = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

let bundleChecked: string | undefined;
/**
 * The package's `bin` file, with `npm run build` run first if it or the tsc build (builtCliEntry) is
 * missing or older than a source file: a test of the built CLI always tests the code in src/.
 */
export function freshBundle(): string {
  if (bundleChecked) return bundleChecked;
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const bin = join(repoRoot, pkg.bin.heapsight);
  const newest = newestSourceMtime(join(repoRoot, 'src'));
  if ([bin, builtCliEntry].some((f) => !existsSync(f) || statSync(f).mtimeMs < newest)) {
    const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: repoRoot, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}\n${r.stderr}`);
  }
  bundleChecked = bin;
  return bin;
}

/** Run the CLI once to its exit and return what it printed. */
export function runCliToEnd(args: string[], opts: CliRunOptions = {}): Promise<CliResult> {
  const entry = opts.entry ?? 'source';
  let argv: string[];
  if (entry === 'source') argv = ['--import', 'tsx', cliEntry, ...args];
  else {
    const bin = freshBundle(); // builds the bundle and the tsc build when either is stale
    argv = [entry === 'bundle' ? bin : builtCliEntry, ...args];
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, {
      cwd: opts.cwd ?? repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
