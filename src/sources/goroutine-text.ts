// Readers for the two text forms of /debug/pprof/goroutine: the grouped profile (debug=1) and the
// per-goroutine traceback dump (debug=2), both into the GoroutineSnapshot model.
//
// The non-obvious decision: debug=2 is read as a stream of lines and folded into groups as it goes,
// never held as one string. A service with a goroutine leak serves dumps of hundreds of MB, exactly
// when someone needs to read them; a group keeps one interned copy of its frames, so memory follows
// the number of distinct (state, stack, creator) groups, not the dump size.

import { gunzipStream } from './gzip.js';
import { chunksOf, LineSplitter, type ByteSource, type Line } from './line-stream.js';
import { describeBytes, InputError, quote } from './input-error.js';
import { headBytes, textFromInput } from './text-input.js';
import type { Frame } from '../model/frame.js';
import type { GoroutineGroup, GoroutineSnapshot } from '../model/goroutines.js';

/** Longest line accepted. Real frame lines are a few hundred bytes; a longer one means wrong input. */
export const MAX_LINE_BYTES = 1024 * 1024;
/** Default cap on the (inflated) size of a debug=2 dump read as a stream. */
export const DEFAULT_MAX_DUMP_BYTES = 4 * 1024 * 1024 * 1024;

export interface GoroutineReadOptions {
  /** Cap on input bytes (after gunzip). */
  maxBytes?: number;
  /** Cap on one line's length in bytes. */
  maxLineBytes?: number;
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

/**
 * Parse a label set as Go prints it with %q keys and values: `{"k":"v", "k2":"v2"}`. Go quoting is
 * JSON-like but has \x, \a, \v and octal escapes that JSON.parse rejects, so it is scanned by hand.
 */
export function parseGoLabels(text: string): Record<string, string> | undefined {
  const s = text.trim();
  if (!s.startsWith('{') || !s.endsWith('}')) return undefined;
  const out: Record<string, string> = {};
  let i = 1;
  const skipSpace = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  const readQuoted = (): string | undefined => {
    if (s[i] !== '"') return undefined;
    i++;
    const bytes: number[] = [];
    const pushCodePoint = (cp: number) => {
      // Go's %q never prints an escape for a code point past U+10FFFF or a surrogate, so one means the
      // dump was edited or damaged; the label is shown as U+FFFD (what Go's UTF-8 decoding yields for a
      // bad sequence) rather than the whole dump being rejected for a label, which only names a group.
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) cp = 0xfffd;
      const enc = Buffer.from(String.fromCodePoint(cp), 'utf8');
      for (const b of enc) bytes.push(b);
    };
    const digits = (n: number, re: RegExp): string | undefined => {
      const d = s.slice(i, i + n);
      return d.length === n && re.test(d) ? d : undefined;
    };
    while (i < s.length && s[i] !== '"') {
      const c = s[i];
      if (c !== '\\') {
        pushCodePoint(s.codePointAt(i)!);
        i += c.codePointAt(0)! > 0xffff ? 2 : 1;
        continue;
      }
      const e = s[i + 1];
      i += 2;
      const simple: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, '"': 34, "'": 39 };
      if (e in simple) bytes.push(simple[e]);
      else if (e === 'x') {
        const d = digits(2, /^[0-9a-fA-F]+$/);
        if (d === undefined) return undefined;
        bytes.push(parseInt(d, 16));
        i += 2;
      } else if (e === 'u' || e === 'U') {
        const d = digits(e === 'u' ? 4 : 8, /^[0-9a-fA-F]+$/);
        if (d === undefined) return undefined;
        pushCodePoint(parseInt(d, 16));
        i += d.length;
      } else if (e >= '0' && e <= '7') {
        i -= 1;
        const d = digits(3, /^[0-7]+$/);
        if (d === undefined || parseInt(d, 8) > 0xff) return undefined;
        bytes.push(parseInt(d, 8));
        i += 3;
      } else return undefined;
    }
    if (s[i] !== '"') return undefined;
    i++;
    return Buffer.from(bytes).toString('utf8');
  };
  // Go 1.27's traceback headers print a key or value bare when it is only letters, digits, '.', '/'
  // and '_' (runtime.tracebackStringNeedsQuoting; an empty one is bare too): `{role: selector}`.
  // That form separates key and value by ": "; pprof's %q form by ":" alone, and quotes everything.
  const tracebackForm = /^\{\s*(?:"(?:[^"\\]|\\.)*"|[A-Za-z0-9./_]*): /.test(s);
  const readBareOrQuoted = (): string | undefined => {
    if (s[i] === '"' || !tracebackForm) return readQuoted();
    const m = /^[A-Za-z0-9./_]*/.exec(s.slice(i))![0];
    i += m.length;
    return m;
  };
  skipSpace();
  while (i < s.length - 1) {
    const k = readBareOrQuoted();
    if (k === undefined) return undefined;
    skipSpace();
    if (s[i] !== ':') return undefined;
    i++;
    skipSpace();
    const v = readBareOrQuoted();
    if (v === undefined) return undefined;
    if (i < s.length - 1 && s[i] !== ',' && s[i] !== ' ' && s[i] !== '\t') return undefined;
    out[k] = v;
    skipSpace();
    if (s[i] === ',') {
      i++;
      skipSpace();
    }
  }
  return out;
}

