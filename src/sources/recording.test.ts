import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../test-support/toolchain.js';
import { InputError } from './input-error.js';
import { isRecordingDir, readRecordingDir } from './recording.js';

const captured = join(repoRoot, 'src/sources/testdata/recording/target-churn');

/** A scratch copy of the captured recording, for tests that damage it. */
function copy(t: { after(fn: () => void): void }): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'heapsight-rec-')), 'rec');
  cpSync(captured, dir, { recursive: true });
  t.after(() => rmSync(join(dir, '..'), { recursive: true, force: true }));
  return dir;
}

function fileLines(name: string): string[] {
  return readFileSync(join(captured, name), 'utf8').trim().split('\n');
}

test('reads a recording written by heapsight watch against a real Go service', async () => {
  const rec = await readRecordingDir(captured);
  const sampleLines = fileLines('samples.jsonl');
  const profiles = readdirSync(join(captured, 'profiles'));
  assert.equal(rec.meta?.format, 'heapsight-recording');
  assert.equal(rec.samples.length, sampleLines.length);
  rec.samples.forEach((s, i) => assert.equal(s.t, JSON.parse(sampleLines[i]).t));
  const withGc = sampleLines.map((l) => JSON.parse(l)).find((s) => s.lastGCUnixNanos);
  assert.equal(rec.samples.find((s) => s.t === withGc.t)?.lastGCUnixNanos, BigInt(withGc.lastGCUnixNanos));
  assert.equal(rec.heapProfiles.length, profiles.filter((f) => f.startsWith('heap-')).length);
  for (const p of rec.heapProfiles) {
    assert.ok(p.origin.endsWith('.pb.gz'));
    // t comes from the profile's time_nanos, which Go sets at collection: within a second of the file name's fetch time.
    const fileMs = Number(/heap-(\d+)/.exec(p.origin)![1]);
    assert.ok(Math.abs(p.t! - fileMs) < 1000, `${p.t} vs ${fileMs}`);
  }
  assert.equal(rec.goroutineSnapshots.filter((g) => g.kind === 'proto').length, profiles.filter((f) => f.startsWith('goroutine-')).length);
  assert.equal(rec.goroutineSnapshots.filter((g) => g.kind === 'debug2').length, profiles.filter((f) => f.startsWith('goroutine2-')).length);
  for (let i = 1; i < rec.goroutineSnapshots.length; i++) assert.ok(rec.goroutineSnapshots[i].t! >= rec.goroutineSnapshots[i - 1].t!);
  assert.deepEqual(
    rec.events.map((e) => e.kind),
    ['stopped'],
  );

  // gctrace.log cycles are placed on the wall clock from the process start time (one process, no restart).
  const gcLines = readFileSync(join(captured, 'gctrace.log'), 'utf8')
    .split('\n')
    .filter((l) => /^gc \d+ @/.test(l));
  assert.equal(rec.gcCycles.length, gcLines.length);
  const start = rec.samples[0].processStartSeconds!;
  assert.equal(rec.gcCycles[0].t, Math.round((start + rec.gcCycles[0].atSeconds) * 1000));
  assert.ok(rec.gcCycles[0].t! > Date.parse(rec.meta!.startedAt) - 5000 && rec.gcCycles[0].t! < Date.parse(rec.meta!.endedAt!));
  assert.equal(isRecordingDir(captured), true);
});

test('a torn last line (watcher killed mid-write) is dropped and noted', async (t) => {
  const dir = copy(t);
  const last = fileLines('samples.jsonl').at(-1)!;
  appendFileSync(join(dir, 'samples.jsonl'), last.slice(0, 123));
  appendFileSync(join(dir, 'events.jsonl'), '{"t":17956640');
  const rec = await readRecordingDir(dir);
  assert.equal(rec.samples.length, fileLines('samples.jsonl').length);
  const notes = rec.events.filter((e) => e.kind === 'note').map((e) => e.detail);
  assert.deepEqual(notes, [
    `samples.jsonl:${fileLines('samples.jsonl').length + 1}: dropped a torn last line (123 bytes); the watcher was probably killed mid-write`,
    `events.jsonl:${fileLines('events.jsonl').length + 1}: dropped a torn last line (13 bytes); the watcher was probably killed mid-write`,
  ]);
});

