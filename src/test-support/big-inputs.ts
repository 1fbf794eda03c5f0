// Test and bench support: big inputs generated with a fixed seed, so a test can run `analyze` on
// 200,000 GC cycles without a 28 MB file in git. The series are not flat: a slow leak under noise with
// bursts seen mid-GC, so the trend's every branch (bursts set aside, plateau and step tests) runs on
// input-sized data, which is where an O(n²) step shows (trend.ts stepShape did, issue 11).

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { seededRandom } from './seeded-random.js';

const MiB = 1 << 20;

export interface BigSeries {
  /** GC cycles (gctrace) or samples (JSON lines). */
  count: number;
  seed: number;
  /** Seconds between samples, or between the first GC cycles (later ones come further apart as the heap grows). */
  everySeconds?: number;
}

/** Writes `lines()` to `path` in chunks (a 28 MB string is not built whole); resolves when it is on disk. */
async function writeLines(path: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(path);
  let chunk = '';
  for (const line of lines) {
    chunk += line + '\n';
    if (chunk.length >= 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

/** The live heap in MiB at step i: 40 MiB growing 1 MiB per 2,000 steps, ±1 MiB noise, a 6 MiB burst seen at every 97th. */
function liveMiB(i: number, rnd: () => number): number {
  return 40 + i / 2000 + Math.round(rnd() * 2 - 1) + (i % 97 === 0 ? 6 : 0);
}

function* gctraceLines(s: BigSeries): Generator<string> {
  const rnd = seededRandom(s.seed);
  // A steady allocation rate (GOGC=100: a cycle allocates about the live heap), so cycles come further
  // apart as the heap grows, as they do under steady traffic.
  const allocMiBPerSecond = s.everySeconds ? 40 / s.everySeconds : 800;
  // The leak is steady in time (and so in bytes allocated, at a steady allocation rate): the heap a
  // cycle starts from is what liveMiB gives at the cycle whose time this is under a fixed cycle pace
  // (the first cycles' one). Growing 1 MiB per 2,000 cycles of ever longer cycles would be a leak that
  // slows per second and per byte — a saturating curve, which heapsight rightly leaves inconclusive.
  const firstCycleSeconds = 40 / allocMiBPerSecond;
  let at = 0;
  for (let i = 1; i <= s.count; i++) {
    const live = Math.round(liveMiB(Math.round(at / firstCycleSeconds) + 1, rnd));
    const goal = 2 * live;
    at += live / allocMiBPerSecond;
    yield `gc ${i} @${at.toFixed(3)}s 1%: 0.010+0.20+0.003 ms clock, 0.020+0.10/0.20/0.30+0.006 ms cpu, ${goal - 1}->${goal}->${live} MB, ${goal} MB goal, 0 MB stacks, 0 MB globals, 2 P`;
  }
}

/** A GODEBUG=gctrace=1 log of `count` cycles (Go 1.19+ format). */
export function writeBigGctrace(path: string, s: BigSeries): Promise<void> {
  return writeLines(path, gctraceLines(s));
}

function* sampleLines(s: BigSeries): Generator<string> {
  const rnd = seededRandom(s.seed);
  const every = (s.everySeconds ?? 1) * 1000;
  const t0 = 1_795_000_000_000;
  let totalAlloc = 0;
  for (let i = 0; i < s.count; i++) {
    const heapAlloc = Math.round(liveMiB(i, rnd) * MiB * (1 + rnd()));
    totalAlloc += 4 * MiB;
    const heapSys = heapAlloc + 64 * MiB;
    yield JSON.stringify({
      t: t0 + i * every,
      source: 'expvar',
      heapAlloc,
      heapInuse: heapAlloc,
      heapSys,
      heapIdle: heapSys - heapAlloc,
      heapReleased: 32 * MiB,
      sys: heapSys + 16 * MiB,
      totalAlloc,
      numGC: i,
      goroutines: 20 + (i % 5),
      pid: 4242,
    });
  }
}

/** A JSON-lines series of `count` heapsight MemorySamples (a recording's samples.jsonl). */
export function writeBigSamplesJsonl(path: string, s: BigSeries): Promise<void> {
  return writeLines(path, sampleLines(s));
}
