// The one HTTP core: profiles, metrics pages and the Prometheus API all go through request(), with the
// limits a CLI needs: a timeout covering the whole exchange (redirects included), a byte cap enforced
// while downloading (the connection is aborted, nothing past the cap is buffered) and again on a gzip
// body's inflated size, TLS verification chosen per request (--insecure), and one-line InputErrors
// with a kind. Built on node:http/https rather than fetch(), whose TLS options are process-wide. The non-obvious decision: header values (tokens) and URL
// credentials never reach a message. Messages are built from the credential-free URL, and every message
// is also scrubbed of header values in case a server echoes them in its body.

import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { InputError, describeBytes, type InputErrorKind } from './input-error.js';

export interface FetchOptions {
  timeoutMs: number;
  headers?: Record<string, string>;
  maxBytes: number;
  accept?: string;
  /** Do not verify the server's TLS certificate (this request only). */
  insecure?: boolean;
}

export interface RequestOptions extends FetchOptions {
  method?: 'GET' | 'POST';
  body?: string;
  /** Ask for and inflate a gzip Content-Encoding (under the same cap). */
  acceptGzip?: boolean;
  /** How far a non-2xx body is read (default 4 KiB: enough to describe it). */
  errorBodyBytes?: number;
  /** More strings that must never appear in a message (tokens the caller put in headers itself). */
  secrets?: string[];
  /** What messages call the URL (default: the URL without credentials). */
  origin?: string;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  contentType: string;
  /** The body (inflated when acceptGzip and the server gzipped it). */
  bytes: Uint8Array;
  /** Bytes received on the wire. */
  wireBytes: number;
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

/**
 * One HTTP exchange with the limits every caller needs. Failures are InputErrors with a kind; a non-2xx
 * answer is returned (its body read at most `errorBodyBytes` far), not thrown: fetchBytes and the
 * Prometheus client each say what a status means to them.
 */
export async function request(url: string, opts: RequestOptions): Promise<HttpResponse> {
  const origin = redactUrl(url);
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new InputError(origin, 'expected an http(s) URL', 'argument');
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new InputError(origin, `expected an http(s) URL, got ${target.protocol}`, 'argument');
  }
  const { headers, secrets } = withCredentials(target, opts.headers ?? {});
  secrets.push(...(opts.secrets ?? []));
  if (opts.accept && !hasHeader(headers, 'accept')) headers.Accept = opts.accept;
  if (opts.acceptGzip && !hasHeader(headers, 'accept-encoding')) headers['Accept-Encoding'] = 'gzip';
  if (opts.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(opts.body));
  const fail = (message: string, kind: InputErrorKind, status?: number): InputError =>
    new InputError(opts.origin ?? origin, scrub(message, secrets), kind, status);

  const deadline = Date.now() + opts.timeoutMs;
  for (let hop = 0; ; hop++) {
    const res = await exchange(target, headers, opts, deadline, fail);
    const location = res.location;
    // Redirects are followed for GET, as fetch() does: a pprof endpoint behind a proxy often answers 301/302.
    if (location === undefined || (opts.method ?? 'GET') !== 'GET') return res.response;
    if (hop === MAX_REDIRECTS) throw fail(`more than ${MAX_REDIRECTS} redirects`, 'http-status', res.response.status);
    const next = new URL(location, target);
    // Credentials go to the origin they were given for, never to another one.
    if (next.origin !== target.origin) for (const h of Object.keys(headers)) if (h.toLowerCase() === 'authorization') delete headers[h];
    target = next;
  }
}

const MAX_REDIRECTS = 5;

function hasHeader(headers: Record<string, string>, lower: string): boolean {
  return Object.keys(headers).some((h) => h.toLowerCase() === lower);
}

/** URL credentials (user:password@) become Basic auth, as curl does; the header values become secrets. */
function withCredentials(target: URL, given: Record<string, string>): { headers: Record<string, string>; secrets: string[] } {
  const headers = { ...given };
  const secrets = Object.values(headers);
  if (target.username || target.password) {
    const basic = Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64');
    if (!hasHeader(headers, 'authorization')) headers.Authorization = `Basic ${basic}`;
    secrets.push(basic, decodeURIComponent(target.password), target.password);
    target.username = '';
    target.password = '';
  }
  return { headers, secrets };
}

// node:http and node:https are required on the first request, not imported: `heapsight top file.pb.gz`
// imports this module (for URLs) but never fetches, and loading https pulls in net, tls and crypto,
// about 15 ms of a 0.2 MB `top`'s CPU time (issue 13; bench/README.md, start-up breakdown).
let lazyRequire: NodeJS.Require | undefined;
function sender(protocol: string): typeof import('node:https').request | typeof import('node:http').request {
  lazyRequire ??= createRequire(import.meta.url);
  return protocol === 'https:'
    ? (lazyRequire('node:https') as typeof import('node:https')).request
    : (lazyRequire('node:http') as typeof import('node:http')).request;
}

