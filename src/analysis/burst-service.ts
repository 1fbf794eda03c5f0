// A service with bursts of temporary buffers, simulated with its gctrace and its polls consistent with
// each other (GOGC=100 pacing, HeapAlloc = marked + allocated since): the shape of the
// retained-after-burst `check` flake (issue 9), where every collection after the first landed while a
// burst was live. Bursts of `burstBytes` are allocated over `burstSeconds`, held `holdSeconds`, then
// dropped, every `everySeconds`, on top of a level base and steady garbage. Test support; pure and
// deterministic.

import type { MemorySample } from '../model/memory.js';
import type { TimedGcCycle } from '../model/recording.js';

const MiB = 1024 * 1024;

export interface BurstModel {
  seconds: number;
  baseBytes: number;
  burstBytes: number;
  /** Seconds over which a burst's buffers are allocated, then how long they are held before being dropped. */
  burstSeconds: number;
  holdSeconds?: number;
  everySeconds: number;
  /** First burst starts here (s). */
  firstBurst: number;
  /** Allocation between bursts, bytes per second (garbage). */
  quietRate: number;
  pollSeconds: number;
  startMs: number;
}

export function burstService(m: BurstModel): { samples: MemorySample[]; gcCycles: TimedGcCycle[] } {
  const dt = 0.01;
  let heapAlloc = m.baseBytes;
  let marked = m.baseBytes;
  let totalAlloc = m.baseBytes;
  let numGC = 0;
  let lastGcMs: number | undefined;
  let nextPoll = 0;
  let peak = heapAlloc;
  const gcCycles: TimedGcCycle[] = [];
  const samples: MemorySample[] = [];
  const burstLive = (t: number) => {
    if (t < m.firstBurst) return 0;
    const into = (t - m.firstBurst) % m.everySeconds;
    if (into < m.burstSeconds) return (m.burstBytes * into) / m.burstSeconds;
    return into < m.burstSeconds + (m.holdSeconds ?? 0) ? m.burstBytes : 0;
  };
  for (let i = 0; i * dt <= m.seconds + 1e-9; i++) {
    const t = i * dt;
    const live = m.baseBytes + burstLive(t);
    const prevLive = m.baseBytes + burstLive(Math.max(0, t - dt));
    const alloc = m.quietRate * dt + Math.max(0, live - prevLive);
    heapAlloc += alloc;
    totalAlloc += alloc;
    const goal = Math.max(2 * marked, 4 * MiB);
    if (heapAlloc >= goal) {
      numGC++;
      lastGcMs = m.startMs + t * 1000;
      gcCycles.push({
        n: numGC,
        atSeconds: t,
        t: Math.round(lastGcMs),
        cpuPercent: 0,
        clockMs: [0.01, 0.5, 0.002],
        heapStartBytes: heapAlloc,
        heapEndBytes: heapAlloc,
        liveHeapBytes: Math.round(live / MiB) * MiB,
        goalBytes: goal,
        procs: 2,
        forced: false,
      });
      marked = live;
      heapAlloc = live;
    }
    peak = Math.max(peak, heapAlloc);
    if (t >= nextPoll - 1e-9) {
      nextPoll += m.pollSeconds;
      const heapInuse = heapAlloc * 1.02;
      const heapSys = peak * 1.05;
      const released = (heapSys - heapInuse) * 0.8;
      const sys = heapSys + 12 * MiB;
      samples.push({
        source: 'expvar',
        t: Math.round(m.startMs + t * 1000),
        pid: 4343,
        goVersion: 'go1.19.8',
        heapAlloc: Math.round(heapAlloc),
        heapInuse: Math.round(heapInuse),
        heapSys: Math.round(heapSys),
        heapIdle: Math.round(heapSys - heapInuse),
        heapReleased: Math.round(released),
        heapObjects: Math.round(heapAlloc / 4096),
        sys: Math.round(sys),
        totalAlloc: Math.round(totalAlloc),
        mallocs: Math.round(totalAlloc / 4096),
        numGC,
        lastGCUnixNanos: lastGcMs === undefined ? undefined : BigInt(Math.round(lastGcMs)) * 1_000_000n,
        nextGC: Math.round(Math.max(2 * marked, 4 * MiB)),
        goroutines: 12,
        // Released pages leave RSS (MADV_DONTNEED); 6 MiB of non-Go memory (the binary, libc).
        rss: Math.round(sys - released + 6 * MiB),
      });
    }
  }
  return { samples, gcCycles };
}
