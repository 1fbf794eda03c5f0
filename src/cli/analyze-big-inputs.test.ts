// `heapsight analyze` on 200,000 GC cycles and on 200,000 JSON-lines samples, generated here with a
// fixed seed (src/test-support/big-inputs.ts): it must finish with a verdict and a clean exit. Before
// issue 11 the first overflowed the stack (a spread into push), then ran for minutes (an O(n²) step
// test in trend.ts), and --html/--md overflowed it again in the report's data. How fast and how much
// memory is measured by bench/analyze-big.ts, not asserted here: the child's deadline only turns a
// hang into a failure with its output instead of a stuck suite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliToEnd } from '../test-support/cli-run.js';
import { writeBigGctrace, writeBigSamplesJsonl } from '../test-support/big-inputs.js';
import { EXIT_OK } from './exit-codes.js';

const CYCLES = 200_000;

for (const kind of ['gctrace', 'samples'] as const) {
  test(`analyze of ${CYCLES} ${kind === 'gctrace' ? 'gctrace cycles' : 'JSON-lines samples'} of a steady leak ends with its verdict`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'heapsight-big-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, kind === 'gctrace' ? 'gctrace.log' : 'samples.jsonl');
    // The generated heap grows 1 MiB per 2,000 steps under ±1 MiB noise and bursts: a leak by construction.
    await (kind === 'gctrace' ? writeBigGctrace : writeBigSamplesJsonl)(path, { count: CYCLES, seed: kind === 'gctrace' ? 7 : 8 });
    // The gctrace run writes the HTML and Markdown reports too: their data overflowed the stack on
    // 200,000 cycles (a spread); once is enough, the samples run would only cost CI time.
    const html = join(dir, 'report.html');
    const md = join(dir, 'report.md');
    const reports = kind === 'gctrace' ? ['--html', html, '--md', md] : [];
    const r = await runCliToEnd(['analyze', '--json', ...reports, path], { timeoutMs: 120_000 });
    assert.equal(r.signal, null, `killed (${r.signal}); stderr: ${r.stderr}`);
    assert.equal(r.stderr, '');
    const findings = JSON.parse(r.stdout) as { verdict: string; observed: { gcCycles: number; samples: number } };
    assert.equal(findings.verdict, 'heap-leak');
    // analyze reports a verdict with exit 0 whatever it is (exit codes for verdicts are check's).
    assert.equal(r.code, EXIT_OK);
    assert.equal(kind === 'gctrace' ? findings.observed.gcCycles : findings.observed.samples, CYCLES);
    if (kind === 'gctrace') {
      assert.match(readFileSync(html, 'utf8'), /^<!doctype html>/i);
      assert.match(readFileSync(md, 'utf8'), /heap leak/i);
    }
  });
}
