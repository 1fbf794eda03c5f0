#!/usr/bin/env node
// heapsight's entry point. Each command lives in commands/<name>.ts and registers itself; a command's
// heavy modules are imported inside its action so that `heapsight top small.pb.gz` pays only for what
// it uses (Node start-up is most of the cost on small profiles).

import { Command } from 'commander';
import { reportFailure } from './report-error.js';
import { onStdoutError } from './stdout.js';

type Register = (program: Command) => void;

/**
 * Each command's module, loaded only when that command runs (or for help and usage errors, which list
 * them all). In the bundle a dynamically imported module is a lazily initialised section, so
 * `heapsight top` does not initialise watch's, fleet's or demo's modules and what they import.
 * The order here is the order `--help` lists them in.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  top: async () => (await import('./commands/top.js')).registerTop,
  diff: async () => (await import('./commands/diff.js')).registerDiff,
  analyze: async () => (await import('./commands/analyze.js')).registerAnalyze,
  demo: async () => (await import('./commands/demo.js')).registerDemo,
  watch: async () => (await import('./commands/watch.js')).registerWatch,
  check: async () => (await import('./commands/check.js')).registerCheck,
  fleet: async () => (await import('./commands/fleet.js')).registerFleet,
  rules: async () => (await import('./commands/rules.js')).registerRules,
};

/**
 * The program with the commands `args` (process.argv without node and the script) can reach: only the
 * named one when the first argument names a command and help is not asked for, else all of them.
 */
export async function buildProgram(args: string[] = process.argv.slice(2)): Promise<Command> {
  const program = new Command();
  program
    .name('heapsight')
    .description('Is a Go service leaking memory, or is the runtime just holding freed memory?')
    .version('0.1.0')
    .showHelpAfterError(false)
    .exitOverride();
  const first = args[0];
  const only = first !== undefined && Object.hasOwn(COMMANDS, first) && !args.includes('--help') && !args.includes('-h') ? [first] : Object.keys(COMMANDS);
  const registers = await Promise.all(only.map((name) => COMMANDS[name]()));
  for (const register of registers) register(program);
  return program;
}

export { reportFailure };

/** Run the CLI on process.argv (the bundle in dist/bin/ calls this; see scripts/bundle-cli.mjs). */
export async function main(): Promise<void> {
  // `heapsight top … | head` closes the pipe early: stop quietly with status 0, as Unix filters do,
  // instead of an unhandled 'error' event and its stack trace. (Attached when the stream is first used:
  // top and diff write through writeStdout and never create it; see stdout.ts.)
  onStdoutError((err) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  try {
    await (await buildProgram(process.argv.slice(2))).parseAsync(process.argv);
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
