import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Findings } from '../analysis/findings.js';
import { analyzeRecording } from '../analysis/analyze-recording.js';
import { readRecordingDir } from '../sources/recording.js';
import { repoRoot } from '../test-support/toolchain.js';
import { gate } from './check-gate.js';

// Real findings (the test target's recording) as the base; each case then sets the verdict and the
// rate the rule under test reads, because the gate's rules are about those fields only.
async function base(): Promise<Findings> {
  return analyzeRecording(await readRecordingDir(join(repoRoot, 'src/sources/testdata/recording/target-churn')));
}

function withVerdict(f: Findings, verdict: Findings['verdict'], rates: Findings['evidence']['rates'], culprit = true): Findings {
  const culprits: Findings['culprits'] = culprit
    ? [
        {
          function: 'main.rememberSession',
          file: '/src/examples/map-leak/main.go',
          line: 60,
          kind: 'heap',
          pattern: 'unbounded-map',
          fix: 'bound the map',
          growth: { delta: 3e6, unit: 'bytes', perMinute: 2.7 * 1048576, monotonicity: 1, share: 1, series: [1, 2, 3] },
          stack: [],
          score: 1,
        },
      ]
    : [];
  return {
    ...f,
    verdict,
    confidence: 0.9,
    culprits,
    evidence: { ...f.evidence, rates },
    observeMore: verdict === 'inconclusive' ? { seconds: 42, reason: 'needs more GC cycles' } : undefined,
  };
}

const MiB = 1048576;

test('a leak verdict fails with the culprit; no-leak passes; inconclusive exits 3 or as configured', async () => {
  const f = await base();
  const leak = gate(withVerdict(f, 'heap-leak', { liveHeapBytesPerMinute: 2.7 * MiB }), {});
  assert.equal(leak.exitCode, 1);
  assert.equal(leak.outcome, 'leak');
  assert.match(leak.details[0], /^culprit: main\.rememberSession \(\/src\/examples\/map-leak\/main\.go:60\), 2\.70 MiB\/min, unbounded-map — bound the map$/);
  assert.equal(leak.cases[0].failure?.type, 'heap-leak');
  assert.equal(leak.cases[1].failure?.type, 'heap-leak', 'heap growth case fails on a heap leak');
  assert.equal(leak.cases[2].failure, undefined, 'goroutine growth case passes');

  const ok = gate(withVerdict(f, 'no-leak', { liveHeapBytesPerMinute: 5 * MiB, goroutinesPerMinute: 100 }, false), {
    heapBytesPerMinute: MiB,
    goroutinesPerMinute: 1,
  });
  assert.equal(ok.exitCode, 0, 'no-leak passes whatever the rates: the growth was judged bounded');
  assert.ok(ok.cases.every((c) => !c.failure && !c.error && !c.skipped));
  assert.match(ok.cases[1].systemOut!, /measured 5\.00 MiB\/min, allowed 1\.00 MiB\/min; verdict no-leak/);

  const unsure = gate(withVerdict(f, 'inconclusive', {}, false), {});
  assert.equal(unsure.exitCode, 3);
  assert.equal(unsure.cases[0].failure?.type, 'inconclusive');
  assert.match(unsure.cases[0].failure!.message, /needs more GC cycles \(observe ~42 s more\)/);
  assert.ok(unsure.cases[1].skipped && unsure.cases[2].skipped);
  const lenient = gate(withVerdict(f, 'inconclusive', {}, false), {}, { inconclusiveExit: 0 });
  assert.equal(lenient.exitCode, 0);
  assert.equal(lenient.cases[0].failure, undefined);
  assert.ok(lenient.cases[0].skipped);
});

test('allowances let a slow leak of the same kind pass, never another kind, never an unmeasured one', async () => {
  const f = await base();
  const slow = gate(withVerdict(f, 'heap-leak', { liveHeapBytesPerMinute: 0.5 * MiB }), { heapBytesPerMinute: MiB });
  assert.equal(slow.exitCode, 0);
  assert.match(slow.details[0], /heap-leak at 512 KiB\/min is within --max-heap-growth 1\.00 MiB\/min: passes/);
  const fast = gate(withVerdict(f, 'heap-leak', { liveHeapBytesPerMinute: 2 * MiB }), { heapBytesPerMinute: MiB });
  assert.equal(fast.exitCode, 1);
  assert.match(fast.cases[1].failure!.message, /2\.00 MiB\/min exceeds --max-heap-growth 1\.00 MiB\/min/);
  // A goroutine leak is not excused by a heap allowance.
  const g = gate(withVerdict(f, 'goroutine-leak', { goroutinesPerMinute: 1200, liveHeapBytesPerMinute: 0 }), { heapBytesPerMinute: 100 * MiB });
  assert.equal(g.exitCode, 1);
  assert.equal(g.cases[2].failure?.type, 'goroutine-leak');
  assert.equal(g.cases[1].failure, undefined);
  assert.equal(gate(withVerdict(f, 'goroutine-leak', { goroutinesPerMinute: 3 }), { goroutinesPerMinute: 10 }).exitCode, 0);
  // Off-heap growth is measured by the non-Go RSS rate against the memory allowance.
  assert.equal(gate(withVerdict(f, 'off-heap-growth', { nonGoBytesPerMinute: 9 * MiB, liveHeapBytesPerMinute: 0 }), { heapBytesPerMinute: MiB }).exitCode, 1);
  assert.equal(gate(withVerdict(f, 'off-heap-growth', { nonGoBytesPerMinute: 0.2 * MiB }), { heapBytesPerMinute: MiB }).exitCode, 0);
  // No rate measured: it cannot be shown to be within the allowance.
  assert.equal(gate(withVerdict(f, 'heap-leak', {}), { heapBytesPerMinute: MiB }).exitCode, 1);
});
