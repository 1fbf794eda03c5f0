// Reader for GODEBUG=gctrace=1 / scavtrace=1 output (a service's stderr), Go 1.5 through today:
// `gc N @Ts P%: ... A->B->C MB, G MB goal[, S MB stacks][, X MB globals], N P[ (forced)]` with 3 or 5
// clock phases; `scav` lines of 1.14–1.18 (with a cycle number), 1.19–1.20 (`total`) and 1.21+
// (`(bg)`/`(eager)`/`now`); and the `scvg` lines of ≤1.13. The live heap is C, the third number.
//
// The non-obvious decision: trace lines are found anywhere in a line (log collectors and kubectl add
// prefixes) and are *reassembled* when the service's own stderr writes landed inside one. The runtime
// prints a trace line in many small writes (one per field), so a service logging concurrently splits it:
// `gc 32 ... 0.17+0MARK before sleep` then `/0.28/0+0.006 ms cpu, ...`, or in our captures one field per
// line, `0.021APP line 1216`. An unfinished trace line is kept, and each following line contributes its
// longest leading piece that keeps the text a valid prefix of the trace grammar (a small token grammar
// compiled into prefix regexes below); the application's text is what follows that piece. Anything
// that still does not parse is counted in `skippedLines`, never fatal: a trace is evidence, not a contract.

import type { GcCycle, ScavengeReport } from '../model/memory.js';
import { describeBytes, InputError } from './input-error.js';
import { DEFAULT_MAX_TEXT_BYTES, textFromInput } from './text-input.js';
import { gunzipStream } from './gzip.js';
import { chunksOf, LineSplitter, type ByteSource } from './line-stream.js';

const MiB = 2 ** 20;
const KiB = 1024;

const GC_RE =
  /gc (\d+) @(\d+(?:\.\d+)?)s (\d+)%: ([\d.]+(?:\+[\d.]+)+) ms clock, [\d.+/]+ ms cpu, (\d+)->(\d+)->(\d+) MB, (\d+) MB goal(?:, (\d+) MB stacks)?(?:, (\d+) MB globals)?, (\d+) P( \(forced\))?/;
const SCAV_RE =
  /scav (?:(\d+) )?(\d+) KiB work(?: \(bg\))?, (?:(\d+) KiB work \(eager\), )?(\d+) KiB (?:total|now), (\d+)% util( \(forced\))?( \[controller reset\])?/;
// ≤1.13: `scvg3: 12 MB released` then `scvg3: inuse: 5, idle: 20, sys: 25, released: 12, consumed: 13 (MB)`.
const SCVG_RELEASED_RE = /scvg(-?\d+): (\d+) MB released/;
const SCVG_RE = /scvg(-?\d+): inuse: (\d+),? idle: (\d+),? sys: (\d+),? released: (\d+),? consumed: (\d+) \(MB\)/;
/** Where a (possibly unfinished) trace line starts. */
const START_RE = /gc \d+ @|scav \d|scvg-?\d+:/;

export type GctraceRecord = GcCycle | ScavengeReport;

export function isGcCycle(r: GctraceRecord): r is GcCycle {
  return (r as GcCycle).liveHeapBytes !== undefined;
}

function gcFromMatch(m: RegExpExecArray): GcCycle {
  const cycle: GcCycle = {
    n: Number(m[1]),
    atSeconds: Number(m[2]),
    cpuPercent: Number(m[3]),
    clockMs: m[4].split('+').map(Number),
    heapStartBytes: Number(m[5]) * MiB,
    heapEndBytes: Number(m[6]) * MiB,
    liveHeapBytes: Number(m[7]) * MiB,
    goalBytes: Number(m[8]) * MiB,
    procs: Number(m[11]),
    forced: m[12] !== undefined,
  };
  if (m[9] !== undefined) cycle.stacksBytes = Number(m[9]) * MiB;
  if (m[10] !== undefined) cycle.globalsBytes = Number(m[10]) * MiB;
  return cycle;
}

function scavFromMatch(m: RegExpExecArray): ScavengeReport {
  return {
    releasedBytes: (Number(m[2]) + Number(m[3] ?? 0)) * KiB,
    totalReleasedBytes: Number(m[4]) * KiB,
    utilPercent: Number(m[5]),
    forced: m[6] !== undefined,
  };
}

/** The old (≤1.13) summary line; `released` comes from its preceding `scvgN: X MB released` line. */
function scvgFromMatch(m: RegExpExecArray, releasedMB: number): ScavengeReport {
  const inuse = Number(m[2]);
  const idle = Number(m[3]);
  const released = Number(m[5]);
  const backed = inuse + idle - released;
  return {
    releasedBytes: releasedMB * MiB,
    totalReleasedBytes: released * MiB,
    utilPercent: backed > 0 ? Math.floor((inuse * 100) / backed) : 0,
    // debug.FreeOSMemory printed its report as `scvg-1`.
    forced: m[1] === '-1',
  };
}

