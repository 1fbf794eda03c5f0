// A command's result onto standard output without process.stdout. Node creates that stream on first
// access, and for a pipe or a terminal (where output goes outside a benchmark's /dev/null) it is a
// net.Socket or tty.WriteStream: loading net, tty and their stream machinery was ~5 ms CPU of a
// 0.2 MB `heapsight top` of ~130 ms (issue 13, bench/README.md, start-up). A blocking write(2) on fd 1
// is what Node does for pipes and files on Linux anyway, so the bytes and their order are the same.
// `heapsight top … | head`: a reader that closes the pipe early gets the quiet exit with status 0 that
// main.ts gives process.stdout's EPIPE, so the two paths behave alike.

import { writeSync } from 'node:fs';

/** Node's error codes for an fd that would block (a non-blocking pipe another process set up). */
const WOULD_BLOCK = new Set(['EAGAIN', 'EWOULDBLOCK']);

/** Write `text` to fd 1 synchronously, falling back to process.stdout when the fd would block. */
export function writeStdout(text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let off = 0;
  try {
    while (off < bytes.length) off += writeSync(1, bytes, off, bytes.length - off);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'EPIPE') process.exit(0);
    if (!WOULD_BLOCK.has(code)) throw err;
    // The stream queues what the fd does not take now and writes it as the fd drains.
    process.stdout.write(bytes.subarray(off));
  }
}

/** Handlers waiting for process.stdout to be created; undefined once it was (or they were attached). */
let pending: ((err: NodeJS.ErrnoException) => void)[] | undefined;

/**
 * Call `onError` for errors on process.stdout, without creating the stream now: the handler is attached
 * when something first reads process.stdout (commander's help, a command that streams progress).
 */
export function onStdoutError(onError: (err: NodeJS.ErrnoException) => void): void {
  if (pending) {
    pending.push(onError);
    return;
  }
  const own = Object.getOwnPropertyDescriptor(process, 'stdout');
  if (!own?.get || !own.configurable) {
    process.stdout.on('error', onError); // not Node's lazy getter: attach as usual
    return;
  }
  const get = own.get;
  const handlers = (pending = [onError]);
  Object.defineProperty(process, 'stdout', {
    configurable: true,
    enumerable: own.enumerable,
    get() {
      Object.defineProperty(process, 'stdout', own);
      pending = undefined;
      const stream = get.call(process) as NodeJS.WriteStream;
      for (const h of handlers) stream.on('error', h);
      return stream;
    },
  });
}
