// Test-only: a real memory cgroup (v1, as on the dev machine) with a limit, and a Go program started
// inside it. The group is a child of this process's own memory cgroup (found the way the collector
// finds a target's), the process is moved in before exec (a shell writes its own PID to cgroup.procs,
// then execs the binary, so the PID is the program's), and remove() rmdirs the group once its processes
// are gone. Needs root, as the dev machine and CI have.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { locateMemoryCgroup } from '../sources/cgroup.js';

export interface TestCgroup {
  dir: string;
  remove(): Promise<void>;
}

export function createMemoryCgroup(name: string, limitBytes: number): TestCgroup {
  const loc = locateMemoryCgroup(readFileSync('/proc/self/cgroup', 'utf8'), readFileSync('/proc/self/mountinfo', 'utf8'), '/proc/self/cgroup');
  if (!loc || loc.version !== 1) throw new Error(`this test needs a cgroup v1 memory controller; found ${JSON.stringify(loc)}`);
  const dir = `${loc.dir}/${name}-${process.pid}`;
  mkdirSync(dir);
  writeFileSync(`${dir}/memory.limit_in_bytes`, String(limitBytes));
  // No swap for the group where the kernel offers the knob: the limit must bite as an OOM kill, not as swapping.
  if (existsSync(`${dir}/memory.memsw.limit_in_bytes`)) writeFileSync(`${dir}/memory.memsw.limit_in_bytes`, String(limitBytes));
  return {
    dir,
    async remove() {
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          rmdirSync(dir);
          return;
        } catch (err) {
          // EBUSY while an exited process is still being reaped; give it a moment, bounded.
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
  };
}

/** A free loopback port (listen on 0, close), for a program that must keep its port across restarts. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export interface CgroupProcess {
  proc: ChildProcess;
  pid: number;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): Promise<void>;
}

/** Start `binary args` inside the cgroup and wait for its LISTENING line (deadline `timeoutMs`). */
export async function startInCgroup(cg: TestCgroup, binary: string, args: string[], timeoutMs = 20_000): Promise<CgroupProcess> {
  const quoted = [binary, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const proc = spawn('/bin/sh', ['-c', `echo $$ > '${cg.dir}/cgroup.procs' && exec ${quoted}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const kill = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no LISTENING within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /LISTENING (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      void exited.then((e) => {
        clearTimeout(timer);
        reject(new Error(`exited (${e.code ?? e.signal}) before listening; stderr: ${stderr}`));
      });
    });
    return { proc, pid: proc.pid!, url, exited, kill };
  } catch (err) {
    await kill();
    throw err;
  }
}
