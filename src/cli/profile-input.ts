// Flags and input loading shared by `top` and `diff`: a PROFILE argument is a file or an http(s) URL,
// read under one byte cap. The cap is checked against the file size before reading and enforced while
// downloading, so an oversized input fails fast instead of filling memory. Header values given with
// --header stay inside fetchBytes; nothing here prints them.

import { readFileSync, statSync } from 'node:fs';
import { InputError } from '../sources/input-error.js';
import { fetchBytes, isUrl, redactUrl } from '../sources/http.js';
import { gunzipWithinCap } from '../sources/gzip.js';
import { parseByteSize, parseDuration, parseHeaders } from './flags.js';
import { UsageError } from './usage-error.js';

export const DEFAULT_TIMEOUT = '30s';
export const DEFAULT_MAX_BYTES = '1GiB';

export interface InputOptions {
  timeout: string;
  maxBytes: string;
  header?: string[];
}

export interface LoadedInput {
  bytes: Uint8Array;
  /** What to call the input in messages: the path, or the URL without credentials. */
  origin: string;
  maxBytes: number;
}

export async function loadInput(arg: string, opts: InputOptions): Promise<LoadedInput> {
  const maxBytes = parseByteSize('--max-bytes', opts.maxBytes);
  const timeoutMs = parseDuration('--timeout', opts.timeout);
  const headers = parseHeaders(opts.header);
  if (isUrl(arg)) {
    const { bytes } = await fetchBytes(arg, { timeoutMs, headers, maxBytes, accept: 'application/octet-stream, */*' });
    const origin = redactUrl(arg);
    return { bytes: await gunzipWithinCap(bytes, origin, maxBytes), origin, maxBytes };
  }
  if (opts.header?.length) throw new UsageError('--header applies to URLs only');
  let size: number;
  try {
    const st = statSync(arg);
    if (st.isDirectory()) throw new InputError(arg, 'expected a profile file, got a directory');
    size = st.size;
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(arg, code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? (err as Error).message})`, 'missing');
  }
  if (size > maxBytes) {
    throw new InputError(arg, `file is ${size} bytes, past the ${maxBytes}-byte cap (raise --max-bytes if this is expected)`, 'cap');
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(arg);
  } catch (err) {
    throw new InputError(arg, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  // Inflated here, where waiting is allowed, so the cap holds before the output is kept (gzip.ts).
  return { bytes: await gunzipWithinCap(bytes, arg, maxBytes), origin: arg, maxBytes };
}
