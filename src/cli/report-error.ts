// How a failure reaches the user: one line on stderr and an exit code. Bad input (InputError) is the
// user's to fix and exits 4; an error of any other type while reading an input is a bug in heapsight,
// said so, with the input's name so the user can send it, and exits 70 (EX_SOFTWARE in sysexits.h)
// so that a script never takes a heapsight bug for "your file is unreadable".

import { CommanderError } from 'commander';
import { escapeControls, cutText, InputError, MAX_MESSAGE_CHARS } from '../sources/input-error.js';
import { EXIT_INPUT, EXIT_INTERNAL, EXIT_USAGE } from './exit-codes.js';
import { UsageError } from './usage-error.js';

/** An unexpected error (not bad input) while reading or analysing one input. */
export class InternalError extends Error {
  readonly input: string;
  readonly original: unknown;
  /** What heapsight was doing with the input: "reading", "analysing". */
  readonly doing: string;
  constructor(input: string, original: unknown, doing = 'reading') {
    const what = original instanceof Error ? `${original.name}: ${original.message}` : String(original);
    super(what);
    this.name = 'InternalError';
    this.input = input;
    this.original = original;
    this.doing = doing;
  }
}

/**
 * Run `fn`, which reads `input`; an error that is neither bad input nor bad usage becomes an
 * InternalError naming the input. Errors that already name an input pass through.
 */
export async function readingInput<T>(input: string, fn: () => T | Promise<T>, doing = 'reading'): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof InputError || err instanceof UsageError || err instanceof InternalError || err instanceof CommanderError) throw err;
    throw new InternalError(input, err, doing);
  }
}

/** JS engine errors (TypeError, RangeError: stack overflow, invalid length…) and wrapped ones are bugs. */
function isBug(err: unknown): boolean {
  return err instanceof InternalError || (err instanceof Error && err.constructor !== Error && !(err as NodeJS.ErrnoException).code);
}

function oneLine(text: string): string {
  return cutText(escapeControls(text), MAX_MESSAGE_CHARS);
}

/** Turn any failure into one line on stderr and an exit code; stacks only with HEAPSIGHT_DEBUG=1. */
export function reportFailure(err: unknown, stderr: (s: string) => void = (s) => process.stderr.write(s)): number {
  if (err instanceof CommanderError) {
    // Commander has already printed its message (or help/version, which exit 0).
    return err.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  if (err instanceof UsageError) {
    stderr(`heapsight: ${oneLine(err.message)}\n`);
    return EXIT_USAGE;
  }
  if (err instanceof InputError) {
    stderr(`heapsight: ${err.message}\n`);
    return EXIT_INPUT;
  }
  if (!isBug(err)) {
    // A plain Error is how commands report an operational failure ("did not answer within the startup
    // timeout", "already holds a recording"): its message is the line, exit 4 as before.
    const message = err instanceof Error ? err.message : String(err);
    stderr(`heapsight: ${oneLine(message.split('\n')[0])}\n`);
    if (process.env.HEAPSIGHT_DEBUG && err instanceof Error && err.stack) stderr(err.stack + '\n');
    return EXIT_INPUT;
  }
  const input = err instanceof InternalError ? ` while ${err.doing} ${err.input}` : '';
  const original = err instanceof InternalError ? err.original : err;
  const message = original instanceof Error ? `${original.name}: ${original.message}` : String(original);
  const debug = process.env.HEAPSIGHT_DEBUG;
  stderr(
    `heapsight: internal error${input} (a bug in heapsight; please report it${debug ? '' : ', with HEAPSIGHT_DEBUG=1 for the stack'}): ${oneLine(message)}\n`,
  );
  if (debug && original instanceof Error && original.stack) stderr(original.stack + '\n');
  return EXIT_INTERNAL;
}
