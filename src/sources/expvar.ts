// Reader for expvar's /debug/vars: one JSON object with `memstats` (runtime.MemStats marshalled with
// the Go field names), `cmdline`, and whatever vars the service published itself.
//
// The non-obvious decision: the body is parsed with lossless-json, never JSON.parse. LastGC and the
// PauseEnd ring are nanoseconds since the epoch (~1.8e18, past 2^53), so JSON.parse would silently
// round them; LastGC is kept as bigint. Byte counts and counters become plain numbers (exact below
// 8 PiB; a TotalAlloc past 2^53 is rounded to the nearest double, which no analysis can notice).

import { isLosslessNumber, parse } from 'lossless-json';
import type { MemorySample } from '../model/memory.js';
import { describeBytes, InputError, UINT64_DECIMAL_RE } from './input-error.js';
import { DEFAULT_MAX_TEXT_BYTES, textFromInput } from './text-input.js';

export interface ExpvarOptions {
  /** Name of a numeric var (or `mapVar.key` path) to report as `work`. */
  workMetric?: string;
  maxBytes?: number;
}

/** MemStats field → MemorySample field, for the numeric fields that map one to one. */
const MEMSTATS_FIELDS: ReadonlyArray<readonly [string, keyof MemorySample]> = [
  ['HeapAlloc', 'heapAlloc'],
  ['HeapSys', 'heapSys'],
  ['HeapIdle', 'heapIdle'],
  ['HeapInuse', 'heapInuse'],
  ['HeapReleased', 'heapReleased'],
  ['HeapObjects', 'heapObjects'],
  ['StackInuse', 'stackInuse'],
  ['StackSys', 'stackSys'],
  ['MSpanInuse', 'mspanInuse'],
  ['MSpanSys', 'mspanSys'],
  ['MCacheInuse', 'mcacheInuse'],
  ['MCacheSys', 'mcacheSys'],
  ['BuckHashSys', 'buckHashSys'],
  ['GCSys', 'gcSys'],
  ['OtherSys', 'otherSys'],
  ['Sys', 'sys'],
  ['TotalAlloc', 'totalAlloc'],
  ['Mallocs', 'mallocs'],
  ['Frees', 'frees'],
  ['NextGC', 'nextGC'],
  ['NumGC', 'numGC'],
  ['NumForcedGC', 'numForcedGC'],
  ['PauseTotalNs', 'pauseTotalNs'],
  ['GCCPUFraction', 'gcCpuFraction'],
];

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isLosslessNumber(v);
}

function toNumber(v: Json): number | undefined {
  if (isLosslessNumber(v)) return Number(v.value);
  if (typeof v === 'number') return v;
  return undefined;
}

function parseVars(input: Uint8Array | string, origin: string, maxBytes: number): Record<string, Json> {
  const text = textFromInput(input, origin, maxBytes);
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) throw new InputError(origin, 'expected expvar JSON with memstats, got a JSON array');
  if (!trimmed.startsWith('{')) {
    throw new InputError(origin, `expected expvar JSON with memstats, got ${describeBytes(Buffer.from(text.slice(0, 512), 'utf8'))}`);
  }
  let vars: Json;
  try {
    vars = parse(text);
  } catch (err) {
    // lossless-json parses by recursion: JSON nested deeper than the stack (a hostile or broken body;
    // Go's expvar nests a few levels) overflows it. Valid JSON perhaps, but not one heapsight reads.
    if (err instanceof RangeError) throw new InputError(origin, 'expected expvar JSON with memstats, got JSON nested too deeply to read');
    const msg = (err as Error).message ?? String(err);
    // lossless-json reports "... at position 1234"; an error at the very end means the body was cut short.
    const pos = /position (\d+)/.exec(msg);
    const at = pos ? Number(pos[1]) : undefined;
    if (at !== undefined && (at >= text.trimEnd().length || /end of input/.test(msg))) {
      throw new InputError(origin, `expected expvar JSON with memstats, got JSON truncated at byte ${Buffer.byteLength(text.slice(0, at))}`);
    }
    throw new InputError(origin, `expected expvar JSON with memstats, got invalid JSON (${msg.split('\n')[0]})`);
  }
  if (!isObject(vars)) throw new InputError(origin, 'expected expvar JSON with memstats, got a JSON value that is not an object');
  return vars;
}

