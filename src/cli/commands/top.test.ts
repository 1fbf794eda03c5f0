// End-to-end: the built CLI (`npm run build` first) against go tool pprof and against bad inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse, isInteger } from 'lossless-json';
import { builtCliEntry, freshBundle, runCliToEnd } from '../../test-support/cli-run.js';
import { goPprofTop } from '../../test-support/go-pprof.js';
import { repoRoot } from '../../test-support/toolchain.js';

// The tsc build, rebuilt first when older than src/ (freshBundle builds both it and the bundle).
const cli = builtCliEntry;
const testdata = join(repoRoot, 'src', 'sources', 'testdata', 'pprof');
const heap = join(testdata, 'heap-rate1.pb.gz');
const base = join(testdata, 'heap-base.pb.gz');
const SECRET = 'SECRET123';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Run> {
  return runCliToEnd(args, { entry: 'built' });
}

interface JsonTop {
  sampleType: { type: string; unit: string };
  total: bigint;
  base?: bigint;
  new?: bigint;
  functions: { function: string; flat: bigint; cum: bigint }[];
}

function parseJson(text: string): JsonTop {
  // Exact integers: every number must be an integer and is read as a BigInt.
  return parse(text, undefined, (value) => {
    assert.ok(isInteger(value), `non-integer ${value}`);
    return BigInt(value);
  }) as JsonTop;
}

