// parseHeapDebug1 on real `/debug/pprof/heap?debug=1` bodies of examples/retained-after-burst built with
// Go 1.19 and Go 1.27 (testdata/heap-debug1/README.md). The oracle for the records is Go's own pprof
// (`go tool pprof -raw`, which reads the legacy text form and scales it); the oracle for the MemStats
// is the text itself, read line by line here with no code shared with the reader.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { InputError } from './input-error.js';
import { parseHeapDebug1 } from './heap-debug1.js';
import { repoRoot, requireGo } from '../test-support/toolchain.js';

const dir = join(repoRoot, 'src/sources/testdata/heap-debug1');
const captures = ['go1.19-after-burst.txt', 'go1.27-after-burst.txt'].map((f) => join(dir, f));

function memStatsLine(text: string, name: string): string {
  const m = new RegExp(`^# ${name} = (.*)$`, 'm').exec(text);
  assert.ok(m, `${name} in the capture`);
  return m[1];
}

/** The value tuples of `go tool pprof -raw`'s Samples section, sorted: what pprof makes of the records. */
function pprofRawSamples(file: string): string[] {
  const go = requireGo('1.19');
  const r = spawnSync(go, ['tool', 'pprof', '-raw', '-symbolize=none', file], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const samples = r.stdout.split('\nSamples:\n')[1].split('\nLocations\n')[0];
  return samples
    .split('\n')
    .map((l) => /^\s*(-?\d+)\s+(-?\d+)\s+(-?\d+)\s+(-?\d+):/.exec(l))
    .filter((m) => m !== null)
    .map((m) => m.slice(1, 5).join(' '))
    .sort();
}

for (const file of captures) {
  const name = file.slice(dir.length + 1);
  test(`${name}: the records scale to what go tool pprof makes of them`, () => {
    const { profile } = parseHeapDebug1(readFileSync(file), file);
    assert.deepEqual(
      profile.sampleTypes.map((t) => t.type),
      ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space'],
    );
    // pprof drops records whose values are all zero (stacks that sampled nothing yet).
    const ours = profile.samples
      .filter((s) => s.values.some((v) => v !== 0))
      .map((s) => s.values.join(' '))
      .sort();
    assert.deepEqual(ours, pprofRawSamples(file));
  });

  test(`${name}: stacks come from the frame lines, leaf first, with files and lines`, () => {
    const text = readFileSync(file, 'utf8');
    const { profile } = parseHeapDebug1(text, file);
    // The program's 8 MiB table is held for its lifetime: a record whose leaf is main.buildTable.
    const table = profile.samples.filter((s) => profile.locations[s.locations[0]].lines[0].function === 'main.buildTable');
    assert.equal(table.length, 1);
    const frames = table[0].locations.flatMap((l) => profile.locations[l].lines.map((f) => f.function));
    assert.deepEqual(frames.slice(0, 2), ['main.buildTable', 'main.main']);
    const leaf = profile.locations[table[0].locations[0]].lines[0];
    assert.match(leaf.file, /main\.go$/);
    assert.ok(text.includes(`${leaf.file}:${leaf.line}`));
    assert.ok(table[0].values[3] >= 8 << 20, 'the table is at least 8 MiB in use');
  });

  test(`${name}: the MemStats block is a snapshot, exact, HeapReleased included`, () => {
    const text = readFileSync(file, 'utf8');
    const { memStats } = parseHeapDebug1(gzipSync(text), file);
    assert.ok(memStats);
    for (const [goName, field] of [
      ['HeapAlloc', 'heapAlloc'],
      ['HeapIdle', 'heapIdle'],
      ['HeapReleased', 'heapReleased'],
      ['Sys', 'sys'],
      ['NumGC', 'numGC'],
      ['MaxRSS', 'vmHWM'],
    ] as const) {
      assert.equal(memStats[field], Number(memStatsLine(text, goName)), goName);
    }
    const [stackInuse, stackSys] = memStatsLine(text, 'Stack').split(' / ').map(Number);
    assert.equal(memStats.stackInuse, stackInuse);
    assert.equal(memStats.stackSys, stackSys);
    assert.equal(memStats.lastGCUnixNanos, BigInt(memStatsLine(text, 'LastGC')));
    // The capture was taken after the burst was freed and scavenged: most idle heap is back with the OS.
    assert.ok(memStats.heapReleased! > memStats.heapAlloc!, 'released more than is allocated');
  });
}

test('bad input: not a text heap profile, a broken record, a body cut before MemStats', () => {
  assert.throws(
    () => parseHeapDebug1('goroutine profile: total 3\n', 'g.txt'),
    (e: unknown) => e instanceof InputError && e.message.includes('g.txt') && /heap profile: N/.test(e.message),
  );
  assert.throws(
    () => parseHeapDebug1('heap profile: 1: 8 [1: 8] @ heap/1048576\n1: 8 [1: 8] @ 0xzz\n', 'h.txt'),
    (e: unknown) => e instanceof InputError && /line 2: expected a heap profile record/.test(e.message),
  );
  const text = readFileSync(captures[0], 'utf8');
  const cut = parseHeapDebug1(text.slice(0, text.indexOf('# runtime.MemStats')), 'cut.txt');
  assert.equal(cut.memStats, undefined);
  assert.ok(cut.profile.samples.length > 0);
});
