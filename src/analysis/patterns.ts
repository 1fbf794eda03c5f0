// Known leak shapes: given a growing heap site or goroutine group, say which classic Go leak it is and
// name the fix, in words that fit the Go version the service runs.
//
// The non-obvious decision is how an unbounded map is recognised. Go's heap profile writer trims the
// leading runtime.* frames of every allocation stack, so runtime.mapassign / hashGrow never appear: the
// bucket array is charged to the user line doing `m[k] = v`, exactly like a make() or append() on that
// line. What does survive is the size of the bucket arrays. The profile keeps one record per
// (stack, object size), also for arrays already freed, and a classic (Go ≤ 1.23) map grows by
// allocating a new array of exactly twice the size; an append-grown slice doubles only up to 256
// elements and then grows by 1.625×, falling towards 1.25×. So a site allocated directly at a user
// line (leaf frame) is named an unbounded map when at least three of its large-object sizes exist
// (over 32 KiB, Go's largest size class: from there sizes are whole pages, so ratios stay within a
// page of exact) and, sorted, they step by powers of two only. Measured on go1.19.8: 57344, 114688,
// 229376 bytes for the map-leak example's map[string]*session at 9,000 keys ((2^B + 2^(B−4)) buckets
// of 208 B, rounded up to pages); 319488 … 5013504 (ratios 1.97–2.00) for a map[int64]*T growing to
// 120,000 keys; against 1.25–1.3 steps for an append-grown []job (testdata queue case), where any
// single pair can still be ≈2× by chance. A slice of structs over 256 B that stopped between 256 and
// 512 elements would pass too: the rule is a strong hint, not a proof.
// Go 1.24's Swiss-table maps split fixed-size tables instead, so there the rule is not applied.

import type { Frame } from '../model/frame.js';
import type { Culprit, PatternId } from './findings.js';
import { parseGoVersion } from './go-version.js';
import { isUserFrame } from './user-frame.js';

export interface PatternOptions {
  /** Go version of the service (`go1.19.8` as runtime.Version() says, or go.mod's `1.23`): adapts the fix text. */
  goVersion?: string;
}

export interface PatternMatch {
  pattern: PatternId;
  fix: string;
}

/** What a heap site offers pattern recognition beyond the Culprit itself. */
export interface HeapSiteEvidence {
  frame: Frame;
  /** The allocation stacks charged to the site that were live in the first or last profile, leaf first. */
  stacks: Frame[][];
  /**
   * Average object size of every record allocated right at a user line of the site (leaf frame),
   * including records with nothing live any more.
   */
  objectSizes: number[];
  avgObjectBytes?: number;
  /** Growth of inuse_objects between the first and last profile. */
  objectsDelta: number;
}

/** true/false when the version is known to be at least 1.minor, undefined when unknown. */
function atLeast(goVersion: string | undefined, minor: number): boolean | undefined {
  // go.mod spells versions without the prefix (`1.23`); runtime.Version() with it.
  const v = parseGoVersion(goVersion && /^\d/.test(goVersion) ? `go${goVersion}` : goVersion);
  if (!v) return undefined;
  return v.major > 1 || (v.major === 1 && v.minor >= minor);
}

/** Above the largest small size class (32 KiB) objects are rounded to whole pages only. */
const MIN_MAP_ARRAY_BYTES = 32 * 1024 + 1;
const PAGE_BYTES = 8192;
/** Three arrays, two reallocations: a single ≈2× pair also occurs between non-adjacent arrays of an append-grown slice (1.25³ ≈ 1.95). */
const MIN_MAP_ARRAYS = 3;
const MIN_BUFFER_BYTES = 8 * 1024;

function hasFrame(stacks: Frame[][], test: (fn: string) => boolean): boolean {
  return stacks.some((s) => s.some((f) => test(f.function)));
}

function isSyncMapFrame(fn: string): boolean {
  return (
    /^sync\.\(\*Map\)\.(Store|LoadOrStore|Swap|dirtyLocked)$/.test(fn) ||
    fn === 'sync.newEntry' ||
    // Go 1.24+: sync.Map is a hash-trie in internal/sync.
    fn.startsWith('internal/sync.(*HashTrieMap')
  );
}

const HTTP_CLIENT_FUNCS = new Set(['net/http.(*Transport).dialConn', 'net/http.(*Transport).roundTrip', 'net/http.(*Client).do']);
const TICKER_FUNCS = new Set(['time.NewTicker', 'time.Tick']);
const TIMER_FUNCS = new Set(['time.NewTimer', 'time.After', 'time.AfterFunc']);

