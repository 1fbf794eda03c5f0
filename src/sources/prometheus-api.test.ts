// The client's own behaviour against a small loopback stand-in for a Thanos/Mimir query frontend:
// auth headers, path prefix, partial-response warnings split by instance, error answers. The real
// Prometheus cases (too many samples, route prefix) are in prometheus-fleet.test.ts.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { test } from 'node:test';
import { instanceMatcher, parseSelector, PrometheusClient, type SplittableQuery } from './prometheus-api.js';

interface Seen {
  path: string;
  auth?: string;
  tenant?: string;
  query: string;
  params: URLSearchParams;
}

async function fakeServer(handle: (seen: Seen, res: ServerResponse) => void): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const srv = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const params = new URLSearchParams(req.method === 'POST' ? body : ((req.url ?? '').split('?')[1] ?? ''));
      const s: Seen = {
        path: (req.url ?? '').split('?')[0],
        auth: req.headers.authorization,
        tenant: req.headers['x-scope-orgid'] as string | undefined,
        query: params.get('query') ?? '',
        params,
      };
      seen.push(s);
      handle(s, res);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((r) => srv.close(() => r())) };
}

const instances = ['a:1', 'b:2', 'c:3', 'd:4'];
const q: SplittableQuery = { name: 'goroutines', instances, expr: (m) => `go_goroutines{${['job="api"', m].filter(Boolean).join(',')}}` };

test('bearer token and headers are sent under the path prefix, and never appear in errors', async (t) => {
  const srv = await fakeServer((_s, res) => {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'token s3cr3t-token rejected for tenant team-secret' }));
  });
  t.after(() => srv.close());
  const client = new PrometheusClient({
    url: srv.url,
    pathPrefix: '/prometheus',
    bearerToken: 's3cr3t-token',
    headers: { 'X-Scope-OrgID': 'team-secret' },
    timeoutMs: 5000,
  });
  await assert.rejects(client.query(q, 1000), (err: Error) => {
    assert.match(err.message, /HTTP 400 bad_data/);
    assert.doesNotMatch(err.message, /s3cr3t|team-secret/);
    return true;
  });
  assert.equal(srv.seen[0].path, '/prometheus/api/v1/query');
  assert.equal(srv.seen[0].auth, 'Bearer s3cr3t-token');
  assert.equal(srv.seen[0].tenant, 'team-secret');
});

test('a partial response is retried by instance halves; warnings that persist are kept', async (t) => {
  // The stand-in answers partially whenever a query covers more than two instances.
  const srv = await fakeServer((s, res) => {
    const m = /instance=~"([^"]*)"/.exec(s.query);
    const covered = m ? m[1].split('|').map((v) => v.replace(/\\\\/g, '\\').replace(/\\(.)/g, '$1')) : instances;
    const warnings = covered.length > 2 ? ['store 10.0.0.9:10901 timed out: partial response'] : covered.includes('d:4') ? ['d:4 store still slow'] : [];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        status: 'success',
        warnings,
        data: { resultType: 'vector', result: covered.map((i) => ({ metric: { instance: i }, value: [1000, '7'] })) },
      }),
    );
  });
  t.after(() => srv.close());
  const client = new PrometheusClient({ url: srv.url, timeoutMs: 5000 });
  const out = await client.query(q, 1000);
  assert.deepEqual(out.map((v) => v.metric.instance).sort(), instances);
  // All four warn → halves; {c,d} still warns → c and d alone; d keeps warning and is accepted with it.
  const split = { query: 'goroutines', reason: 'partial-response', by: 'instance', parts: 2 };
  assert.deepEqual(client.stats.splits, [split, split]);
  assert.deepEqual(client.stats.warnings, ['goroutines: d:4 store still slow']);
  assert.equal(srv.seen.length, 5);
  assert.ok(srv.seen.some((s) => s.query.includes(instanceMatcher(['a:1', 'b:2']))));
  assert.ok(client.stats.wireBytes > 0 && client.stats.requests === 5);
});

test('an HTML page and a timeout are one-line input errors', async (t) => {
  const srv = await fakeServer((s, res) => {
    if (s.path.endsWith('/labels')) return; // never answers
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html><body>login</body></html>');
  });
  t.after(() => srv.close());
  const client = new PrometheusClient({ url: srv.url, timeoutMs: 300 });
  await assert.rejects(client.query(q, 1), /expected a Prometheus API JSON answer, got HTTP 200 with an HTML page/);
  await assert.rejects(client.labels(['up'], 0, 1), /timed out after 0.3s/);
});

