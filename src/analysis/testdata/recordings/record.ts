// Re-captures the recordings in this folder from the real example services (examples/<name>/):
// starts the service with GODEBUG=gctrace=1, drives its load from example.json for watchSeconds, records
// it with `heapsight watch --interval 2s --profile-interval 15s`, and saves the service's stderr as
// gctrace.log. Run from the repository root:
//   node --import tsx src/analysis/testdata/recordings/record.ts <example> [seconds] [outDir]
// The committed copies keep samples.jsonl, events.jsonl, recording.json, gctrace.log and the goroutine
// protobuf profiles (heap profiles and debug=2 dumps are left out to keep the folder small).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { driveLoad, loadExampleSpec, startExample } from '../../../test-support/example-service.js';
import { repoRoot } from '../../../test-support/toolchain.js';

const name = process.argv[2];
if (!name) throw new Error('usage: record.ts <example> [seconds] [outDir]');
const spec = loadExampleSpec(name);
const seconds = Number(process.argv[3] ?? spec.watchSeconds);
const out = process.argv[4] ?? join('/tmp/heapsight-recordings', name);
const ex = await startExample(name, { gctrace: true });
try {
  const ac = new AbortController();
  const load = driveLoad(ex.url, spec.load, { durationMs: seconds * 1000 + 3000, signal: ac.signal });
  const watch = spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'watch', ex.url, '--interval', '2s', '--profile-interval', '15s', '--duration', `${seconds}s`, '--out', out],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  await new Promise((resolve) => watch.on('close', resolve));
  ac.abort();
  const result = await load;
  writeFileSync(join(out, 'gctrace.log'), ex.stderrLines().join('\n') + '\n');
  console.log(`${name}: ${JSON.stringify(result)} → ${out}`);
} finally {
  await ex.stop();
}