/** Functions that allocate a whole input's worth of bytes, of which callers often keep a small part. */
const BIG_BUFFER_FUNCS = new Set([
  'io.ReadAll',
  'io/ioutil.ReadAll',
  'os.ReadFile',
  'io/ioutil.ReadFile',
  'bytes.(*Buffer).grow',
  'bytes.growSlice',
  'bytes.(*Buffer).ReadFrom',
  'strings.(*Builder).grow',
  'bufio.(*Scanner).Scan',
]);

function hasMapDoubling(sizes: number[]): boolean {
  const big = [...new Set(sizes.filter((s) => s >= MIN_MAP_ARRAY_BYTES))].sort((a, b) => a - b);
  if (big.length < MIN_MAP_ARRAYS) return false;
  for (let i = 1; i < big.length; i++) {
    // Successive arrays: ×2 for a map (×4, ×8 when sampling missed one), ≈×1.25 for an append-grown
    // slice. Large objects are rounded up to whole 8 KiB pages, which moves a ratio by up to one page
    // over the smaller size (measured: 163840 → 319488 is ×1.95).
    const r = big[i] / big[i - 1];
    const k = Math.round(Math.log2(r));
    if (k < 1 || Math.abs(r / 2 ** k - 1) > 0.03 + PAGE_BYTES / big[i - 1]) return false;
  }
  return true;
}

export function unboundedMapFix(): string {
  return "Bound the map: delete entries when they are done, or evict by age or size (TTL/LRU); deleting keys does not shrink a Go map's buckets (golang/go#20135), so replace a map that was once huge with a fresh one.";
}

function syncMapFix(): string {
  return 'Delete entries from the sync.Map when they are no longer needed (Delete/LoadAndDelete) or bound it with an eviction policy; a sync.Map never forgets a key by itself.';
}

function tickerFix(goVersion: string | undefined, timer: boolean): string {
  const what = timer
    ? 'Timers created in a loop (time.After/time.NewTimer) live until they fire: create one timer and Stop/Reset it, or Stop each one when done.'
    : 'Call Stop on every ticker when its owner is done (defer t.Stop()).';
  const v = atLeast(goVersion, 23);
  if (v === false) return `${what} Before Go 1.23 an unstopped ticker or pending timer is never garbage collected.`;
  if (v === true) {
    return `${what} Go 1.23+ collects unreferenced timers and tickers only when go.mod says go 1.23 or later; if it does, they are still referenced from somewhere.`;
  }
  return `${what} Before Go 1.23 (or with go.mod older than go 1.23) an unstopped ticker is never garbage collected.`;
}

export function subsliceFix(goVersion: string | undefined): string {
  const copy =
    atLeast(goVersion, 20) === true
      ? 'bytes.Clone(s) or strings.Clone(s)'
      : atLeast(goVersion, 18) === true
        ? 'append([]byte(nil), s...) or strings.Clone(s) (bytes.Clone needs Go 1.20)'
        : atLeast(goVersion, 18) === false
          ? 'append([]byte(nil), s...) or string([]byte(s)) (strings.Clone needs Go 1.18, bytes.Clone Go 1.20)'
          : 'append([]byte(nil), s...), or bytes.Clone/strings.Clone (Go 1.20/1.18+)';
  return `Big buffers stay alive at this site: if only a small slice or substring of each is kept, keep a copy instead (${copy}) so the buffer can be freed.`;
}

function httpConnFix(): string {
  return 'HTTP client connections are piling up: close every response body (defer resp.Body.Close(), also when the body is not needed) and reuse one http.Client instead of a new Transport per request; the goroutine profile tells which (readLoop in select = bodies not closed, in IO wait = idle connections of throwaway Transports).';
}

function unclosedBodyFix(): string {
  return 'Close every response body (defer resp.Body.Close() right after the error check, also when the body is not needed; drain it with io.Copy(io.Discard, resp.Body) to reuse the connection): each open body keeps a connection with its readLoop and writeLoop goroutines.';
}

function transportFix(): string {
  return 'Create one http.Client (or http.Transport) and reuse it for all requests: a new Transport per request leaves an idle keep-alive connection with two goroutines behind each time (or set IdleConnTimeout / call CloseIdleConnections).';
}

function blockedChannelFix(state: string | undefined): string {
  const where = state ? ` (${state})` : '';
  return `Goroutines wait forever on a channel${where} that no one will use again: give each a way out — a buffered channel of 1 for a single reply, a select on ctx.Done() or a done channel, or close the channel when the other side gives up.`;
}