/** Parse one line; prefixes (timestamps, `stderr F`) are allowed. Undefined for anything else. */
export function parseGctraceLine(line: string): GctraceRecord | undefined {
  let m = GC_RE.exec(line);
  if (m) return gcFromMatch(m);
  m = SCAV_RE.exec(line);
  if (m) return scavFromMatch(m);
  m = SCVG_RE.exec(line);
  if (m) return scvgFromMatch(m, 0);
  return undefined;
}

export interface GctraceLog {
  gcCycles: GcCycle[];
  scavenges: ScavengeReport[];
  /** Lines that began a trace record but could not be parsed, even after reassembly. */
  skippedLines: number;
  /** Lines in the input, for "found no gctrace lines among N lines". */
  totalLines: number;
  /** With `keepText`: each record's trace text as the runtime printed it (reassembled, without the
   * application's output around it), in input order. A ≤1.13 `scvg` record is its two lines. */
  traceLines?: string[];
  /** With `partial`: the input ended inside a trace record that later output may finish; it begins on
   * this line, and is left out of the result. Parse again from this line once more output arrives. */
  unfinishedFromLine?: number;
}

export interface GctraceOptions {
  maxBytes?: number;
  /** Throw when the log has no trace line at all (for a file the user named as a gctrace log). */
  requireTraceLines?: boolean;
  /** Return the trace text of every record (`traceLines`): a clean copy of a log mixed with app output. */
  keepText?: boolean;
  /** The input is the output so far of a running service: an unfinished record at its end is not
   * skipped but reported as `unfinishedFromLine`, and the service's own output, whatever its format,
   * is never a reason to reject it. */
  partial?: boolean;
}

/**
 * How many following lines may separate a fragment from its next piece. Observed with a goroutine
 * flooding stderr on a busy 2-core machine: 277 application lines between two pieces of one `gc` line
 * (the OS descheduled the thread printing it). A new trace line ends a fragment anyway.
 */
const MAX_CONTINUATION_DISTANCE = 4096;

// Prefix grammar of trace lines, to tell how much of a line can continue an unfinished trace line.
// A token is a regex source for a number field, or literal text (which may be cut anywhere).
type Token = { re: string } | { lit: string[] };
const INT: Token = { re: '\\d+' };
const lit = (...alts: string[]): Token => ({ lit: alts });
const GC_TOKENS_HEAD: Token[] = [
  lit('gc '),
  INT,
  lit(' @'),
  { re: '\\d+(?:\\.\\d*)?' },
  lit('s '),
  INT,
  lit('%: '),
  { re: '[\\d.+]+' },
  lit(' ms clock, '),
  { re: '[\\d.+/]+' },
  lit(' ms cpu, '),
  INT,
  lit('->'),
  INT,
  lit('->'),
  INT,
  lit(' MB, '),
  INT,
  lit(' MB goal'),
];
const GC_TOKENS_TAIL: Token[] = [lit(', '), INT, lit(' P'), lit(' (forced)')];
const GC_VARIANTS: Token[][] = [
  [...GC_TOKENS_HEAD, lit(', '), INT, lit(' MB stacks'), lit(', '), INT, lit(' MB globals'), ...GC_TOKENS_TAIL],
  [...GC_TOKENS_HEAD, ...GC_TOKENS_TAIL],
];
const SCAV_END = lit(' (forced)', ' [controller reset]');
const SCAV_VARIANTS: Token[][] = [
  [lit('scav '), INT, lit(' KiB work, '), INT, lit(' KiB total, '), INT, lit('% util'), SCAV_END],
  [lit('scav '), INT, lit(' '), INT, lit(' KiB work, '), INT, lit(' KiB total, '), INT, lit('% util'), SCAV_END],
  [lit('scav '), INT, lit(' KiB work (bg), '), INT, lit(' KiB work (eager), '), INT, lit(' KiB now, '), INT, lit('% util'), SCAV_END],
];

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function prefixSource(tokens: Token[], i: number): string {
  const t = tokens[i];
  const full = 're' in t ? t.re : `(?:${t.lit.map(escapeRe).join('|')})`;
  const rest = i + 1 < tokens.length ? `(?:${prefixSource(tokens, i + 1)})?` : '';
  if ('re' in t) return `${full}${rest}`;
  // A literal may be cut after any character; longest alternatives first so the match is the longest.
  const partials = new Set<string>();
  for (const a of t.lit) for (let n = a.length - 1; n >= 1; n--) partials.add(a.slice(0, n));
  const sorted = [...partials].sort((a, b) => b.length - a.length).map(escapeRe);
  return sorted.length ? `${full}${rest}|${sorted.join('|')}` : `${full}${rest}`;
}

