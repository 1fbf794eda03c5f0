// Reader for a JSON-lines series of memory samples: a recording's samples.jsonl, or what a user saved
// by hand (`while sleep 5; do curl -s host/debug/vars | jq -c .; done > vars.jsonl`). Each line is one
// of: a heapsight MemorySample, a whole /debug/vars body (has `memstats`), or a bare runtime.MemStats
// object (has `HeapAlloc`); expvar-shaped lines may carry a top-level `t`/`time`/`timestamp`.
//
// The non-obvious decision: a line that does not parse is fatal (InputError naming file:line) unless it
// is the last non-blank line. A writer killed mid-line (kill -9, Ctrl-C on a shell loop) leaves exactly
// that, and refusing the whole series over it would throw away everything that was recorded.

import type { MemorySample, SampleSource } from '../model/memory.js';
import { RECORDING_BIGINT_FIELDS } from '../model/recording.js';
import { parseExpvar } from './expvar.js';
import { describeBytes, InputError, quote, UINT64_DECIMAL_RE } from './input-error.js';
import { DEFAULT_MAX_TEXT_BYTES, textFromInput } from './text-input.js';
import { gunzipStream } from './gzip.js';
import { chunksOf, LineSplitter, type ByteSource, type Line } from './line-stream.js';

export interface JsonLine {
  /** 1-based line number in the file. */
  lineNo: number;
  text: string;
  value: Record<string, unknown>;
}

export interface TornLine {
  lineNo: number;
  bytes: number;
}

/** Split JSON-lines text into objects; a torn last line is returned separately instead of thrown. */
export function splitJsonLines(text: string, origin: string): { lines: JsonLine[]; torn?: TornLine } {
  // A crash after a write can leave NUL padding at the end of a file (the size grew, the data did not land).
  const body = text.replace(/\0+$/, '');
  const raw = body.split('\n');
  let lastNonBlank = raw.length - 1;
  while (lastNonBlank >= 0 && raw[lastNonBlank].trim() === '') lastNonBlank--;
  const lines: JsonLine[] = [];
  let torn: TornLine | undefined;
  for (let i = 0; i <= lastNonBlank; i++) {
    const lineText = raw[i].replace(/\r$/, '');
    if (lineText.trim() === '') continue;
    const { value, problem } = parseJsonObjectLine(lineText);
    if (problem === undefined) {
      lines.push({ lineNo: i + 1, text: lineText, value: value! });
    } else if (i === lastNonBlank) {
      torn = { lineNo: i + 1, bytes: Buffer.byteLength(lineText) };
    } else {
      throw new InputError(`${origin}:${i + 1}`, `expected one JSON object per line, got ${problem}`);
    }
  }
  return { lines, torn };
}

function parseJsonObjectLine(lineText: string): { value?: Record<string, unknown>; problem?: string } {
  try {
    const value: unknown = JSON.parse(lineText);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { problem: `a JSON ${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value}` };
    }
    return { value: value as Record<string, unknown> };
  } catch {
    return { problem: describeLine(lineText) };
  }
}

function describeLine(line: string): string {
  const t = line.trimStart();
  if (t.startsWith('{')) return `a line that is not valid JSON (${line.length} characters)`;
  return describeBytes(Buffer.from(t.slice(0, 512), 'utf8'));
}

const SOURCES: ReadonlySet<string> = new Set<SampleSource>(['expvar', 'prometheus', 'gctrace', 'proc', 'prometheus-api', 'manual']);

