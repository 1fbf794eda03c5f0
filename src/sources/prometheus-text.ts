// Reader for a /metrics scrape: the Prometheus text exposition format 0.0.4 and OpenMetrics 1.0, and
// the mapping of a Go service's series onto MemorySample (source 'prometheus').
//
// The non-obvious decision: families are a list, not a map keyed by name. OpenMetrics names a counter
// family without `_total`, so client_golang's gauge `go_memstats_alloc_bytes` and counter
// `go_memstats_alloc_bytes_total` both arrive as `# TYPE go_memstats_alloc_bytes ...` (seen in our
// captures); lookups therefore go by *sample* name, which is unambiguous in both formats.
//
// Mapping (first name present wins; sums are the identities client_golang itself uses to synthesise
// go_memstats_* from runtime/metrics, checked against our captures):
//   heapAlloc     go_memstats_heap_alloc_bytes | go_memstats_alloc_bytes | go_memory_classes_heap_objects_bytes
//   heapInuse     go_memstats_heap_inuse_bytes | memory_classes heap_objects + heap_unused
//   heapIdle      go_memstats_heap_idle_bytes  | memory_classes heap_free + heap_released
//   heapSys       go_memstats_heap_sys_bytes   | heapInuse + heapIdle (from memory_classes)
//   heapReleased  go_memstats_heap_released_bytes | go_memory_classes_heap_released_bytes
//   heapObjects   go_memstats_heap_objects | go_gc_heap_objects_objects
//   stackInuse    go_memstats_stack_inuse_bytes | go_memory_classes_heap_stacks_bytes
//   stackSys      go_memstats_stack_sys_bytes | heap_stacks + os_stacks
//   mspan*/mcache* go_memstats_m{span,cache}_{inuse,sys}_bytes | metadata_m{span,cache}_inuse (+ _free for sys)
//   buckHashSys   go_memstats_buck_hash_sys_bytes | go_memory_classes_profiling_buckets_bytes
//   gcSys         go_memstats_gc_sys_bytes | go_memory_classes_metadata_other_bytes
//   otherSys      go_memstats_other_sys_bytes | go_memory_classes_other_bytes
//   sys           go_memstats_sys_bytes | go_memory_classes_total_bytes
//   totalAlloc    go_memstats_alloc_bytes_total | go_gc_heap_allocs_bytes_total
//   mallocs/frees go_memstats_{mallocs,frees}_total | go_gc_heap_{allocs,frees}_objects_total + go_gc_heap_tiny_allocs_objects_total
//   nextGC/heapGoal go_memstats_next_gc_bytes / go_gc_heap_goal_bytes (each falls back on the other)
//   liveHeap      go_gc_heap_live_bytes (Go 1.21+ only; never guessed from other series)
//   numGC         go_gc_cycles_total_gc_cycles_total | go_gc_duration_seconds_count
//   numForcedGC   go_gc_cycles_forced_gc_cycles_total
//   lastGCUnixNanos go_memstats_last_gc_time_seconds (decimal text → exact bigint of what was printed)
//   pauseTotalNs  go_gc_duration_seconds_sum × 1e9
//   gcCpuFraction go_memstats_gc_cpu_fraction (only old collectors export it)
//   gogcPercent   go_gc_gogc_percent (uint64(-1) for GOGC=off → -1, Go's own spelling of "off")
//   memoryLimitBytes go_gc_gomemlimit_bytes (math.MaxInt64 when unset, kept as printed)
//   goroutines    go_goroutines | go_sched_goroutines_goroutines;  threads go_threads
//   goVersion     go_info{version}
//   rss, processStartSeconds, openFds, cpuSeconds, vmSize: process_resident_memory_bytes,
//                 process_start_time_seconds, process_open_fds, process_cpu_seconds_total,
//                 process_virtual_memory_bytes — also under one `<ns>_process_` prefix (client_golang's Namespace option)
//   work          --work-metric NAME: sum over NAME's label sets (NAME_total if only that exists)

import type { MemorySample } from '../model/memory.js';
import { describeBytes, InputError, quote } from './input-error.js';
import { DEFAULT_MAX_TEXT_BYTES, textFromInput } from './text-input.js';

export type MetricType = 'counter' | 'gauge' | 'summary' | 'histogram' | 'gaugehistogram' | 'stateset' | 'info' | 'untyped' | 'unknown';

