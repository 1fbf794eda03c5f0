// End-to-end: `heapsight analyze` run as a process (from source through tsx, so no stale dist/), on a
// real recording captured from our Go target, on loose files, and on bad input. stdout is a pipe here,
// so the text output must be plain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from '../../test-support/toolchain.js';
import { runCliToEnd, type CliResult } from '../../test-support/cli-run.js';

function heapsight(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCliToEnd(args, { env });
}

const recording = join(repoRoot, 'src/sources/testdata/recording/target-churn');
const td = (p: string) => join(repoRoot, 'src/sources/testdata', p);

test('analyze --json on a recording prints the findings schema', async () => {
  const r = await heapsight(['analyze', '--json', recording]);
  assert.equal(r.code, 0, r.stderr);
  const f = JSON.parse(r.stdout);
  assert.equal(f.schema, 'heapsight-findings/1');
  assert.equal(f.verdict, 'inconclusive');
  assert.equal(f.observed.samples, 10);
  assert.ok(f.observeMore.seconds > 0);
});

test('analyze prints plain text to a pipe', async () => {
  const r = await heapsight(['analyze', recording]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^INCONCLUSIVE/);
  assert.ok(!r.stdout.includes('\u001b['));
});

test('analyze takes loose files of mixed formats', async () => {
  const r = await heapsight(['analyze', '--json', td('pprof/heap-base.pb.gz'), td('pprof/heap-default.pb.gz'), td('goroutine/debug2.txt'), td('expvar/go1.19-vars.json')]);
  assert.equal(r.code, 0, r.stderr);
  const f = JSON.parse(r.stdout);
  assert.equal(f.observed.heapProfiles, 2);
  assert.equal(f.observed.goroutineProfiles, 1);
  assert.equal(f.observed.samples, 1);
});

test('bad input: one line on stderr, exit 4; no paths: usage error, exit 2', async () => {
  const r = await heapsight(['analyze', td('detect/heap-debug1.txt')]);
  assert.equal(r.code, 4);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^heapsight: .*heap-debug1\.txt: .*debug=1/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  const u = await heapsight(['analyze']);
  assert.equal(u.code, 2);
});
