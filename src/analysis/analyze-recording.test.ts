// Verdicts on simulated services whose truth is known by construction (simulated-service.ts runs the
// GC pacer, so HeapAlloc is a real sawtooth): flat live heap, a leak per request, a cache that fills and
// stops, traffic ramps, restarts, cgo growth, goroutine growth, too little data. Fixed seeds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyRecording, type Recording } from '../model/recording.js';
import type { MemorySample } from '../model/memory.js';
import { analyzeRecording } from './analyze-recording.js';
import type { Findings } from './findings.js';
import { simulatedRecording, simulateSamples, type ServiceModel } from '../test-support/simulated-service.js';

const MiB = 1024 * 1024;
const LEAKS = new Set(['heap-leak', 'goroutine-leak', 'off-heap-growth']);

const flat: ServiceModel = { seed: 1, seconds: 180, pollSeconds: 2, rps: () => 100, allocPerRequest: 100 * 1024, live: () => 20 * MiB };
const leak: ServiceModel = { seed: 2, seconds: 180, pollSeconds: 2, rps: () => 50, allocPerRequest: 20 * 1024, live: (_t, r) => 10 * MiB + r * 1024 };
const plateau: ServiceModel = {
  seed: 4,
  seconds: 180,
  pollSeconds: 2,
  rps: () => 100,
  allocPerRequest: 20 * 1024,
  // An LRU of 4096 × 2 KiB: fills in ~41 s, then evicts.
  live: (_t, r) => 5 * MiB + Math.min(r, 4096) * 2048,
};
const ramp: ServiceModel = {
  seed: 5,
  seconds: 180,
  pollSeconds: 2,
  rps: (t) => 20 + t,
  allocPerRequest: 50 * 1024,
  // In-flight memory: proportional to the request rate, nothing kept per request.
  live: (_t, _r, rate) => 8 * MiB + rate * 100 * 1024,
};

function verdictsOverPrefixes(samples: MemorySample[], step: number): Findings[] {
  const out: Findings[] = [];
  for (let n = 3; n <= samples.length; n += step) out.push(analyzeRecording({ ...emptyRecording(), samples: samples.slice(0, n) }));
  return out;
}

test('flat live heap under a sawtooth: no-leak, and the live-heap estimate is the true one', () => {
  const f = analyzeRecording(simulatedRecording(flat));
  assert.equal(f.verdict, 'no-leak', f.summary);
  assert.ok(f.confidence >= 0.55 && f.confidence <= 1);
  // The model's live heap is 20 MiB ± 2% noise; raw HeapAlloc swings up to 40 MiB.
  assert.ok(Math.abs(f.liveHeap.last! - 20 * MiB) < 2 * MiB, `live ${f.liveHeap.last}`);
  assert.ok(f.observed.gcCycles >= 30);
  assert.ok(f.evidence.reasons[0].startsWith('Live heap'));
});

test('live heap growing 1 KiB per request: heap-leak with the rate it was built with', () => {
  const f = analyzeRecording(simulatedRecording(leak));
  assert.equal(f.verdict, 'heap-leak', f.summary);
  assert.ok(f.confidence >= 0.6);
  // 50 requests/s × 1 KiB = 2.93 MiB/min.
  const perMin = f.evidence.rates.liveHeapBytesPerMinute!;
  assert.ok(Math.abs(perMin - 50 * 60 * 1024) / (50 * 60 * 1024) < 0.25, `rate ${perMin}`);
  // 1 KiB kept per 20 KiB allocated = 51.2 MiB per GiB allocated.
  const perGiB = f.evidence.rates.liveHeapBytesPerGiBAllocated!;
  assert.ok(Math.abs(perGiB - 51.2 * MiB) / (51.2 * MiB) < 0.25, `per GiB ${perGiB}`);
  assert.ok(f.advice.some((a) => a.id === 'gomemlimit-is-not-a-fix'));
  assert.ok(!f.advice.some((a) => a.id === 'gomemlimit-ceiling'));
});

test('a leak of 208 B per request under 25 MiB/s of churn is found', () => {
  const f = analyzeRecording(
    simulatedRecording({ seed: 3, seconds: 300, pollSeconds: 2, rps: () => 100, allocPerRequest: 256 * 1024, live: (_t, r) => 6 * MiB + r * 208 }),
  );
  assert.equal(f.verdict, 'heap-leak', f.summary);
});