const PREFIX_RES = [...GC_VARIANTS, ...SCAV_VARIANTS].map((v) => new RegExp(`^(?:${prefixSource(v, 0)})`));
const COMPLETE_GC_RE = new RegExp(`^${GC_RE.source}$`);
const COMPLETE_SCAV_RE = new RegExp(`^${SCAV_RE.source}$`);

/** Length of the longest prefix of `s` that is the beginning of some trace line. */
function validPrefixLength(s: string): number {
  // One regex per variant: an alternation would stop at the first variant that matches, not the longest.
  let best = 0;
  for (const re of PREFIX_RES) {
    const m = re.exec(s);
    if (m && m[0].length > best) best = m[0].length;
  }
  return best;
}

function completeRecord(s: string): GctraceRecord | undefined {
  let m = COMPLETE_GC_RE.exec(s);
  if (m) return gcFromMatch(m);
  m = COMPLETE_SCAV_RE.exec(s);
  if (m) return scavFromMatch(m);
  return undefined;
}

/** Where a trace line starts: anywhere for a recognisable head, or a bare first piece at the line start. */
function findStart(line: string): number {
  const m = START_RE.exec(line);
  if (m) return m.index;
  return /^(?:gc |scav )/.test(line) ? 0 : -1;
}

/** The first 4096 characters of a log decide whether it is one at all. */
const HEAD_CHARS = 4096;

function checkHead(head: string, origin: string, opts: GctraceOptions): void {
  const what = describeBytes(Buffer.from(head.slice(0, 512), 'utf8'));
  if (what === 'binary data') throw new InputError(origin, 'expected GODEBUG=gctrace=1 output, got binary data');
  // JSON-wrapped log lines (docker's json-file driver) still carry trace lines, so only reject other
  // formats when no trace line starts near the top.
  if (!opts.partial && head.trim() !== '' && !/^(text starting|a gctrace log)/.test(what) && !START_RE.test(head.slice(0, HEAD_CHARS))) {
    throw new InputError(origin, `expected GODEBUG=gctrace=1 output, got ${what}`);
  }
}

/** Parse a whole stderr log (text, bytes or gzip bytes). */
export function parseGctraceLog(input: Uint8Array | string, origin: string, opts: GctraceOptions = {}): GctraceLog {
  const text = textFromInput(input, origin, opts.maxBytes ?? DEFAULT_MAX_TEXT_BYTES);
  checkHead(text, origin, opts);
  const parser = gctraceParser(origin, opts);
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) parser.line(lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i], i + 1);
  return parser.end();
}

/**
 * Read a stderr log from a stream (a file of any size, gzip or not) line by line: memory is one line
 * and the records kept. `maxHeldBytes` caps the trace text of the records kept (their count times
 * ~150 bytes): past it, a cap error, not an ever-growing array.
 */
export async function readGctraceLog(source: ByteSource, origin: string, opts: GctraceOptions & { maxHeldBytes?: number } = {}): Promise<GctraceLog> {
  const parser = gctraceParser(origin, opts);
  let head = '';
  let held: Uint8Array[] | undefined = [];
  const splitter = new LineSplitter(origin, MAX_GCTRACE_LINE_BYTES, (l) => parser.line(l.text, l.no), 'not a gctrace log');
  for await (const c of gunzipStream(chunksOf(source), origin, opts.maxBytes ?? DEFAULT_MAX_TEXT_BYTES)) {
    if (held) {
      held.push(c);
      head += Buffer.from(c.subarray(0, HEAD_CHARS)).toString('utf8');
      if (head.length < HEAD_CHARS) continue;
      checkHead(head, origin, opts);
      for (const h of held) splitter.push(h);
      held = undefined;
      continue;
    }
    splitter.push(c);
  }
  if (held) {
    checkHead(head, origin, opts);
    for (const h of held) splitter.push(h);
  }
  splitter.end();
  return parser.end();
}

/** Longer lines are not a runtime's (a trace line is ~150 bytes; app output around it is not read). */
export const MAX_GCTRACE_LINE_BYTES = 1024 * 1024;

