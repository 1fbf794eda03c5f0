// Test-only: a real memory cgroup (v1, as on the dev machine) with a limit, and a Go program started
// inside it. The group is a child of this process's own memory cgroup (found the way the collector
// finds a target's), the process is moved in before exec (a shell writes its own PID to cgroup.procs,
// then execs the binary, so the PID is the program's), and remove() rmdirs the group once its processes
// are gone. Needs root, as the dev machine and CI have.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync, existsSync } from 'node:fs';
import { untilListening } from './test-target.js';
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
  const { url, exited, kill } = await untilListening(proc, timeoutMs, binary);
  return { proc, pid: proc.pid!, url, exited, kill };
}
