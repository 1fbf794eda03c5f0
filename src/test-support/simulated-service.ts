// Test-only: a small model of a Go service's memory, polled like `heapsight watch` polls /debug/vars,
// so analysis tests can state a ground truth ("the live heap is flat", "it grows 1 KiB per request")
// and check the verdict follows from it. The model runs the GC the way the pacer does (collect when
// HeapAlloc reaches max(live × (1 + GOGC/100), 4 MiB × GOGC/100)), so HeapAlloc is the real sawtooth.
//
// The non-obvious decision: randomness comes only from a seeded generator (mulberry32), so a test's
// series is the same on every machine and a failing seed can be replayed.

import type { MemorySample } from '../model/memory.js';
import { emptyRecording, type Recording } from '../model/recording.js';
import { seededRandom } from './seeded-random.js';

const MiB = 1024 * 1024;

export interface ServiceModel {
  seed: number;
  seconds: number;
  /** Poll interval, seconds. */
  pollSeconds?: number;
  /** Requests per second at time t (s). */
  rps: (t: number) => number;
  /** Bytes allocated per request (garbage + whatever is kept). */
  allocPerRequest: number;
  /** Live heap in bytes given time, requests served so far and the current rate. */
  live: (t: number, requests: number, rps: number) => number;
  goroutines?: (t: number, requests: number, rps: number) => number;
  /** Non-Go resident bytes (cgo, mmap). */
  nonGo?: (t: number, requests: number) => number;
  gogc?: number;
  goVersion?: string;
  /** Relative noise on the live heap (multiplicative, uniform ±). */
  noise?: number;
  /** Start time, Unix ms. */
  startMs?: number;
  pid?: number;
  /** Drop timestamps (loose snapshots). */
  untimed?: boolean;
  /** Bytes the runtime keeps after a heap shrink before the scavenger returns it (fraction of peak). */
  retainFraction?: number;
  lazyFree?: boolean;
  /**
   * Released pages stay resident (MADV_FREE, GODEBUG=madvdontneed=0) and nothing reports LazyFree:
   * the case where non-Go memory is only known within [RSS − Sys, RSS − (Sys − HeapReleased)].
   */
  madvFreeUnreported?: boolean;
}

/** Simulate and return the polled samples. */
export function simulateSamples(m: ServiceModel): MemorySample[] {
  const rnd = seededRandom(m.seed);
  const poll = m.pollSeconds ?? 1;
  const dt = 0.02;
  const gogc = (m.gogc ?? 100) / 100;
  const startMs = m.startMs ?? 1_790_000_000_000;
  let t = 0;
  let requests = 0;
  let totalAlloc = 0;
  let numGC = 0;
  let lastGcMs: number | undefined;
  let marked = 0;
  let heapAlloc = 0;
  let nextPoll = 0;
  let heapSysPeak = 8 * MiB;
  let released = 0;
  const out: MemorySample[] = [];
  const noise = m.noise ?? 0.02;
  while (t <= m.seconds + 1e-9) {
    const rate = Math.max(0, m.rps(t));
    // Whole requests only, drawn so that the mean is right: light traffic stays lumpy.
    const expected = rate * dt;
    const n = Math.floor(expected) + (rnd() < expected - Math.floor(expected) ? 1 : 0);
    requests += n;
    const bytes = n * m.allocPerRequest;
    totalAlloc += bytes;
    heapAlloc += bytes;
    const liveNow = Math.max(0, m.live(t, requests, rate) * (1 + noise * (2 * rnd() - 1)));
    const goal = Math.max(marked * (1 + gogc), 4 * MiB * gogc);
    if (heapAlloc >= goal) {
      numGC++;
      lastGcMs = startMs + t * 1000;
      marked = liveNow;
      heapAlloc = liveNow;
    }
    heapAlloc = Math.max(heapAlloc, liveNow);
    heapSysPeak = Math.max(heapSysPeak, heapAlloc * 1.05);
    // The scavenger returns all but retainFraction of the idle heap.
    const idle = heapSysPeak - heapAlloc * 1.05;
    released = idle * (1 - (m.retainFraction ?? 0.1));
    if (t >= nextPoll - 1e-9) {
      nextPoll += poll;
      const heapInuse = heapAlloc * 1.05;
      const heapSys = heapSysPeak;
      const heapIdle = heapSys - heapInuse;
      const stack = 512 * 1024 + 8192 * (m.goroutines ? m.goroutines(t, requests, rate) : 10);
      const meta = 6 * MiB;
      const sys = heapSys + stack + meta;
      const goMapped = sys - released;
      const nonGo = m.nonGo ? m.nonGo(t, requests) : 4 * MiB;
      const lazy = m.lazyFree || m.madvFreeUnreported ? released : 0;
      const s: MemorySample = {
        source: 'expvar',
        t: m.untimed ? undefined : Math.round(startMs + t * 1000),
        pid: m.pid ?? 4242,
        goVersion: m.goVersion ?? 'go1.19.8',
        heapAlloc: Math.round(heapAlloc),
        heapInuse: Math.round(heapInuse),
        heapIdle: Math.round(heapIdle),
        heapSys: Math.round(heapSys),
        heapReleased: Math.round(released),
        stackInuse: stack,
        stackSys: stack,
        mspanSys: 1 * MiB,
        mcacheSys: 16 * 1024,
        buckHashSys: 1 * MiB,
        gcSys: 3 * MiB,
        otherSys: meta - 5 * MiB - 16 * 1024,
        sys: Math.round(sys),
        totalAlloc: Math.round(totalAlloc),
        mallocs: Math.round(totalAlloc / 64),
        numGC,
        lastGCUnixNanos: lastGcMs === undefined ? undefined : BigInt(Math.round(lastGcMs)) * 1_000_000n,
        nextGC: Math.round(Math.max(marked * (1 + gogc), 4 * MiB * gogc)),
        goroutines: m.goroutines ? Math.round(m.goroutines(t, requests, rate)) : 10,
        rss: Math.round(goMapped * 0.97 + nonGo + lazy),
        lazyFree: m.lazyFree ? Math.round(lazy) : undefined,
      };
      out.push(s);
    }
    t += dt;
  }
  return out;
}

export function simulatedRecording(m: ServiceModel): Recording {
  return { ...emptyRecording(), samples: simulateSamples(m) };
}