function exchange(
  target: URL,
  headers: Record<string, string>,
  opts: RequestOptions,
  deadline: number,
  fail: (message: string, kind: InputErrorKind, status?: number) => InputError,
): Promise<{ response: HttpResponse; location?: string }> {
  const send = sender(target.protocol);
  const timeoutMs = Math.max(1, deadline - Date.now());
  return new Promise((resolve, reject) => {
    let settled = false;
    let ended = false;
    const done = (err: InputError | undefined, value?: { response: HttpResponse; location?: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Stop a download that is cut short (a cap, a truncated error body, a timeout); a finished one
      // keeps its connection for the next request.
      if (!ended) req.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const req = send(target, { method: opts.method ?? 'GET', headers, rejectUnauthorized: !opts.insecure }, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      const location = status >= 300 && status < 400 && status !== 304 ? res.headers.location : undefined;
      if (location !== undefined) {
        ended = true;
        res.resume();
        done(undefined, { response: { status, statusText: res.statusMessage ?? '', contentType: '', bytes: new Uint8Array(0), wireBytes: 0 }, location });
        return;
      }
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (ok && Number.isFinite(declared) && declared > opts.maxBytes) {
        done(fail(`response is ${declared} bytes, past the ${opts.maxBytes}-byte cap (raise --max-bytes if this is expected)`, 'cap'));
        return;
      }
      // Non-2xx bodies are read only far enough to describe them.
      const limit = ok ? opts.maxBytes : Math.min(opts.maxBytes, opts.errorBodyBytes ?? 4096);
      const chunks: Buffer[] = [];
      let total = 0;
      res.on('data', (c: Buffer) => {
        if (settled) return;
        total += c.length;
        if (total > limit) {
          if (ok) done(fail(`response passes the ${opts.maxBytes}-byte cap (raise --max-bytes if this is expected)`, 'cap'));
          else finish(c);
          return;
        }
        chunks.push(c);
      });
      const finish = (last?: Buffer) => {
        if (last) chunks.push(last);
        let bytes: Uint8Array = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        if (opts.acceptGzip && res.headers['content-encoding'] === 'gzip') {
          try {
            bytes = gunzipSync(bytes, { maxOutputLength: opts.maxBytes });
          } catch {
            done(fail(`gzip body could not be inflated (${total} bytes) or passes the ${opts.maxBytes}-byte cap`, 'cap'));
            return;
          }
        }
        done(undefined, {
          response: { status, statusText: res.statusMessage ?? '', contentType: String(res.headers['content-type'] ?? ''), bytes, wireBytes: total },
        });
      };
      res.on('end', () => {
        ended = true;
        finish();
      });
      res.on('error', () => done(fail(`connection closed while reading the body after ${total} bytes`, 'unreachable')));
      res.on('aborted', () => done(fail(`connection closed while reading the body after ${total} bytes`, 'unreachable')));
    });
    const timer = setTimeout(() => done(fail(`timed out after ${formatDuration(opts.timeoutMs)}`, 'timeout')), timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => {
      const code = e.code;
      if (code === 'ECONNREFUSED') done(fail('connection refused', 'unreachable'));
      else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') done(fail(`host not found (${target.hostname})`, 'unreachable'));
      else if (isTlsCode(code)) done(fail(`TLS certificate not trusted (${code}); --insecure skips verification`, 'tls'));
      else if (code === 'ECONNRESET' && settled === false) done(fail('connection closed by the server', 'unreachable'));
      else done(fail(`request failed (${code ?? e.message})`, 'unreachable'));
    });
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** GET a profile or metrics page: the bytes of a 2xx answer; any other status is an 'http-status' InputError. */
export async function fetchBytes(url: string, opts: FetchOptions): Promise<FetchResult> {
  const res = await request(url, { ...opts, method: 'GET' });
  if (res.status < 200 || res.status >= 300) {
    const body = res.bytes.length ? `, body: ${describeBytes(res.bytes)}` : '';
    const secrets = Object.values(opts.headers ?? {});
    throw new InputError(
      redactUrl(url),
      scrub(`expected HTTP 200, got HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${body}`, secrets),
      'http-status',
      res.status,
    );
  }
  return { bytes: res.bytes, contentType: res.contentType, status: res.status };
}

/** Node's (OpenSSL's) codes for a certificate it does not trust. */
export function isTlsCode(code: string | undefined): boolean {
  return code !== undefined && /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT_ALTNAME_INVALID|ERR_SSL_)/.test(code);
}

export function isUrl(arg: string): boolean {
  return /^https?:\/\//i.test(arg);
}
