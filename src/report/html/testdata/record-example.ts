// Capture a recording of one example service for the report tests:
//   node --import tsx src/report/html/testdata/record-example.ts NAME SECONDS OUTDIR [DELAY_SECONDS]
// Starts examples/NAME, drives its load (example.json), waits DELAY seconds so start-up allocations are
// collected before the first profile, and runs `heapsight watch` with 1 s samples and 10 s profiles.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { driveLoad, startExample } from '../../../test-support/example-service.js';
import { repoRoot } from '../../../test-support/toolchain.js';

const [name, seconds, out, delay = '0'] = process.argv.slice(2);
if (!name || !seconds || !out) throw new Error('usage: record-example.ts NAME SECONDS OUTDIR [DELAY_SECONDS]');
const ex = await startExample(name);
const ac = new AbortController();
try {
  const load = driveLoad(ex.url, ex.spec.load, { durationMs: (Number(seconds) + Number(delay)) * 1000 + 5000, signal: ac.signal });
  await new Promise((r) => setTimeout(r, Number(delay) * 1000));
  const args = ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'watch', ex.url, '--duration', `${seconds}s`, '--interval', '1s', '--profile-interval', '10s', '--out', out];
  const watch = spawn(process.execPath, args, { stdio: 'inherit' });
  await new Promise((r) => watch.once('exit', r));
  ac.abort();
  console.log(await load);
} finally {
  await ex.stop();
}