/** A samples.jsonl line back into a MemorySample: bigint fields from their decimal strings. */
export function memorySampleFromLine(line: JsonLine, origin: string): MemorySample {
  const v = { ...line.value };
  if (typeof v.source !== 'string' || !SOURCES.has(v.source)) {
    throw new InputError(`${origin}:${line.lineNo}`, `expected a memory sample with a known "source", got ${quote(v.source ?? null)}`);
  }
  if (v.t !== undefined && typeof v.t !== 'number') {
    throw new InputError(`${origin}:${line.lineNo}`, `expected "t" in Unix milliseconds, got ${quote(v.t)}`);
  }
  for (const f of RECORDING_BIGINT_FIELDS) {
    const raw = v[f];
    if (raw === undefined) continue;
    if (typeof raw === 'string' && UINT64_DECIMAL_RE.test(raw)) v[f] = BigInt(raw);
    else if (typeof raw === 'number' && Number.isInteger(raw)) v[f] = BigInt(raw);
    else throw new InputError(`${origin}:${line.lineNo}`, `expected "${f}" as a decimal string of at most 20 digits (a uint64), got ${quote(raw)}`);
  }
  // The cgroup reading is analysed field by field (container.ts); a malformed one must fail here, by line.
  const cg = v.cgroup as Record<string, unknown> | undefined;
  if (
    cg !== undefined &&
    (typeof cg !== 'object' ||
      cg === null ||
      (cg.version !== 1 && cg.version !== 2) ||
      typeof cg.usage !== 'number' ||
      Object.entries(cg).some(([k, x]) => k !== 'underOom' && typeof x !== 'number'))
  ) {
    throw new InputError(`${origin}:${line.lineNo}`, `expected "cgroup" as {version: 1|2, usage: <bytes>, ...numbers}, got ${JSON.stringify(cg).slice(0, 60)}`);
  }
  return v as unknown as MemorySample;
}

/** `t`/`time`/`Time` (a Go struct embedding MemStats)/`timestamp` beside the numbers: Unix ms, Unix seconds, or an ISO date. */
function lineTime(v: Record<string, unknown>): number | undefined {
  const raw = v.t ?? v.time ?? v.Time ?? v.timestamp;
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw < 1e11 ? Math.round(raw * 1000) : Math.round(raw);
  if (typeof raw === 'string') {
    const ms = Date.parse(raw);
    if (Number.isFinite(ms)) return ms;
  }
  return undefined;
}

export interface SamplesJsonlOptions {
  workMetric?: string;
  maxBytes?: number;
}

export interface SamplesJsonl {
  samples: MemorySample[];
  /** Things a reader should be told, e.g. a dropped torn last line. */
  notes: string[];
}

/** One parsed line as a MemorySample, whichever of the three shapes it has. */
function sampleFromLine(line: JsonLine, origin: string, opts: SamplesJsonlOptions): MemorySample {
  const v = line.value;
  const lineOrigin = `${origin}:${line.lineNo}`;
  if (typeof v.memstats === 'object' && v.memstats !== null) {
    const s = parseExpvar(line.text, lineOrigin, { workMetric: opts.workMetric });
    const t = lineTime(v);
    return t === undefined ? s : { ...s, t };
  } else if (typeof v.HeapAlloc === 'number') {
    // A bare MemStats: wrap it so the expvar reader (lossless for LastGC) does the mapping.
    const s = parseExpvar(`{"memstats":${line.text}}`, lineOrigin);
    const t = lineTime(v);
    return t === undefined ? s : { ...s, t };
  } else if (typeof v.source === 'string') {
    return memorySampleFromLine(line, origin);
  } else {
    throw new InputError(lineOrigin, `expected a memory sample, a /debug/vars body or a MemStats object, got ${quote(v)}`);
  }
}

/** Read a JSON-lines series of samples (any mix of the three line shapes), ordered by time when known. */
export function readSamplesJsonl(input: Uint8Array | string, origin: string, opts: SamplesJsonlOptions = {}): SamplesJsonl {
  const text = textFromInput(input, origin, opts.maxBytes ?? DEFAULT_MAX_TEXT_BYTES);
  const { lines, torn } = splitJsonLines(text, origin);
  if (lines.length === 0 && !torn) throw new InputError(origin, 'expected JSON lines of memory samples, got an empty input');
  const samples: MemorySample[] = [];
  for (const line of lines) samples.push(sampleFromLine(line, origin, opts));
  return finishSamples(samples, torn, origin);
}

