// Client for the Prometheus HTTP API (/api/v1/query, query_range, series, labels, label values), as
// served by Prometheus, Thanos Query, Mimir and VictoriaMetrics (same API under a configurable path prefix). Adds what a
// fleet-wide read needs: extra headers and a bearer token (never shown in messages), a timeout per
// request, TLS with an opt-out of verification, gzip, a byte count of everything transferred, and
// splitting of queries the server refuses or only partly answers.
//
// The non-obvious decision: a query is passed as a *template* over an extra label matcher, not as a
// string. When the server refuses a query for one of its limits (SERVER_LIMITS: Prometheus's
// --query.max-samples and 11,000 points per series, VictoriaMetrics's -search.maxSamplesPerQuery,
// maxSamplesPerSeries, maxPointsPerTimeseries, maxUniqueTimeseries and maxQueryLen) the client narrows
// what that limit counts: a range query in time first (halves aligned to the step) where time helps,
// and by instance (an `instance=~"a|b"` matcher inserted into every selector) where fewer series help. A
// partial-response warning (Thanos, Mimir) is retried by instance halves, since a store that times
// out on a big fan-out often answers a smaller one; warnings that persist are kept and reported. Every
// split is recorded in `stats.splits` so the report can say what happened.

import { redactUrl, request } from './http.js';
import { describeBytes, InputError } from './input-error.js';

export interface PrometheusApiOptions {
  /** Base URL of the server, e.g. http://prometheus:9090 or https://thanos.example/ (may include a path). */
  url: string;
  /** Path prefix of the API (e.g. /prometheus for Mimir, or a --web.route-prefix), appended to url. */
  pathPrefix?: string;
  headers?: Record<string, string>;
  bearerToken?: string;
  timeoutMs: number;
  /** Skip TLS certificate verification. */
  insecure?: boolean;
  /** Largest response body accepted, after decompression. */
  maxBytes?: number;
  /** Requests in flight at once. */
  concurrency?: number;
}

export interface MatrixSeries {
  metric: Record<string, string>;
  /** [unix seconds, value] pairs in time order. */
  values: [number, number][];
}

export interface VectorSample {
  metric: Record<string, string>;
  t: number;
  value: number;
}

export type SplitReason = 'too-many-samples' | 'too-many-points' | 'too-many-series' | 'query-too-long' | 'partial-response';

export interface SplitRecord {
  query: string;
  reason: SplitReason;
  by: 'time' | 'instance';
  parts: number;
}

export interface TransferStats {
  requests: number;
  /** Bytes on the wire (compressed when the server gzipped), and after decompression. */
  wireBytes: number;
  bodyBytes: number;
  splits: SplitRecord[];
  /** Warnings the server still returned after splitting (partial responses). */
  warnings: string[];
}

/** A query over an extra label matcher: '' for none, or e.g. `instance=~"a:1|b:2"`. */
export interface SplittableQuery {
  /** Short name for notes (e.g. "live-heap envelope"). */
  name: string;
  expr: (extraMatcher: string) => string;
  /** The instance label values the query covers, for splitting by instance. */
  instances?: string[];
}

/**
 * A server limit a query can be narrowed under: what the refusal says, and which narrowing lowers what
 * the limit counts ('time': fewer steps or raw samples per series; 'instances': fewer series or a shorter
 * query when an instance list is what makes it long; 'either': time first, then instances).
 */
interface ServerLimit {
  reason: Exclude<SplitReason, 'partial-response'>;
  narrow: 'time' | 'instances' | 'either';
  message: RegExp;
}

/** The refusals the client narrows queries for, as Prometheus 2.x and VictoriaMetrics word them. */
export const SERVER_LIMITS: readonly ServerLimit[] = [
  // Prometheus --query.max-samples ("query processing would load too many samples into memory");
  // VictoriaMetrics -search.maxSamplesPerQuery ("cannot select more than -search.maxSamplesPerQuery=N samples").
  { reason: 'too-many-samples', narrow: 'either', message: /too many samples|cannot select more than -search\.maxSamplesPerQuery/i },
  // VictoriaMetrics -search.maxSamplesPerSeries: raw samples scanned per series, lowered by a shorter range.
  { reason: 'too-many-samples', narrow: 'time', message: /cannot process more than \d+ samples per series/i },
  // Prometheus's fixed 11,000 points per series; VictoriaMetrics -search.maxPointsPerTimeseries (30,000 by default).
  { reason: 'too-many-points', narrow: 'time', message: /exceeded maximum resolution of [\d,]+ points|too many points for the given step/i },
  // VictoriaMetrics -search.maxUniqueTimeseries (queries) and -search.maxSeries (/api/v1/series).
  { reason: 'too-many-series', narrow: 'instances', message: /the number of matching (unique )?time ?series exceeds/i },
  // VictoriaMetrics -search.maxQueryLen (16 KiB by default): a long instance list, halved.
  { reason: 'query-too-long', narrow: 'instances', message: /too long query/i },
];

