#!/usr/bin/env node
// heapsight's entry point. Each command lives in commands/<name>.ts and registers itself; a command's
// heavy modules are imported inside its action so that `heapsight top small.pb.gz` pays only for what
// it uses (Node start-up is most of the cost on small profiles).

import { Command } from 'commander';
import { reportFailure } from './report-error.js';
import { registerTop } from './commands/top.js';
import { registerDiff } from './commands/diff.js';
import { registerAnalyze } from './commands/analyze.js';
import { registerDemo } from './commands/demo.js';
import { registerWatch } from './commands/watch.js';
import { registerCheck } from './commands/check.js';
import { registerFleet } from './commands/fleet.js';
import { registerRules } from './commands/rules.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('heapsight')
    .description('Is a Go service leaking memory, or is the runtime just holding freed memory?')
    .version('0.1.0')
    .showHelpAfterError(false)
    .exitOverride();
  registerTop(program);
  registerDiff(program);
  registerAnalyze(program);
  registerDemo(program);
  registerWatch(program);
  registerCheck(program);
  registerFleet(program);
  registerRules(program);
  return program;
}

export { reportFailure };

/** Run the CLI on process.argv (the bundle in dist/bin/ calls this; see scripts/bundle-cli.mjs). */
export async function main(): Promise<void> {
  // `heapsight top … | head` closes the pipe early: stop quietly with status 0, as Unix filters do,
  // instead of an unhandled 'error' event and its stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    process.exitCode = reportFailure(err);
  }
}

// Run only when executed, not when imported by a test.
import { fileURLToPath } from 'node:url';
import { realpathSync } from 'node:fs';
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main();
}
