import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runCliToEnd } from '../test-support/cli-run.js';
import { HOLD_BEFORE_COUNTED } from '../sources/gzip.js';

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
