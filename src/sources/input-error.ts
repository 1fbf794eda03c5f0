// The one error type readers throw for bad input. Its message is the single line a user sees:
// what was read (file or URL, never a header value), what format was expected, and what was found
// ("got an HTML page", "gzip stream truncated at byte 1234"). The CLI prints it without a stack trace.

export class InputError extends Error {
  /** File path or URL (credentials stripped) the bad bytes came from. */
  readonly origin: string;

  constructor(origin: string, message: string) {
    super(`${origin}: ${message}`);
    this.name = 'InputError';
    this.origin = origin;
  }
}

/** Describe what some bytes look like, for "expected X, got Y" messages. */
export function describeBytes(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'an empty input';
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return 'gzip data';
  const head = Buffer.from(bytes.subarray(0, Math.min(bytes.length, 512))).toString('utf8').trimStart().toLowerCase();
  if (head.startsWith('<!doctype html') || head.startsWith('<html') || /<(head|body|title)[\s>]/.test(head)) return 'an HTML page';
  if (head.startsWith('{') || head.startsWith('[')) return 'JSON';
  if (head.startsWith('# help') || head.startsWith('# type')) return 'Prometheus text exposition';
  if (head.startsWith('goroutine profile:') || head.startsWith('goroutine ')) return 'a goroutine text dump';
  if (head.startsWith('heap profile:')) return 'a heap profile in text form (debug=1)';
  if (/^gc \d+ @/.test(head)) return 'a gctrace log';
  // Counted in characters, not bytes: UTF-8 text (a log in French, a name in CJK) is text. Bytes that
  // are not UTF-8 decode to U+FFFD and count against it; so would a sequence cut at byte 512, hence
  // the allowance of 5 %.
  const chars = Buffer.from(bytes.subarray(0, Math.min(bytes.length, 512))).toString('utf8');
  let printable = 0;
  let total = 0;
  for (const ch of chars) {
    total++;
    const c = ch.codePointAt(0)!;
    if (c === 9 || c === 10 || c === 13 || (c >= 32 && c !== 127 && c !== 0xfffd && !(c >= 0x80 && c < 0xa0))) printable++;
  }
  if (printable / total > 0.95) return `text starting ${JSON.stringify(head.slice(0, 40))}`;
  return 'binary data';
}