test('selectors', () => {
  assert.equal(parseSelector('{job="api"}'), 'job="api"');
  assert.equal(parseSelector(' job=~"a|b", env!="dev" '), 'job=~"a|b", env!="dev"');
  assert.equal(parseSelector(undefined), '');
  assert.throws(() => parseSelector('up{job="api"}'), /got a metric name/);
  assert.throws(() => parseSelector('{job}'), /expected label matchers/);
  assert.equal(instanceMatcher(['10.0.0.1:80', 'x|y']), 'instance=~"10\\\\.0\\\\.0\\\\.1:80|x\\\\|y"');
});

test("each server limit is narrowed the way that lowers what it counts, in Prometheus's and VictoriaMetrics's words", async (t) => {
  // The stand-in refuses, with the refusal under test, an instant query covering more than one instance
  // and a range query more than 2 steps wide; the real servers' cases are in prometheus-fleet(-victoria).test.ts.
  let refusal = '';
  const srv = await fakeServer((s, res) => {
    const m = /instance=~"([^"]*)"/.exec(s.query);
    const covered = m ? m[1].split('|') : instances;
    const range = s.path.endsWith('/query_range');
    const steps = range ? (Number(s.params.get('end')) - Number(s.params.get('start'))) / Number(s.params.get('step')) : 0;
    if (range ? steps > 2 : covered.length > 1) {
      res.writeHead(422, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', errorType: '422', error: refusal }));
      return;
    }
    const start = Number(s.params.get('start'));
    const step = Number(s.params.get('step'));
    const values = Array.from({ length: steps + 1 }, (_, k) => [start + k * step, '1']);
    const result = range ? covered.map((i) => ({ metric: { instance: i }, values })) : [{ metric: { instance: covered[0] }, value: [1000, '1'] }];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'success', data: { resultType: range ? 'matrix' : 'vector', result } }));
  });
  t.after(() => srv.close());
  const instant: [string, string | undefined][] = [
    ['query processing would load too many samples into memory in query execution', 'too-many-samples'],
    ['cannot select more than -search.maxSamplesPerQuery=1000 samples; possible solutions: ...', 'too-many-samples'],
    ['the number of matching timeseries exceeds 5; either narrow down the search or increase -search.max* command-line flag values', 'too-many-series'],
    // Halving the instances only shortens a query that already lists them: this one does not.
    ["too long query; got 148 bytes; mustn't exceed `-search.maxQueryLen=100` bytes", undefined],
    // Points and raw samples per series are lowered by a shorter range only, which an instant query has not.
    ['too many points for the given step=1000, start=1 and end=86401: 86401; cannot exceed -search.maxPointsPerTimeseries=30000', undefined],
    ['cannot process more than 1000 samples per series; either increase -search.maxSamplesPerSeries', undefined],
  ];
  for (const [message, reason] of instant) {
    refusal = message;
    const client = new PrometheusClient({ url: srv.url, timeoutMs: 5000 });
    if (reason === undefined) {
      await assert.rejects(
        client.query(q, 1000),
        (err: Error) => err.message.startsWith(`${srv.url}/api/v1/query: HTTP 422: ${message.slice(0, 20)}`),
        message,
      );
      assert.deepEqual(client.stats.splits, [], message);
      continue;
    }
    const out = await client.query(q, 1000);
    assert.deepEqual(out.map((v) => v.metric.instance).sort(), instances, message);
    assert.ok(
      client.stats.splits.length === 3 && client.stats.splits.every((x) => x.reason === reason && x.by === 'instance'),
      JSON.stringify(client.stats.splits),
    );
  }
  const ranged: [string, string][] = [
    ['exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)', 'too-many-points'],
    ['too many points for the given step=60000, start=0 and end=480000: 9; cannot exceed -search.maxPointsPerTimeseries=3', 'too-many-points'],
    ['cannot process more than 1000 samples per series; either increase -search.maxSamplesPerSeries', 'too-many-samples'],
  ];
  for (const [message, reason] of ranged) {
    refusal = message;
    const client = new PrometheusClient({ url: srv.url, timeoutMs: 5000 });
    // 8 steps of 60 s: halves aligned to the step until each part is at most 2 steps wide.
    const out = await client.queryRange(q, 0, 480, 60);
    assert.deepEqual(
      out[0].values.map(([t]) => t),
      Array.from({ length: 9 }, (_, k) => k * 60),
      message,
    );
    assert.ok(client.stats.splits.length > 0 && client.stats.splits.every((x) => x.reason === reason && x.by === 'time'), JSON.stringify(client.stats.splits));
  }
});
