// Test-only: the recordings the report tests open. The real runs bundled under
// examples/<name>/recording/ (whose ground truth is examples/<name>/example.json); a hostile
// recording (crafted profiles whose names and labels are HTML and script); and a 30-minute one for the
// size and load-time budget.
//
// The non-obvious decision: the hostile recording is built on a real recording with real profile bytes
// written by our own pprof writer and read back through parsePprof, so the hostile strings reach the
// report along the same path as a real service's function names.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from './seeded-random.js';
import { simulatedRecording } from './simulated-service.js';
import type { GoroutineSnapshot } from '../model/goroutines.js';
import type { Recording, TimedProfile } from '../model/recording.js';
import { parsePprof } from '../sources/pprof/decode.js';
import { readRecordingDir } from '../sources/recording.js';
import { encodeProfile, type SynthProfile } from './pprof-writer.js';
import { repoRoot } from './toolchain.js';

/** The bundled recording of examples/<name>, for the report tests. */
export function exampleRecordingDir(name: string): string {
  const dir = join(repoRoot, 'examples', name, 'recording');
  if (!existsSync(join(dir, 'recording.json'))) throw new Error(`no recording of example ${name} at ${dir}`);
  return dir;
}

export async function exampleRecording(name: string): Promise<Recording> {
  return readRecordingDir(exampleRecordingDir(name));
}

/** The recordings bundled with the examples (examples/<name>/recording/), as they exist now. */
export function bundledExampleRecordings(): { name: string; dir: string }[] {
  const root = join(repoRoot, 'examples');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort()
    .map((name) => ({ name, dir: join(root, name, 'recording') }))
    .filter((e) => existsSync(join(e.dir, 'recording.json')));
}

export const HOSTILE = {
  fnImg: 'main.<img src=x onerror=alert(1)>',
  fnScript: 'main.</script><script>alert(1)</script>',
  fnQuote: `main."'><svg onload=alert(1)>`,
  file: '/src/<b>bold</b>&amp;/x.go',
  labelKey: '<iframe src=javascript:alert(1)>',
  labelValue: '"><img src=x onerror=alert(2)>',
  target: 'http://127.0.0.1:1/<script>alert(3)</script>',
  note: '</title><script>alert(4)</script>',
  cmdline: '<svg/onload=alert(5)>',
} as const;

/** A heap profile where the hostile call sites hold k × their base: they grow from profile to profile. */
function hostileHeapProfile(k: number, tMs: number): TimedProfile {
  const strings = [
    '',
    'alloc_objects',
    'count',
    'alloc_space',
    'bytes',
    'inuse_objects',
    'inuse_space',
    HOSTILE.fnImg,
    HOSTILE.fnScript,
    HOSTILE.fnQuote,
    HOSTILE.file,
    'runtime.mallocgc',
    'main.main',
    HOSTILE.labelKey,
    HOSTILE.labelValue,
    '/usr/lib/go/src/runtime/malloc.go',
  ];
  const S = (s: string) => strings.indexOf(s);
  const p: SynthProfile = {
    strings,
    sampleTypes: [
      [S('alloc_objects'), S('count')],
      [S('alloc_space'), S('bytes')],
      [S('inuse_objects'), S('count')],
      [S('inuse_space'), S('bytes')],
    ],
    functions: [
      { id: 1, name: S('runtime.mallocgc'), file: S('/usr/lib/go/src/runtime/malloc.go') },
      { id: 2, name: S(HOSTILE.fnImg), file: S(HOSTILE.file) },
      { id: 3, name: S(HOSTILE.fnScript), file: S(HOSTILE.file) },
      { id: 4, name: S(HOSTILE.fnQuote), file: S(HOSTILE.file) },
      { id: 5, name: S('main.main'), file: S(HOSTILE.file) },
    ],
    locations: [1, 2, 3, 4, 5].map((id) => ({ id, address: BigInt(0x1000 * id), lines: [{ functionId: id, line: 10 * id }] })),
    samples: [
      // ~1 KiB objects by the hundred thousand: growth far above the sampling noise analysis allows for.
      {
        locationIds: [1, 2, 5],
        values: [BigInt(100_000 * k), BigInt(102_400_000 * k), BigInt(100_000 * k), BigInt(102_400_000 * k)],
        labels: [{ key: S(HOSTILE.labelKey), str: S(HOSTILE.labelValue) }],
      },
      { locationIds: [1, 3, 5], values: [BigInt(50_000 * k), BigInt(51_200_000 * k), BigInt(50_000 * k), BigInt(51_200_000 * k)] },
      { locationIds: [1, 4, 3, 5], values: [BigInt(20_000 * k), BigInt(20_480_000 * k), BigInt(20_000 * k), BigInt(20_480_000 * k)] },
      { locationIds: [1, 5], values: [10n, 40960n, 10n, 40960n] },
    ],
    period: 524288n,
    periodType: [S('alloc_space'), S('bytes')],
    timeNanos: BigInt(tMs) * 1_000_000n,
  };
  const bytes = encodeProfile(p);
  return { t: tMs, origin: `hostile-heap-${k}.pb`, profile: parsePprof(bytes, `hostile-heap-${k}.pb`) };
}