/** An error answer from the API ({status:"error"}), with Prometheus's errorType. */
export class PrometheusApiError extends InputError {
  readonly errorType: string;
  declare readonly status: number;
  constructor(origin: string, status: number, errorType: string, message: string) {
    // VictoriaMetrics puts the status code itself in errorType ("422"): said once.
    super(origin, `HTTP ${status}${errorType === String(status) ? '' : ` ${errorType}`}: ${message}`, 'http-status', status);
    this.errorType = errorType;
  }
  /** The server limit this refusal names, if the client knows how to narrow a query under it. */
  get limit(): ServerLimit | undefined {
    return SERVER_LIMITS.find((l) => l.message.test(this.message));
  }
  get tooManySamples(): boolean {
    return this.limit?.reason === 'too-many-samples';
  }
}

const MAX_SPLIT_DEPTH = 6;

export class PrometheusClient {
  readonly stats: TransferStats = { requests: 0, wireBytes: 0, bodyBytes: 0, splits: [], warnings: [] };
  private readonly base: URL;
  private readonly headers: Record<string, string>;
  private readonly secrets: string[];
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly opts: PrometheusApiOptions) {
    let u: URL;
    try {
      u = new URL(opts.url);
    } catch {
      throw new InputError(redactUrl(opts.url), 'expected an http(s) URL of a Prometheus server');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InputError(redactUrl(opts.url), `expected an http(s) URL, got ${u.protocol}`);
    this.headers = { ...(opts.headers ?? {}) };
    this.secrets = Object.values(this.headers);
    if (u.username || u.password) {
      const basic = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
      this.headers.Authorization ??= `Basic ${basic}`;
      this.secrets.push(basic, decodeURIComponent(u.password));
      u.username = '';
      u.password = '';
    }
    if (opts.bearerToken) {
      this.headers.Authorization = `Bearer ${opts.bearerToken}`;
      this.secrets.push(opts.bearerToken);
    }
    const prefix = (opts.pathPrefix ?? '').replace(/\/+$/, '');
    u.pathname = `${u.pathname.replace(/\/+$/, '')}${prefix && !prefix.startsWith('/') ? '/' : ''}${prefix}`;
    this.base = u;
  }

  /** The API root shown in reports (no credentials). */
  get origin(): string {
    return this.base.toString().replace(/\/$/, '');
  }

  async query(q: SplittableQuery, timeSec: number): Promise<VectorSample[]> {
    return this.runInstant(q, timeSec, '', 0);
  }

  async queryRange(q: SplittableQuery, start: number, end: number, stepSec: number): Promise<MatrixSeries[]> {
    const parts = await this.runRange(q, start, end, stepSec, '', 0);
    return mergeMatrices(parts);
  }

  /** Label sets of the series matching any of the selectors over [start, end]. */
  async series(match: string[], start: number, end: number): Promise<Record<string, string>[]> {
    const form = new URLSearchParams();
    for (const m of match) form.append('match[]', m);
    form.set('start', String(start));
    form.set('end', String(end));
    return (await this.call('series', form)) as Record<string, string>[];
  }

  async labels(match: string[], start: number, end: number): Promise<string[]> {
    const form = new URLSearchParams();
    for (const m of match) form.append('match[]', m);
    form.set('start', String(start));
    form.set('end', String(end));
    return (await this.call('labels', form)) as string[];
  }

  async labelValues(label: string, match: string[], start: number, end: number): Promise<string[]> {
    const params = new URLSearchParams();
    for (const m of match) params.append('match[]', m);
    params.set('start', String(start));
    params.set('end', String(end));
    return (await this.call(`label/${encodeURIComponent(label)}/values`, params, 'GET')) as string[];
  }

  private async runInstant(q: SplittableQuery, time: number, matcher: string, depth: number): Promise<VectorSample[]> {
    const form = new URLSearchParams({ query: q.expr(matcher), time: String(time) });
    try {
      const { data, warnings } = await this.callWithWarnings('query', form);
      const d = data as { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
      if (d.resultType !== 'vector') throw new InputError(this.origin, `expected a vector result for ${q.name}, got ${d.resultType}`);
      const out = d.result.map((r) => ({ metric: r.metric, t: r.value[0], value: Number(r.value[1]) }));
      if (warnings.length && depth < MAX_SPLIT_DEPTH && covered(q, matcher) >= 2) {
        return this.splitInstances(q, matcher, depth, 'partial-response', (m, d2) => this.runInstant(q, time, m, d2)).then((p) => p.flat());
      }
      this.keepWarnings(q, warnings);
      return out;
    } catch (err) {
      const limit = err instanceof PrometheusApiError ? err.limit : undefined;
      if (limit && limit.narrow !== 'time' && depth < MAX_SPLIT_DEPTH && this.instanceSplitHelps(q, matcher, limit)) {
        return (await this.splitInstances(q, matcher, depth, limit.reason, (m, d2) => this.runInstant(q, time, m, d2))).flat();
      }
      throw err;
    }
  }

  private async runRange(q: SplittableQuery, start: number, end: number, step: number, matcher: string, depth: number): Promise<MatrixSeries[][]> {
    const form = new URLSearchParams({ query: q.expr(matcher), start: String(start), end: String(end), step: String(step) });
    const steps = Math.floor((end - start) / step);
    try {
      const { data, warnings } = await this.callWithWarnings('query_range', form);
      const d = data as { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] };
      if (d.resultType !== 'matrix') throw new InputError(this.origin, `expected a matrix result for ${q.name}, got ${d.resultType}`);
      const out: MatrixSeries[] = d.result.map((r) => ({ metric: r.metric, values: r.values.map(([t, v]) => [t, Number(v)] as [number, number]) }));
      if (warnings.length && depth < MAX_SPLIT_DEPTH && covered(q, matcher) >= 2) {
        return (await this.splitInstances(q, matcher, depth, 'partial-response', (m, d2) => this.runRange(q, start, end, step, m, d2))).flat();
      }
      this.keepWarnings(q, warnings);
      return [out];
    } catch (err) {
      const limit = err instanceof PrometheusApiError ? err.limit : undefined;
      if (!limit || depth >= MAX_SPLIT_DEPTH) throw err;
      if (limit.narrow !== 'instances' && steps >= 2) {
        const mid = start + Math.floor(steps / 2) * step;
        this.stats.splits.push({ query: q.name, reason: limit.reason, by: 'time', parts: 2 });
        const [a, b] = await Promise.all([this.runRange(q, start, mid, step, matcher, depth + 1), this.runRange(q, mid + step, end, step, matcher, depth + 1)]);
        return [...a, ...b];
      }
      if (limit.narrow !== 'time' && this.instanceSplitHelps(q, matcher, limit)) {
        return (await this.splitInstances(q, matcher, depth, limit.reason, (m, d2) => this.runRange(q, start, end, step, m, d2))).flat();
      }
      throw err;
    }
  }

  /**
   * Whether halving the instances can lower what the limit counts: there must be two to halve, and for
   * a query too long, the halves' matcher must make the text shorter (a query without an instance list
   * only gets longer with one).
   */
  private instanceSplitHelps(q: SplittableQuery, matcher: string, limit: ServerLimit): boolean {
    const current = matcher ? instancesOf(matcher) : (q.instances ?? []);
    if (current.length < 2) return false;
    if (limit.reason !== 'query-too-long') return true;
    return q.expr(instanceMatcher(current.slice(0, Math.ceil(current.length / 2)))).length < q.expr(matcher).length;
  }

  private async splitInstances<T>(
    q: SplittableQuery,
    matcher: string,
    depth: number,
    reason: SplitReason,
    run: (matcher: string, depth: number) => Promise<T>,
  ): Promise<T[]> {
    const current = matcher ? instancesOf(matcher) : q.instances!;
    if (current.length < 2) return [await run(matcher, MAX_SPLIT_DEPTH)];
    const half = Math.ceil(current.length / 2);
    this.stats.splits.push({ query: q.name, reason, by: 'instance', parts: 2 });
    return Promise.all([current.slice(0, half), current.slice(half)].map((part) => run(instanceMatcher(part), depth + 1)));
  }

  private keepWarnings(q: SplittableQuery, warnings: string[]): void {
    for (const w of warnings) {
      const line = `${q.name}: ${w}`;
      if (!this.stats.warnings.includes(line)) this.stats.warnings.push(line);
    }
  }

  private async call(endpoint: string, form: URLSearchParams, method: 'GET' | 'POST' = 'POST'): Promise<unknown> {
    const { data, warnings } = await this.callWithWarnings(endpoint, form, method);
    for (const w of warnings) if (!this.stats.warnings.includes(`${endpoint}: ${w}`)) this.stats.warnings.push(`${endpoint}: ${w}`);
    return data;
  }

  private async callWithWarnings(endpoint: string, form: URLSearchParams, method: 'GET' | 'POST' = 'POST'): Promise<{ data: unknown; warnings: string[] }> {
    await this.acquire();
    try {
      return await this.exchange(endpoint, form, method);
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < (this.opts.concurrency ?? 4)) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.active++;
        resolve();
      }),
    );
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }

  private scrub(message: string): string {
    let out = message;
    for (const s of this.secrets) if (s) out = out.split(s).join('[redacted]');
    return out;
  }

  private async exchange(endpoint: string, form: URLSearchParams, method: 'GET' | 'POST'): Promise<{ data: unknown; warnings: string[] }> {
    const url = new URL(`${this.base.pathname.replace(/\/$/, '')}/api/v1/${endpoint}`, this.base);
    const body = form.toString();
    if (method === 'GET') url.search = body;
    const origin = redactUrl(`${url.origin}${url.pathname}`);
    const fail = (msg: string) => new InputError(origin, this.scrub(msg));
    const headers: Record<string, string> = { Accept: 'application/json', ...this.headers };
    if (method === 'POST') headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const maxBytes = this.opts.maxBytes ?? 512 * 1024 * 1024;
    const res = await request(url.toString(), {
      method,
      headers,
      body: method === 'POST' ? body : undefined,
      timeoutMs: this.opts.timeoutMs,
      maxBytes,
      insecure: this.opts.insecure,
      acceptGzip: true,
      // An error answer's JSON says why (errorType, error): read it whole.
      errorBodyBytes: maxBytes,
      secrets: this.secrets,
      origin,
    });
    this.stats.requests++;
    this.stats.wireBytes += res.wireBytes;
    this.stats.bodyBytes += res.bytes.length;
    let json: { status?: string; data?: unknown; errorType?: string; error?: string; warnings?: string[] };
    try {
      json = JSON.parse(Buffer.from(res.bytes).toString('utf8'));
    } catch {
      throw fail(`expected a Prometheus API JSON answer, got HTTP ${res.status} with ${describeBytes(res.bytes)}`);
    }
    if (json.status === 'success') return { data: json.data, warnings: json.warnings ?? [] };
    if (json.status === 'error') throw new PrometheusApiError(origin, res.status, json.errorType ?? 'error', this.scrub(json.error ?? 'no message'));
    throw fail(`expected a Prometheus API JSON answer with "status", got HTTP ${res.status}`);
  }
}

