import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRecordingDir } from '../sources/recording.js';
import { repoRoot } from '../test-support/toolchain.js';
import { profileFileName, recordingLine, RecordingWriter } from './recording-writer.js';

function scratch(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-writer-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// A real heap profile served by the test target, reused as a body to store.
const heapBody = (() => {
  const dir = join(repoRoot, 'src/sources/testdata/recording/target-churn/profiles');
  return readFileSync(
    join(
      dir,
      readdirSync(dir).find((f) => f.startsWith('heap-'))!,
    ),
  );
})();

test('lines put t first and write bigint as decimal strings', () => {
  const line = recordingLine({ source: 'expvar', heapAlloc: 5, lastGCUnixNanos: 1795664005287150215n, t: 17 });
  assert.equal(line, '{"t":17,"source":"expvar","heapAlloc":5,"lastGCUnixNanos":"1795664005287150215"}\n');
});

test('a written recording reads back exactly', async (t) => {
  const dir = join(scratch(t), 'nested', 'rec');
  const w = RecordingWriter.create(dir, { target: { url: 'http://127.0.0.1:1' }, startedAt: '2026-01-01T00:00:00.000Z' }, { syncIntervalMs: 0 });
  w.appendSample({ t: 2000, source: 'expvar', heapAlloc: 100, lastGCUnixNanos: 1795664005287150215n });
  w.appendSample({ t: 1000, source: 'prometheus', heapAlloc: 50, rss: 4096 });
  w.appendEvent({ t: 1500, kind: 'gap', detail: 'target was unreadable for 1.0 s', durationMs: 1000 });
  const p1 = w.writeProfile('heap', 1700, heapBody);
  const p2 = w.writeProfile('heap', 1700, heapBody);
  assert.notEqual(p1, p2, 'a second profile in the same ms does not overwrite the first');
  w.updateMeta({ intervalMs: 5000 });
  w.close(new Date('2026-01-01T00:01:00.000Z'));
  w.close();
  assert.throws(() => w.appendSample({ source: 'proc' }), /is closed/);

  assert.deepEqual(readdirSync(join(dir, 'profiles')).sort(), [profileFileName('heap', 1700), profileFileName('heap', 1701)]);
  const rec = await readRecordingDir(dir);
  assert.deepEqual(rec.samples, [
    { t: 1000, source: 'prometheus', heapAlloc: 50, rss: 4096 },
    { t: 2000, source: 'expvar', heapAlloc: 100, lastGCUnixNanos: 1795664005287150215n },
  ]);
  assert.deepEqual(rec.events, [{ t: 1500, kind: 'gap', detail: 'target was unreadable for 1.0 s', durationMs: 1000 }]);
  assert.equal(rec.heapProfiles.length, 2);
  assert.deepEqual(
    { ...rec.meta },
    {
      format: 'heapsight-recording',
      version: 1,
      target: { url: 'http://127.0.0.1:1' },
      startedAt: '2026-01-01T00:00:00.000Z',
      intervalMs: 5000,
      endedAt: '2026-01-01T00:01:00.000Z',
    },
  );
});

test('refuses to write into an existing recording or a non-empty directory', (t) => {
  const base = scratch(t);
  const w = RecordingWriter.create(join(base, 'a'), { target: {} });
  w.close();
  assert.throws(() => RecordingWriter.create(join(base, 'a'), { target: {} }), /already holds a recording/);
  mkdirSync(join(base, 'b'));
  writeFileSync(join(base, 'b', 'notes.txt'), 'mine');
  assert.throws(() => RecordingWriter.create(join(base, 'b'), { target: {} }), /exists and is not empty/);
  mkdirSync(join(base, 'c'));
  RecordingWriter.create(join(base, 'c'), { target: {} }).close();
});
