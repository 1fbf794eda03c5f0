// Advice follows the Go version and the numbers: the same memory picture gets different advice on
// Go 1.14 (MADV_FREE default), 1.18 (no GOMEMLIMIT) and 1.19, and a leak never gets "set GOMEMLIMIT".

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeRecording } from './analyze-recording.js';
import { simulatedRecording, type ServiceModel } from '../test-support/simulated-service.js';

const MiB = 1024 * 1024;
// A flat 20 MiB heap with a heavy sawtooth and a runtime that keeps most freed memory.
const base: ServiceModel = { seed: 41, seconds: 180, pollSeconds: 2, rps: () => 100, allocPerRequest: 400 * 1024, live: () => 20 * MiB, retainFraction: 0.95 };

function ids(m: ServiceModel): { ids: string[]; text: string; verdict: string } {
  const f = analyzeRecording(simulatedRecording(m));
  return { ids: f.advice.map((a) => a.id), text: f.advice.map((a) => a.text).join('\n'), verdict: f.verdict };
}

test('Go 1.19 with LazyFree: MADV_FREE was chosen by GODEBUG, so the advice is to remove it', () => {
  const r = ids({ ...base, goVersion: 'go1.19.8', lazyFree: true, retainFraction: 0.05 });
  assert.equal(r.verdict, 'no-leak');
  assert.ok(r.ids.includes('madv-free'), r.ids.join(','));
  assert.match(r.text, /madvdontneed=0/);
  assert.doesNotMatch(r.text, /Set GODEBUG=madvdontneed=1/);
});

test("Go 1.14 with LazyFree: MADV_FREE is that version's default, so madvdontneed=1 is the advice", () => {
  const r = ids({ ...base, goVersion: 'go1.14.15', lazyFree: true, retainFraction: 0.05 });
  assert.match(r.text, /Set GODEBUG=madvdontneed=1/);
});

test('unknown Go version with LazyFree (expvar does not say the version): both cases, each with its fix', () => {
  const r = ids({ ...base, goVersion: '', lazyFree: true, retainFraction: 0.05 });
  assert.match(r.text, /On Go 1.16 or later .*madvdontneed=0 — remove it; on Go 1.12–1.15 .*set GODEBUG=madvdontneed=1/);
});

test('no LazyFree on Go ≥ 1.16: no MADV_FREE advice at all', () => {
  const r = ids({ ...base, goVersion: 'go1.21.0' });
  assert.ok(!r.ids.includes('madv-free'));
});

test('GOMEMLIMIT as a ceiling only from Go 1.19; before that, say what version it needs', () => {
  // GOGC=300: Go-mapped memory ≈ 4× the live heap, more than GOGC=100's normal 2×.
  const roomy = { ...base, gogc: 300 };
  const new19 = ids({ ...roomy, goVersion: 'go1.19.8' });
  assert.ok(new19.ids.includes('gomemlimit-ceiling'), new19.ids.join(','));
  assert.match(new19.text, /set GOMEMLIMIT to about 90–95%/);
  assert.ok(!ids({ ...base, goVersion: 'go1.19.8' }).ids.includes('gomemlimit-ceiling'), 'not for the 2× of GOGC=100');
  const old18 = ids({ ...roomy, goVersion: 'go1.18.10' });
  assert.match(old18.text, /needs Go 1.19 or later/);
});

test('retained freed heap: debug.FreeOSMemory once, as a check, and it is not deprecated', () => {
  // A one-off 200 MiB spike at 60 s; afterwards the runtime keeps the freed spans (nothing scavenged).
  const r = ids({ ...base, goVersion: 'go1.19.8', retainFraction: 1, live: (t) => 20 * MiB + (t >= 60 && t < 62 ? 200 * MiB : 0) });
  assert.equal(r.verdict, 'no-leak');
  assert.ok(r.ids.includes('retained-heap'), r.ids.join(','));
  assert.match(r.text, /debug\.FreeOSMemory\(\) once \(it is not deprecated/);
});

test('a real leak: GOMEMLIMIT is called out as no fix, and never offered as a ceiling', () => {
  const r = ids({ ...base, goVersion: 'go1.19.8', retainFraction: 0.1, live: (_t, req) => 10 * MiB + req * 2048 });
  assert.equal(r.verdict, 'heap-leak');
  assert.ok(r.ids.includes('gomemlimit-is-not-a-fix'));
  assert.ok(!r.ids.includes('gomemlimit-ceiling'));
  assert.match(r.text, /death spiral/);
});

// Class 1 of issue 9: a cache still filling has a goal below GOGC's ratio to the live heap of the moment
// (the goal comes from the last GC's marked heap); with no limit set, that is not a limit at work.
test('no GOMEMLIMIT set (math.MaxInt64): advice never says a memory limit is setting the heap goal', () => {
  const filling: ServiceModel = { seed: 43, seconds: 75, rps: () => 400, allocPerRequest: 8 * 1024, live: (_t, r) => 4 * MiB + Math.min(r, 20000) * 1024 };
  const withLimit = (limit: number | undefined) => {
    const rec = simulatedRecording(filling);
    for (const s of rec.samples) s.memoryLimitBytes = limit;
    // The last poll just before a GC that the goal was computed from a smaller marked heap: the
    // ratio a heap that grew since its last collection shows.
    const last = rec.samples[rec.samples.length - 1];
    last.nextGC = Math.round(1.3 * 4 * MiB + 1.3 * 20000 * 1024);
    return analyzeRecording(rec).advice;
  };
  // The rule must be reachable on this series, or the test proves nothing.
  const unknown = withLimit(undefined).find((a) => a.id === 'memory-limit-binding');
  assert.ok(unknown, 'the goal/live ratio triggers the rule when the limit is unknown');
  assert.match(unknown.text, /may be setting it/);
  const none = withLimit(2 ** 63);
  assert.ok(!none.some((a) => /GOMEMLIMIT\) is setting/.test(a.text)), none.map((a) => a.text).join('\n'));
  const set = withLimit(64 * MiB).find((a) => a.id === 'memory-limit-binding');
  if (set) assert.match(set.text, /GOMEMLIMIT\) is setting it/);
});
