// Test-only load command for `heapsight check --load`: drives an example's own load spec
// (examples/<name>/example.json) against a URL until its duration ends or it is signalled, the way a
// user's load script would run beside the service. Usage:
//   node --import tsx src/cli/e2e/drive-load.ts <example> <url> <seconds>
// The URL defaults to $HEAPSIGHT_URL, which check sets for its --load command.

import { driveLoad, loadExampleSpec } from '../../test-support/example-service.js';

const [name, urlArg, secondsArg] = process.argv.slice(2);
const url = urlArg && urlArg !== '-' ? urlArg : process.env.HEAPSIGHT_URL;
const seconds = Number(secondsArg ?? 600);
if (!name || !url || !(seconds > 0)) {
  process.stderr.write('usage: drive-load.ts <example> <url|-> <seconds>\n');
  process.exit(2);
}
const spec = loadExampleSpec(name);
const ac = new AbortController();
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => ac.abort());
const r = await driveLoad(url, spec.load, { durationMs: seconds * 1000, signal: ac.signal });
process.stdout.write(`${name}: ${r.requests} requests, ${r.bursts} bursts, ${r.errors} errors\n`);
