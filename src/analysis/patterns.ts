// Known leak shapes: given a growing heap site or goroutine group, say which classic Go leak it is and
// name the fix, in words that fit the Go version the service runs.
//
// The non-obvious decision is how an unbounded map is recognised. Go's heap profile writer trims the
// leading runtime.* frames of every allocation stack, so runtime.mapassign / hashGrow never appear: the
// bucket array is charged to the user line doing `m[k] = v`, exactly like a make() or append() on that
// line. What does survive is the size of the bucket arrays. The profile keeps one record per
// (stack, object size), also for arrays already freed, and a classic (Go ≤ 1.23) map grows by
// allocating a new array of exactly twice the size; an append-grown slice grows by ≈1.25× once it is
// large. So a site allocated directly at the user line (leaf frame) is named an unbounded map when
// at least three of its large (≥ 128 KiB) object sizes exist and, sorted, they step by powers of two
// only. Measured on go1.19.8: 319488, 630784, 1253376, 2506752, 5013504 bytes
// (ratios 1.97–2.00) for a map[int64]*T growing to 120,000 keys, against 1.25–1.3 steps for an
// append-grown []job (testdata queue case), where any single pair can still be ≈2× by chance.
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
  /** Average object size of every record at the site, including records with nothing live any more. */
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

const MIN_MAP_ARRAY_BYTES = 128 * 1024;
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
  'io.ReadAll', 'io/ioutil.ReadAll', 'os.ReadFile', 'io/ioutil.ReadFile', 'bytes.(*Buffer).grow', 'bytes.growSlice',
  'bytes.(*Buffer).ReadFrom', 'strings.(*Builder).grow', 'bufio.(*Scanner).Scan',
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
  return 'Bound the map: delete entries when they are done, or evict by age or size (TTL/LRU); deleting keys does not shrink a Go map\'s buckets (golang/go#20135), so replace a map that was once huge with a fresh one.';
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
  const leafIsUser = stacks.some((s) => s.length > 0 && isUserFrame(s[0]) && s[0].function === site.frame.function && s[0].line === site.frame.line);
  if (leafIsUser && atLeast(opts.goVersion, 24) !== true && hasMapDoubling(site.objectSizes)) {
    return { pattern: 'unbounded-map', fix: unboundedMapFix() };
  }
  const avg = site.avgObjectBytes ?? 0;
  if (avg >= MIN_BUFFER_BYTES && site.objectsDelta > 0 && hasFrame(stacks, (fn) => BIG_BUFFER_FUNCS.has(fn))) {
    return { pattern: 'subslice-retention', fix: subsliceFix(opts.goVersion) };
  }
  return undefined;
}

const CHANNEL_STATES = /^(chan receive|chan send|select)( \(nil chan\)| \(no cases\))?$/;
const CHANNEL_FRAMES = new Set(['runtime.chanrecv', 'runtime.chanrecv1', 'runtime.chanrecv2', 'runtime.chansend', 'runtime.chansend1', 'runtime.selectgo', 'runtime.block']);
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

/**
 * Heap growth at net/http's connection buffers cannot say by itself whether bodies are left open or
 * Transports are thrown away; the goroutine culprits can. Returns the heap culprits with the HTTP
 * pattern and fix taken from the goroutine side when it names one.
 */
export function refineHttpPatterns(heap: Culprit[], goroutines: Culprit[]): Culprit[] {
  const fromGoroutines = goroutines.map(readLoopPattern).find((p) => p !== undefined);
  if (!fromGoroutines) return heap;
  return heap.map((c) =>
    c.pattern === 'unclosed-response-body' || c.pattern === 'transport-per-request'
      ? { ...c, pattern: fromGoroutines, fix: fromGoroutines === 'transport-per-request' ? transportFix() : unclosedBodyFix() }
      : c,
  );
}

/**
 * Advice for memory that grows outside the Go heap (RSS rising while the live heap and
 * Sys − HeapReleased stay flat): profiles cannot see it, so there is no culprit, only this text.
 */
export function offHeapPattern(): PatternMatch & { explanation: string } {
  return {
    pattern: 'off-heap-cgo',
    explanation:
      'RSS grows while the Go heap does not: the memory is allocated outside the Go runtime (C code via cgo, C.malloc, mmap, or a library using them), which Go\'s heap profile cannot see.',
    fix: 'Look at cgo calls and C libraries: free what C.malloc returns (C.free), close or release C-side handles, and unmap mmaps; measure with a C-level tool (heaptrack, jemalloc/tcmalloc profiling, valgrind massif) since pprof shows only Go allocations.',
  };
}
