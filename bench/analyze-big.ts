// `node --import tsx bench/analyze-big.ts [--cycles 200000]`: wall time and peak RSS of `heapsight analyze`
// (the package's bin bundle, rebuilt when stale) on a generated gctrace log and a generated JSON-lines
// series of that many cycles/samples (src/test-support/big-inputs.ts, fixed seeds). Issue 11's target:
// 200,000 cycles well under 20 s and under 1 GiB; the CI test (src/cli/analyze-big-inputs.test.ts)
// only checks that it ends with a verdict.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freshBundle } from '../src/test-support/cli-run.js';
import { writeBigGctrace, writeBigSamplesJsonl } from '../src/test-support/big-inputs.js';

const { values } = parseArgs({ options: { cycles: { type: 'string', default: '200000' } } });
const count = Number(values.cycles);
const dir = mkdtempSync(join(tmpdir(), 'heapsight-bench-big-'));
try {
  const bin = freshBundle();
  const inputs = [
    { name: 'gctrace', path: join(dir, 'gctrace.log'), write: writeBigGctrace, seed: 7 },
    { name: 'samples.jsonl', path: join(dir, 'samples.jsonl'), write: writeBigSamplesJsonl, seed: 8 },
  ];
  console.log(`| input (${count}) | MB | wall s | peak RSS MiB | exit | verdict |\n|---|---|---|---|---|---|`);
  for (const i of inputs) {
    await i.write(i.path, { count, seed: i.seed });
    const r = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, bin, 'analyze', '--json', i.path], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const [wall, kb] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
    let verdict = '?';
    try {
      verdict = (JSON.parse(r.stdout) as { verdict: string }).verdict;
    } catch {
      verdict = r.stderr.split('\n')[0].slice(0, 80);
    }
    console.log(`| ${i.name} | ${(statSync(i.path).size / 1e6).toFixed(1)} | ${wall.toFixed(2)} | ${Math.round(kb / 1024)} | ${r.status} | ${verdict} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
