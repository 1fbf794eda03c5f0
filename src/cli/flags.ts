// Every flag value heapsight parses, parsed here once, with one meaning per unit, and the options that
// several commands declare, declared once. Each parser takes (flag, text) in that order and throws a
// UsageError naming the flag and quoting the text (a header's value is never quoted: it may be a secret).
//
// Units, documented in docs/cli.md:
//   durations  ms, s, m, h, d, w, or a bare number of seconds: 500ms, 30s, 2m, 7d;
//   sizes      B, and k/K, M, G, T with an optional "B" or "iB": all powers of 1024. 1MB = 1MiB = 2^20 bytes,
//              as go tool pprof prints sizes and as GOMEMLIMIT's KiB/MiB/GiB mean them, so a number read
//              off a pprof table or a Go setting means the same here;
//   rates      a size or a count per s, min or h: 1MiB/min, 10MB/h, 100/min (per minute when no "/…").

import type { Command } from 'commander';
import { basename } from 'node:path';
import { UsageError } from './usage-error.js';

const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `500ms`, `5s`, `2m`, `1h`, `7d`, `2w`, or a bare number of seconds → milliseconds (at least 1 ms). */
export function parseDuration(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag} expects a duration like 500ms, 30s, 2m, 1h or 7d, got ${JSON.stringify(text)}`);
  const ms = Number(m[1]) * DURATION_MS[m[2] ?? 's'];
  if (!(ms >= 1)) throw new UsageError(`${flag} must be at least 1ms, got ${JSON.stringify(text)}`);
  return Math.round(ms);
}

/** As parseDuration, but `0` or `none` means "never" (undefined). */
export function parseOptionalDuration(flag: string, text: string): number | undefined {
  return /^(0|none)$/.test(text.trim()) ? undefined : parseDuration(flag, text);
}

/** A duration in seconds (not rounded to a millisecond: Prometheus steps and ranges). */
export function parseSeconds(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag} expects a duration like 90s, 30m, 6h, 7d or 2w, got ${JSON.stringify(text)}`);
  const s = (Number(m[1]) * DURATION_MS[m[2] ?? 's']) / 1000;
  if (!(s > 0)) throw new UsageError(`${flag} must be positive, got ${JSON.stringify(text)}`);
  return s;
}

/** RFC 3339 or Unix seconds → Unix seconds. */
export function parseTime(flag: string, text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`${flag} expects RFC 3339 time (2026-01-01T00:00:00Z) or Unix seconds, got ${JSON.stringify(text)}`);
  return ms / 1000;
}

const SIZE_POWER: Record<string, number> = { '': 0, k: 1, m: 2, g: 3, t: 4 };
const SIZE_RE = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i;

function sizeOf(text: string): number | undefined {
  const m = SIZE_RE.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * 1024 ** SIZE_POWER[m[2].toLowerCase()];
}

/** `512MB`, `1GiB`, `100k`, or a bare number of bytes → bytes (powers of 1024; see the header). */
export function parseByteSize(flag: string, text: string): number {
  const v = sizeOf(text);
  if (v === undefined) throw new UsageError(`${flag} expects a size like 512MiB or 1GiB, got ${JSON.stringify(text)}`);
  const n = Math.floor(v);
  if (n <= 0) throw new UsageError(`${flag} must be positive, got ${JSON.stringify(text)}`);
  return n;
}

const PER_MINUTE: Record<string, number> = { s: 60, sec: 60, second: 60, m: 1, min: 1, minute: 1, h: 1 / 60, hour: 1 / 60 };

function perMinuteFactor(flag: string, text: string, per: string | undefined): number {
  const f = PER_MINUTE[(per ?? 'min').toLowerCase()];
  if (f === undefined) throw new UsageError(`${flag}: unknown time unit "/${per}" in ${JSON.stringify(text)}; use /s, /min or /h`);
  return f;
}

/** `1MiB/min`, `512KiB/min`, `10MB/h`, `2.5MiB` (per minute) → bytes per minute. */
export function parseByteRate(flag: string, text: string): number {
  const m = /^\s*([^/]+?)\s*(?:\/\s*([a-z]+))?\s*$/i.exec(text);
  const size = m ? sizeOf(m[1]) : undefined;
  if (!m || size === undefined) throw new UsageError(`${flag} expects a rate like 1MiB/min, 512KiB/min or 10MB/h, got ${JSON.stringify(text)}`);
  return size * perMinuteFactor(flag, text, m[2]);
}

/** `100/min`, `5/s`, `20` (per minute) → a count per minute. */
export function parseCountRate(flag: string, text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*([a-z]+))?\s*$/i.exec(text);
  if (!m) throw new UsageError(`${flag} expects a rate like 100/min or 5/s, got ${JSON.stringify(text)}`);
  return Number(m[1]) * perMinuteFactor(flag, text, m[2]);
}

/** A number from 0 to 1. */
export function parseConfidence(flag: string, text: string): number {
  const c = Number(text);
  if (!/^\s*\d*\.?\d+\s*$/.test(text) || !(c >= 0 && c <= 1)) throw new UsageError(`${flag} expects a number from 0 to 1, got ${JSON.stringify(text)}`);
  return c;
}