test('a leak under light traffic (2 requests/s, 3 GCs in 3 minutes) is not missed', () => {
  const f = analyzeRecording(
    simulatedRecording({ seed: 8, seconds: 180, pollSeconds: 5, rps: () => 2, allocPerRequest: 70 * 1024, live: (_t, r) => 2 * MiB + r * 64 * 1024 }),
  );
  assert.equal(f.verdict, 'heap-leak', f.summary);
  assert.ok(f.observed.gcCycles <= 5, `gc ${f.observed.gcCycles}`);
});

test('a cache that fills and stops is never called a leak, at any moment of the run', () => {
  const all = simulateSamples(plateau);
  const runs = verdictsOverPrefixes(all, 2);
  for (const f of runs) assert.ok(!LEAKS.has(f.verdict), `${f.verdict} after ${f.observed.seconds} s: ${f.evidence.reasons[0]}`);
  assert.equal(runs[runs.length - 1].verdict, 'no-leak');
  assert.ok(runs[runs.length - 1].evidence.liveHeap!.plateau);
});

test('rising traffic with memory per request in flight (not kept) is never called a leak', () => {
  const runs = verdictsOverPrefixes(simulateSamples(ramp), 2);
  for (const f of runs) assert.ok(!LEAKS.has(f.verdict), `${f.verdict} after ${f.observed.seconds} s: ${f.evidence.reasons[0]}`);
  assert.equal(runs[runs.length - 1].verdict, 'no-leak');
});

test('a flat service is never called a leak at any prefix, and is inconclusive while young', () => {
  const runs = verdictsOverPrefixes(simulateSamples(flat), 2);
  for (const f of runs) assert.ok(!LEAKS.has(f.verdict), `${f.verdict} after ${f.observed.seconds} s`);
  assert.equal(runs[0].verdict, 'inconclusive');
  assert.equal(runs[runs.length - 1].verdict, 'no-leak');
});

test('a leak under a traffic ramp is still a leak', () => {
  const f = analyzeRecording(simulatedRecording({ ...ramp, seed: 15, live: (_t, r, rate) => 8 * MiB + rate * 100 * 1024 + r * 1024 }));
  assert.equal(f.verdict, 'heap-leak', f.summary);
});

// Looks, not the clock, are what is short here: at 10 requests/s of 100 KiB (1 MiB/s) the 20 MiB heap
// collects about every 20 s, so 14 s hold at most one GC cycle of the MIN_LOOKS needed; the wait is said in GC time.
test('too few GC cycles is inconclusive and says how much longer to watch', () => {
  const f = analyzeRecording(simulatedRecording({ ...flat, rps: () => 10, seconds: 14, pollSeconds: 1 }));
  assert.equal(f.verdict, 'inconclusive');
  assert.ok(f.observeMore && f.observeMore.seconds! >= 30, JSON.stringify(f.observeMore));
  assert.ok(f.confidence < 0.5);
  assert.ok(f.advice.some((a) => a.id === 'observe-longer'));
  assert.match(f.summary, /observe about/);
});

test('RSS growing outside the Go runtime (cgo): off-heap-growth', () => {
  const f = analyzeRecording(
    simulatedRecording({
      seed: 7,
      seconds: 180,
      pollSeconds: 2,
      rps: () => 5,
      allocPerRequest: 20 * 1024,
      live: () => 3 * MiB,
      nonGo: (_t, r) => 4 * MiB + r * 32 * 1024,
    }),
  );
  assert.equal(f.verdict, 'off-heap-growth', f.summary);
  assert.equal(f.pattern, 'off-heap-cgo');
  // 5 requests/s × 32 KiB = 9.4 MiB/min outside Go.
  assert.ok(Math.abs(f.evidence.rates.nonGoBytesPerMinute! - 9.375 * MiB) < 1.5 * MiB);
  assert.ok(f.advice.some((a) => a.id === 'off-heap-sources'));
});

test('goroutines growing per request: goroutine-leak, with the heap they hold', () => {
  const f = analyzeRecording(
    simulatedRecording({
      seed: 6,
      seconds: 180,
      pollSeconds: 2,
      rps: () => 20,
      allocPerRequest: 20 * 1024,
      live: (_t, r) => 8 * MiB + r * 1024,
      goroutines: (_t, r) => 10 + r,
    }),
  );
  assert.equal(f.verdict, 'goroutine-leak', f.summary);
  assert.ok(Math.abs(f.evidence.rates.goroutinesPerMinute! - 1200) < 150);
  assert.ok(f.evidence.heapHeldByGoroutines! > 1 * MiB);
});