/** Which known pattern a growing heap site matches, if any. */
export function heapPattern(site: HeapSiteEvidence, opts: PatternOptions = {}): PatternMatch | undefined {
  const { stacks } = site;
  if (hasFrame(stacks, isSyncMapFrame)) return { pattern: 'unbounded-sync-map', fix: syncMapFix() };
  if (hasFrame(stacks, (fn) => TICKER_FUNCS.has(fn))) return { pattern: 'unstopped-ticker', fix: tickerFix(opts.goVersion, false) };
  if (hasFrame(stacks, (fn) => TIMER_FUNCS.has(fn))) return { pattern: 'unstopped-ticker', fix: tickerFix(opts.goVersion, true) };
  // Connection buffers (no user frame), or the user's own request line whose request and transport
  // state stay alive with the connection.
  if (hasFrame(stacks, (fn) => fn === 'net/http.(*Transport).tryPutIdleConn')) return { pattern: 'transport-per-request', fix: transportFix() };
  if (hasFrame(stacks, (fn) => HTTP_CLIENT_FUNCS.has(fn))) return { pattern: 'unclosed-response-body', fix: httpConnFix() };
  // Only bucket arrays allocated right at the user line: the leaf is the user frame (runtime trimmed).
  const leafIsUser = stacks.some((s) => s.length > 0 && isUserFrame(s[0]) && s[0].function === site.frame.function);
  if (leafIsUser && atLeast(opts.goVersion, 24) !== true && hasMapDoubling(site.objectSizes)) {
    return { pattern: 'unbounded-map', fix: unboundedMapFix() };
  }
  const avg = site.avgObjectBytes ?? 0;
  // Big objects piling up where a reader filled them, or where the user's own make() created them
  // (the leaf is the user line): buffers, whose small sub-slices are the classic way to keep them.
  if (avg >= MIN_BUFFER_BYTES && site.objectsDelta > 0 && (leafIsUser || hasFrame(stacks, (fn) => BIG_BUFFER_FUNCS.has(fn)))) {
    return { pattern: 'subslice-retention', fix: subsliceFix(opts.goVersion) };
  }
  return undefined;
}

const CHANNEL_STATES = /^(chan receive|chan send|select)( \(nil chan\)| \(no cases\))?$/;
const CHANNEL_FRAMES = new Set([
  'runtime.chanrecv',
  'runtime.chanrecv1',
  'runtime.chanrecv2',
  'runtime.chansend',
  'runtime.chansend1',
  'runtime.selectgo',
  'runtime.block',
]);
const READ_LOOP = 'net/http.(*persistConn).readLoop';
const WRITE_LOOP = 'net/http.(*persistConn).writeLoop';

function hasFn(c: Culprit, fn: string | ((f: string) => boolean)): boolean {
  return c.stack.some((f) => (typeof fn === 'string' ? f.function === fn : fn(f.function)));
}

/** readLoop waiting for the body to be read (select) versus idle on the socket (IO wait). */
function readLoopPattern(c: Culprit): PatternId | undefined {
  if (!hasFn(c, READ_LOOP)) return undefined;
  if (c.state === 'select' || (c.state === undefined && hasFn(c, 'runtime.selectgo'))) return 'unclosed-response-body';
  if (c.state === 'IO wait' || (c.state === undefined && hasFn(c, (f) => f === 'bufio.(*Reader).Peek' || f.startsWith('internal/poll.')))) {
    return 'transport-per-request';
  }
  return undefined;
}

/**
 * Which known pattern a growing goroutine group matches. `all` is the whole culprit list: writeLoop
 * goroutines look the same in both HTTP patterns, so they take their readLoop sibling's.
 */
export function goroutinePattern(c: Culprit, all: Culprit[] = [], _opts: PatternOptions = {}): PatternMatch | undefined {
  const httpFix = (p: PatternId): PatternMatch => ({ pattern: p, fix: p === 'transport-per-request' ? transportFix() : unclosedBodyFix() });
  const rl = readLoopPattern(c);
  if (rl) return httpFix(rl);
  if (hasFn(c, WRITE_LOOP)) {
    const siblings = all.map(readLoopPattern).filter((p): p is PatternId => p !== undefined);
    if (siblings.length > 0) return httpFix(siblings[0]);
    return { pattern: 'unclosed-response-body', fix: httpConnFix() };
  }
  if ((c.state !== undefined && CHANNEL_STATES.test(c.state)) || (c.state === undefined && hasFn(c, (f) => CHANNEL_FRAMES.has(f)))) {
    return { pattern: 'blocked-channel', fix: blockedChannelFix(c.state) };
  }
  return undefined;
}

