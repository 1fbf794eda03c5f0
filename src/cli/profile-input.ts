// Flags and input loading shared by `top` and `diff`: a PROFILE argument is a file or an http(s) URL,
// read under one byte cap. The cap is checked against the file size before reading and enforced while
// downloading, so an oversized input fails fast instead of filling memory. Header values given with
// --header stay inside fetchBytes; nothing here prints them.

import { readFileSync, statSync } from 'node:fs';
import { InputError } from '../sources/input-error.js';
import { fetchBytes, isUrl, parseHeaderFlag, redactUrl } from '../sources/http.js';
import { UsageError } from './usage-error.js';

export const DEFAULT_TIMEOUT = '30s';
export const DEFAULT_MAX_BYTES = '1GiB';

/** "30s", "500ms", "2m", or a bare number of seconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag} expects a duration like 30s, 500ms or 2m, got ${JSON.stringify(text)}`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!;
  if (ms <= 0) throw new UsageError(`${flag} must be positive`);
  return Math.round(ms);
}

/** "512MB", "1GiB", "100k", or a bare number of bytes. kB/MB/GB are powers of 1024, as pprof prints them. */
export function parseByteSize(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`${flag} expects a size like 512MB or 1GiB, got ${JSON.stringify(text)}`);
  const pow = ['', 'k', 'm', 'g', 't'].indexOf(m[2].toLowerCase());
  const n = Math.floor(Number(m[1]) * 1024 ** pow);
  if (n <= 0) throw new UsageError(`${flag} must be positive`);
  return n;
}

export function collectHeader(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

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

export function parseHeaders(flags: string[] | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const f of flags ?? []) {
    try {
      const { name, value } = parseHeaderFlag(f);
      headers[name] = value;
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  return headers;
}

export async function loadInput(arg: string, opts: InputOptions): Promise<LoadedInput> {
  const maxBytes = parseByteSize(opts.maxBytes, '--max-bytes');
  const timeoutMs = parseDuration(opts.timeout, '--timeout');
  const headers = parseHeaders(opts.header);
  if (isUrl(arg)) {
    const { bytes } = await fetchBytes(arg, { timeoutMs, headers, maxBytes, accept: 'application/octet-stream, */*' });
    return { bytes, origin: redactUrl(arg), maxBytes };
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
  try {
    return { bytes: readFileSync(arg), origin: arg, maxBytes };
  } catch (err) {
    throw new InputError(arg, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