function assertOneLineError(r: Run, pattern: RegExp, code = 4): void {
  assert.equal(r.code, code, `exit code; stderr: ${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^heapsight: [^\n]+\n$/);
  assert.match(r.stderr.trimEnd(), pattern);
}

test('top --json equals go tool pprof -top under every sample index, by flat and by cum', async () => {
  for (const si of ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space']) {
    for (const cum of [false, true]) {
      const r = await run(['top', heap, '--json', '--sample-index', si, ...(cum ? ['--cum'] : [])]);
      assert.equal(r.code, 0, r.stderr);
      const ours = parseJson(r.stdout);
      const ref = goPprofTop(heap, { sampleIndex: si, cum });
      assert.deepEqual(ours.sampleType, { type: si, unit: si.endsWith('space') ? 'bytes' : 'count' });
      assert.equal(ours.total, ref.total);
      assert.deepEqual(
        ours.functions,
        ref.rows.map((x) => ({ function: x.function, flat: x.flat, cum: x.cum })),
        `${si} cum=${cum}`,
      );
    }
  }
});

test('top picks pprof default sample index; numbers work too; --nodes limits rows', async () => {
  const allocs = join(testdata, 'allocs.pb.gz');
  assert.equal(parseJson((await run(['top', allocs, '--json'])).stdout).sampleType.type, 'alloc_space');
  assert.equal(parseJson((await run(['top', heap, '--json'])).stdout).sampleType.type, 'inuse_space');
  assert.equal(parseJson((await run(['top', heap, '--json', '--sample-index', '2'])).stdout).sampleType.type, 'inuse_objects');
  const three = parseJson((await run(['top', heap, '--json', '--nodes', '3'])).stdout);
  assert.equal(three.functions.length, 3);
  assert.equal(three.functions[0].function, 'main.bigBlock');
  const bad = await run(['top', heap, '--sample-index', 'cpu']);
  assertOneLineError(bad, /sample index "cpu" not in the profile's sample types/);
  assertOneLineError(await run(['top', heap, '--nodes', 'ten']), /--nodes expects a whole number/, 2);
});

test('top prints a pprof-like table', async () => {
  const r = await run(['top', heap, '--nodes', '4']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines[1], 'Type: inuse_space (bytes)');
  assert.match(lines[2], /^Showing 4 of \d+ functions, accounting for [\d.]+MB, [\d.]+% of 3\.40MB total$/);
  assert.match(lines[3], /^\s+flat\s+flat%\s+sum%\s+cum\s+cum%$/);
  assert.match(lines[4], /^\s*2MB 58\.87% 58\.87%\s+2MB 58\.87% {2}main\.bigBlock$/);
});

test('diff --json equals go tool pprof -top -diff_base, growth first', async () => {
  for (const si of ['alloc_space', 'inuse_space', 'inuse_objects']) {
    const r = await run(['diff', base, heap, '--json', '--sample-index', si]);
    assert.equal(r.code, 0, r.stderr);
    const ours = parseJson(r.stdout);
    const ref = goPprofTop({ base, new: heap }, { sampleIndex: si });
    assert.deepEqual(new Map(ours.functions.map((f) => [f.function, [f.flat, f.cum]])), new Map(ref.rows.map((f) => [f.function, [f.flat, f.cum]])));
    const flats = ours.functions.map((f) => f.flat);
    assert.deepEqual(
      flats,
      [...flats].sort((a, b) => (a === b ? 0 : a > b ? -1 : 1)),
    );
    const baseTop = parseJson((await run(['top', base, '--json', '--sample-index', si])).stdout);
    const newTop = parseJson((await run(['top', heap, '--json', '--sample-index', si])).stdout);
    assert.equal(ours.base, baseTop.total);
    assert.equal(ours.new, newTop.total);
    assert.equal(ours.total, newTop.total - baseTop.total);
  }
});

test('bad files: empty, truncated gzip, truncated protobuf, HTML, oversized, missing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-top-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const gz = readFileSync(heap);
  const raw = gunzipSync(gz);
  const files: Record<string, Uint8Array> = {
    empty: new Uint8Array(0),
    truncgz: gz.subarray(0, 2000),
    truncpb: raw.subarray(0, raw.length - 5),
    html: Buffer.from('<!DOCTYPE html><html><head><title>Sign in</title></head></html>'),
  };
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  assertOneLineError(await run(['top', join(dir, 'empty')]), /expected a pprof profile \(gzip or protobuf\), got an empty input$/);
  assertOneLineError(await run(['top', join(dir, 'truncgz')]), /truncgz: gzip stream truncated at byte 2000$/);
  assertOneLineError(await run(['top', join(dir, 'truncpb')]), /truncpb: pprof protobuf truncated at byte \d+ of \d+$/);
  assertOneLineError(await run(['top', join(dir, 'html')]), /html: expected a pprof profile \(gzip or protobuf\), got an HTML page$/);
  assertOneLineError(await run(['top', heap, '--max-bytes', '1000']), /file is \d+ bytes, past the 1000-byte cap/);
  assertOneLineError(await run(['top', heap, '--max-bytes', '10kB']), /gzip data inflates past the 10240-byte cap/);
  assertOneLineError(await run(['top', join(dir, 'nope')]), /nope: no such file$/);
  assertOneLineError(await run(['diff', join(dir, 'html'), heap]), /html: expected a pprof profile/);
});

test('URLs: fetch, 500, timeout; a --header value never appears in any output', async (t) => {
  const gz = readFileSync(heap);
  const server = createServer((req, res) => {
    if (req.url === '/heap') {
      res.setHeader('content-type', 'application/octet-stream');
      res.end(gz);
    } else if (req.url === '/fail') {
      res.statusCode = 500;
      res.end(`<html><body>bad token ${req.headers.authorization}</body></html>`);
    } else if (req.url === '/echo') {
      res.end(`{"you sent": "${req.headers.authorization}"}`);
    }
    // /hang: never answered
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const auth = ['--header', `Authorization: Bearer ${SECRET}`];
  const runs: Run[] = [];
  const ok = await run(['top', `${url}/heap`, '--json', ...auth]);
  runs.push(ok);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(parseJson(ok.stdout), parseJson((await run(['top', heap, '--json'])).stdout));

  const fail = await run(['top', `${url}/fail`, ...auth]);
  runs.push(fail);
  assertOneLineError(fail, /expected HTTP 200, got HTTP 500 Internal Server Error, body: an HTML page$/);

  const hang = await run(['top', `${url}/hang`, '--timeout', '500ms', ...auth]);
  runs.push(hang);
  assertOneLineError(hang, new RegExp(`${url}/hang: timed out after 0.5s$`));

  const echo = await run(['top', `${url}/echo`, ...auth]);
  runs.push(echo);
  assertOneLineError(echo, /expected a pprof profile \(gzip or protobuf\), got JSON$/);

  const creds = await run(['top', `${url.replace('//', '//bob:hunter2@')}/fail`]);
  runs.push(creds);
  assertOneLineError(creds, new RegExp(`^heapsight: ${url}/fail: `));

  const badHeader = await run(['top', `${url}/heap`, '--header', `NoColon${SECRET}`]);
  runs.push(badHeader);
  assert.equal(badHeader.code, 2);

  for (const r of runs) {
    for (const secret of [SECRET, 'hunter2', Buffer.from('bob:hunter2').toString('base64')]) {
      assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), `secret in output: ${r.stderr}`);
    }
  }
});

test('the package bin (esbuild bundle) prints what the tsc build prints, for top and diff', async () => {
  for (const args of [
    ['top', heap, '--nodes', '0'],
    ['diff', base, heap, '--json'],
    ['top', join(testdata, 'missing.pb.gz')],
  ]) {
    const [a, b] = [await runCliToEnd(args, { entry: 'built' }), await runCliToEnd(args, { entry: 'bundle' })];
    assert.deepEqual(b, a, args.join(' '));
  }
});

test('a reader that closes the pipe early (| head) ends heapsight quietly with status 0', async () => {
  freshBundle();
  const child = spawn(process.execPath, [cli, 'top', heap, '--nodes', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Close our end before heapsight writes anything, so its first write gets EPIPE.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const [code, signal] = (await once(child, 'close')) as [number | null, string | null];
  assert.equal(stderr, '');
  assert.equal(signal, null);
  assert.equal(code, 0);
});