const HTTP_PATTERNS = new Set<PatternId>(['unclosed-response-body', 'transport-per-request']);

function isHttpCulprit(c: Culprit): boolean {
  return c.pattern !== undefined && HTTP_PATTERNS.has(c.pattern);
}

function isUserCulprit(c: Culprit): boolean {
  return isUserFrame({ function: c.function, file: c.file, line: c.line });
}

/** Fraction of consecutive points that rose (CulpritGrowth.monotonicity). */
function risingShare(series: number[]): number {
  if (series.length < 2) return 0;
  let up = 0;
  for (let i = 1; i < series.length; i++) if (series[i] > series[i - 1]) up++;
  return up / (series.length - 1);
}

/** One culprit standing for several sites of the same profiles: series, rates and shares add up. */
function mergeGrowth(into: Culprit, parts: Culprit[]): Culprit {
  const all = [into, ...parts];
  const series = into.growth.series.map((_, i) => all.reduce((a, c) => a + c.growth.series[i], 0));
  const monotonicity = risingShare(series);
  const perMinute = all.every((c) => c.growth.perMinute !== undefined) ? all.reduce((a, c) => a + c.growth.perMinute!, 0) : undefined;
  const growth = {
    ...into.growth,
    delta: series[series.length - 1] - series[0],
    monotonicity,
    share: Math.min(
      1,
      all.reduce((a, c) => a + c.growth.share, 0),
    ),
    series,
  };
  if (perMinute !== undefined) growth.perMinute = perMinute;
  // score = slope × monotonicity, and slopes add.
  const slope = all.reduce((a, c) => a + (c.growth.monotonicity > 0 ? c.score / c.growth.monotonicity : 0), 0);
  return { ...into, growth, score: slope * monotonicity };
}

/**
 * HTTP client connections piling up, attributed to the user code that makes the requests. The Transport
 * dials each connection in a goroutine of its own (`go t.dialConnFor(w)`), so the connection's bufio
 * buffers (dialConn) and its readLoop/writeLoop goroutines have stacks with no user frame at all
 * (go-memory-facts §8); only the request objects are allocated on the user's own call path. Once the
 * goroutine profile shows the pile-up (readLoop in select or IO wait), the heap sites inside net/http
 * that carry an HTTP pattern are folded into the growing heap site of the user's request line (the
 * largest, when several), and the connection goroutines (readLoop + writeLoop) become one goroutine
 * culprit named after that line too — the readLoop's stack and state stay as evidence. The HTTP pattern and fix come from the goroutines, which tell the two
 * patterns apart; without goroutine evidence nothing changes.
 */