export interface ExpositionSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** The value as printed, for exact conversions (e.g. seconds → bigint nanoseconds). */
  valueText: string;
  /** Unix milliseconds, when the line carries a timestamp. */
  timestampMs?: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  unit?: string;
  samples: ExpositionSample[];
}

export interface Exposition {
  format: 'text-0.0.4' | 'openmetrics-1.0';
  families: MetricFamily[];
}

export interface ExpositionOptions {
  /** Response Content-Type, when known: `application/openmetrics-text` makes a missing `# EOF` an error. */
  contentType?: string;
  maxBytes?: number;
}

const TYPES = new Set<string>(['counter', 'gauge', 'summary', 'histogram', 'gaugehistogram', 'stateset', 'info', 'untyped', 'unknown']);
const SUFFIXES = ['_total', '_created', '_sum', '_count', '_bucket', '_gsum', '_gcount', '_info'];
const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const FLOAT_RE = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;

function parseFloatStrict(s: string): number | undefined {
  if (!FLOAT_RE.test(s)) return undefined;
  const lower = s.toLowerCase().replace(/^\+/, '');
  if (lower === 'nan') return NaN;
  if (lower === 'inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  return Number(s);
}

function clip(s: string): string {
  return quote(s, 60);
}

class LineError extends Error {}

/** Parse a double-quoted label value starting at `i` (just after the quote); returns value and next index. */
function readQuoted(line: string, i: number): [string, number] {
  let out = '';
  while (i < line.length) {
    const c = line[i];
    if (c === '"') return [out, i + 1];
    if (c === '\\') {
      const n = line[i + 1];
      if (n === 'n') out += '\n';
      else if (n === '\\' || n === '"') out += n;
      else if (n === undefined) break;
      else out += `\\${n}`; // unknown escapes are kept verbatim, as the Go parser does
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
  throw new LineError('unterminated quoted string');
}

interface ParsedLine {
  name: string;
  labels: Record<string, string>;
  valueText: string;
  value: number;
  timestampText?: string;
}

function parseSampleLine(line: string): ParsedLine {
  let i = 0;
  let name = '';
  const labels: Record<string, string> = {};
  const m = NAME_RE.exec(line);
  if (m) {
    name = m[0];
    i = name.length;
  } else if (line[0] !== '{') {
    throw new LineError('expected a metric name');
  }
  while (line[i] === ' ' || line[i] === '\t') i++;
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      let key: string;
      if (line[i] === '"') {
        // UTF-8 names (newer formats): a quoted string; without `=` after it, it is the metric name.
        [key, i] = readQuoted(line, i + 1);
        while (line[i] === ' ') i++;
        if (line[i] !== '=') {
          if (name) throw new LineError('metric name given twice');
          name = key;
          if (line[i] === ',') i++;
          continue;
        }
      } else {
        const lm = LABEL_RE.exec(line.slice(i));
        if (!lm) throw new LineError('expected a label name');
        key = lm[0];
        i += key.length;
        while (line[i] === ' ') i++;
      }
      if (line[i] !== '=') throw new LineError(`expected = after label ${key}`);
      i++;
      while (line[i] === ' ') i++;
      if (line[i] !== '"') throw new LineError(`expected a quoted value for label ${key}`);
      let value: string;
      [value, i] = readQuoted(line, i + 1);
      labels[key] = value;
      while (line[i] === ' ') i++;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') throw new LineError('expected , or } in the label set');
    }
  }
  if (!name) throw new LineError('expected a metric name');
  // Exemplars (OpenMetrics) follow ` # `; they are not needed and are dropped.
  let rest = line.slice(i);
  const ex = rest.indexOf(' # ');
  if (ex >= 0) rest = rest.slice(0, ex);
  const parts = rest.trim().split(/[ \t]+/);
  if (parts.length === 0 || parts[0] === '') throw new LineError('expected a value after the metric name');
  if (parts.length > 2) throw new LineError('unexpected text after the value and timestamp');
  const value = parseFloatStrict(parts[0]);
  if (value === undefined) throw new LineError(`expected a number, got ${clip(parts[0])}`);
  return { name, labels, valueText: parts[0], value, timestampText: parts[1] };
}

function familyNameOf(sampleName: string, current: MetricFamily | undefined): boolean {
  if (!current) return false;
  if (sampleName === current.name) return true;
  for (const s of SUFFIXES) if (sampleName === current.name + s) return true;
  return false;
}

function describeText(text: string): string {
  return describeBytes(Buffer.from(text.slice(0, 512), 'utf8'));
}

