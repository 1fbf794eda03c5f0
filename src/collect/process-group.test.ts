import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupAlive, startCommand } from './process-group.js';

/** Running, not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

async function readPids(file: string, n: number): Promise<number[]> {
  // The shell writes the pids as it starts them; bounded wait for a file's content.
  for (let i = 0; i < 200; i++) {
    const pids = (() => {
      try {
        return readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        return [];
      }
    })();
    if (pids.length >= n) return pids;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no ${n} pids in ${file}`);
}

test('stop() ends the whole group, grandchildren included, even one that ignores SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-pg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pids = join(dir, 'pids');
  // A background child, and one that traps TERM: a plain kill(pid) of the shell would leave both.
  const cmd = `sleep 300 & echo $! >> ${pids}; sh -c 'trap "" TERM; echo $$ >> ${pids}; while :; do sleep 1; done' & wait`;
  const started = startCommand(cmd, { logFile: join(dir, 'log') });
  t.after(() => started.stop(100));
  const [sleeper, stubborn] = await readPids(pids, 2);
  assert.ok(alive(sleeper) && alive(stubborn));
  const t0 = Date.now();
  await started.stop(500);
  assert.ok(Date.now() - t0 < 5000);
  assert.equal(groupAlive(started.pid), false);
  assert.equal(alive(sleeper), false);
  assert.equal(alive(stubborn), false, 'SIGKILL after the grace period');
  assert.equal(started.hasExited, true);
});

test('output goes to the log file and tail() returns its last lines', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-pg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const started = startCommand('for i in 1 2 3 4 5 6 7; do echo line $i; done; echo oops >&2; exit 3', { logFile: join(dir, 'log') });
  t.after(() => started.stop(100));
  assert.deepEqual(await started.exited, { code: 3, signal: null });
  assert.equal(started.tail(3), 'line 6\nline 7\noops');
});