/** A whole number ≥ min. */
export function parseCount(flag: string, text: string, min = 0): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isInteger(n) || n < min)
    throw new UsageError(`${flag} expects a whole number ≥ ${min}, got ${JSON.stringify(text)}`);
  return n;
}

/** An http(s) URL; the message quotes only its last path segment (a URL may carry credentials). */
export function checkUrl(flag: string, value: string | undefined): void {
  if (value === undefined) return;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new UsageError(`${flag} expects an http(s) URL, got ${JSON.stringify(basename(value))}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`${flag} expects an http(s) URL, got ${u.protocol}`);
}

/** One `--header 'Name: value'`. The message names the header, never its value. */
export function parseHeaderFlag(flag: string): { name: string; value: string } {
  const colon = flag.indexOf(':');
  const name = colon < 0 ? '' : flag.slice(0, colon).trim();
  if (colon < 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw new UsageError(`--header expects 'Name: value'${name ? ` (header ${JSON.stringify(name)})` : ''}`);
  }
  return { name, value: flag.slice(colon + 1).trim() };
}

/** Every --header → a header map. */
export function parseHeaders(flags: string[] | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const f of flags ?? []) {
    const { name, value } = parseHeaderFlag(f);
    headers[name] = value;
  }
  return headers;
}

// Options several commands declare, declared once so that their names, help and defaults agree.

const collect = (v: string, acc: string[]): string[] => [...acc, v];

/** --header (repeatable), --insecure, --timeout: how requests to a target are made. */
export function requestOptions(cmd: Command, opts: { timeout: string; timeoutHelp?: string; insecure?: boolean }): Command {
  cmd
    .option('--header <header>', "HTTP header 'Name: value' sent with every request (repeatable; never recorded or printed)", collect, [] as string[])
    .option('--timeout <duration>', opts.timeoutHelp ?? 'per-request timeout', opts.timeout);
  if (opts.insecure !== false) cmd.option('--insecure', 'do not verify TLS certificates');
  return cmd;
}

/** The polling options watch and check share: sample, profile and goroutineleak pacing. */
export function pollingOptions(cmd: Command): Command {
  return cmd
    .option('--interval <duration>', 'time between samples', '5s')
    .option('--profile-interval <duration>', 'time between heap/goroutine profiles', '30s')
    .option('--goroutine-dump-every <n>', 'fetch goroutine?debug=2 every Nth profile round (0: never)', '4')
    .option(
      '--goroutineleak-interval <duration>',
      'time between goroutineleak profiles (Go 1.26+), besides one at start and one at the end; each runs a leak-detection GC in the target (0: only those two)',
      '5m',
    )
    .option(
      '--no-force-gc',
      'never force a GC in the target; by default, when it ran none between two polls, a request for /debug/pprof/heap?gc=1 forces one (at most 36 per watch), so a quiet heap is still seen once a poll early on',
    );
}

/** The text commander gives for pollingOptions and requestOptions' --timeout. */
export interface PollingFlags {
  interval: string;
  profileInterval: string;
  goroutineDumpEvery: string;
  goroutineleakInterval: string;
  timeout: string;
}

/** The pacing of a watch session, parsed from PollingFlags once for every command that polls. */
export function parsePollingFlags(flags: PollingFlags): {
  intervalMs: number;
  profileIntervalMs: number;
  goroutineDebug2Every: number;
  goroutineLeakIntervalMs: number;
  timeoutMs: number;
} {
  return {
    intervalMs: parseDuration('--interval', flags.interval),
    profileIntervalMs: parseDuration('--profile-interval', flags.profileInterval),
    goroutineDebug2Every: parseCount('--goroutine-dump-every', flags.goroutineDumpEvery),
    // 0 or "none": only the goroutineleak profiles at the start and the end.
    goroutineLeakIntervalMs: parseOptionalDuration('--goroutineleak-interval', flags.goroutineleakInterval) ?? 0,
    timeoutMs: parseDuration('--timeout', flags.timeout),
  };
}

/** --duration, --until-verdict, --confidence, --gctrace-log: how long watch and check watch, and with what. */
export function watchingOptions(cmd: Command, duration: { default: string; help: string }): Command {
  return cmd
    .option('--duration <duration>', duration.help, duration.default)
    .option('--until-verdict', 'stop as soon as the running verdict is confident (see --confidence)')
    .option('--confidence <0..1>', 'confidence a verdict needs, twice in a row, for --until-verdict to stop', '0.8')
    .option(
      '--gctrace-log <file>',
      "a file the service's stderr goes to, run with GODEBUG=gctrace=1: its trace lines are copied into the recording as they appear",
    );
}

/** --json, --html FILE, --md FILE: the report outputs every analysing command offers. */
export function reportOptions(cmd: Command, jsonHelp: string): Command {
  return cmd
    .option('--json', jsonHelp)
    .option('--html <file>', 'also write a self-contained HTML report (charts, culprits, growth view; opens offline)')
    .option('--md <file>', 'also write a Markdown summary for tickets and pull requests');
}

/** --work-metric NAME. */
export function workMetricOption(cmd: Command): Command {
  return cmd.option(
    '--work-metric <name>',
    'a cumulative counter of work done (expvar var or Prometheus counter, e.g. http_requests_total) to relate growth to; default: bytes allocated',
  );
}
