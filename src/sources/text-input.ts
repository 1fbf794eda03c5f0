// Turn a reader's input (bytes as read or fetched, or text already decoded) into text, with one size
// cap for every text reader. The cap is checked before decoding so that a 1 GB body claiming to be a
// scrape fails with a one-line message instead of a multi-gigabyte string; gzip input is inflated
// under the same cap because users save scrapes and logs compressed.

import { maybeGunzip } from './gzip.js';
import { InputError } from './input-error.js';

/** Default cap for text inputs (scrapes, expvar bodies, gctrace logs). */
export const DEFAULT_MAX_TEXT_BYTES = 256 * 1024 * 1024;

export function textFromInput(input: Uint8Array | string, origin: string, maxBytes = DEFAULT_MAX_TEXT_BYTES): string {
  if (typeof input === 'string') {
    // UTF-16 length ≤ UTF-8 length, so this only rejects inputs that are certainly past the cap.
    if (input.length > maxBytes) {
      throw new InputError(origin, `input is at least ${input.length} bytes, past the ${maxBytes}-byte cap (raise --max-bytes if this is expected)`, 'cap');
    }
    return input;
  }
  const plain = maybeGunzip(input, origin, maxBytes);
  return Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength).toString('utf8');
}

/** The first bytes of an input, for describing what was found instead of the expected format. */
export function headBytes(input: Uint8Array | string, n = 512): Uint8Array {
  if (typeof input === 'string') return Buffer.from(input.slice(0, n), 'utf8');
  return input.subarray(0, n);
}