/** Parse a /debug/vars body into a MemorySample (source 'expvar'). `t` is left for the caller to set. */
export function parseExpvar(input: Uint8Array | string, origin: string, opts: ExpvarOptions = {}): MemorySample {
  const vars = parseVars(input, origin, opts.maxBytes ?? DEFAULT_MAX_TEXT_BYTES);
  const ms = vars.memstats;
  if (!isObject(ms)) {
    const keys = Object.keys(vars).slice(0, 5).join(', ');
    throw new InputError(origin, `expected expvar JSON with memstats, got JSON without a memstats object (keys: ${keys || 'none'})`);
  }
  const sample: MemorySample = { source: 'expvar' };
  const out = sample as unknown as Record<string, unknown>;
  for (const [goName, field] of MEMSTATS_FIELDS) {
    const n = toNumber(ms[goName]);
    if (n !== undefined) out[field] = n;
  }
  // Alloc is HeapAlloc under another name; only used when a hand-made body lacks HeapAlloc.
  if (sample.heapAlloc === undefined) {
    const alloc = toNumber(ms.Alloc);
    if (alloc !== undefined) sample.heapAlloc = alloc;
  }
  const lastGC = ms.LastGC;
  if (isLosslessNumber(lastGC) && UINT64_DECIMAL_RE.test(lastGC.value) && lastGC.value !== '0') {
    sample.lastGCUnixNanos = BigInt(lastGC.value);
  }
  // NextGC is the heap goal (same value as /gc/heap/goal:bytes).
  if (sample.nextGC !== undefined) sample.heapGoal = sample.nextGC;
  if (Array.isArray(vars.cmdline) && vars.cmdline.every((a) => typeof a === 'string')) {
    sample.cmdline = vars.cmdline as string[];
  }
  if (opts.workMetric !== undefined) {
    const w = lookupWorkVar(vars, opts.workMetric, origin);
    if (w !== undefined) sample.work = w;
  }
  return sample;
}

/**
 * Resolve `--work-metric NAME` among the vars: an exact top-level name first (expvar names may contain
 * dots), then a dotted path into map vars. Absent → undefined (an expvar.Map key appears only once the
 * service counted something); present but not numeric → InputError, since that is a wrong name.
 */
function lookupWorkVar(vars: Record<string, Json>, name: string, origin: string): number | undefined {
  let v: Json = vars[name];
  if (v === undefined) {
    const parts = name.split('.');
    // Try every split point so that a top-level name with dots followed by a key also resolves.
    for (let i = parts.length - 1; i >= 1 && v === undefined; i--) {
      let cur: Json = vars[parts.slice(0, i).join('.')];
      for (const key of parts.slice(i)) cur = isObject(cur) ? cur[key] : undefined;
      v = cur;
    }
  }
  if (v === undefined) return undefined;
  const n = toNumber(v);
  if (n === undefined) {
    const kind = isObject(v) ? 'a map (name one of its keys as NAME.key)' : Array.isArray(v) ? 'an array' : `a ${typeof v}`;
    throw new InputError(origin, `--work-metric ${name}: expected a numeric expvar, got ${kind}`);
  }
  return n;
}

/**
 * Every numeric var of a /debug/vars body, flattened with dotted paths (`requests.200`), excluding
 * memstats: the candidates to offer when a --work-metric name is wrong.
 */
export function numericExpvars(input: Uint8Array | string, origin: string, maxBytes = DEFAULT_MAX_TEXT_BYTES): Record<string, number> {
  const vars = parseVars(input, origin, maxBytes);
  const out: Record<string, number> = {};
  const walk = (prefix: string, v: Json, depth: number): void => {
    const n = toNumber(v);
    if (n !== undefined) out[prefix] = n;
    else if (isObject(v) && depth < 4) for (const [k, child] of Object.entries(v)) walk(`${prefix}.${k}`, child, depth + 1);
  };
  for (const [k, v] of Object.entries(vars)) if (k !== 'memstats' && k !== 'cmdline') walk(k, v, 0);
  return out;
}
