import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeRecording } from '../analysis/analyze-recording.js';
import { readRecordingDir } from '../sources/recording.js';
import { repoRoot } from '../test-support/toolchain.js';
import { LiveRecording } from './live-recording.js';

// A real recording written by the poller (the test target), replayed into LiveRecording in the order
// the poller emitted it: the in-memory copy must be what the reader makes of the directory, so that
// `watch --until-verdict` and a later `analyze DIR` agree.
test('the in-memory recording equals what readRecordingDir reads, and analyses the same', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-live-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Without gctrace.log: that file is added by hand, never by a watch.
  cpSync(join(repoRoot, 'src/sources/testdata/recording/target-churn'), dir, { recursive: true, filter: (src) => !src.endsWith('gctrace.log') });
  const fromDisk = await readRecordingDir(dir);

  const live = new LiveRecording(fromDisk.meta);
  for (const s of fromDisk.samples) live.addSample(s);
  for (const e of fromDisk.events) live.addEvent(e);
  for (const name of readdirSync(join(dir, 'profiles')).sort()) {
    const m = /^(heap|goroutine|goroutine2)-(\d+)\./.exec(name)!;
    const path = join(dir, 'profiles', name);
    const body = readFileSync(path);
    live.addProfile({ kind: m[1] as 'heap' | 'goroutine' | 'goroutine2', t: Number(m[2]), bytes: body.length, path, body });
  }
  await live.settled();
  assert.deepEqual(live.problems, []);
  const mem = live.snapshot();
  assert.equal(mem.samples.length, fromDisk.samples.length);
  assert.deepEqual(
    mem.heapProfiles.map((p) => [p.t, p.origin, p.profile.samples.length]),
    fromDisk.heapProfiles.map((p) => [p.t, p.origin, p.profile.samples.length]),
  );
  assert.deepEqual(
    mem.goroutineSnapshots.map((g) => [g.kind, g.t, g.total]),
    fromDisk.goroutineSnapshots.map((g) => [g.kind, g.t, g.total]),
  );
  assert.ok(
    mem.goroutineSnapshots.some((g) => g.kind === 'debug2'),
    'the debug=2 dump was parsed too',
  );
  assert.deepEqual(analyzeRecording(mem), analyzeRecording(fromDisk));
});

test('a profile that does not parse is listed, not thrown, and profiles are thinned beyond the cap', async () => {
  const live = new LiveRecording(undefined, 4);
  live.addProfile({ kind: 'heap', t: 1, bytes: 3, body: new Uint8Array([1, 2, 3]) });
  assert.equal(live.problems.length, 1);
  const heap = readFileSync(join(repoRoot, 'src/sources/testdata/recording/target-churn/profiles/heap-1795664005889.pb.gz'));
  for (let i = 0; i < 9; i++) live.addProfile({ kind: 'heap', t: 1000 + i, bytes: heap.length, body: heap });
  const kept = live.snapshot().heapProfiles;
  assert.ok(kept.length <= 5, `${kept.length} kept`);
  assert.ok(kept.length >= 3);
  // The newest profile is always kept.
  assert.equal(kept.at(-1)!.profile.samples.length, live.snapshot().heapProfiles.at(-1)!.profile.samples.length);
});