function labelsKey(labels: Record<string, string> | undefined): string {
  if (!labels) return '';
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

/** Interns frames so that thousands of goroutines with one stack share one set of Frame objects. */
class FrameTable {
  private readonly frames = new Map<string, Frame>();
  private readonly ids = new Map<Frame, number>();
  get(fn: string, file: string, line: number): Frame {
    const key = `${fn}\u0000${file}\u0000${line}`;
    let f = this.frames.get(key);
    if (!f) {
      f = { function: fn, file, line };
      this.frames.set(key, f);
      this.ids.set(f, this.ids.size);
    }
    return f;
  }
  /** A short stand-in for the frame in group keys. */
  id(f: Frame): number {
    return this.ids.get(f)!;
  }
}

function frameKey(f: Frame): string {
  return `${f.function}\u0000${f.file}\u0000${f.line}`;
}

/** Split `path/file.go:123` at the last colon followed only by digits. */
function splitFileLine(s: string): { file: string; line: number } | undefined {
  const m = /^(.*):(\d+)$/.exec(s);
  if (!m || m[1] === '') return undefined;
  return { file: m[1], line: Number(m[2]) };
}

// ---------------------------------------------------------------------------------------------
// debug=1

/**
 * Parse the grouped goroutine profile (`/debug/pprof/goroutine?debug=1`):
 *
 *     goroutine profile: total 27
 *     6 @ 0x43b3f6 0x407f3b 0x46bbe1
 *     # labels: {"role":"selector"}
 *     #	0x67605a	main.recvForever+0x1a	/src/main.go:30
 *
 * Frame lines are aligned by a tabwriter, so fields are split on runs of whitespace; the file is
 * everything after the third field (paths may contain spaces).
 */
export function parseGoroutineDebug1(input: Uint8Array | string, origin: string, opts: GoroutineReadOptions = {}): GoroutineSnapshot {
  const text = textFromInput(input, origin, opts.maxBytes);
  const maxLine = opts.maxLineBytes ?? MAX_LINE_BYTES;
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length && lines[i].trim() === '') i++;
  // A goroutineleak profile (Go 1.26+) has the same layout and holds only proven-leaked goroutines.
  const header = /^(goroutine|goroutineleak) profile: total (\d+)\r?$/.exec(lines[i] ?? '');
  if (!header) {
    const found = /^goroutine \d+ /.test(lines[i] ?? '') ? 'a debug=2 goroutine dump (read it with readGoroutineDebug2)' : describeBytes(headBytes(input));
    throw new InputError(origin, `expected a goroutine profile in text form (debug=1, first line "goroutine profile: total N"), got ${found}`);
  }
  const total = Number(header[2]);
  const leakProfile = header[1] === 'goroutineleak';
  const frames = new FrameTable();
  const groups = new Map<string, GoroutineGroup>();
  let seen = 0;
  let current: { count: number; stack: Frame[]; labels?: Record<string, string>; lineNo: number } | undefined;

  const finish = () => {
    if (!current) return;
    if (current.stack.length === 0) {
      throw new InputError(origin, `truncated or malformed: the group at line ${current.lineNo} ("${current.count} @ ...") has no frame lines`);
    }
    const key = current.stack.map(frameKey).join('\n') + '\n' + labelsKey(current.labels);
    const g = groups.get(key);
    if (g) g.count += current.count;
    else {
      const group: GoroutineGroup = { count: current.count, stack: current.stack };
      if (current.labels) group.labels = current.labels;
      if (leakProfile) group.leaked = true;
      groups.set(key, group);
    }
    seen += current.count;
    current = undefined;
  };

  for (i++; i < lines.length; i++) {
    const raw = lines[i];
    if (raw.length > maxLine) {
      throw new InputError(origin, `line ${i + 1} is ${raw.length} characters long, past the ${maxLine}-byte line cap: not a goroutine profile`);
    }
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') {
      finish();
      continue;
    }
    const countLine = /^(\d+) @((?: 0x[0-9a-fA-F]+)*)\s*$/.exec(line);
    if (countLine) {
      finish();
      current = { count: Number(countLine[1]), stack: [], lineNo: i + 1 };
      continue;
    }
    if (!current) {
      throw new InputError(origin, `line ${i + 1}: expected "N @ 0x..." starting a group, got ${quote(line)}`);
    }
    if (line.startsWith('# labels:')) {
      const labels = parseGoLabels(line.slice('# labels:'.length));
      if (!labels) throw new InputError(origin, `line ${i + 1}: malformed labels ${quote(line)}`);
      current.labels = labels;
      continue;
    }
    if (line.startsWith('#')) {
      // "#", pc, func+off, file:line — split the first three on whitespace runs, keep the rest whole.
      const m = /^#\s+(0x[0-9a-fA-F]+)(?:\s+(\S+)\s+(.*\S))?\s*$/.exec(line);
      if (!m) throw new InputError(origin, `line ${i + 1}: malformed frame line ${quote(line)}`);
      if (m[2] === undefined) {
        // The runtime prints only the PC when it has no symbol for it.
        current.stack.push(frames.get(m[1], '', 0));
        continue;
      }
      const fn = m[2].replace(/\+0x[0-9a-fA-F]+$/, '');
      const fl = splitFileLine(m[3]);
      if (!fl) throw new InputError(origin, `line ${i + 1}: expected "file:line" at the end of the frame line, got ${quote(m[3])}`);
      current.stack.push(frames.get(fn, fl.file, fl.line));
      continue;
    }
    throw new InputError(origin, `line ${i + 1}: expected a "#" frame line, got ${quote(line)}`);
  }
  finish();
  if (seen !== total) {
    const what = seen < total ? 'truncated' : 'inconsistent';
    throw new InputError(origin, `${what}: the header says total ${total} but the groups add up to ${seen} goroutines`);
  }
  return leakProfile
    ? { kind: 'debug1', profile: 'goroutineleak', total, groups: [...groups.values()] }
    : { kind: 'debug1', total, groups: [...groups.values()] };
}

