import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getBody } from './http-get.js';

test('getBody: the body as served; a 4xx is an error naming the URL and status', async (t) => {
  const body = Buffer.from([0x1f, 0x8b, 0, 1, 2, 255]);
  const srv = createServer((req, res) => {
    if (req.url === '/ok') res.end(body);
    else {
      res.statusCode = 404;
      res.end('not here');
    }
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  t.after(() => srv.close());
  const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  assert.deepEqual(await getBody(`${base}/ok`), body);
  await assert.rejects(getBody(`${base}/missing`), /GET http:\/\/127\.0\.0\.1:\d+\/missing: HTTP 404/);
});
