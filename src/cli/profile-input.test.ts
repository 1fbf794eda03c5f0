import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runCliToEnd } from '../test-support/cli-run.js';
import { HOLD_BEFORE_COUNTED } from '../sources/gzip.js';
import { InputError } from '../sources/input-error.js';
import { parseByteSize } from './flags.js';
import { DEFAULT_MAX_BYTES, readWithinCap } from './profile-input.js';

test('top on a gzip bomb past the hold: exit 4, one line naming the file and the cap', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-bomb-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Members of 16 MiB of zeros, together 1.5× the hold; the cap sits between the hold and the bomb.
  const member = gzipSync(Buffer.alloc(16 << 20));
  const n = Math.ceil((HOLD_BEFORE_COUNTED * 1.5) / (16 << 20));
  const path = join(dir, 'bomb.pb.gz');
  writeFileSync(path, Buffer.concat(Array.from({ length: n }, () => member)));
  const cap = HOLD_BEFORE_COUNTED + (16 << 20);
  const r = await runCliToEnd(['top', path, '--max-bytes', String(cap)], { entry: 'bundle', timeoutMs: 60_000 });
  assert.equal(r.code, 4, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `heapsight: ${path}: gzip data inflates past the ${cap}-byte cap (raise --max-bytes if this is expected)\n`);
});

// Issue 11: a device or a pipe reports size 0 to stat, so the size check did not bound it and
// `top /dev/zero` read until V8 ran out of memory (3.7 GB). It now reads at most the cap.
test('readWithinCap reads a file whole under the cap and stops a sizeless endless one just past it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-cap-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'p.pb');
  const body = Buffer.from(Array.from({ length: 3 << 20 }, (_, i) => i % 251));
  writeFileSync(path, body);
  assert.deepEqual(Buffer.from(readWithinCap(path, 3 << 20)), body);
  assert.throws(
    () => readWithinCap(path, (3 << 20) - 1),
    (e: unknown) => e instanceof InputError && e.kind === 'cap',
  );
  assert.throws(
    () => readWithinCap('/dev/zero', 1 << 20),
    (e: unknown) => e instanceof InputError && e.kind === 'cap' && e.message.startsWith('/dev/zero: ') && e.message.includes(String(1 << 20)),
  );
});

test('top and diff default to a 256 MiB cap: one profile under 1 GiB peak RSS at top’s ~2.7× its size', () => {
  assert.equal(parseByteSize('--max-bytes', DEFAULT_MAX_BYTES), 256 * 1024 * 1024);
});

test('top /dev/zero: exit 4, one line naming it and the cap', async () => {
  const r = await runCliToEnd(['top', '/dev/zero', '--max-bytes', '1MiB'], { timeoutMs: 60_000 });
  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stderr, /^heapsight: \/dev\/zero: .*1048576.*--max-bytes.*\n$/);
});
