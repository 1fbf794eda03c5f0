import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { findListeningPid, isLoopbackHost, listeningSocketInodes, othersInCgroup, processIdentity } from './local-process.js';
import { serviceBase } from './poller.js';

test('loopback hosts', () => {
  for (const h of ['localhost', '127.0.0.1', '127.3.2.1', '[::1]', '::1', 'api.localhost']) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ['10.0.0.1', 'example.com', '[::2]', '128.0.0.1']) assert.equal(isLoopbackHost(h), false, h);
});

test('the PID listening on a port is found through /proc socket inodes', async (t) => {
  // This test process itself listens, on IPv4 and on IPv6, so the expected PID is known for certain.
  for (const host of ['127.0.0.1', '::1']) {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    t.after(() => server.close());
    const port = (server.address() as { port: number }).port;
    assert.equal(listeningSocketInodes(port).size, 1, host);
    assert.equal(findListeningPid(port), process.pid, host);
  }
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as { port: number }).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  assert.equal(findListeningPid(port), undefined);
});

test('process identity: start time near now for this process, undefined for a gone pid', () => {
  const id = processIdentity(process.pid)!;
  assert.equal(id.pid, process.pid);
  const startedMs = Date.now() - process.uptime() * 1000;
  assert.ok(Math.abs(id.startSeconds * 1000 - startedMs) < 2000, `${id.startSeconds} vs ${startedMs / 1000}`);
  assert.ok(
    id.cmdline.some((a) => a.endsWith('local-process.test.ts')),
    id.cmdline.join(' '),
  );
  assert.equal(processIdentity(2 ** 22 + 12345), undefined);
});

test('a pasted endpoint URL gives the service base', () => {
  assert.equal(serviceBase('http://127.0.0.1:6060'), 'http://127.0.0.1:6060');
  assert.equal(serviceBase('http://127.0.0.1:6060/'), 'http://127.0.0.1:6060');
  assert.equal(serviceBase('http://h:1/debug/vars'), 'http://h:1');
  assert.equal(serviceBase('http://h:1/metrics'), 'http://h:1');
  assert.equal(serviceBase('http://h:1/debug/pprof/'), 'http://h:1');
  assert.equal(serviceBase('http://h:1/debug/pprof/heap?gc=1'), 'http://h:1');
  assert.equal(serviceBase('http://h:1/svc/a/debug/vars'), 'http://h:1/svc/a');
});

/** A /proc of our own: PID -> parent PID, with a command name holding a space and a ')' as real ones may. */
function fakeProc(root: string, parents: Record<number, number>): void {
  for (const [pid, ppid] of Object.entries(parents)) {
    mkdirSync(join(root, pid), { recursive: true });
    writeFileSync(join(root, pid, 'stat'), `${pid} (my svc) x) S ${ppid} ${pid} ${pid} 0 -1 4194560\n`);
  }
}

test("a memory cgroup is the service's own only when it holds nothing but the target, its children and its ancestors", (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-cg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const proc = join(dir, 'proc');
  const cg = join(dir, 'cg');
  mkdirSync(cg);
  // 1 init -> 10 tini -> 20 service -> 30 helper -> 40 grandchild; 50 is a stranger under init.
  fakeProc(proc, { 1: 0, 10: 1, 20: 10, 30: 20, 40: 30, 50: 1 });
  const loc = { version: 1 as const, dir: cg };
  writeFileSync(join(cg, 'cgroup.procs'), '10\n20\n30\n40\n');
  assert.equal(othersInCgroup(loc, 20, proc, 20), 0, 'container init, the service and its descendants');
  writeFileSync(join(cg, 'cgroup.procs'), '10\n20\n50\n');
  assert.equal(othersInCgroup(loc, 20, proc, 20), 1, 'a process outside the tree shares the group');
  assert.equal(othersInCgroup(loc, 20, proc, 50), 0, 'unless it is the watcher itself, run inside the container');
  writeFileSync(join(cg, 'cgroup.procs'), '20\n99\n');
  assert.equal(othersInCgroup(loc, 20, proc), 0, 'a member gone before it was looked at is not counted');
  assert.equal(othersInCgroup({ version: 2, dir: join(dir, 'none') }, 20, proc), 0, 'no membership file: nothing known against it');
});

test("real /proc: the target's parent and child are its own; a sibling process is another's", async (t) => {
  const kids = [0, 1].map(() => spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' }));
  t.after(() => kids.forEach((k) => k.kill('SIGKILL')));
  await Promise.all(kids.map((k) => once(k, 'spawn')));
  const d = mkdtempSync(join(tmpdir(), 'heapsight-cg-real-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const loc = { version: 1 as const, dir: d };
  writeFileSync(join(d, 'cgroup.procs'), `${process.pid}\n${kids[0].pid}\n`);
  assert.equal(othersInCgroup(loc, process.pid, '/proc'), 0, 'this process and its child');
  assert.equal(othersInCgroup(loc, kids[0].pid!, '/proc'), 0, 'the child and its parent');
  writeFileSync(join(d, 'cgroup.procs'), `${kids[0].pid}\n${kids[1].pid}\n`);
  assert.equal(othersInCgroup(loc, kids[0].pid!, '/proc', kids[0].pid!), 1, "a sibling is in neither the target's tree nor the watcher's");
  assert.equal(othersInCgroup(loc, kids[0].pid!, '/proc'), 0, 'the sibling is a child of the watcher (this process): heapsight inside the container');
});
