// `heapsight demo` end-to-end (from source through tsx) on an examples folder built in a temp dir from
// a real recording of our Go target, so the test does not depend on which bundled recordings exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../test-support/toolchain.js';
import { runCliToEnd } from '../../test-support/cli-run.js';
import { findExamplesDir, listExampleRecordings } from './demo.js';

const heapsight = (args: string[]) => runCliToEnd(args);

function fakeExamples(): string {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-demo-'));
  for (const [name, verdict] of [
    ['churn-a', 'inconclusive'],
    ['churn-b', 'no-leak'],
  ] as const) {
    mkdirSync(join(dir, name));
    cpSync(join(repoRoot, 'src/sources/testdata/recording/target-churn'), join(dir, name, 'recording'), { recursive: true });
    writeFileSync(join(dir, name, 'example.json'), JSON.stringify({ name, description: 'test', expect: { verdict, culprit: null } }));
  }
  mkdirSync(join(dir, 'no-recording'));
  return dir;
}

test('the bundled examples folder is found from the module', () => {
  assert.equal(findExamplesDir(), join(repoRoot, 'examples'));
});

test('demo lists every example with a recording, verdict next to the ground truth', async (t) => {
  const dir = fakeExamples();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.deepEqual(
    listExampleRecordings(dir).map((e) => e.name),
    ['churn-a', 'churn-b'],
  );
  const r = await heapsight(['demo', '--examples', dir]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[0], /^example\s+expected\s+verdict\s+conf\s+top culprit$/);
  assert.match(lines[1], /^churn-a\s+inconclusive\s+✓ inconclusive\s+\d+%/);
  assert.match(lines[2], /^churn-b\s+no-leak\s+✗ inconclusive/);
  assert.match(r.stdout, /1 of 2 verdicts match/);
});

test('demo NAME prints the full report; an unknown name is a usage error', async (t) => {
  const dir = fakeExamples();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = await heapsight(['demo', '--examples', dir, 'churn-a', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).schema, 'heapsight-findings/1');
  const u = await heapsight(['demo', '--examples', dir, 'nope']);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /no example named "nope"; have: churn-a, churn-b/);
});
