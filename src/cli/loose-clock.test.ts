// test-lane: wall-clock (time spent waiting on live services: scripts/run-tests.mjs runs it beside the CPU-bound tests)
// The loose-file clock (issue 9, class 4): unit tests of each rule, then a real run of the map-leak
// example (Go 1.19 and 1.27, /metrics + heap profiles + gctrace written as loose files with the file
// times a recorder gives them) whose time axis must span the run and whose rate must be gctrace's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MemorySample } from '../model/memory.js';
import type { TimedGcCycle } from '../model/recording.js';
import { analyzeRecording } from '../analysis/analyze-recording.js';
import { placeGcCycles } from '../sources/recording.js';
import { memorySampleFromExposition } from '../sources/prometheus-text.js';
import { parsePprof } from '../sources/pprof/decode.js';
import { parseGctraceLog } from '../sources/gctrace.js';
import { emptyRecording } from '../model/recording.js';
import { driveLoad, startExample } from '../test-support/example-service.js';
import { getBody } from '../test-support/http-get.js';
import { goVersions } from '../test-support/toolchain.js';
import { loadInputs } from './load-inputs.js';
import { MTIME_MIN_MEDIAN_GAP_MS, MTIME_PROFILE_AGREEMENT_MS, mtimesTrusted, placeLooseClock } from './loose-clock.js';

const at = (ms: number[]) => ms.map((mtimeMs) => ({ mtimeMs }));

test('MTIME_MIN_MEDIAN_GAP_MS: snapshots spaced like a poller are trusted, like a copy are not', () => {
  const base = 1.8e12;
  const spaced = (gap: number) => at([0, 1, 2, 3, 4].map((i) => base + i * gap));
  assert.equal(mtimesTrusted(spaced(MTIME_MIN_MEDIAN_GAP_MS), []).trusted, true);
  assert.equal(mtimesTrusted(spaced(MTIME_MIN_MEDIAN_GAP_MS - 1), []).trusted, false);
  assert.equal(mtimesTrusted(spaced(1000), []).trusted, true);
  // Two files with the same time: copied (or written by a tool that does not care).
  assert.equal(mtimesTrusted(at([base, base + 1000, base + 1000, base + 3000]), []).trusted, false);
  assert.equal(mtimesTrusted(at([base]), []).trusted, false);
});

test('MTIME_PROFILE_AGREEMENT_MS: profiles whose file times match their time_nanos vouch for the set', () => {
  const base = 1.8e12;
  // Snapshots written 10 ms apart would be a copy by themselves; the profiles say otherwise.
  const snaps = at([base, base + 10, base + 20]);
  assert.equal(mtimesTrusted(snaps, [{ t: base, mtimeMs: base + MTIME_PROFILE_AGREEMENT_MS }]).trusted, true);
  assert.equal(mtimesTrusted(snaps, [{ t: base, mtimeMs: base + MTIME_PROFILE_AGREEMENT_MS + 1 }]).trusted, false);
  // A copy made a day later.
  assert.equal(mtimesTrusted(at([base, base + 5000]), [{ t: base - 86_400_000, mtimeMs: base }]).trusted, false);
});

const cycle = (n: number, atSeconds: number): TimedGcCycle => ({
  n,
  atSeconds,
  cpuPercent: 1,
  heapStartBytes: 4 << 20,
  heapEndBytes: 4 << 20,
  liveHeapBytes: 2 << 20,
  goalBytes: 4 << 20,
  procs: 2,
  forced: false,
  clockMs: [0.01, 2, 0.01],
});

test("gctrace is placed by process_start_time_seconds, else by a snapshot's last GC matched by cycle number", () => {
  const start = 1_800_000_000;
  const withStart = [{ sample: { source: 'prometheus', processStartSeconds: start } as MemorySample, mtimeMs: 0 }];
  const cycles = [cycle(1, 0.5), cycle(2, 30.25)];
  const r = placeLooseClock({ samples: withStart, profiles: [], gcCycles: cycles });
  assert.deepEqual(
    cycles.map((c) => c.t),
    [(start + 0.5) * 1000, (start + 30.25) * 1000],
  );
  assert.ok(r.notes.some((n) => /process_start_time_seconds/.test(n)));

  // No start time: GC 2 ended (per the snapshot) at start + 30.25 s + its 2.02 ms of phases.
  const lastGC = BigInt(Math.round((start + 30.25 + 0.00202) * 1e9));
  const anchored = [{ sample: { source: 'prometheus', numGC: 2, lastGCUnixNanos: lastGC } as MemorySample, mtimeMs: 0 }];
  const c2 = [cycle(1, 0.5), cycle(2, 30.25)];
  placeLooseClock({ samples: anchored, profiles: [], gcCycles: c2 });
  assert.ok(Math.abs(c2[0].t! - (start + 0.5) * 1000) <= 1, `${c2[0].t}`);
  // Two processes: no single start, nothing placed.
  const two = [5, 9].map((s) => ({ sample: { source: 'prometheus', processStartSeconds: start + s } as MemorySample, mtimeMs: 0 }));
  const c3 = [cycle(1, 0.5)];
  placeLooseClock({ samples: two, profiles: [], gcCycles: c3 });
  assert.equal(c3[0].t, undefined);
});

