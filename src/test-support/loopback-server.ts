// Test-only: start a server program (Prometheus, VictoriaMetrics) on a free loopback port and wait until
// its log says it listens; stop it by PID (SIGTERM, SIGKILL after 10 s) and remove its directory. Every
// child still running when the test process exits is killed, so no server outlives its test.
//
// The non-obvious decision: readiness is the server's own log line, not polling its port; and a port
// taken between choosing it and the bind (another test's server) is retried on a new port, up to
// three times, recognised by "address already in use" in the log.

import { freePort } from './cli-run.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface LoopbackServer {
  port: number;
  pid: number;
  logLines: () => string[];
  /** Stop the server by PID and remove `root`. */
  stop(): Promise<void>;
  /** Stop the server by PID and keep `root` (to keep what it wrote). */
  halt(): Promise<void>;
}

export interface LoopbackServerSpec {
  /** For messages: "prometheus", "victoria-metrics". */
  name: string;
  bin: string;
  /** The command line for a port. */
  args: (port: number) => string[];
  /** Whether a log line says the server now answers on the port. */
  ready: (line: string, port: number) => boolean;
  /** The server's temporary directory, removed on stop and on failure. */
  root: string;
}

const live = new Set<ChildProcess>();
let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
}

const READY_TIMEOUT_MS = 60_000;

export { freePort };

export async function startLoopbackServer(spec: LoopbackServerSpec): Promise<LoopbackServer> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    hookExit();
    const child = spawn(spec.bin, spec.args(port), { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        live.delete(child);
        resolve();
      }),
    );
    const log: string[] = [];
    const halt = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    };
    const stop = async () => {
      await halt();
      rmSync(spec.root, { recursive: true, force: true });
    };
    const ready = await new Promise<boolean>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${spec.name} not ready within 60 s: ${log.slice(-5).join(' | ')}`)), READY_TIMEOUT_MS);
      const onLine = (line: string) => {
        if (log.length < 5000) log.push(line);
        if (spec.ready(line, port)) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      createInterface({ input: child.stderr! }).on('line', onLine);
      createInterface({ input: child.stdout! }).on('line', onLine);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    }).catch(async (err) => {
      await stop();
      throw err;
    });
    if (ready) return { port, pid: child.pid!, logLines: () => log.slice(), stop, halt };
    await exited;
    if (!log.some((l) => l.includes('address already in use'))) {
      rmSync(spec.root, { recursive: true, force: true });
      throw new Error(`${spec.name} exited before ready: ${log.slice(-5).join(' | ')}`);
    }
  }
  rmSync(spec.root, { recursive: true, force: true });
  throw new Error(`${spec.name}: no free port after 3 attempts`);
}