/** A real recording (target-churn) with crafted heap profiles, goroutine groups and metadata. */
export async function hostileRecording(): Promise<Recording> {
  const rec = await readRecordingDir(join(repoRoot, 'src', 'sources', 'testdata', 'recording', 'target-churn'));
  const ts = rec.samples.map((s) => s.t!).filter((t) => t !== undefined);
  const t0 = Math.min(...ts);
  const t1 = Math.max(...ts);
  rec.heapProfiles = [0, 1, 2, 3].map((i) => hostileHeapProfile(i + 1, Math.round(t0 + ((t1 - t0) * i) / 3)));
  const frame = (fn: string, line: number) => ({ function: fn, file: HOSTILE.file, line });
  const snaps: GoroutineSnapshot[] = [0, 1, 2].map((i) => ({
    kind: 'debug2',
    t: Math.round(t0 + ((t1 - t0) * i) / 2),
    total: 10 + 5 * i,
    groups: [
      {
        count: 5 * (i + 1),
        stack: [frame('runtime.gopark', 1), frame(HOSTILE.fnScript, 2), frame(HOSTILE.fnImg, 3)],
        state: '<b>chan receive</b>',
        createdBy: frame(HOSTILE.fnQuote, 4),
        labels: { [HOSTILE.labelKey]: HOSTILE.labelValue },
      },
    ],
  }));
  rec.goroutineSnapshots = snaps;
  rec.meta = {
    ...(rec.meta ?? { format: 'heapsight-recording', version: 1, startedAt: new Date(t0).toISOString() }),
    target: { url: HOSTILE.target },
    note: HOSTILE.note,
  };
  for (const s of rec.samples) s.cmdline = [HOSTILE.cmdline, HOSTILE.fnScript];
  rec.events = [...rec.events, { t: t1, kind: 'note', detail: HOSTILE.fnImg }];
  return rec;
}

/**
 * A 30-minute watch (by default at watch's cadence: a sample every 5 s, heap and goroutine profiles every 30 s):
 * memory samples from the simulated service (the GC-paced sawtooth), and each profile slot filled with
 * a real heap and goroutine profile from the bundled leaking example, re-timed. Only size and load time
 * are measured on it, not a verdict.
 */
export async function thirtyMinuteRecording(pollSeconds = 5): Promise<Recording> {
  const MiB = 1024 * 1024;
  const rnd = seededRandom(7);
  const rec = simulatedRecording({
    seed: 11,
    seconds: 30 * 60,
    pollSeconds,
    rps: () => 200 + 50 * rnd(),
    allocPerRequest: 64 * 1024,
    live: (_t, requests) => 40 * MiB + requests * 512,
    goroutines: (_t, requests) => 20 + Math.floor(requests / 5000),
  });
  const real = await exampleRecording('map-leak');
  const start = rec.samples[0].t!;
  for (let k = 0; k < 60; k++) {
    const src = real.heapProfiles[k % real.heapProfiles.length];
    rec.heapProfiles.push({ ...src, t: start + k * 30_000 });
    const g = real.goroutineSnapshots[k % real.goroutineSnapshots.length];
    rec.goroutineSnapshots.push({ ...g, t: start + k * 30_000 });
  }
  return rec;
}
