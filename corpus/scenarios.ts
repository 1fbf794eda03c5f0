// The heapsight corpus: every scenario one line of parameters for corpus/service (one Go program whose
// flags make it a leak, a cache, churn, a step, bursts…) plus the truth that program deserves, per Go
// version where the runtime changes the answer (unstopped tickers leak only before Go 1.23).
//
// Why the truth is written here and not read from a run: it is what the program does by construction
// (a map nothing deletes from grows; an LRU of N entries is bounded), and `why` says so in one sentence.
// scripts/record-corpus.ts copies the truth resolved for the Go version into each recording as
// truth.json; scripts/eval.ts scores against this table.
//
// Rates are by construction: retained bytes per leak event × events per second (rps / leak-every),
// plus the container's own overhead (a map entry, a slice header), which the descriptions round in.
//
// Left out on purpose: a cache whose fill is linear for longer than the window (an LRU filling in
// 10 min watched for 3). Until its bound is reached it is, byte for byte and stack for stack, an
// unbounded map, so no truth about a prefix of it can be defended; the "bound far above the window"
// class is here as keyspace caches, whose fill slows down visibly long before it ends.

import type { PatternId, Verdict } from '../src/analysis/findings.js';
import type { GoVersion } from '../src/test-support/toolchain.js';
import type { JobLoad } from '../scripts/lib/recorder.js';

export interface Truth {
  verdict: Verdict;
  /** The user function to blame (first frame of the program's own code on what grows), null when no Go profile can see it. */
  culprit: string | null;
  /** Which profile shows the culprit: goroutine stacks, or only heap allocation stacks. */
  culpritKind?: 'heap' | 'goroutine';
  pattern?: PatternId;
  why: string;
}

export type ScenarioClass = 'cache' | 'heap-leak' | 'goroutine-leak' | 'off-heap' | 'churn' | 'gc-settings' | 'burst' | 'step' | 'traffic' | 'program';

export interface Scenario {
  name: string;
  class: ScenarioClass;
  description: string;
  /** Flags for corpus/service (see its -help). */
  args: string[];
  /** GOGC, GOMEMLIMIT, GODEBUG for the service. */
  env?: Record<string, string>;
  /** client_golang's default /metrics: none, bookworm's 1.14 or trixie's 1.21 (1.21 needs Go ≥ 1.21, so on Go 1.19 it is 1.14). */
  metrics?: 'none' | '1.14' | '1.21';
  /** Serve /debug/vars (default yes). */
  vars?: boolean;
  /** Record GODEBUG=gctrace=1 (default yes). */
  gctrace?: boolean;
  load: JobLoad;
  truth: Truth;
  /** Where a Go version changes the truth. */
  truthByGo?: Partial<Record<GoVersion, Truth>>;
}

export const CORPUS_SECONDS = 180;

const steady = (rps: number, concurrency = 2): JobLoad => ({ path: '/work', concurrency, phases: [{ seconds: CORPUS_SECONDS, rps }] });
const phased = (phases: [number, number][], concurrency = 2): JobLoad => ({
  path: '/work',
  concurrency,
  phases: phases.map(([seconds, rps]) => ({ seconds, rps })),
});
const leak = (kind: string, bytes: number, every = 1) => ['-leak', kind, '-leak-bytes', String(bytes), '-leak-every', String(every)];
const churn = (bytes: number) => ['-churn-bytes', String(bytes)];
// 4096: small leaked objects are then sampled often enough for a few minutes to name their site; the
// default (512 KiB) is kept where the leak is fast enough to be sampled anyway, as in most services.
const fineProfile = ['-profile-rate', '4096'];
const noLeak = (why: string): Truth => ({ verdict: 'no-leak', culprit: null, why });
const heapLeak = (culprit: string, why: string, pattern?: PatternId): Truth => ({
  verdict: 'heap-leak',
  culprit,
  culpritKind: 'heap',
  why,
  ...(pattern ? { pattern } : {}),
});
const goroutineLeak = (culprit: string, culpritKind: 'heap' | 'goroutine', why: string, pattern?: PatternId): Truth => ({
  verdict: 'goroutine-leak',
  culprit,
  culpritKind,
  why,
  ...(pattern ? { pattern } : {}),
});