/** The line-by-line state machine behind both readers: lines in, a GctraceLog at the end. */
function gctraceParser(origin: string, opts: GctraceOptions & { maxHeldBytes?: number }): { line(text: string, lineNo: number): void; end(): GctraceLog } {
  const out: GctraceLog = { gcCycles: [], scavenges: [], skippedLines: 0, totalLines: 0 };
  if (opts.keepText) out.traceLines = [];
  let heldBytes = 0;
  const push = (r: GctraceRecord, lineNo: number, text: string) => {
    r.lineNo = lineNo;
    heldBytes += text.length;
    if (opts.maxHeldBytes !== undefined && heldBytes > opts.maxHeldBytes) {
      throw new InputError(
        origin,
        `holds more than ${opts.maxHeldBytes} bytes of gc/scav trace lines (${out.gcCycles.length + out.scavenges.length} records by line ${lineNo}), past the cap for what analyze keeps (raise --max-bytes if this is expected, or pass fewer lines)`,
        'cap',
      );
    }
    out.traceLines?.push(text);
    if (isGcCycle(r)) out.gcCycles.push(r);
    else out.scavenges.push(r);
  };

  // An unfinished trace line: the pieces so far (always a valid prefix) and where it began.
  let pending: { text: string; lineNo: number; age: number } | undefined;
  let scvgReleasedMB: { gen: string; mb: number; text: string; lineNo: number } | undefined;
  const finishPending = () => {
    if (!pending) return;
    const r = completeRecord(pending.text);
    if (r) push(r, pending.lineNo, pending.text);
    else out.skippedLines++;
    pending = undefined;
  };

  const line = (line: string, lineNo: number): void => {
    out.totalLines = lineNo;
    if (pending) {
      const startAt = findStart(line);
      if (startAt === 0 || (startAt > 0 && validPrefixLength(pending.text + line) <= pending.text.length)) {
        finishPending(); // the runtime prints one trace line at a time: a new one ends the old
      } else {
        const k = validPrefixLength(pending.text + line) - pending.text.length;
        if (k > 0) {
          pending.text += line.slice(0, k);
          pending.age = 0;
          // The piece ended the line: that newline is the runtime's own, so the record is finished.
          if (k === line.trimEnd().length) finishPending();
          return;
        }
        if (line.trim() === '' && completeRecord(pending.text)) {
          finishPending();
          return;
        }
        if (++pending.age > MAX_CONTINUATION_DISTANCE) finishPending();
        return;
      }
    }
    const startAt = findStart(line);
    if (startAt < 0) return;
    const rest = line.slice(startAt);
    const released = SCVG_RELEASED_RE.exec(rest);
    if (released) {
      scvgReleasedMB = { gen: released[1], mb: Number(released[2]), text: released[0], lineNo };
      return;
    }
    const scvg = SCVG_RE.exec(rest);
    if (scvg) {
      const paired = scvgReleasedMB && scvgReleasedMB.gen === scvg[1] ? scvgReleasedMB : undefined;
      push(scvgFromMatch(scvg, paired?.mb ?? 0), lineNo, paired ? `${paired.text}\n${scvg[0]}` : scvg[0]);
      scvgReleasedMB = undefined;
      return;
    }
    const k = validPrefixLength(rest);
    const trimmed = rest.trimEnd();
    if (k >= trimmed.length) {
      const r = completeRecord(trimmed);
      if (r) {
        push(r, lineNo, trimmed);
        return;
      }
    }
    if (k === 0) {
      // A head was found but what follows is not trace syntax (e.g. a future format): try the loose regexes.
      const r = parseGctraceLine(rest);
      if (r) push(r, lineNo, rest.trimEnd());
      else out.skippedLines++;
      return;
    }
    pending = { text: rest.slice(0, k), lineNo, age: 0 };
  };
  const end = (): GctraceLog => {
    if (opts.partial && (pending || scvgReleasedMB)) {
      out.unfinishedFromLine = Math.min(pending?.lineNo ?? Infinity, scvgReleasedMB?.lineNo ?? Infinity);
      const keep = (r: GctraceRecord) => (r.lineNo ?? 0) < out.unfinishedFromLine!;
      // Records that began after the unfinished one are parsed again with it; drop them here.
      const kept = [...out.gcCycles, ...out.scavenges].filter(keep).length;
      out.gcCycles = out.gcCycles.filter(keep);
      out.scavenges = out.scavenges.filter(keep);
      out.traceLines?.splice(kept);
      pending = undefined;
    }
    finishPending();

    if (opts.requireTraceLines && out.gcCycles.length === 0 && out.scavenges.length === 0) {
      throw new InputError(
        origin,
        `expected GODEBUG=gctrace=1 output (lines like "gc 1 @0.010s 3%: ..."), found no gc or scav line among ${out.totalLines} lines`,
      );
    }
    return out;
  };
  return { line, end };
}
