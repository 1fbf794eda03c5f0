// test-lane: wall-clock (time spent waiting on live services: scripts/run-tests.mjs runs it beside the CPU-bound tests)
// Real cgroups: a Go program writing a file steadily (heap flat) inside its own 128 MiB memory cgroup,
// watched by the poller, which finds the group from /proc/PID/cgroup and samples it beside /proc. On
// disk the page cache grows and the verdict is no-leak naming it; under /dev/shm (tmpfs) the growth is
// real and the verdict says where.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeRecording } from '../analysis/analyze-recording.js';
import { readRecordingDir } from '../sources/recording.js';
import { buildGoProgram } from '../test-support/toolchain.js';
import { Poller } from './poller.js';
import { RecordingWriter } from './recording-writer.js';
import { createMemoryCgroup, startInCgroup } from '../test-support/test-cgroup.js';

const MiB = 1024 * 1024;
/** Long enough for a no-leak verdict (verdict.ts MIN_SECONDS = 60) with a margin; well under 90 s. */
const WATCH_MS = 75_000;

async function watchWriter(name: string, file: string, rate: number) {
  const bin = buildGoProgram('src/collect/testdata/cgroup-target');
  const cg = createMemoryCgroup(name, 128 * MiB);
  const tmp = mkdtempSync(join(tmpdir(), `heapsight-${name}-`));
  let target;
  try {
    target = await startInCgroup(cg, bin, ['-write', file, '-rate', String(rate)]);
    const dir = join(tmp, 'rec');
    const writer = RecordingWriter.create(dir, { target: {} });
    const poller = new Poller({
      url: target.url,
      intervalMs: 1000,
      profileIntervalMs: 5000,
      timeoutMs: 5000,
      profileTimeoutMs: 10_000,
      random: () => 0.5,
      writer,
    });
    await poller.discover();
    const run = poller.run();
    await new Promise((r) => setTimeout(r, WATCH_MS)); // the watch window itself, not a synchronisation
    poller.stop();
    await run;
    writer.close();
    return analyzeRecording(await readRecordingDir(dir));
  } finally {
    await target?.kill();
    rmSync(file, { force: true });
    rmSync(tmp, { recursive: true, force: true });
    await cg.remove();
  }
}

test('a Go service writing a file in its own memory cgroup: page cache grows, no leak; under tmpfs the growth is real', async () => {
  const [disk, shm] = await Promise.all([
    watchWriter('hs-pagecache', join(tmpdir(), `heapsight-pagecache-${process.pid}.bin`), 1 * MiB),
    watchWriter('hs-tmpfs', `/dev/shm/heapsight-tmpfs-${process.pid}.bin`, 512 * 1024),
  ]);

  const w = disk.container?.waterfall;
  assert.ok(w, 'the cgroup was found and sampled');
  assert.equal(w.cgroupVersion, 1);
  assert.equal(w.limit, 128 * MiB);
  const layer = (f: typeof disk, id: string) => f.container!.waterfall!.layers.find((l) => l.id === id)!;
  console.log(
    JSON.stringify({
      disk: {
        verdict: disk.verdict,
        summary: disk.summary,
        reasons: disk.evidence.reasons,
        layers: w.layers.map((l) => [l.id, Math.round(l.bytes / MiB), Math.round((l.delta ?? 0) / MiB)]),
      },
    }),
  );
  assert.ok(layer(disk, 'page-cache').delta! > 30 * MiB, `page cache grew ${layer(disk, 'page-cache').delta}`);
  assert.ok(Math.abs(layer(disk, 'rss').delta!) < 8 * MiB, 'RSS stayed flat');
  assert.equal(disk.container!.growingLayer, 'page-cache');
  assert.equal(disk.verdict, 'no-leak');
  assert.ok(disk.evidence.reasons.some((r) => /page cache/.test(r) && /reclaims it under pressure/.test(r)));

  const sw = shm.container!.waterfall!;
  console.log(
    JSON.stringify({
      shm: {
        verdict: shm.verdict,
        summary: shm.summary,
        reasons: shm.evidence.reasons,
        layers: sw.layers.map((l) => [l.id, Math.round(l.bytes / MiB), Math.round((l.delta ?? 0) / MiB)]),
      },
    }),
  );
  assert.ok(layer(shm, 'tmpfs').delta! > 20 * MiB);
  assert.equal(shm.container!.growingLayer, 'tmpfs');
  assert.equal(shm.verdict, 'off-heap-growth');
  assert.ok(shm.evidence.reasons.some((r) => /tmpfs/.test(r) && /real growth/.test(r)));
  // Where: the file the service holds open under /dev/shm, found through its fds.
  const shmFile = `/dev/shm/heapsight-tmpfs-${process.pid}.bin`;
  assert.equal(shm.container!.tmpfsFiles?.[0]?.path, shmFile);
  assert.ok(shm.container!.tmpfsFiles![0].bytes > 20 * MiB);
  assert.ok(shm.summary.includes(shmFile), shm.summary);
  assert.match(disk.summary, /page cache grew/);
});