/** Parse a text-format (0.0.4) or OpenMetrics scrape body. */
export function parseExposition(input: Uint8Array | string, origin: string, opts: ExpositionOptions = {}): Exposition {
  const text = textFromInput(input, origin, opts.maxBytes ?? DEFAULT_MAX_TEXT_BYTES);
  const first = text.trimStart();
  if (first.length === 0) throw new InputError(origin, 'expected Prometheus text exposition, got an empty input');
  if (first[0] === '<' || first[0] === '{' || first[0] === '[') {
    throw new InputError(origin, `expected Prometheus text exposition, got ${describeText(text)}`);
  }
  const families: MetricFamily[] = [];
  let current: MetricFamily | undefined;
  let sawEof = false;
  let openMetricsHints = /openmetrics/i.test(opts.contentType ?? '');
  const lines = text.split('\n');
  const endsWithNewline = text.endsWith('\n');
  const lineCount = endsWithNewline ? lines.length - 1 : lines.length;

  const familyFor = (name: string, declare: boolean): MetricFamily => {
    if (current && current.name === name && (!declare || current.samples.length === 0)) return current;
    current = { name, type: 'untyped', samples: [] };
    families.push(current);
    return current;
  };

  for (let idx = 0; idx < lineCount; idx++) {
    const lineNo = idx + 1;
    const line = lines[idx].endsWith('\r') ? lines[idx].slice(0, -1) : lines[idx];
    const isLast = idx === lineCount - 1;
    if (sawEof) {
      if (line.trim() === '') continue;
      throw new InputError(origin, `OpenMetrics exposition has content after # EOF at line ${lineNo}`);
    }
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE|UNIT)\s+(\S+)(?:\s(.*))?$/.exec(line);
      if (line.trim() === '# EOF') {
        sawEof = true;
        openMetricsHints = true;
        continue;
      }
      if (!m) continue; // an ordinary comment
      if (!endsWithNewline && isLast) throw new InputError(origin, `Prometheus text exposition truncated at line ${lineNo} (no newline at the end)`);
      const [, kind, name, arg = ''] = m;
      const fam = familyFor(name, true);
      if (kind === 'HELP') fam.help = arg.replace(/\\(n|\\|")/g, (_, c: string) => (c === 'n' ? '\n' : c));
      else if (kind === 'UNIT') {
        fam.unit = arg.trim();
        openMetricsHints = true;
      } else {
        const t = arg.trim().toLowerCase();
        if (!TYPES.has(t)) throw new InputError(origin, `line ${lineNo}: unknown metric type ${clip(arg.trim())} for ${name}`);
        fam.type = t as MetricType;
      }
      continue;
    }
    let parsed: ParsedLine;
    try {
      parsed = parseSampleLine(line);
    } catch (err) {
      if (!(err instanceof LineError)) throw err;
      if (isLast && !endsWithNewline) throw new InputError(origin, `Prometheus text exposition truncated at line ${lineNo} (${err.message})`);
      throw new InputError(origin, `line ${lineNo}: expected a metric sample, got ${clip(line)} (${err.message})`);
    }
    if (isLast && !endsWithNewline) {
      // A scrape always ends with a newline; a sample without one was cut short, possibly mid-number.
      throw new InputError(origin, `Prometheus text exposition truncated at line ${lineNo} (no newline at the end)`);
    }
    const fam = familyNameOf(parsed.name, current) ? current! : familyFor(parsed.name, false);
    const sample: ExpositionSample = { name: parsed.name, labels: parsed.labels, value: parsed.value, valueText: parsed.valueText };
    if (parsed.timestampText !== undefined) {
      const ts = parseFloatStrict(parsed.timestampText);
      if (ts === undefined || !Number.isFinite(ts)) {
        throw new InputError(origin, `line ${lineNo}: expected a timestamp after the value, got ${clip(parsed.timestampText)}`);
      }
      sample.timestampMs = ts; // converted below once the format is known
    }
    fam.samples.push(sample);
  }
  // Without `# EOF` an OpenMetrics body cut at a line boundary looks like valid text format; only a
  // Content-Type or a `# UNIT` line (OpenMetrics-only) tells us the end marker is owed.
  if (openMetricsHints && !sawEof) {
    throw new InputError(origin, `OpenMetrics exposition truncated: no # EOF after line ${lineCount}`);
  }
  const format = sawEof ? 'openmetrics-1.0' : 'text-0.0.4';
  // Text 0.0.4 timestamps are integer milliseconds; OpenMetrics ones are seconds.
  if (format === 'openmetrics-1.0') {
    for (const f of families) for (const s of f.samples) if (s.timestampMs !== undefined) s.timestampMs *= 1000;
  }
  return { format, families };
}

