// The one error type readers throw for bad input. Its message is the single line a user sees:
// what was read (file or URL, never a header value), what format was expected, and what was found
// ("got an HTML page", "gzip stream truncated at byte 1234"). The CLI prints it without a stack trace.

/**
 * What went wrong, for callers to switch on (never on the message, which is for people and may be
 * reworded): the bytes are not the expected format; the target did not answer (refused, no such
 * host, connection dropped); its TLS certificate is not trusted; it did not answer in time; it
 * answered with a non-2xx status (`status`); the input passes a size cap; a file or process is not
 * there; an argument (URL, selector) is malformed.
 */
export type InputErrorKind = 'format' | 'unreachable' | 'tls' | 'timeout' | 'http-status' | 'cap' | 'missing' | 'argument';

export class InputError extends Error {
  /** File path or URL (credentials stripped) the bad bytes came from. */
  readonly origin: string;
  readonly kind: InputErrorKind;
  /** The HTTP status, for kind 'http-status'. */
  readonly status?: number;

  constructor(origin: string, message: string, kind: InputErrorKind = 'format', status?: number) {
    // The last line of defence for "one clean line": whatever a reader pasted in, control characters
    // are shown escaped and the whole is cut. Readers quote the values they show with `quote()`.
    super(cutText(escapeControls(`${origin}: ${message}`), MAX_MESSAGE_CHARS));
    this.name = 'InputError';
    this.origin = origin;
    this.kind = kind;
    if (status !== undefined) this.status = status;
  }

  /** The message without its "origin: " prefix, for a line that names the origin itself. */
  get problem(): string {
    return this.message.startsWith(`${this.origin}: `) ? this.message.slice(this.origin.length + 2) : this.message;
  }
}

/**
 * The target is down or hung, as opposed to an endpoint that answers wrongly: nothing answered, or
 * not in time, or a server error (5xx) that a restarting service gives. A watch retries these.
 */
export function isOutage(err: { kind: InputErrorKind; status?: number }): boolean {
  return err.kind === 'unreachable' || err.kind === 'tls' || err.kind === 'timeout' || (err.kind === 'http-status' && (err.status ?? 0) >= 500);
}

/** Most characters of an offending value shown in a message: enough to recognise it, not a paste. */
export const MAX_SHOWN_CHARS = 120;
/** Cap on a whole message (origin, expected, found); a long path still leaves room for the rest. */
export const MAX_MESSAGE_CHARS = 1000;

// C0 and C1 controls, DEL, and the two Unicode line separators: each would break the line or drive the
// terminal (ESC sequences). The lone surrogates are left as they are: they print as U+FFFD.
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Control characters shown as Go/C escapes (`\r`, `\x1b`, `\u2028`), so the text stays on one line. */
export function escapeControls(text: string): string {
  return text.replace(CONTROL_RE, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const cp = c.charCodeAt(0);
    return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  });
}

/** The first `max` characters and how many more there were. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/**
 * An offending value from the input, for a message: strings quoted, escaped and cut to
 * MAX_SHOWN_CHARS; other JSON values described without walking them (a 100,000-deep array would
 * overflow the stack of JSON.stringify).
 */
export function quote(value: unknown, max = MAX_SHOWN_CHARS): string {
  if (typeof value === 'string') {
    // Cut before escaping so a 1 GB value costs nothing; escaping can only lengthen what is shown.
    const cut = value.length > max ? value.slice(0, max) : value;
    const shown = escapeControls(cut.replace(/[\\"]/g, (c) => `\\${c}`));
    return value.length > max ? `"${shown}"… (${value.length - max} more characters)` : `"${shown}"`;
  }
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return cutText(String(value), max);
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    return keys.length === 0 ? 'an empty object' : `an object with keys ${cutText(escapeControls(keys.slice(0, 5).join(', ')), max)}`;
  }
  return typeof value;
}

/** Describe what some bytes look like, for "expected X, got Y" messages. */
export function describeBytes(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'an empty input';
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return 'gzip data';
  const head = Buffer.from(bytes.subarray(0, Math.min(bytes.length, 512)))
    .toString('utf8')
    .trimStart()
    .toLowerCase();
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
  if (printable / total > 0.95) return `text starting ${quote(head, 40)}`;
  return 'binary data';
}

/**
 * A uint64 in decimal (a Go time in Unix nanoseconds), as read from input: at most 20 digits. Turning a
 * longer run of digits into a BigInt costs quadratic time (a million digits: about a second per line),
 * and no uint64 has more digits, so the pattern itself bounds the work.
 */
export const UINT64_DECIMAL_RE = /^\d{1,20}$/;