export function attributeHttpConnections(heap: Culprit[], goroutines: Culprit[], requester?: HttpRequesterName): { heap: Culprit[]; goroutines: Culprit[] } {
  // The pattern of the readLoop group that grew most: a connection caught mid-request has its
  // readLoop in IO wait for a moment, whatever the leak is.
  const readLoops = goroutines.filter((g) => readLoopPattern(g) !== undefined).sort((a, b) => b.growth.delta - a.growth.delta);
  const fromGoroutines = readLoops.length ? readLoopPattern(readLoops[0]) : undefined;
  if (!fromGoroutines) return { heap, goroutines };
  const fix = fromGoroutines === 'transport-per-request' ? transportFix() : unclosedBodyFix();
  let out = heap.map((c) => (isHttpCulprit(c) ? { ...c, pattern: fromGoroutines, fix } : c));
  const caller = out.filter((c) => isHttpCulprit(c) && isUserCulprit(c)).sort((a, b) => b.growth.delta - a.growth.delta)[0];
  // The name: the growing request line when the heap shows one, else the requester found on the
  // paths into net/http's client (culprits.ts httpRequester), else nothing to attribute to.
  const name = caller ? { function: caller.function, file: caller.file, line: caller.line } : requester?.frame;
  if (!name) return { heap: out, goroutines };
  const why = (what: string) =>
    `${what} have no frame of the program's own code (the Transport dials in a goroutine of its own); named after ${name.function}, which makes the requests${
      caller ? ' (its request objects grow with them)' : requester ? ` (${REQUESTER_EVIDENCE[requester.evidence]})` : ''
    }`;
  const internal = out.filter((c) => isHttpCulprit(c) && !isUserCulprit(c) && (!caller || c.growth.series.length === caller.growth.series.length));
  if (caller && internal.length) {
    const merged = mergeGrowth(caller, internal);
    out = out.filter((c) => !internal.includes(c)).map((c) => (c === caller ? merged : c));
    out.sort((a, b) => b.score - a.score);
  } else if (!caller && internal.length) {
    const [base, ...rest] = internal;
    const same = rest.filter((c) => c.growth.series.length === base.growth.series.length);
    const merged = { ...mergeGrowth(base, same), ...name, attribution: why(`Connection buffers under ${base.function}`) };
    out = out.filter((c) => !same.includes(c)).map((c) => (c === base ? merged : c));
    out.sort((a, b) => b.score - a.score);
  }
  // The server side's buffers of the same connections (an in-process upstream): no own frame either.
  out = out.map((c) =>
    !isUserCulprit(c) && c.stack.some((f) => f.function === SERVER_CONN) && !c.stack.some(isUserFrame)
      ? {
          ...c,
          ...name,
          pattern: fromGoroutines,
          fix,
          attribution: why(`Server connection buffers under ${c.function}, the other end of the program's own client connections,`),
        }
      : c,
  );
  // A connection's readLoop and writeLoop are one leak: one culprit, with the readLoop's stack and
  // state (the one that tells the patterns apart) and both goroutines' counts.
  // (Judged by the stack, not the name: a goroutine culprit may already carry its creator's name.)
  const conn = goroutines.filter((g) => isHttpCulprit(g) && !g.stack.some(isUserFrame));
  let named = goroutines;
  if (conn.length) {
    const base = readLoops[0] && conn.includes(readLoops[0]) ? readLoops[0] : conn[0];
    const rest = conn.filter((g) => g !== base && g.growth.series.length === base.growth.series.length);
    const merged = {
      ...mergeGrowth(base, rest),
      ...name,
      pattern: fromGoroutines,
      fix,
      attribution: why(`Connection goroutines (${READ_LOOP}, ${WRITE_LOOP})`),
    };
    named = goroutines.filter((g) => !rest.includes(g)).map((g) => (g === base ? merged : g));
  }
  // The server side of the same connections, when the program also serves what it calls (an
  // in-process upstream): idle net/http.(*conn).serve goroutines with no own frame pile up with the
  // client's, and are the same leak.
  named = named.map((g) =>
    g.stack.some((f) => f.function === SERVER_CONN) && !g.stack.some(isUserFrame)
      ? {
          ...g,
          ...name,
          pattern: fromGoroutines,
          fix,
          attribution: why(`Server connection goroutines (${SERVER_CONN}), the other end of the program's own client connections,`),
        }
      : g,
  );
  named.sort((a, b) => b.score - a.score);
  return { heap: out, goroutines: named };
}

/** The requester culprits.ts found, as patterns.ts needs it (kept structural: patterns.ts does not import culprits.ts). */
export interface HttpRequesterName {
  frame: Frame;
  evidence: 'heap-growth' | 'heap-allocations' | 'goroutine-stacks';
}

const REQUESTER_EVIDENCE: Record<HttpRequesterName['evidence'], string> = {
  'heap-growth': 'the bytes its requests keep grow',
  'heap-allocations': "heap allocation stacks through net/http's client",
  'goroutine-stacks': 'goroutines caught inside its requests',
};

const SERVER_CONN = 'net/http.(*conn).serve';

/**
 * Heap growth at net/http's connection buffers cannot say by itself whether bodies are left open or
 * Transports are thrown away; the goroutine culprits can. Returns the heap culprits refined by
 * attributeHttpConnections and — because callers keep their goroutine list — replaces the contents of
 * `goroutines` in place with attributeHttpConnections' goroutine culprits.
 */
export function refineHttpPatterns(heap: Culprit[], goroutines: Culprit[], requester?: HttpRequesterName): Culprit[] {
  const r = attributeHttpConnections(heap, goroutines, requester);
  if (r.goroutines !== goroutines) goroutines.splice(0, goroutines.length, ...r.goroutines);
  return r.heap;
}

/**
 * Advice for memory that grows outside the Go heap (RSS rising while the live heap and
 * Sys − HeapReleased stay flat): profiles cannot see it, so there is no culprit, only this text.
 */
export function offHeapPattern(): PatternMatch & { explanation: string } {
  return {
    pattern: 'off-heap-cgo',
    explanation:
      "RSS grows while the Go heap does not: the memory is allocated outside the Go runtime (C code via cgo, C.malloc, mmap, or a library using them), which Go's heap profile cannot see.",
    fix: 'Look at cgo calls and C libraries: free what C.malloc returns (C.free), close or release C-side handles, and unmap mmaps; measure with a C-level tool (heaptrack, jemalloc/tcmalloc profiling, valgrind massif) since pprof shows only Go allocations.',
  };
}