// ---------------------------------------------------------------------------------------------
// debug=2

/** What readGoroutineDebug2 reads: a byte stream (file, HTTP response), whole bytes, or text. */
export type Debug2Source = ByteSource;

const HEADER_START = /^goroutine \d+(?: [^[]*)?\[/;

interface Header {
  id: string;
  state: string;
  minutes?: number;
  labels?: Record<string, string>;
  /** `(leaked)` after the wait reason: the leak-detection GC proved it can never wake. */
  leaked: boolean;
}

/** The first `{` to the last `}` of `text`, parsed as Go-quoted labels; undefined when absent or unreadable. */
function labelsIn(text: string): Record<string, string> | undefined {
  const open = text.indexOf('{');
  const close = text.lastIndexOf('}');
  return open >= 0 && close > open ? parseGoLabels(text.slice(open, close + 1)) : undefined;
}

/**
 * `goroutine 19 [chan receive (scan), 15 minutes, locked to thread]:`, also with the `gp=0x… m=…`
 * fields of GOTRACEBACK=system. Go 1.27 (main module go 1.27+, tracebacklabels=1) prints pprof labels
 * after the brackets, `goroutine 14 [select] {role: selector}:` (captured in testdata/go1.27/); labels
 * inside the brackets are accepted too, and a label set that does not parse is dropped rather than
 * failing the dump.
 */
function parseHeader(line: string): Header | undefined {
  if (!line.endsWith(':') || !HEADER_START.test(line)) return undefined;
  const open = line.indexOf('[');
  // A quoted label value may hold a ']': the state ends where the label set begins.
  const labelStart = line.indexOf('] {');
  const close = labelStart >= 0 ? labelStart : line.lastIndexOf(']');
  if (close < open) return undefined;
  const id = /^goroutine (\d+)/.exec(line)![1];
  let inside = line.slice(open + 1, close);
  const after = line.slice(close + 1, -1);
  let labels = labelsIn(after);
  const brace = inside.indexOf('{');
  if (brace >= 0) {
    labels = labelsIn(inside) ?? labels;
    const start = inside.lastIndexOf(', ', brace) >= 0 ? inside.lastIndexOf(', ', brace) : brace;
    inside = inside.slice(0, start) + inside.slice(inside.lastIndexOf('}') + 1);
  }
  const parts = inside.split(', ');
  // Flags the runtime appends to the wait reason for the moment; "(nil chan)" is part of the reason.
  const state = parts[0].replace(/(?: \((?:scan|leaked|durable)\))+$/, '');
  const leaked = / \(leaked\)/.test(parts[0].slice(state.length));
  let minutes: number | undefined;
  for (const p of parts.slice(1)) {
    const mm = /^(\d+) minutes$/.exec(p);
    if (mm) minutes = Number(mm[1]);
  }
  return { id, state, minutes, labels, leaked };
}

/**
 * `main.worker(0xc000012345, 0x3)` → `main.worker`. The argument list is the last balanced
 * parenthesised group, found from the end, so `main.(*T).m(...)` keeps its receiver and
 * `main.f[...](0x1)` keeps its type-parameter marker.
 */
export function stripArgs(line: string): string | undefined {
  if (!line.endsWith(')')) return undefined;
  let depth = 0;
  for (let i = line.length - 1; i >= 0; i--) {
    const c = line[i];
    if (c === ')') depth++;
    else if (c === '(') {
      depth--;
      if (depth === 0) return i > 0 ? line.slice(0, i) : undefined;
    }
  }
  return undefined;
}

/** `\t/src/main.go:30 +0x1b` (also ` fp=… sp=… pc=…` with GOTRACEBACK=system). */
function parseFileLine(line: string): { file: string; line: number; hasOffset: boolean } | undefined {
  if (!line.startsWith('\t')) return undefined;
  const m = /^\t(.+?):(\d+)((?: \+0x[0-9a-fA-F]+)?)(?: .*)?$/.exec(line);
  if (!m) return undefined;
  return { file: m[1], line: Number(m[2]), hasOffset: m[3] !== '' };
}

/**
 * A copy of `s` that holds no reference to the string it was sliced from. The line splitter hands out
 * slices of one decoded chunk; whatever the reader keeps (frames, states, labels) is copied so that a
 * kept name does not pin a 64 KiB chunk for the rest of the read.
 */
function detach(s: string): string {
  return s.length === 0 ? '' : Buffer.from(s, 'utf8').toString('utf8');
}

/** Distinct header tails, file lines and function lines remembered: beyond this each is parsed anew. */
const MAX_DEBUG2_CACHE_ENTRIES = 100_000;
/**
 * Longer lines are parsed each time, never remembered, so the caches hold at most
 * MAX_DEBUG2_CACHE_ENTRIES × this many characters each (~50 MB) whatever the dump holds. Real frame
 * lines are well under it; Go truncates nothing, but a 512-character function name is a generated one.
 */
const MAX_CACHED_LINE_CHARS = 512;

/**
 * A parse of each distinct line, remembered: a dump of a million goroutines prints the same few
 * hundred function and file lines over and over, and parsing them once each made big dumps about
 * twice as fast. Bounded, so a dump of nothing but distinct lines costs a parse per line, no more.
 */
class LineCache<V> {
  private readonly seen = new Map<string, V>();
  constructor(private readonly parse: (text: string) => V) {}
  get(text: string): V {
    let v = this.seen.get(text);
    if (v === undefined && !this.seen.has(text)) {
      v = this.parse(text);
      if (this.seen.size < MAX_DEBUG2_CACHE_ENTRIES && text.length <= MAX_CACHED_LINE_CHARS) this.seen.set(detach(text), v);
    }
    return v as V;
  }
}

/**
 * Stacks as paths in a trie of interned frames, so a goroutine's stack is identified by the node its
 * last frame reaches (a number) instead of a string built from every frame; the frame array is made
 * once per distinct stack.
 */
class StackNode {
  private children: Map<Frame, StackNode> | undefined;
  private path: Frame[] | undefined;
  constructor(
    readonly id: number,
    private readonly parent: StackNode | undefined,
    private readonly frame: Frame | undefined,
  ) {}
  child(f: Frame, nextId: () => number): StackNode {
    this.children ??= new Map();
    let c = this.children.get(f);
    if (!c) {
      c = new StackNode(nextId(), this, f);
      this.children.set(f, c);
    }
    return c;
  }
  /** The frames from the root to this node, innermost first as printed. */
  frames(): Frame[] {
    if (!this.path) {
      const out: Frame[] = [];
      if (this.frame) out.push(this.frame);
      for (let n = this.parent; n?.frame; n = n.parent) out.push(n.frame);
      this.path = out.reverse();
    }
    return this.path;
  }
}

interface Debug2Group extends GoroutineGroup {
  waitMinutesMin?: number;
  waitMinutesMax?: number;
}

/**
 * Read a per-goroutine dump (`/debug/pprof/goroutine?debug=2`, or the output of
 * `runtime.Stack(buf, true)`) from a stream, bytes or text, gzip or plain, and group goroutines by
 * state, stack, creator and labels. Input must start with a goroutine header: a crash log's
 * `panic:` preamble is not skipped.
 */
export async function readGoroutineDebug2(source: Debug2Source, origin: string, opts: GoroutineReadOptions = {}): Promise<GoroutineSnapshot> {
  const maxLine = opts.maxLineBytes ?? MAX_LINE_BYTES;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_DUMP_BYTES;
  // Keep the first bytes to describe wrong input ("got an HTML page").
  let head: Buffer = Buffer.alloc(0);

  const frames = new FrameTable();
  const groups = new Map<string, Debug2Group>();
  let total = 0;
  let stackNodes = 0;
  const nextStackId = () => ++stackNodes;
  const rootStack = new StackNode(0, undefined, undefined);
  // Header fields after the id (`[state, N minutes]{labels}:`) with the group key part they give.
  const headerTails = new LineCache<{ h: Omit<Header, 'id'>; key: string } | null>((tail) => {
    const h = parseHeader('goroutine 0' + tail);
    if (!h) return null;
    const { id: _, ...rest } = h;
    const kept: Omit<Header, 'id'> = { ...rest, state: detach(rest.state) };
    if (rest.labels) kept.labels = Object.fromEntries(Object.entries(rest.labels).map(([k, v]) => [detach(k), detach(v)]));
    return { h: kept, key: `${kept.state}${kept.leaked ? ' (leaked)' : ''}\n${labelsKey(kept.labels)}` };
  });
  // Function line → the function (inlined calls print "(...)" for arguments), and function × file
  // line → the frame.
  const fnLines = new LineCache((text) => {
    const fn = stripArgs(text);
    return fn === undefined ? null : detach(fn);
  });
  const creatorNames = new LineCache(detach);
  const framesByLines = new Map<string, Map<string, Frame>>();
  let framesCached = 0;
  /** `goroutine 123 [...]:` → the parsed header (its id in hdrId), or undefined when the line is not one. */
  const header = (text: string): Omit<Header, 'id'> | undefined => {
    let i = 10; // after "goroutine "
    while (i < text.length && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    if (i === 10) return undefined;
    const cached = headerTails.get(text.slice(i));
    if (!cached) return undefined;
    hdrKey = cached.key;
    hdrId = text.slice(10, i);
    return cached.h;
  };
  let hdrKey = '';
  let hdrId = '';
  // Go 1.21+ prints `created by X in goroutine N`: the creating goroutine, which may still be alive
  // in the same dump (a server's accept loop, a poller). Goroutine ids are kept (up to a cap) to find
  // its stack once the whole dump is read, since a creator can be printed after what it created.
  // Goroutine ids and their groups in dump order (parallel arrays: a Map of a million ids was a sixth
  // of the read), searched once at the end for the ids that `in goroutine N` named.
  const seenIds: number[] = [];
  const seenGroups: Debug2Group[] = [];
  const creatorIds = new Map<Debug2Group, number[]>();
  let creatorId: number | undefined;

  // The goroutine being read.
  let hdr: Omit<Header, 'id'> | undefined;
  let hdrLine = 0;
  let stack = rootStack;
  let createdBy: Frame | undefined;
  // A function or `created by` line waiting for its file line.
  let pendingFn: string | undefined;
  let pendingInlined = false;
  let pendingCreator = false;
  let pendingLine = 0;
  let sawStackUnavailable = false;

  const finish = () => {
    if (!hdr) return;
    if (pendingFn !== undefined) {
      throw new InputError(origin, `truncated: the frame at line ${pendingLine} (goroutine ${hdrId}) has no "file:line" line after it`);
    }
    if (stack === rootStack && !createdBy && !sawStackUnavailable) {
      throw new InputError(origin, `truncated: goroutine ${hdrId} (header at line ${hdrLine}) has no stack`);
    }
    const key = `${stack.id}\n${createdBy ? frames.id(createdBy) : ''}\n${hdrKey}`;
    let g = groups.get(key);
    if (!g) {
      g = { count: 0, stack: stack.frames(), state: hdr.state };
      if (createdBy) g.createdBy = createdBy;
      if (hdr.labels) g.labels = hdr.labels;
      if (hdr.leaked) g.leaked = true;
      groups.set(key, g);
    }
    g.count++;
    if (seenIds.length < MAX_TRACKED_GOROUTINE_IDS) {
      seenIds.push(Number(hdrId));
      seenGroups.push(g);
    }
    if (creatorId !== undefined) {
      const ids = creatorIds.get(g) ?? [];
      if (ids.length < CREATOR_IDS_PER_GROUP && !ids.includes(creatorId)) ids.push(creatorId);
      creatorIds.set(g, ids);
    }
    // A goroutine without ", N minutes" has waited less than a minute (or the GC has not stamped it
    // yet: the annotation is set by a GC's mark phase, from the previous GC's end, see runtime/mgcmark.go): count it as 0 so min/max span the whole group.
    const minutes = hdr.minutes ?? 0;
    g.waitMinutesMin = g.waitMinutesMin === undefined ? minutes : Math.min(g.waitMinutesMin, minutes);
    g.waitMinutesMax = g.waitMinutesMax === undefined ? minutes : Math.max(g.waitMinutesMax, minutes);
    total++;
    hdr = undefined;
    stack = rootStack;
    createdBy = undefined;
    creatorId = undefined;
    sawStackUnavailable = false;
  };

  let sawAnything = false;
  let last: Line | undefined;
  const onLine = (line: Line): void => {
    last = line;
    const text = line.text;
    if (!sawAnything) {
      if (text.trim() === '') return;
      sawAnything = true;
      if (!text.startsWith('goroutine ') || !header(text)) {
        const found = /^goroutine profile: total \d+/.test(text) ? 'a debug=1 goroutine profile (read it with parseGoroutineDebug1)' : describeBytes(head);
        throw new InputError(origin, `expected a goroutine dump (debug=2, first line like "goroutine 1 [running]:"), got ${found}`);
      }
    }
    if (pendingFn !== undefined) {
      // The frame of this function line and this file line, parsed once per distinct pair.
      let byFile = framesByLines.get(pendingFn);
      let frame = byFile?.get(text);
      if (frame === undefined || !line.terminated) {
        const fl = parseFileLine(text);
        if (!fl) {
          throw new InputError(origin, `line ${line.no}: expected "<tab>file:line" after the frame at line ${pendingLine}, got ${quote(text)}`);
        }
        if (!line.terminated && !fl.hasOffset && !pendingInlined) {
          throw new InputError(
            origin,
            `truncated at byte ${line.offset + Buffer.byteLength(text)}: the last line ends without a newline in the middle of a frame`,
          );
        }
        frame = frames.get(pendingFn, detach(fl.file), fl.line);
        if (framesCached < MAX_DEBUG2_CACHE_ENTRIES && text.length <= MAX_CACHED_LINE_CHARS) {
          if (!byFile) framesByLines.set(pendingFn, (byFile = new Map()));
          byFile.set(detach(text), frame);
          framesCached++;
        }
      }
      if (pendingCreator) createdBy = frame;
      else stack = stack.child(frame, nextStackId);
      pendingFn = undefined;
      pendingCreator = false;
      return;
    }
    if (text === '') {
      finish();
      return;
    }
    if (text.startsWith('goroutine ')) {
      const h = header(text);
      if (h) {
        finish();
        hdr = h;
        hdrLine = line.no;
        return;
      }
    }
    if (!hdr) {
      throw new InputError(origin, `line ${line.no}: expected a goroutine header like "goroutine 1 [running]:", got ${quote(text)}`);
    }
    if (text.startsWith('created by ')) {
      const inG = / in goroutine (\d+)$/.exec(text);
      if (inG) creatorId = Number(inG[1]);
      pendingFn = creatorNames.get(text.slice('created by '.length, inG ? inG.index : text.length));
      pendingInlined = false;
      pendingCreator = true;
      pendingLine = line.no;
      return;
    }
    if (text.charCodeAt(0) === 0x2e && (text === '...additional frames elided...' || /^\.\.\.\d+ frames elided\.\.\.$/.test(text))) return;
    if (text.startsWith('\tgoroutine running on other thread')) {
      sawStackUnavailable = true;
      return;
    }
    const fn = text.startsWith('\t') ? null : fnLines.get(text);
    if (fn === null) {
      throw new InputError(origin, `line ${line.no}: expected a function call line like "main.worker(0x1)", got ${quote(text)}`);
    }
    // Inlined frames print "(...)" for arguments: their file line has no +0x offset.
    pendingFn = fn;
    pendingInlined = text.endsWith('(...)');
    pendingLine = line.no;
  };
  const splitter = new LineSplitter(origin, maxLine, onLine, 'not a goroutine dump');
  for await (const c of gunzipStream(chunksOf(source), origin, maxBytes)) {
    if (head.length < 512) head = Buffer.concat([head, Buffer.from(c.subarray(0, 512 - head.length))]);
    splitter.push(c);
  }
  splitter.end();
  if (!sawAnything) {
    throw new InputError(origin, `expected a goroutine dump (debug=2, first line like "goroutine 1 [running]:"), got ${describeBytes(head)}`);
  }
  if (pendingFn !== undefined && last) {
    throw new InputError(
      origin,
      `truncated at byte ${last.offset + Buffer.byteLength(last.text) + (last.terminated ? 1 : 0)}: the frame at line ${pendingLine} has no "file:line" line after it`,
    );
  }
  finish();
  const named = new Set<number>();
  for (const ids of creatorIds.values()) for (const id of ids) named.add(id);
  const groupOfId = new Map<number, Debug2Group>();
  if (named.size > 0) for (let i = 0; i < seenIds.length; i++) if (named.has(seenIds[i])) groupOfId.set(seenIds[i], seenGroups[i]);
  for (const [g, ids] of creatorIds) {
    const creator = ids.map((id) => groupOfId.get(id)).find((c) => c !== undefined && c !== g);
    if (creator) {
      g.creatorStack = creator.stack;
      if (creator.createdBy) g.creatorCreatedBy = creator.createdBy;
    }
  }
  return { kind: 'debug2', total, groups: [...groups.values()] };
}

/** Goroutine ids remembered for `in goroutine N` (a map entry each): dumps beyond this resolve fewer creators. */
const MAX_TRACKED_GOROUTINE_IDS = 1_000_000;
/** Creating goroutines remembered per group: the first alive one is enough, and most creators have exited. */
const CREATOR_IDS_PER_GROUP = 8;