/** All samples with this exact sample name (not family name), across families. */
export function samplesNamed(exposition: Exposition, name: string): ExpositionSample[] {
  const out: ExpositionSample[] = [];
  for (const f of exposition.families) for (const s of f.samples) if (s.name === name) out.push(s);
  return out;
}

/**
 * Digits of the largest nanosecond count kept: a uint64 (Go's MemStats.LastGC) has 20. Checked before
 * any digits are built, so "9e+99999999" is refused at once instead of growing a 100-million-digit
 * string (8 s) or past V8's string limit ("5e600000000": RangeError).
 */
const MAX_NANOS_DIGITS = 20;

/**
 * Exact nanoseconds from a decimal seconds string as printed ("1.795663678166664e+09"); undefined when
 * it is not a plain decimal or has more than MAX_NANOS_DIGITS digits of nanoseconds.
 */
export function decimalSecondsToNanos(text: string): bigint | undefined {
  const m = /^\+?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) return undefined;
  const all = (m[1] ?? '') + (m[2] ?? '');
  const digits = all.replace(/^0+/, '');
  // Position of the decimal point within `digits` (leading zeros dropped, so it counts real digits).
  const point = (m[1] ?? '').length - (all.length - digits.length) + Number(m[3] ?? '0') + 9;
  if (digits === '') return 0n;
  if (!Number.isFinite(point) || point > MAX_NANOS_DIGITS) return undefined;
  if (point <= 0) return 0n;
  const whole = point >= digits.length ? digits + '0'.repeat(point - digits.length) : digits.slice(0, point);
  return BigInt(whole);
}

export interface PrometheusSampleOptions extends ExpositionOptions {
  /** A counter to report as `work`, summed over its label sets. */
  workMetric?: string;
}

