// Fetch a profile or metrics page over HTTP with the limits a CLI needs: a timeout covering the whole
// exchange, a byte cap enforced while downloading (the connection is aborted, nothing past the cap is
// buffered), and one-line InputErrors. The non-obvious decision: header values (tokens) and URL
// credentials never reach a message. Messages are built from the credential-free URL, and every message
// is also scrubbed of header values in case a server echoes them in its body.

import { InputError, describeBytes, type InputErrorKind } from './input-error.js';

export interface FetchOptions {
  timeoutMs: number;
  headers?: Record<string, string>;
  maxBytes: number;
  accept?: string;
}

export interface FetchResult {
  bytes: Uint8Array;
  contentType: string;
  status: number;
}

/** The URL as it may be shown to a user: user:password@ removed. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//');
  }
}

function scrub(message: string, secrets: string[]): string {
  let out = message;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('[redacted]');
  return out;
}

function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

export async function fetchBytes(url: string, opts: FetchOptions): Promise<FetchResult> {
  const origin = redactUrl(url);
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  const secrets = Object.values(headers);
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new InputError(origin, 'expected an http(s) URL', 'argument');
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new InputError(origin, `expected an http(s) URL, got ${target.protocol}`, 'argument');
  }
  // fetch() refuses URLs with credentials; turn them into Basic auth as curl does.
  if (target.username || target.password) {
    const basic = Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64');
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) headers.Authorization = `Basic ${basic}`;
    secrets.push(basic, decodeURIComponent(target.password), target.password);
    target.username = '';
    target.password = '';
  }
  if (opts.accept && !Object.keys(headers).some((h) => h.toLowerCase() === 'accept')) headers.Accept = opts.accept;
  const fail = (message: string, kind: InputErrorKind, status?: number): InputError => new InputError(origin, scrub(message, secrets), kind, status);

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, opts.timeoutMs);
  try {
    let res: Response;
    try {
      res = await fetch(target, { headers, signal: controller.signal, redirect: 'follow' });
    } catch (err) {
      if (timedOut) throw fail(`timed out after ${formatDuration(opts.timeoutMs)}`, 'timeout');
      const cause = (err as { cause?: NodeJS.ErrnoException }).cause;
      const code = cause?.code;
      if (code === 'ECONNREFUSED') throw fail('connection refused', 'unreachable');
      if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw fail(`host not found (${target.hostname})`, 'unreachable');
      if (isTlsCode(code)) throw fail(`TLS certificate not trusted (${code}); --insecure skips verification`, 'tls');
      throw fail(`request failed (${code ?? cause?.message ?? (err as Error).message})`, 'unreachable');
    }
    const contentType = res.headers.get('content-type') ?? '';
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (res.ok && Number.isFinite(declared) && declared > opts.maxBytes) {
      controller.abort();
      throw fail(`response is ${declared} bytes, past the ${opts.maxBytes}-byte cap (raise --max-bytes if this is expected)`, 'cap');
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    // Non-2xx bodies are read only far enough to describe them.
    const limit = res.ok ? opts.maxBytes : Math.min(opts.maxBytes, 4096);
    if (res.body) {
      const reader = res.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          total += value.length;
          if (total > limit) {
            if (!res.ok) {
              chunks.push(value);
              break;
            }
            throw fail(`response passes the ${opts.maxBytes}-byte cap (raise --max-bytes if this is expected)`, 'cap');
          }
          chunks.push(value);
        }
      } catch (err) {
        if (err instanceof InputError) throw err;
        if (timedOut) throw fail(`timed out after ${formatDuration(opts.timeoutMs)}`, 'timeout');
        throw fail(`connection closed while reading the body after ${total} bytes`, 'unreachable');
      } finally {
        controller.abort();
      }
    }
    const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    if (!res.ok) {
      const body = bytes.length ? `, body: ${describeBytes(bytes)}` : '';
      throw fail(`expected HTTP 200, got HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${body}`, 'http-status', res.status);
    }
    return { bytes, contentType, status: res.status };
  } finally {
    clearTimeout(timer);
  }
}

/** Node's (OpenSSL's) codes for a certificate it does not trust. */
export function isTlsCode(code: string | undefined): boolean {
  return code !== undefined && /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT_ALTNAME_INVALID|ERR_SSL_)/.test(code);
}

export function isUrl(arg: string): boolean {
  return /^https?:\/\//i.test(arg);
}