export const scenarios: Scenario[] = [
  // --- caches: bounded, whatever their fill looks like ---
  {
    name: 'lru-fill-10s',
    class: 'cache',
    description: 'LRU of 500 × 2 KiB at 50 rps: full after 10 s, one eviction per request after.',
    args: ['-cache', 'lru', '-cache-entries', '500', '-cache-value', '2048', ...churn(16 << 10)],
    load: steady(50),
    truth: noLeak('an LRU of 500 entries holds at most 500 values; full at 10 s'),
  },
  {
    name: 'lru-fill-30s',
    class: 'cache',
    description: 'LRU of 3,000 × 4 KiB at 100 rps (issue 9 class 1 in small): 12 MiB, full after 30 s, flat for 150 s.',
    args: ['-cache', 'lru', '-cache-entries', '3000', '-cache-value', '4096'],
    load: steady(100, 4),
    truth: noLeak('an LRU of 3,000 entries is bounded at ~12 MiB; full at 30 s'),
  },
  {
    name: 'lru-fill-40s-metrics',
    class: 'cache',
    description: 'LRU of 2,000 × 1 KiB at 50 rps with 32 KiB churn per request, client_golang /metrics: full at 40 s.',
    args: ['-cache', 'lru', '-cache-entries', '2000', '-cache-value', '1024', ...churn(32 << 10)],
    metrics: '1.21',
    load: steady(50),
    truth: noLeak('an LRU of 2,000 entries is bounded; full at 40 s'),
  },
  {
    name: 'ttl-30s',
    class: 'cache',
    description: 'TTL cache, 30 s TTL, 40 rps × 4 KiB: ~4.7 MiB steady from 30 s, swept each second.',
    args: ['-cache', 'ttl', '-cache-ttl', '30s', '-cache-value', '4096', ...churn(8 << 10)],
    load: steady(40),
    truth: noLeak('every entry is deleted 30 s after insertion; the size is rps × TTL'),
  },
  {
    name: 'ttl-20s-gogc25',
    class: 'cache',
    description: 'TTL cache, 20 s TTL, 30 rps × 2 KiB, GOGC=25: many GC cycles, flat from 20 s.',
    args: ['-cache', 'ttl', '-cache-ttl', '20s', '-cache-value', '2048', ...churn(32 << 10)],
    env: { GOGC: '25' },
    load: steady(30),
    truth: noLeak('every entry is deleted 20 s after insertion'),
  },
  {
    name: 'bytes-bounded-50s',
    class: 'cache',
    description: 'Size-bounded cache of 8 MiB total, values 1–3 KiB (mean 2 KiB), 80 rps: full at ~50 s, oldest evicted.',
    args: ['-cache', 'bytes', '-cache-bytes', String(8 << 20), '-cache-value', '2048'],
    load: steady(80, 4),
    truth: noLeak('the total value bytes are capped at 8 MiB'),
  },
  {
    name: 'keyspace-tau60s',
    class: 'cache',
    description: 'Keyspace cache: 40 rps draw from 2,400 keys (τ = 60 s): 63 % full at 60 s, 95 % at 180 s, the fill slowing all along.',
    args: ['-cache', 'keyspace', '-cache-entries', '2400', '-cache-value', '4096', ...churn(8 << 10)],
    load: steady(40),
    truth: noLeak('at most 2,400 keys exist; a hit replaces a value, so the cache is bounded at ~10 MiB'),
  },
  {
    name: 'keyspace-tau150s',
    class: 'cache',
    description:
      'Keyspace cache whose bound is far above the window: 40 rps from 6,000 keys × 4 KiB (τ = 150 s, 95 % full at 7.5 min); at 180 s 70 % full, growing at 30 % of its first pace.',
    args: ['-cache', 'keyspace', '-cache-entries', '6000', '-cache-value', '4096', ...churn(8 << 10)],
    load: steady(40),
    truth: noLeak('at most 6,000 keys exist (~24 MiB); the fill decelerates as hits replace values'),
  },
  {
    name: 'lru-traffic-rise-fall',
    class: 'traffic',
    description: 'LRU of 1,500 × 2 KiB; traffic 10 → 60 → 10 rps (40/80/60 s): full at ~50 s.',
    args: ['-cache', 'lru', '-cache-entries', '1500', '-cache-value', '2048', ...churn(16 << 10)],
    load: phased([
      [40, 10],
      [80, 60],
      [60, 10],
    ]),
    truth: noLeak('an LRU of 1,500 entries is bounded whatever the traffic'),
  },
  {
    name: 'ttl-idle-gaps',
    class: 'traffic',
    description: 'TTL cache (15 s) at 40 rps × 4 KiB, with idle gaps: 40 s on, 30 s off, repeated; it empties in each gap.',
    args: ['-cache', 'ttl', '-cache-ttl', '15s', '-cache-value', '4096', ...churn(16 << 10)],
    load: phased([
      [40, 40],
      [30, 0],
      [40, 40],
      [30, 0],
      [40, 40],
    ]),
    truth: noLeak('entries expire 15 s after insertion; the cache empties when traffic stops'),
  },

  // --- heap leaks, 100 KiB/min to 100 MiB/min ---
  {
    name: 'map-100k-per-min',
    class: 'heap-leak',
    description: 'Global map, 256 B per entry every 3rd request at 20 rps: ~130 KiB/min with the map overhead, 16 KiB churn per request.',
    args: [...leak('map', 256, 3), ...churn(16 << 10), ...fineProfile],
    load: steady(20),
    truth: heapLeak('main.rememberSession', 'a map nothing deletes from gains an entry every 3rd request', 'unbounded-map'),
  },
  {
    name: 'map-1m-per-min',
    class: 'heap-leak',
    description: 'Global map, 1 KiB per request at 20 rps: ~1.4 MiB/min; client_golang /metrics.',
    args: [...leak('map', 1024), ...churn(64 << 10), ...fineProfile],
    metrics: '1.14',
    load: steady(20),
    truth: heapLeak('main.rememberSession', 'a map nothing deletes from gains 1 KiB per request', 'unbounded-map'),
  },
  {
    name: 'map-100m-per-min',
    class: 'heap-leak',
    description: 'Global map, 32 KiB per request at 50 rps: ~96 MiB/min (issue 9 class 3: a clear fast leak), default profile rate.',
    args: [...leak('map', 32 << 10)],
    load: steady(50),
    truth: heapLeak('main.rememberSession', 'a map nothing deletes from gains 32 KiB per request', 'unbounded-map'),
  },
  {
    name: 'map-4k-heavy-churn',
    class: 'heap-leak',
    description: 'Map leak of 4 KiB per request at 20 rps (~5 MiB/min) under 1 MiB of churn per request (20 MiB/s of garbage).',
    args: [...leak('map', 4096), ...churn(1 << 20), ...fineProfile],
    load: steady(20),
    truth: heapLeak('main.rememberSession', 'a map nothing deletes from gains 4 KiB per request; the churn is freed', 'unbounded-map'),
  },
  {
    name: 'map-slow-heavy-churn-gogc25',
    class: 'heap-leak',
    description: 'Map leak of 512 B per request at 20 rps (~700 KiB/min) under 256 KiB churn per request, GOGC=25: thousands of GC cycles over a small heap.',
    args: [...leak('map', 512), ...churn(256 << 10), ...fineProfile],
    env: { GOGC: '25' },
    load: steady(20),
    truth: heapLeak('main.rememberSession', 'a map nothing deletes from gains ~600 B per request', 'unbounded-map'),
  },
  {
    name: 'map-idle-gaps',
    class: 'traffic',
    description: 'Map leak of 2 KiB per request at 30 rps, with idle gaps (40 s on, 30 s off): ~4 MiB/min while busy, flat while idle.',
    args: [...leak('map', 2048), ...churn(32 << 10), ...fineProfile],
    load: phased([
      [40, 30],
      [30, 0],
      [40, 30],
      [30, 0],
      [40, 30],
    ]),
    truth: heapLeak('main.rememberSession', 'every request adds an entry no one deletes; it only pauses when traffic does', 'unbounded-map'),
  },
  {
    name: 'map-no-vars',
    class: 'heap-leak',
    description: 'Map leak of 2 KiB per request at 25 rps (~3.5 MiB/min), /metrics (client_golang 1.21) only, no /debug/vars.',
    args: [...leak('map', 2048), ...churn(32 << 10), ...fineProfile],
    metrics: '1.21',
    vars: false,
    load: steady(25),
    truth: heapLeak('main.rememberSession', 'a map nothing deletes from gains 2 KiB per request', 'unbounded-map'),
  },
  {
    name: 'map-pprof-only-no-gctrace',
    class: 'heap-leak',
    description: 'Map leak of 4 KiB per request at 20 rps (~5 MiB/min); neither /debug/vars nor /metrics, no gctrace: only /proc and pprof.',
    args: [...leak('map', 4096), ...churn(32 << 10), ...fineProfile],
    vars: false,
    gctrace: false,
    load: steady(20),
    truth: heapLeak('main.rememberSession', 'a map nothing deletes from gains 4 KiB per request', 'unbounded-map'),
  },
  {
    name: 'map-gomemlimit',
    class: 'gc-settings',
    description: 'Map leak of 8 KiB per request at 20 rps (~10 MiB/min) under GOMEMLIMIT=64MiB (not reached in 180 s) and GOGC=100.',
    args: [...leak('map', 8192), ...churn(64 << 10)],
    env: { GOMEMLIMIT: '64MiB' },
    load: steady(20),
    truth: heapLeak('main.rememberSession', 'a map nothing deletes from gains 8 KiB per request', 'unbounded-map'),
  },
  {
    name: 'syncmap-5m-per-min-gogc400',
    class: 'heap-leak',
    description: 'sync.Map keyed by request number, 2 KiB each at 40 rps (~5 MiB/min), GOGC=400.',
    args: [...leak('syncmap', 2048), ...churn(32 << 10), ...fineProfile],
    env: { GOGC: '400' },
    load: steady(40),
    truth: heapLeak('main.trackVisitor', 'a sync.Map keyed by a never-repeating value only grows', 'unbounded-sync-map'),
  },
  {
    name: 'syncmap-traffic-rising',
    class: 'traffic',
    description: 'sync.Map leak of 1 KiB per request, traffic rising 5 → 20 → 60 rps (60 s each): the leak rate rises with it.',
    args: [...leak('syncmap', 1024), ...churn(16 << 10), ...fineProfile],
    load: phased([
      [60, 5],
      [60, 20],
      [60, 60],
    ]),
    truth: heapLeak('main.trackVisitor', 'a sync.Map keyed by a never-repeating value only grows', 'unbounded-sync-map'),
  },
  {
    name: 'slice-600k-per-min-gogc25',
    class: 'heap-leak',
    description: 'Append-only slice, 1 KiB per request at 10 rps (~600 KiB/min), GOGC=25.',
    args: [...leak('slice', 1024), ...churn(32 << 10), ...fineProfile],
    env: { GOGC: '25' },
    load: steady(10),
    truth: heapLeak('main.appendAuditLog', 'a global slice is appended to and never truncated'),
  },
  {
    name: 'slice-20m-per-min-gogc800',
    class: 'gc-settings',
    description: 'Append-only slice, 8 KiB per request at 40 rps (~19 MiB/min), GOGC=800: few, far-apart GC cycles.',
    args: [...leak('slice', 8192), ...churn(16 << 10)],
    env: { GOGC: '800' },
    load: steady(40),
    truth: heapLeak('main.appendAuditLog', 'a global slice is appended to and never truncated'),
  },
  {
    name: 'slice-5m-no-gctrace',
    class: 'heap-leak',
    description: 'Append-only slice, 4 KiB per request at 20 rps (~5 MiB/min), client_golang /metrics, no gctrace.',
    args: [...leak('slice', 4096), ...churn(32 << 10), ...fineProfile],
    metrics: '1.21',
    gctrace: false,
    load: steady(20),
    truth: heapLeak('main.appendAuditLog', 'a global slice is appended to and never truncated'),
  },
  {
    name: 'subslice-9m-per-min',
    class: 'heap-leak',
    description: 'Keeps a 16-byte sub-slice of a 16 KiB buffer per request at 10 rps: ~9.4 MiB/min retained through headers.',
    args: [...leak('subslice', 16 << 10), ...churn(16 << 10), ...fineProfile],
    load: steady(10),
    truth: heapLeak('main.keepHeader', 'each kept 16-byte sub-slice pins its whole 16 KiB buffer', 'subslice-retention'),
  },
  {
    name: 'ticker-per-request',
    class: 'heap-leak',
    description: 'time.NewTicker per request never stopped, 50 rps (~250 B each: ~750 KiB/min on Go < 1.23).',
    args: [...leak('ticker', 0), ...churn(8 << 10), ...fineProfile],
    load: steady(50, 4),
    truth: heapLeak('main.startKeepalive', 'before Go 1.23 an unstopped ticker stays in the runtime timer heap forever', 'unstopped-ticker'),
    truthByGo: {
      '1.27': noLeak('from Go 1.23 an unreferenced ticker is collected even if never stopped'),
    },
  },

  // --- goroutine leaks ---
  {
    name: 'chan-1200-per-min',
    class: 'goroutine-leak',
    description: 'A goroutine per request waits on a channel nobody sends on, holding 1 KiB: 20 rps, 1,200 goroutines/min.',
    args: [...leak('chan', 1024), ...churn(16 << 10)],
    load: steady(20),
    truth: goroutineLeak('main.awaitReply', 'goroutine', 'each blocks forever on a receive no one will send', 'blocked-channel'),
  },
  {
    name: 'chan-60-per-min',
    class: 'goroutine-leak',
    description: 'A goroutine every 10th request at 10 rps waits on a dead channel: 60 goroutines/min (~0.5 MiB/min of stacks).',
    args: [...leak('chan', 256, 10), ...churn(16 << 10)],
    metrics: '1.14',
    load: steady(10),
    truth: goroutineLeak('main.awaitReply', 'goroutine', 'each blocks forever on a receive no one will send', 'blocked-channel'),
  },
  {
    name: 'chan-heavy-churn-gogc200',
    class: 'goroutine-leak',
    description: '300 goroutines/min blocked on a channel (every 4th request at 20 rps) under 512 KiB churn per request, GOGC=200.',
    args: [...leak('chan', 512, 4), ...churn(512 << 10)],
    env: { GOGC: '200' },
    load: steady(20),
    truth: goroutineLeak('main.awaitReply', 'goroutine', 'each blocks forever on a receive no one will send', 'blocked-channel'),
  },
  {
    name: 'mutex-600-per-min',
    class: 'goroutine-leak',
    description: 'A goroutine every 2nd request at 20 rps blocks on a mutex that is never unlocked: 600/min.',
    args: [...leak('mutex', 1024, 2), ...churn(16 << 10)],
    load: steady(20),
    truth: goroutineLeak('main.waitForLock', 'goroutine', 'the mutex was locked at start and is never unlocked'),
  },
  {
    name: 'waitgroup-600-per-min',
    class: 'goroutine-leak',
    description: 'A goroutine per request at 10 rps waits on a WaitGroup whose worker never calls Done: 600/min.',
    args: [...leak('waitgroup', 1024), ...churn(16 << 10)],
    metrics: '1.21',
    load: steady(10),
    truth: goroutineLeak('main.waitForWorkers', 'goroutine', 'Add(1) is never matched by Done, so Wait never returns'),
  },
  {
    name: 'select-forever-300-per-min',
    class: 'goroutine-leak',
    description: 'A background goroutine per request at 5 rps parks in an empty select{}: 300/min.',
    args: [...leak('select', 2048), ...churn(16 << 10)],
    load: steady(5),
    truth: goroutineLeak('main.parkForever', 'goroutine', 'select{} never returns'),
  },
  {
    name: 'unclosed-body',
    class: 'goroutine-leak',
    description: 'Calls an upstream (its own process) per request at 5 rps and never closes resp.Body: 2 connection goroutines + 8 KiB of buffers per request.',
    args: [...leak('body', 0), ...fineProfile],
    metrics: '1.21',
    load: steady(5),
    truth: goroutineLeak(
      'main.fetchUpstream',
      'heap',
      'a response body never read nor closed keeps its connection (readLoop/writeLoop) forever',
      'unclosed-response-body',
    ),
  },
  {
    name: 'transport-per-request',
    class: 'goroutine-leak',
    description: 'A new http.Transport per upstream call at 5 rps, idle connections never closed: 2 goroutines per request.',
    args: [...leak('transport', 0), ...fineProfile],
    load: steady(5),
    truth: goroutineLeak('main.callWithNewTransport', 'heap', 'each Transport keeps its idle connection and its two goroutines', 'transport-per-request'),
  },

  // --- off-heap ---
  {
    name: 'cgo-malloc-9m-per-min',
    class: 'off-heap',
    description: 'C.malloc of 32 KiB per request at 5 rps, filled, never freed: RSS +9.4 MiB/min, Go heap flat; client_golang /metrics.',
    args: [...leak('cgo', 32 << 10), ...churn(16 << 10)],
    metrics: '1.14',
    load: steady(5),
    truth: {
      verdict: 'off-heap-growth',
      culprit: null,
      pattern: 'off-heap-cgo',
      why: 'C memory is invisible to Go profiles; only RSS and cgo call counts show it',
    },
  },
  {
    name: 'cgo-malloc-1m-per-min',
    class: 'off-heap',
    description: 'C.malloc of 4 KiB per request at 5 rps, never freed: RSS +1.2 MiB/min.',
    args: [...leak('cgo', 4096), ...churn(16 << 10)],
    load: steady(5),
    truth: { verdict: 'off-heap-growth', culprit: null, pattern: 'off-heap-cgo', why: 'C memory is invisible to Go profiles' },
  },
  {
    name: 'mmap-19m-per-min',
    class: 'off-heap',
    description: 'syscall.Mmap of 64 KiB anonymous memory per request at 5 rps, touched, never unmapped: RSS +19 MiB/min.',
    args: [...leak('mmap', 64 << 10), ...churn(16 << 10)],
    load: steady(5),
    truth: { verdict: 'off-heap-growth', culprit: null, why: 'mmap memory is outside the Go heap; only RSS shows it' },
  },

  // --- churn and GC settings, no leak ---
  {
    name: 'churn-none-idle',
    class: 'churn',
    description: 'Nothing retained, no churn, 2 rps: a nearly idle service with very few GC cycles.',
    args: [],
    load: steady(2),
    truth: noLeak('nothing is retained per request'),
  },
  {
    name: 'churn-light',
    class: 'churn',
    description: '64 KiB of garbage per request at 30 rps, nothing retained; client_golang /metrics.',
    args: [...churn(64 << 10)],
    metrics: '1.14',
    load: steady(30),
    truth: noLeak('nothing is retained per request'),
  },
  {
    name: 'churn-heavy',
    class: 'churn',
    description: '1 MiB of garbage per request at 30 rps (30 MiB/s), nothing retained.',
    args: [...churn(1 << 20)],
    load: steady(30),
    truth: noLeak('nothing is retained per request'),
  },
  {
    name: 'gogc800-lru',
    class: 'gc-settings',
    description: 'GOGC=800, 256 KiB churn per request at 30 rps, LRU of 2,000 × 1 KiB (full at 67 s): a tall sawtooth over a small live heap.',
    args: ['-cache', 'lru', '-cache-entries', '2000', '-cache-value', '1024', ...churn(256 << 10)],
    env: { GOGC: '800' },
    load: steady(30),
    truth: noLeak('the LRU is bounded at 2,000 entries and the churn is freed'),
  },
  {
    name: 'gomemlimit-gogc-off',
    class: 'gc-settings',
    description: 'GOGC=off, GOMEMLIMIT=48MiB, 512 KiB churn per request at 30 rps: the heap rises to the limit and the GC holds it there.',
    args: [...churn(512 << 10)],
    env: { GOGC: 'off', GOMEMLIMIT: '48MiB' },
    metrics: '1.21',
    load: steady(30),
    truth: noLeak('nothing is retained; the heap fills to the memory limit by design'),
  },

  // --- bursts and steps ---
  {
    name: 'burst-retained',
    class: 'burst',
    description: '128 MiB transient burst every 60 s, 16 KiB churn at 20 rps: RSS stays high after each burst, the live heap returns.',
    args: ['-burst-bytes', String(128 << 20), ...churn(16 << 10)],
    load: { ...steady(20), burstPath: '/burst', burstEverySeconds: 60 },
    truth: noLeak('each burst is dropped after a second; what stays is pages the runtime keeps, not live data'),
  },
  {
    name: 'burst-madvfree',
    class: 'burst',
    description: 'As burst-retained under GODEBUG=madvdontneed=0: released pages stay in RSS until the kernel wants them (issue 9 class 2).',
    args: ['-burst-bytes', String(128 << 20), ...churn(16 << 10)],
    env: { GODEBUG: 'madvdontneed=0' },
    load: { ...steady(20), burstPath: '/burst', burstEverySeconds: 60 },
    truth: noLeak('released pages freed with MADV_FREE stay resident; nothing live grows'),
  },
  {
    name: 'step-4m-at-60s',
    class: 'step',
    description: 'A one-off 4 MiB buffer allocated 60 s in and kept, then flat; 32 KiB churn at 20 rps (issue 9 class 6: a step is not a trend).',
    args: ['-step-at', '60s', '-step-bytes', String(4 << 20), ...churn(32 << 10)],
    load: steady(20),
    truth: noLeak('one allocation at 60 s, nothing after: a step, not a trend'),
  },

  // --- real programs in miniature (issue 9 class 6) ---
  {
    name: 'program-order-store',
    class: 'program',
    description: 'An order store keyed by request id, never pruned: 7 small allocation sites per order under main.recordOrder, ~2 MiB/min at 30 rps.',
    args: [...leak('store', 512), ...churn(32 << 10), ...fineProfile],
    load: steady(30),
    truth: heapLeak('main.recordOrder', 'every order is stored by id and nothing removes one; all its pieces are allocated under recordOrder'),
  },
  {
    name: 'program-parser-keeps',
    class: 'program',
    description:
      'A parser that keeps every parsed document (fields, index map, interned strings): ~13 MiB/min at 20 rps (measured: the parse result is several times its 1.5 KB of text), under main.parseDocument.',
    args: [...leak('parser', 1500), ...churn(16 << 10), ...fineProfile],
    metrics: '1.21',
    load: steady(20),
    truth: heapLeak('main.parseDocument', 'every parsed document is appended to a global slice; the raw text is garbage, the parse result is not'),
  },
  {
    name: 'program-series-per-request',
    class: 'program',
    description: 'A metrics registry with a request-id label: a new series per request, a dozen small sites under main.refreshSeries, ~0.5 MiB/min at 20 rps.',
    args: [...leak('series', 256), ...churn(16 << 10), ...fineProfile],
    load: steady(20),
    truth: heapLeak('main.refreshSeries', 'every request creates a series that is indexed twice and never dropped'),
  },
  {
    name: 'program-series-20m-per-min',
    class: 'program',
    description: 'As program-series-per-request, faster: 4 KiB sample rings at 60 rps (~7 MiB/min measured), GOGC=200, default profile rate.',
    args: [...leak('series', 4096), ...churn(16 << 10)],
    env: { GOGC: '200' },
    load: steady(60, 4),
    // The truth stays refreshSeries although one site under it, main.newSampleRing, holds 68–79 % of the
    // growth here (a 2 KiB ring per series): what grows is the series, and refreshSeries is the first
    // frame of the program's code that creates one (and indexes it forever: the fix goes there, a label
    // per request id). newSampleRing only allocates the part its caller asks for; naming it sends the
    // user to a correct helper. The slow variant above, where no site dominates, has the same truth.
    truth: heapLeak('main.refreshSeries', 'every request creates a series that is never dropped'),
  },
];

/** corpus/service's command line for a scenario: its flags plus what it exposes. */
export function serviceArgs(s: Scenario): string[] {
  return [...s.args, ...(s.vars === false ? ['-vars=false'] : []), ...(s.metrics && s.metrics !== 'none' ? ['-metrics'] : [])];
}

export function truthFor(s: Scenario, go: GoVersion): Truth {
  return s.truthByGo?.[go] ?? s.truth;
}

/** The client_golang a scenario's binary is built with on a Go version (1.21 needs Go ≥ 1.21). */
export function clientGolangFor(s: Scenario, go: GoVersion): '1.14' | '1.21' {
  return s.metrics === '1.21' && go !== '1.19' ? '1.21' : '1.14';
}
