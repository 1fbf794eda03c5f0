// The terminal and JSON renderers on findings from a real recording (src/sources/testdata, captured
// from our Go target) and from a simulated leak: plain text without escape codes unless asked, colour
// when asked, and JSON that parses back with no invalid numbers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { analyzeRecording } from '../analysis/analyze-recording.js';
import { simulatedRecording } from '../test-support/simulated-service.js';
import { readRecordingDir } from '../sources/recording.js';
import { repoRoot } from '../test-support/toolchain.js';
import { toJsonText, renderJson } from './json.js';
import { renderTerminal, sparkline, wrap } from './terminal.js';

const MiB = 1024 * 1024;
const leak = () =>
  analyzeRecording(
    simulatedRecording({ seed: 2, seconds: 180, pollSeconds: 2, rps: () => 50, allocPerRequest: 20 * 1024, live: (_t, r) => 10 * MiB + r * 1024 }),
  );

test('plain text: verdict first, sections by name, no escape codes', () => {
  const text = renderTerminal(leak(), { color: false });
  assert.match(text, /^HEAP LEAK {2}confidence \d+%/);
  for (const h of ['Evidence', 'Memory now: RSS', 'Advice']) assert.ok(text.includes(`\n${h}`), h);
  assert.ok(!text.includes('\u001b['));
  for (const line of text.split('\n')) assert.ok(line.length <= 130, `long line: ${line}`);
});

test('colour only when asked', () => {
  const text = renderTerminal(leak(), { color: true });
  assert.ok(text.startsWith('\u001b[1;31mHEAP LEAK\u001b[0m'));
});

test('a real (short) recording renders as inconclusive with how long to wait', async () => {
  const rec = await readRecordingDir(join(repoRoot, 'src/sources/testdata/recording/target-churn'));
  const f = analyzeRecording(rec);
  const text = renderTerminal(f, { color: false });
  assert.match(text, /^INCONCLUSIVE/);
  assert.match(text, /observe about \d+ s more/);
  const back = JSON.parse(renderJson(f));
  assert.equal(back.verdict, 'inconclusive');
  assert.equal(back.observed.heapProfiles, 4);
});

test('JSON: non-finite numbers become null, bigints exact integers', () => {
  const text = toJsonText({ a: Number.POSITIVE_INFINITY, b: Number.NaN, c: 2n ** 64n, d: 1.5 });
  assert.equal(text, '{\n  "a": null,\n  "b": null,\n  "c": 18446744073709551616,\n  "d": 1.5\n}\n');
});

test('sparkline and wrap', () => {
  assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), '▁▂▃▄▅▆▇█');
  // 1% jitter on a level series stays a level line, not a spike.
  assert.equal(sparkline([100, 101, 100]), '███');
  assert.equal(sparkline([5]), '');
  assert.equal(wrap('a b c d', 5, '  '), '  a b\n  c d');
});
