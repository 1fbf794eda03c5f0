import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { findListeningPid, isLoopbackHost, listeningSocketInodes, processIdentity } from './local-process.js';
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
