import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { fetchBytes, redactUrl } from './http.js';
import { InputError, isOutage } from './input-error.js';

const SECRET = 'Bearer SECRET123';

async function serve(t: { after: (fn: () => unknown) => void }, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server: Server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function assertNoSecret(e: unknown, ...secrets: string[]): void {
  const text = `${(e as Error).message} ${(e as Error).stack ?? ''} ${(e as InputError).origin ?? ''}`;
  for (const s of secrets) assert.ok(!text.includes(s), `secret leaked: ${text}`);
}

test('fetches bytes and sends headers', async (t) => {
  let seen: string | undefined;
  const url = await serve(t, (req, res) => {
    seen = req.headers.authorization;
    res.setHeader('content-type', 'application/octet-stream');
    res.end(Buffer.from([1, 2, 3]));
  });
  const r = await fetchBytes(`${url}/debug/pprof/heap`, { timeoutMs: 5000, maxBytes: 100, headers: { Authorization: SECRET } });
  assert.deepEqual([...r.bytes], [1, 2, 3]);
  assert.equal(r.status, 200);
  assert.equal(r.contentType, 'application/octet-stream');
  assert.equal(seen, SECRET);
});

test('non-2xx is "HTTP 503" and an echoed header value never reaches the message', async (t) => {
  const url = await serve(t, (req, res) => {
    res.statusCode = 503;
    res.setHeader('content-type', 'text/plain');
    res.end(`no: ${req.headers.authorization}`);
  });
  await assert.rejects(fetchBytes(url, { timeoutMs: 5000, maxBytes: 1000, headers: { Authorization: SECRET } }), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.match(e.message, /expected HTTP 200, got HTTP 503 Service Unavailable, body: text starting/);
    assertNoSecret(e, 'SECRET123');
    return true;
  });
});

test('an HTML error page is described as such', async (t) => {
  const url = await serve(t, (_req, res) => {
    res.statusCode = 500;
    res.setHeader('content-type', 'text/html');
    res.end('<!DOCTYPE html><html><body>oops</body></html>');
  });
  await assert.rejects(fetchBytes(url, { timeoutMs: 5000, maxBytes: 1000 }), /got HTTP 500 Internal Server Error, body: an HTML page$/);
});

test('timeout covers a server that never answers', async (t) => {
  let arrived!: () => void;
  const requested = new Promise<void>((r) => (arrived = r));
  const url = await serve(t, () => arrived()); // never responds
  const started = Date.now();
  await assert.rejects(fetchBytes(url, { timeoutMs: 300, maxBytes: 1000, headers: { Authorization: SECRET } }), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.equal(e.message, `${url}: timed out after 0.3s`);
    return true;
  });
  await requested;
  assert.ok(Date.now() - started < 5000);
});

test('timeout also covers a body that stalls', async (t) => {
  const url = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.write(Buffer.alloc(10));
  });
  await assert.rejects(fetchBytes(url, { timeoutMs: 300, maxBytes: 1000 }), /timed out after 0\.3s/);
});

test('the byte cap aborts the download, with or without Content-Length', async (t) => {
  let chunksWritten = 0;
  const url = await serve(t, (req, res) => {
    if (req.url === '/declared') {
      res.setHeader('content-length', String(1 << 20));
      res.end(Buffer.alloc(1 << 20));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    // Streams until the client goes away (bounded: at most 64 MiB).
    const chunk = Buffer.alloc(64 * 1024);
    const pump = () => {
      while (chunksWritten < 1024 && !res.destroyed) {
        chunksWritten++;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  await assert.rejects(fetchBytes(`${url}/declared`, { timeoutMs: 5000, maxBytes: 1000 }), /response is 1048576 bytes, past the 1000-byte cap/);
  await assert.rejects(fetchBytes(`${url}/stream`, { timeoutMs: 10000, maxBytes: 200_000 }), /response passes the 200000-byte cap/);
  assert.ok(chunksWritten < 1024, 'the download was aborted, not read to the end');
});

test('credentials in the URL become Basic auth and never appear in messages', async (t) => {
  let auth: string | undefined;
  const url = await serve(t, (req, res) => {
    auth = req.headers.authorization;
    res.statusCode = 404;
    res.end(`you sent ${req.headers.authorization}`);
  });
  const withCreds = url.replace('http://', 'http://alice:pa55word@');
  await assert.rejects(fetchBytes(`${withCreds}/x`, { timeoutMs: 5000, maxBytes: 1000 }), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.ok(e.message.startsWith(`${url}/x: expected HTTP 200, got HTTP 404`), e.message);
    assertNoSecret(e, 'pa55word', Buffer.from('alice:pa55word').toString('base64'));
    return true;
  });
  assert.equal(auth, `Basic ${Buffer.from('alice:pa55word').toString('base64')}`);
  assert.equal(redactUrl('https://u:p@example.com/a?b=1'), 'https://example.com/a?b=1');
});

test('connection refused is one line', async () => {
  // A port that was just free: bind, note it, close.
  const probe = createNetServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const free = (probe.address() as AddressInfo).port;
  probe.close();
  await once(probe, 'close');
  await assert.rejects(fetchBytes(`http://127.0.0.1:${free}/`, { timeoutMs: 5000, maxBytes: 10 }), /: connection refused$/);
});

test('every failure carries a kind that callers switch on, and isOutage reads it', async (t) => {
  const server = createServer((req, res) => {
    if (req.url === '/404') {
      res.writeHead(404);
      res.end('nope');
    } else if (req.url === '/503') {
      res.writeHead(503);
      res.end('later');
    } else if (req.url === '/big') {
      res.writeHead(200, { 'Content-Length': '5000' });
      res.end(Buffer.alloc(5000));
    }
    // /hang: never answers
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const failure = async (path: string, timeoutMs = 5000): Promise<InputError> => {
    try {
      await fetchBytes(`${base}${path}`, { timeoutMs, maxBytes: 1000 });
    } catch (e) {
      assert.ok(e instanceof InputError, `${path}: ${String(e)}`);
      return e;
    }
    throw new Error(`${path} did not fail`);
  };
  const e404 = await failure('/404');
  assert.deepEqual([e404.kind, e404.status, isOutage(e404)], ['http-status', 404, false]);
  const e503 = await failure('/503');
  assert.deepEqual([e503.kind, e503.status, isOutage(e503)], ['http-status', 503, true]);
  const big = await failure('/big');
  assert.deepEqual([big.kind, isOutage(big)], ['cap', false]);
  const hang = await failure('/hang', 200);
  assert.deepEqual([hang.kind, isOutage(hang)], ['timeout', true]);
  const bad = await fetchBytes('ftp://127.0.0.1/', { timeoutMs: 100, maxBytes: 10 }).catch((e: InputError) => e);
  assert.equal((bad as InputError).kind, 'argument');
});