function twoLifetimes(m: ServiceModel, seconds: number): Recording {
  const a = simulateSamples({ ...m, seconds, pid: 100, startMs: 1_790_000_000_000 });
  const b = simulateSamples({ ...m, seed: m.seed + 100, seconds, pid: 200, startMs: 1_790_000_000_000 + (seconds + 5) * 1000 });
  return { ...emptyRecording(), samples: [...a, ...b] };
}

test('restarts split the series: a flat service that restarts is not a leak (nor a drop a recovery)', () => {
  const f = analyzeRecording(twoLifetimes(flat, 120));
  assert.equal(f.restarts.length, 1);
  assert.match(f.restarts[0].reason, /pid changed/);
  assert.equal(f.verdict, 'no-leak', f.summary);
});

test('memory rising in every lifetime that ends in a restart is a leak (the OOM-kill cycle)', () => {
  // Each lifetime alone is too short (40 s) for a verdict; together they show the pattern.
  const rec = {
    ...emptyRecording(),
    samples: [0, 1, 2].flatMap((k) =>
      simulateSamples({ ...leak, seed: 30 + k, seconds: 40, pid: 300 + k, startMs: 1_790_000_000_000 + k * 45_000, live: (_t, r) => 10 * MiB + r * 8 * 1024 }),
    ),
  };
  const f = analyzeRecording(rec);
  assert.equal(f.restarts.length, 2);
  assert.equal(f.verdict, 'heap-leak', f.summary);
  assert.ok(f.evidence.reasons[0].includes('restarted 2 times'));
});

test('counters going backwards mark a restart even without pid or start time', () => {
  const a = simulateSamples({ ...flat, seconds: 60 });
  const b = simulateSamples({ ...flat, seed: 9, seconds: 60, startMs: 1_790_000_000_000 + 61_000 });
  for (const s of [...a, ...b]) delete s.pid;
  const f = analyzeRecording({ ...emptyRecording(), samples: [...a, ...b] });
  assert.equal(f.restarts.length, 1);
  assert.match(f.restarts[0].reason, /TotalAlloc went backwards/);
});

test('loose snapshots without timestamps are judged against work done', () => {
  const f = analyzeRecording(simulatedRecording({ ...leak, untimed: true }));
  assert.equal(f.verdict, 'heap-leak', f.summary);
  assert.equal(f.observed.seconds, undefined);
  assert.equal(f.evidence.rates.liveHeapBytesPerMinute, undefined);
  assert.ok(f.evidence.rates.liveHeapBytesPerGiBAllocated! > 0);
});

test('a work metric becomes the x axis and the per-1,000 rate', () => {
  const rec = simulatedRecording(leak);
  // requests served = TotalAlloc / 20 KiB in this model.
  for (const s of rec.samples) s.work = Math.round(s.totalAlloc! / (20 * 1024));
  const f = analyzeRecording(rec, { workMetric: 'http_requests_total' });
  assert.equal(f.observed.workAxis, 'work-metric');
  assert.equal(f.observed.workMetric, 'http_requests_total');
  // 1 KiB per request = 1 MiB per 1,000 requests.
  assert.ok(Math.abs(f.evidence.rates.liveHeapBytesPer1000Work! - 1000 * 1024) < 200 * 1024, String(f.evidence.rates.liveHeapBytesPer1000Work));
});

test('a big stable heap under GOGC=400 is not a leak, and advice explains the goal', () => {
  const f = analyzeRecording(
    simulatedRecording({ seed: 11, seconds: 400, pollSeconds: 2, gogc: 400, rps: () => 100, allocPerRequest: 100 * 1024, live: () => 48 * MiB }),
  );
  assert.equal(f.verdict, 'no-leak', f.summary);
  assert.ok(
    f.advice.some((a) => a.id === 'gogc-tradeoff'),
    f.advice.map((a) => a.id).join(','),
  );
});

test('findings are plain JSON: every advice item cites numbers', () => {
  const f = analyzeRecording(simulatedRecording(leak));
  const round = JSON.parse(JSON.stringify(f));
  assert.equal(round.schema, 'heapsight-findings/1');
  for (const a of f.advice) assert.ok(a.basedOn.length > 0 && a.basedOn.every((b) => /=/.test(b)), a.id);
});