test('a broken line in the middle is an InputError naming file:line', async (t) => {
  const dir = copy(t);
  const lines = fileLines('samples.jsonl');
  lines[4] = lines[4].slice(0, 50);
  writeFileSync(join(dir, 'samples.jsonl'), lines.join('\n') + '\n');
  await assert.rejects(
    readRecordingDir(dir),
    (err: unknown) => err instanceof InputError && err.origin === `${join(dir, 'samples.jsonl')}:5` && /expected one JSON object per line/.test(err.message),
  );
});

test('a half-written profile (.tmp) is ignored; a corrupt profile is an InputError naming it', async (t) => {
  const dir = copy(t);
  const heap = readdirSync(join(dir, 'profiles')).find((f) => f.startsWith('heap-'))!;
  const bytes = readFileSync(join(dir, 'profiles', heap));
  writeFileSync(join(dir, 'profiles', 'heap-1795664009999.pb.gz.tmp'), bytes.subarray(0, 100));
  const before = (await readRecordingDir(captured)).heapProfiles.length;
  assert.equal((await readRecordingDir(dir)).heapProfiles.length, before);
  writeFileSync(join(dir, 'profiles', heap), bytes.subarray(0, bytes.length - 40));
  await assert.rejects(
    readRecordingDir(dir),
    (err: unknown) => err instanceof InputError && err.origin === join(dir, 'profiles', heap) && /truncated/.test(err.message),
  );
});

test('what is not a recording is said plainly', async (t) => {
  const dir = copy(t);
  await assert.rejects(readRecordingDir(join(dir, 'nope')), /nope: expected a heapsight recording directory, got nothing at that path/);
  await assert.rejects(readRecordingDir(join(dir, 'gctrace.log')), /expected a heapsight recording directory, got a file/);
  await assert.rejects(
    readRecordingDir(join(dir, 'profiles')),
    /expected a heapsight recording directory \(recording.json, samples.jsonl\), got a directory without them/,
  );
  const meta = JSON.parse(readFileSync(join(dir, 'recording.json'), 'utf8'));
  writeFileSync(join(dir, 'recording.json'), JSON.stringify({ ...meta, version: 2 }));
  await assert.rejects(readRecordingDir(dir), /expected recording format version 1, got version 2; a newer heapsight wrote it/);
  writeFileSync(join(dir, 'recording.json'), '{"format":"something-else"}');
  await assert.rejects(readRecordingDir(dir), /expected "format": "heapsight-recording", got "something-else"/);
  assert.equal(isRecordingDir(join(dir, 'profiles')), false);
});

test('a long recording keeps an evenly spaced subset of profiles, first and last included', async () => {
  const full = await readRecordingDir(captured);
  const few = await readRecordingDir(captured, { maxProfiles: 2 });
  assert.deepEqual(
    few.heapProfiles.map((p) => p.origin),
    [full.heapProfiles[0].origin, full.heapProfiles.at(-1)!.origin],
  );
  const proto = (r: typeof full) => r.goroutineSnapshots.filter((g) => g.kind === 'proto').map((g) => g.t);
  assert.deepEqual(proto(few), [proto(full)[0], proto(full).at(-1)]);
  assert.equal(few.samples.length, full.samples.length);
  assert.deepEqual(
    few.events.filter((e) => e.kind === 'note').map((e) => e.detail),
    [
      `kept 2 of ${full.heapProfiles.length} heap profiles, evenly spaced with the first and last, to bound memory`,
      `kept 2 of ${proto(full).length} goroutine profiles, evenly spaced with the first and last, to bound memory`,
    ],
  );
});