for (const go of goVersions) {
  test(`Go ${go}: loose /metrics snapshots, heap profiles and gctrace of a real run: the time axis spans the run`, async (t) => {
    const svc = await startExample('map-leak', { gctrace: true, go });
    t.after(() => svc.stop());
    const dir = mkdtempSync(join(tmpdir(), 'heapsight-loose-clock-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const runMs = 24_000;
    const ac = new AbortController();
    const load = driveLoad(svc.url, svc.spec.load, { durationMs: runMs, signal: ac.signal });
    const metrics: { at: number; body: Buffer }[] = [];
    const heaps: { at: number; body: Buffer }[] = [];
    const t0 = Date.now();
    for (let i = 0; Date.now() - t0 < runMs; i++) {
      // Polls are paced by the wall clock; each waits for the previous fetch (an event), not a guess.
      metrics.push({ at: Date.now(), body: await getBody(`${svc.url}/metrics`) });
      if (i % 4 === 0) heaps.push({ at: Date.now(), body: await getBody(`${svc.url}/debug/pprof/heap`) });
      await new Promise((r) => setTimeout(r, Math.max(0, t0 + (i + 1) * 2000 - Date.now())));
    }
    ac.abort();
    await load;
    await svc.stop();
    const files: string[] = [];
    const write = (name: string, body: Buffer | string, atMs: number) => {
      const p = join(dir, name);
      writeFileSync(p, body);
      utimesSync(p, atMs / 1000, atMs / 1000);
      files.push(p);
    };
    // Names that sort wrongly as text (metrics-10 before metrics-2): the clock must order them.
    metrics.forEach((m, i) => write(`metrics-${i}.txt`, m.body, m.at));
    heaps.forEach((h, i) => write(`heap-${i}.pb.gz`, h.body, h.at));
    write('gctrace.log', svc.stderrLines().join('\n') + '\n', Date.now());
    files.sort();

    const rec = await loadInputs(files);
    const f = analyzeRecording(rec);
    const span = (metrics[metrics.length - 1].at - metrics[0].at) / 1000;
    assert.ok(Math.abs(f.observed.seconds! - span) <= 1.5, `observed ${f.observed.seconds} s, the snapshots span ${span} s`);
    assert.ok(
      f.notes.some((n) => /modification times were used/.test(n)),
      f.notes.join('\n'),
    );
    assert.ok(
      f.notes.some((n) => /gctrace placed on the wall clock/.test(n)),
      f.notes.join('\n'),
    );
    // Rates per minute are those of the recorder's clock: the same data as a recording whose samples
    // carry the moment each was fetched (what `heapsight record` writes) gives the same rates, so the
    // file times were attached to the right snapshots, in time order, whatever order the names sort in.
    const recorded = emptyRecording();
    recorded.samples = metrics.map((m, i) => ({ ...memorySampleFromExposition(m.body, `metrics-${i}`), t: m.at }));
    recorded.heapProfiles = heaps.map((h, i) => {
      const profile = parsePprof(h.body, `heap-${i}`);
      return { t: Number(profile.timeNanos / 1_000_000n), origin: `heap-${i}`, profile };
    });
    recorded.gcCycles = placeGcCycles(parseGctraceLog(svc.stderrLines().join('\n') + '\n', 'gctrace').gcCycles, recorded.samples, []);
    const truth = analyzeRecording(recorded);
    assert.equal(f.observed.seconds, truth.observed.seconds);
    assert.equal(f.liveHeap.source, truth.liveHeap.source);
    for (const k of ['liveHeapBytesPerMinute', 'rssBytesPerMinute'] as const) {
      const want = truth.evidence.rates[k];
      assert.ok(want !== undefined && Number.isFinite(want), `${k} on the recorder's clock`);
      assert.ok(Math.abs(f.evidence.rates[k]! - want) <= 1e-6 * Math.abs(want) + 1, `${k}: ${f.evidence.rates[k]} against ${want}`);
    }

    // The same files copied (all written within milliseconds, long after the profiles): file times
    // are not used, and the findings say so.
    for (const p of files) utimesSync(p, Date.now() / 1000 + 3600, Date.now() / 1000 + 3600);
    const copied = analyzeRecording(await loadInputs(files));
    assert.ok(
      copied.notes.some((n) => /modification times were not used/.test(n)),
      copied.notes.join('\n'),
    );
  });
}