test('a real watch across a restart (goroutine-leak killed and started again on its port): split there, judged on the new process', async () => {
  const { readRecordingDir } = await import('../sources/recording.js');
  const dir = new URL('./testdata/replay/goroutine-leak-watch-restart/', import.meta.url);
  const rec = await readRecordingDir(dir.pathname);
  const restartEvent = rec.events.find((e) => e.kind === 'restart');
  assert.ok(restartEvent, 'the watcher recorded the restart');
  const pids = new Set(rec.samples.map((s) => s.pid));
  assert.equal(pids.size, 2, 'samples from two processes');
  const f = analyzeRecording(rec);
  assert.equal(f.restarts.length, 1);
  assert.match(f.restarts[0].reason, /pid changed from \d+ to \d+/);
  assert.equal(f.verdict, 'goroutine-leak', f.summary);
  assert.equal(f.culprits[0]?.function, 'main.awaitReply');
  assert.ok(Math.abs(f.restarts[0].t! - restartEvent.t) < 2_000, 'the split is where the watcher saw the restart');
  // The verdict is the second process's: its trends are those of the second process alone.
  const second = restartEvent.t;
  const alone = analyzeRecording({
    ...rec,
    samples: rec.samples.filter((s) => s.t! >= second),
    goroutineSnapshots: rec.goroutineSnapshots.filter((g) => g.t! >= second),
    heapProfiles: rec.heapProfiles.filter((p) => (p.t ?? 0) >= second),
    events: rec.events.filter((e) => e.kind !== 'restart'),
  });
  assert.equal(alone.restarts.length, 0);
  assert.deepEqual(f.evidence.goroutines, alone.evidence.goroutines);
  assert.deepEqual(f.evidence.liveHeap, alone.evidence.liveHeap);
});

// Class 2 of issue 9: GODEBUG=madvdontneed=0 after bursts, no smaps (no LazyFree). Released pages stay in
// RSS, so RSS − (Sys − HeapReleased) rises with HeapReleased although nothing outside Go grew.
const madvFreeBursts = (seed: number, nonGo?: ServiceModel['nonGo']): ServiceModel => ({
  seed,
  seconds: 180,
  rps: () => 50,
  allocPerRequest: 64 * 1024,
  madvFreeUnreported: true,
  retainFraction: 0.05,
  nonGo,
  live: (t) => 3 * MiB + (t % 30 < 3 && t > 5 ? 250 * MiB * ((t % 30) / 3) : 0),
});

test('MADV_FREE without LazyFree: released pages still in RSS are not non-Go growth (no-leak on the interval)', () => {
  for (const seed of [1, 2, 3]) {
    const f = analyzeRecording(simulatedRecording(madvFreeBursts(seed)));
    assert.equal(f.verdict, 'no-leak', `seed ${seed}: ${f.verdict}: ${f.evidence.reasons.join(' | ')}`);
  }
});

test('MADV_FREE without LazyFree: real off-heap growth under the interval is never called no-leak', () => {
  for (const seed of [1, 2]) {
    const f = analyzeRecording(simulatedRecording(madvFreeBursts(seed, (t) => 4 * MiB + t * 0.5 * MiB)));
    assert.notEqual(f.verdict, 'no-leak', `seed ${seed}: ${f.evidence.reasons.join(' | ')}`);
  }
});

test('MADV_DONTNEED (released pages leave RSS) with off-heap growth: the upper end is the truth, never no-leak', () => {
  for (const seed of [1, 2]) {
    const f = analyzeRecording(simulatedRecording({ ...madvFreeBursts(seed, (t) => 4 * MiB + t * 0.5 * MiB), madvFreeUnreported: false }));
    assert.notEqual(f.verdict, 'no-leak', `seed ${seed}: ${f.evidence.reasons.join(' | ')}`);
  }
});

// Class 1 of issue 9: an LRU of 20k × 1 KiB that fills in ~30 s, then stays level for 45 s: the bend at
// the end of the window is the answer (bounded), not a leak and not "still rising".
test('a cache filling in 30 s then level for 45 s: no-leak at 75 s, never a leak on the way', () => {
  const cache: ServiceModel = { seed: 5, seconds: 75, rps: () => 700, allocPerRequest: 16 * 1024, live: (_t, r) => 3 * MiB + Math.min(r, 20000) * 1024 };
  const rec = simulatedRecording(cache);
  const f = analyzeRecording(rec);
  assert.equal(f.verdict, 'no-leak', f.evidence.reasons.join(' | '));
  assert.equal(f.culprits.length, 0);
  for (let n = 10; n < rec.samples.length; n += 5) {
    const v = analyzeRecording({ ...rec, samples: rec.samples.slice(0, n) }).verdict;
    assert.ok(!LEAKS.has(v), `${v} after ${n} polls`);
  }
});
