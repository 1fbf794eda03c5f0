// `npm run fuzz [--seconds N] [--seed S] [--no-bombs]`: mutation fuzzing of every reader and of
// analyze's loader (src/test-support/fuzz/). Prints counts by outcome class; exits 1 when any input
// ended in anything but "returned" or "input error", with the path of each reproducer.

import { parseArgs } from 'node:util';
import { bombs } from '../src/test-support/fuzz/bombs.js';
import { FAILURE_CLASSES, runFuzz } from '../src/test-support/fuzz/runner.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    seed: { type: 'string', default: '1' },
    'no-bombs': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const seed = Number(values.seed);
if (!Number.isFinite(seconds) || seconds < 0 || !Number.isInteger(seed)) {
  process.stderr.write('fuzz: --seconds takes a number of seconds, --seed an integer\n');
  process.exit(2);
}
const t0 = Date.now();
const report = await runFuzz({
  seconds,
  seed,
  extra: values['no-bombs'] ? [] : bombs(),
  reproducerDir: values.out,
  log: (line) => process.stderr.write(line + '\n'),
});
const secs = ((Date.now() - t0) / 1000).toFixed(0);
process.stdout.write(`fuzz: ${report.inputs} inputs in ${secs} s (seed ${seed})\n`);
for (const [cls, n] of Object.entries(report.counts)) process.stdout.write(`  ${cls.padEnd(16)} ${n}\n`);
const bad = FAILURE_CLASSES.reduce((s, c) => s + report.counts[c], 0);
if (bad > 0) {
  process.stdout.write(`fuzz: ${bad} failing outcomes; reproducers in ${report.reproducerDir}\n`);
  process.exit(1);
}
