// The fuzz suite's CI run: a fixed seed, ~30 s of mutated real captures plus the small generated bombs
// (each a failure class from issue 11). Any outcome but "returned" or "input error" fails the test,
// naming the reproducer file. `npm run fuzz --seconds N` runs longer, with the big bombs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { bombs } from './bombs.js';
import { FAILURE_CLASSES, runFuzz } from './runner.js';

test('fuzzed and generated inputs end as a result or an InputError, in time and memory', { timeout: 120_000 }, async () => {
  const report = await runFuzz({ seconds: 30, seed: 20261203, extra: bombs({ small: true }) });
  const failures = report.failures.map((f) => `${f.cls} ${f.target}: ${f.detail.slice(0, 200)} (reproducer ${f.reproducer})`);
  assert.deepEqual(failures, []);
  for (const c of FAILURE_CLASSES) assert.equal(report.counts[c], 0, c);
  // The run did real work: both fine classes were seen, over many inputs.
  assert.ok(report.counts.returned > 0 && report.counts['input-error'] > 0 && report.inputs > 100, JSON.stringify(report.counts));
  rmSync(report.reproducerDir, { recursive: true, force: true });
});
