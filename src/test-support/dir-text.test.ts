import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { allText } from './dir-text.js';

test('allText: plain files, nested directories and the inflated text of gzip files', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-dir-text-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'profiles'));
  writeFileSync(join(dir, 'samples.jsonl'), '{"a":1}\n');
  writeFileSync(join(dir, 'profiles', 'heap.pb.gz'), gzipSync(Buffer.from('secret-in-gzip')));
  const text = allText(dir);
  assert.ok(text.includes('{"a":1}'));
  assert.ok(text.includes('secret-in-gzip'), 'gzip member inflated');
  assert.ok(!allText(join(dir, 'profiles')).includes('{"a":1}'));
});
