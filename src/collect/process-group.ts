// Shell commands that `heapsight check` starts (the service under test, its load driver), each in its
// own process group, and the guarantee that they are stopped again.
//
// The non-obvious decision: everything is signalled as a GROUP (kill(-pgid)), never by pid. `sh -c
// './service & ./other'` or `make run` leaves the real service as a grandchild that outlives a killed
// shell; a group kill reaches it. Stopping is SIGTERM, a grace period, then SIGKILL to whatever of the
// group is still alive, and a process 'exit' hook SIGKILLs every group still running, so an exception
// or a second Ctrl-C in check cannot leave a service listening on a CI runner.

import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';

export interface StartedCommand {
  /** Process id of the shell, which is also the process group id. */
  pid: number;
  command: string;
  logFile: string;
  /** Resolves when the shell exits (the group may still have members: see stop()). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True once the shell has exited. */
  readonly hasExited: boolean;
  /** SIGTERM the group, wait up to `graceMs` for it to empty, then SIGKILL what is left. Idempotent. */
  stop(graceMs?: number): Promise<void>;
  /** The last lines of the command's output, for error messages. */
  tail(lines?: number): string;
}

const running = new Set<number>();
let hookInstalled = false;

function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  process.on('exit', () => {
    for (const pgid of running) signalGroup(pgid, 'SIGKILL');
  });
}

function signalGroup(pgid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch {
    // ESRCH: the group is empty.
    return false;
  }
}

/**
 * Whether any process of the group is still running. Zombies do not count: a killed grandchild stays a
 * zombie until its new parent reaps it, and in a container that parent may never do so.
 */
export function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Fields after the parenthesised command: state, ppid, pgrp, ...
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
    } catch {
      // Exited while we looked.
    }
  }
  return false;
}

/** Run `command` through /bin/sh in a new process group; stdout and stderr go to `logFile`. */
export function startCommand(command: string, opts: { logFile: string; env?: Record<string, string>; cwd?: string }): StartedCommand {
  installExitHook();
  const log = openSync(opts.logFile, 'a');
  let child;
  try {
    child = spawn('/bin/sh', ['-c', command], {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, ...opts.env },
      cwd: opts.cwd,
    });
  } finally {
    // The child has its own copy of the descriptor.
    closeSync(log);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${JSON.stringify(command)}`);
  running.add(pid);
  let hasExited = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      hasExited = true;
      resolve({ code, signal });
    });
    child.once('error', () => {
      hasExited = true;
      resolve({ code: null, signal: null });
    });
  });
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 5000): Promise<void> => {
    stopping ??= (async () => {
      if (signalGroup(pid, 'SIGTERM')) {
        // There is no event for "the group is empty": check every 50 ms, up to the grace period.
        const deadline = Date.now() + graceMs;
        while (Date.now() < deadline) {
          if (hasExited && !groupAlive(pid)) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        signalGroup(pid, 'SIGKILL');
        // SIGKILL is not instantaneous either; wait (bounded) until nothing of the group runs.
        for (let i = 0; i < 40 && groupAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
      }
      await exited;
      running.delete(pid);
    })();
    return stopping;
  };
  return {
    pid,
    command,
    logFile: opts.logFile,
    exited,
    get hasExited() {
      return hasExited;
    },
    stop,
    tail(lines = 5) {
      try {
        return readFileSync(opts.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
  };
}