/** Escape a value for a PromQL double-quoted string inside a regex matcher. */
export function regexEscape(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function promString(value: string): string {
  return JSON.stringify(value);
}

export function instanceMatcher(instances: string[]): string {
  return `instance=~${promString(instances.map(regexEscape).join('|'))}`;
}

function covered(q: SplittableQuery, matcher: string): number {
  return matcher ? instancesOf(matcher).length : (q.instances?.length ?? 0);
}

function instancesOf(matcher: string): string[] {
  const m = /^instance=~(".*")$/.exec(matcher);
  if (!m) return [];
  const re = JSON.parse(m[1]) as string;
  return re.split(/(?<!\\)\|/).map((v) => v.replace(/\\(.)/g, '$1'));
}

/** Join matrices from split queries: the same series' values concatenated in time order. */
export function mergeMatrices(parts: MatrixSeries[][]): MatrixSeries[] {
  const byKey = new Map<string, MatrixSeries>();
  for (const part of parts) {
    for (const s of part) {
      const key = labelKey(s.metric);
      const cur = byKey.get(key);
      if (cur) for (const v of s.values) cur.values.push(v);
      else byKey.set(key, { metric: s.metric, values: [...s.values] });
    }
  }
  for (const s of byKey.values()) s.values.sort((a, b) => a[0] - b[0]);
  return [...byKey.values()];
}

export function labelKey(labels: Record<string, string>): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

/**
 * Parse a `--selector` such as `{job="api",env!~"dev|test"}` into the text between the braces, to be
 * combined with metric names. A bare `job="api"` is accepted too; a metric name is refused.
 */
export function parseSelector(selector: string | undefined): string {
  const s = (selector ?? '').trim();
  if (!s) return '';
  const m = /^\{(.*)\}$/s.exec(s);
  const inner = (m ? m[1] : s).trim();
  if (/^[a-zA-Z_:][a-zA-Z0-9_:]*\s*\{/.test(s))
    throw new InputError('--selector', `expected label matchers like {job="api"}, got a metric name in ${JSON.stringify(s)}`);
  if (inner && !/^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=~|!~|!=|=)\s*"/.test(inner)) {
    throw new InputError('--selector', `expected label matchers like {job="api"}, got ${JSON.stringify(s)}`);
  }
  return inner.replace(/,\s*$/, '');
}

/** `name{sel,extra}` with empty parts left out. */
export function selectorFor(name: string, ...matchers: string[]): string {
  const parts = matchers.filter((m) => m.trim() !== '');
  return `${name}{${parts.join(',')}}`;
}
