// Test-only: start the Go test target (testdata/target) as a real process on loopback and stop it, for
// the poller and `watch` tests. Startup is synchronised on the program's `LISTENING http://…` line,
// never on a sleep; every helper that waits has a deadline so that a hung test fails instead of hanging.

import { spawn, type ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { buildGoProgram } from './toolchain.js';

export interface RunningTarget {
  url: string;
  port: number;
  pid: number;
  proc: ChildProcess;
  /** SIGKILL and wait for the exit; safe to call twice. */
  kill(): Promise<void>;
}

export function targetBinary(): string {
  return buildGoProgram('src/collect/testdata/target');
}

/** A started program that printed `LISTENING <url>`, with a way to stop it. */
export interface ListeningProcess {
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL and wait for the exit; safe to call twice. */
  kill(): Promise<void>;
}

/**
 * Wait for `proc`'s `LISTENING http(s)://…` line on stdout, at most `timeoutMs`; an exit before it or the
 * deadline kills the process and rejects with its stderr, named as `what`.
 */
export async function untilListening(proc: ChildProcess, timeoutMs: number, what = 'target'): Promise<ListeningProcess> {
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve({ code: proc.exitCode, signal: proc.signalCode });
    else proc.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const kill = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${what} did not print LISTENING within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /LISTENING (https?:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      void exited.then((e) => {
        clearTimeout(timer);
        reject(new Error(`${what} exited (${e.code ?? e.signal}) before listening; stderr: ${stderr}`));
      });
    });
    return { url, exited, kill };
  } catch (err) {
    await kill();
    throw err;
  }
}

export async function startTarget(args: string[] = [], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<RunningTarget> {
  const proc = spawn(targetBinary(), args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const { url, kill } = await untilListening(proc, timeoutMs);
  return { url, port: Number(new URL(url).port), pid: proc.pid!, proc, kill };
}

/** Resolve with the first `event` payload satisfying `pred`, or reject after `timeoutMs`. */
export function waitForEvent<T>(emitter: EventEmitter, event: string, pred: (v: T) => boolean, timeoutMs: number, what = event): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    function listener(v: T) {
      if (!pred(v)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(v);
    }
    emitter.on(event, listener);
  });
}

/** Resolve once `pred` holds, checking every `everyMs`; reject after `timeoutMs`. For conditions with no event to await (a file's content). */
export async function pollUntil(pred: () => boolean, timeoutMs: number, what: string, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