function finishSamples(samples: MemorySample[], torn: TornLine | undefined, origin: string): SamplesJsonl {
  const notes: string[] = [];
  if (torn) notes.push(`${origin}:${torn.lineNo}: dropped a torn last line (${torn.bytes} bytes); the writer was probably stopped mid-line`);
  if (samples.every((s) => s.t !== undefined)) samples.sort((a, b) => a.t! - b.t!);
  return { samples, notes };
}

/**
 * A held sample costs at most about this much heap (a MemorySample of ~40 fields, some bigint, as an
 * expvar line gives): each sample is charged its line's length up to this against `maxHeldBytes`, so a
 * 4 KiB /debug/vars line costs what its sample holds, not its text. An order of magnitude, on the high side.
 */
export const HELD_SAMPLE_BYTES = 1024;

/** Longest JSON line read: a /debug/vars body is ~4 KiB, with a big cmdline a few tens. */
export const MAX_JSONL_LINE_BYTES = 4 * 1024 * 1024;

/**
 * readSamplesJsonl over a stream (a file of any size, gzip or not), line by line: memory is one line
 * and the samples kept, charged against `maxHeldBytes` (HELD_SAMPLE_BYTES). A line that does not parse
 * waits for the next non-blank line: only the last one may be torn.
 */
export async function readSamplesJsonlStream(
  source: ByteSource,
  origin: string,
  opts: SamplesJsonlOptions & { maxHeldBytes?: number } = {},
): Promise<SamplesJsonl> {
  const maxHeld = opts.maxHeldBytes ?? Infinity;
  let heldBytes = 0;
  const samples: MemorySample[] = [];
  let bad: { lineNo: number; text: string; problem: string } | undefined;
  let sawLine = false;
  const onLine = (l: Line): void => {
    // NUL padding a crash leaves at the end of a file counts as blank (as splitJsonLines strips it).
    const text = l.text.replace(/\0+$/, '');
    if (text.trim() === '') return;
    sawLine = true;
    if (bad) throw new InputError(`${origin}:${bad.lineNo}`, `expected one JSON object per line, got ${bad.problem}`);
    const { value, problem } = parseJsonObjectLine(text);
    if (problem !== undefined) {
      bad = { lineNo: l.no, text, problem };
      return;
    }
    heldBytes += Math.min(text.length, HELD_SAMPLE_BYTES);
    if (heldBytes > maxHeld) {
      throw new InputError(
        origin,
        `holds more samples than the ${maxHeld}-byte cap for what analyze keeps allows (${samples.length} by line ${l.no}, charged up to ${HELD_SAMPLE_BYTES} bytes each; raise --max-bytes if this is expected)`,
        'cap',
      );
    }
    samples.push(sampleFromLine({ lineNo: l.no, text, value: value! }, origin, opts));
  };
  const splitter = new LineSplitter(origin, MAX_JSONL_LINE_BYTES, onLine, 'not JSON lines of samples');
  for await (const c of gunzipStream(chunksOf(source), origin, opts.maxBytes ?? DEFAULT_MAX_TEXT_BYTES)) splitter.push(c);
  splitter.end();
  if (!sawLine) throw new InputError(origin, 'expected JSON lines of memory samples, got an empty input');
  const torn = bad ? { lineNo: bad.lineNo, bytes: Buffer.byteLength(bad.text) } : undefined;
  return finishSamples(samples, torn, origin);
}

/**
 * Content sniffing for format detection: the first non-blank line is a JSON object of one of the three
 * shapes. Looks at the first 64 KiB only (a /debug/vars line is ~4 KiB).
 */
export function looksLikeSamplesJsonl(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 65536)).toString('utf8');
  const first = head.split('\n').find((l) => l.trim() !== '');
  if (!first || !first.trimStart().startsWith('{') || !head.includes('\n')) return false;
  try {
    const v = JSON.parse(first) as Record<string, unknown>;
    return (
      (typeof v.memstats === 'object' && v.memstats !== null) || typeof v.HeapAlloc === 'number' || (typeof v.source === 'string' && SOURCES.has(v.source))
    );
  } catch {
    return false;
  }
}