/** Map a Go service's scrape onto a MemorySample (source 'prometheus'). `t` is left for the caller. */
export function memorySampleFromExposition(input: Uint8Array | string, origin: string, opts: PrometheusSampleOptions = {}): MemorySample {
  const exposition = parseExposition(input, origin, opts);
  const byName = new Map<string, ExpositionSample[]>();
  for (const f of exposition.families) {
    for (const s of f.samples) {
      const list = byName.get(s.name);
      if (list) list.push(s);
      else byName.set(s.name, [s]);
    }
  }
  const one = (name: string): ExpositionSample | undefined => {
    const list = byName.get(name);
    if (!list || list.length === 0) return undefined;
    if (list.length > 1) {
      throw new InputError(
        origin,
        `expected one process per scrape, got ${list.length} series of ${name} (a federated or aggregated endpoint?); point heapsight at the service's own /metrics`,
      );
    }
    return list[0];
  };
  const get = (name: string): number | undefined => {
    const s = one(name);
    return s && Number.isFinite(s.value) ? s.value : undefined;
  };
  const first = (...names: string[]): number | undefined => {
    for (const n of names) {
      const v = get(n);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const sum = (...names: string[]): number | undefined => {
    let total = 0;
    for (const n of names) {
      const v = get(n);
      if (v === undefined) return undefined;
      total += v;
    }
    return total;
  };
  const mc = (c: string) => `go_memory_classes_${c}_bytes`;

  const s: MemorySample = { source: 'prometheus' };
  const set = <K extends keyof MemorySample>(k: K, v: MemorySample[K] | undefined) => {
    if (v !== undefined) s[k] = v;
  };
  set('heapAlloc', first('go_memstats_heap_alloc_bytes', 'go_memstats_alloc_bytes', mc('heap_objects')));
  const rmInuse = sum(mc('heap_objects'), mc('heap_unused'));
  const rmIdle = sum(mc('heap_free'), mc('heap_released'));
  set('heapInuse', get('go_memstats_heap_inuse_bytes') ?? rmInuse);
  set('heapIdle', get('go_memstats_heap_idle_bytes') ?? rmIdle);
  set('heapSys', get('go_memstats_heap_sys_bytes') ?? (rmInuse !== undefined && rmIdle !== undefined ? rmInuse + rmIdle : undefined));
  set('heapReleased', first('go_memstats_heap_released_bytes', mc('heap_released')));
  set('heapObjects', first('go_memstats_heap_objects', 'go_gc_heap_objects_objects'));
  set('stackInuse', first('go_memstats_stack_inuse_bytes', mc('heap_stacks')));
  set('stackSys', get('go_memstats_stack_sys_bytes') ?? sum(mc('heap_stacks'), mc('os_stacks')));
  set('mspanInuse', first('go_memstats_mspan_inuse_bytes', mc('metadata_mspan_inuse')));
  set('mspanSys', get('go_memstats_mspan_sys_bytes') ?? sum(mc('metadata_mspan_inuse'), mc('metadata_mspan_free')));
  set('mcacheInuse', first('go_memstats_mcache_inuse_bytes', mc('metadata_mcache_inuse')));
  set('mcacheSys', get('go_memstats_mcache_sys_bytes') ?? sum(mc('metadata_mcache_inuse'), mc('metadata_mcache_free')));
  set('buckHashSys', first('go_memstats_buck_hash_sys_bytes', mc('profiling_buckets')));
  set('gcSys', first('go_memstats_gc_sys_bytes', mc('metadata_other')));
  set('otherSys', first('go_memstats_other_sys_bytes', mc('other')));
  set('sys', first('go_memstats_sys_bytes', mc('total')));
  set('totalAlloc', first('go_memstats_alloc_bytes_total', 'go_gc_heap_allocs_bytes_total'));
  set('mallocs', get('go_memstats_mallocs_total') ?? sum('go_gc_heap_allocs_objects_total', 'go_gc_heap_tiny_allocs_objects_total'));
  set('frees', get('go_memstats_frees_total') ?? sum('go_gc_heap_frees_objects_total', 'go_gc_heap_tiny_allocs_objects_total'));
  set('nextGC', first('go_memstats_next_gc_bytes', 'go_gc_heap_goal_bytes'));
  set('heapGoal', first('go_gc_heap_goal_bytes', 'go_memstats_next_gc_bytes'));
  set('liveHeap', get('go_gc_heap_live_bytes'));
  set('numGC', first('go_gc_cycles_total_gc_cycles_total', 'go_gc_duration_seconds_count'));
  set('numForcedGC', get('go_gc_cycles_forced_gc_cycles_total'));
  const lastGC = one('go_memstats_last_gc_time_seconds');
  if (lastGC && lastGC.value > 0) {
    const nanos = decimalSecondsToNanos(lastGC.valueText);
    if (nanos === undefined || nanos >= 1n << 64n) {
      throw new InputError(origin, `go_memstats_last_gc_time_seconds: expected Unix seconds, got ${clip(lastGC.valueText)}`);
    }
    set('lastGCUnixNanos', nanos);
  }
  const pauseSum = get('go_gc_duration_seconds_sum');
  if (pauseSum !== undefined) s.pauseTotalNs = Math.round(pauseSum * 1e9);
  set('gcCpuFraction', get('go_memstats_gc_cpu_fraction'));
  const gogc = get('go_gc_gogc_percent');
  if (gogc !== undefined) s.gogcPercent = gogc >= 2 ** 63 ? -1 : gogc;
  set('memoryLimitBytes', get('go_gc_gomemlimit_bytes'));
  set('goroutines', first('go_goroutines', 'go_sched_goroutines_goroutines'));
  set('threads', get('go_threads'));
  const info = byName.get('go_info');
  if (info && info[0].labels.version) s.goVersion = info[0].labels.version;

  // The process collector may carry client_golang's Namespace prefix; accept exactly one such prefix.
  let proc = 'process_';
  if (!byName.has('process_resident_memory_bytes')) {
    const prefixes = [...byName.keys()].filter((n) => n.endsWith('_process_resident_memory_bytes'));
    if (prefixes.length === 1) proc = prefixes[0].slice(0, -'resident_memory_bytes'.length);
  }
  set('rss', get(`${proc}resident_memory_bytes`));
  set('processStartSeconds', get(`${proc}start_time_seconds`));
  set('openFds', get(`${proc}open_fds`));
  set('cpuSeconds', get(`${proc}cpu_seconds_total`));
  set('vmSize', get(`${proc}virtual_memory_bytes`));

  if (Object.keys(s).length === 1) {
    throw new InputError(
      origin,
      `expected Go runtime metrics (go_memstats_*, go_memory_classes_*) or process_* series, found none among ${exposition.families.length} metric families`,
    );
  }
  if (opts.workMetric !== undefined) {
    const name = opts.workMetric;
    const list = byName.get(name) ?? byName.get(`${name}_total`);
    if (list && list.length > 0) s.work = list.reduce((acc, x) => acc + x.value, 0);
  }
  return s;
}
