// Command-line wrapper for recording an example by hand or from a script: builds and starts
// examples/<name> with its run spec, prints where it listens, drives the spec's load for the watch
// time, then stops it. Why it exists: a recorder (heapsight watch, curl) needs the service and its
// load running together with one command, and the load must be the same one the tests use.
//
//   node --import tsx src/test-support/run-example.ts <name> [--seconds N] [--gctrace FILE] [--rps-scale X] [-- service args]
//
// Prints "URL http://127.0.0.1:PORT" and "PID n" on stdout as soon as the service listens, then a JSON
// load summary when done. SIGINT/SIGTERM stop the load and the service.

import { writeFileSync } from 'node:fs';
import { driveLoad, loadExampleSpec, startExample } from './example-service.js';

function usage(message: string): never {
  process.stderr.write(`run-example: ${message}\nusage: run-example <name> [--seconds N] [--gctrace FILE] [--rps-scale X] [-- service args]\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  const dashdash = argv.indexOf('--');
  const own = dashdash >= 0 ? argv.slice(0, dashdash) : argv;
  const serviceArgs = dashdash >= 0 ? argv.slice(dashdash + 1) : [];
  const name = own[0];
  if (!name || name.startsWith('-')) usage('missing example name');
  const spec = loadExampleSpec(name);
  let seconds = spec.watchSeconds;
  let gctraceFile: string | undefined;
  let rpsScale = 1;
  for (let i = 1; i < own.length; i += 2) {
    const value = own[i + 1];
    if (value === undefined) usage(`${own[i]} needs a value`);
    if (own[i] === '--seconds') seconds = Number(value);
    else if (own[i] === '--gctrace') gctraceFile = value;
    else if (own[i] === '--rps-scale') rpsScale = Number(value);
    else usage(`unknown option ${own[i]}`);
  }
  if (!(seconds > 0) || !(rpsScale > 0)) usage('--seconds and --rps-scale must be positive numbers');

  const ex = await startExample(name, { args: serviceArgs, gctrace: gctraceFile !== undefined });
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    process.stdout.write(`URL ${ex.url}\nPID ${ex.pid}\n`);
    const result = await driveLoad(
      ex.url,
      { ...spec.load, rps: spec.load.rps * rpsScale },
      {
        durationMs: seconds * 1000,
        signal: abort.signal,
      },
    );
    process.stdout.write(`${JSON.stringify({ example: name, seconds, ...result })}\n`);
  } finally {
    await ex.stop();
    if (gctraceFile) writeFileSync(gctraceFile, ex.stderrLines().join('\n') + '\n');
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`run-example: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
