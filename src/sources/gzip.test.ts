import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { HOLD_BEFORE_COUNTED, gunzipStream, gunzipWithinCap, maybeGunzip } from './gzip.js';
import { InputError } from './input-error.js';

const heap = readFileSync(new URL('./testdata/pprof/heap-rate1.pb.gz', import.meta.url));

test('inflates a real gzipped Go profile and passes raw bytes through', () => {
  const raw = maybeGunzip(heap, 'heap', 1 << 30);
  assert.ok(raw.length > heap.length);
  assert.notEqual(raw[0], 0x1f);
  assert.equal(maybeGunzip(raw, 'raw', 1 << 30), raw);
});

test('large inputs inflate whole whether or not the gzip trailer size fits the output', () => {
  // Pseudo-random bytes (fixed seed) so the members are large, in sizes around zlib's 64 KiB chunk.
  let x = 12345;
  const payload = (n: number) => Buffer.from(Array.from({ length: n }, () => (x = (x * 1103515245 + 12345) >>> 0) >>> 24));
  for (const n of [65535, 65536, 65537, 300_000]) {
    const p = payload(n);
    assert.deepEqual(maybeGunzip(gzipSync(p), 'one', 1 << 30), p, `${n} bytes`);
  }
  // Two members: the trailer only tells the last one's size, so the output outgrows one buffer.
  const a = payload(300_000);
  const b = payload(100_000);
  assert.deepEqual(maybeGunzip(Buffer.concat([gzipSync(a), gzipSync(b)]), 'two', 1 << 30), Buffer.concat([a, b]));
  // The cap still wins when the trailer is under it but the output is not (two members again).
  assert.throws(() => maybeGunzip(Buffer.concat([gzipSync(a), gzipSync(b)]), 'two', 200_000), /inflates past the 200000-byte cap/);
});

test('a decompression bomb stops at the cap with a one-line InputError', () => {
  const bomb = gzipSync(Buffer.alloc(64 << 20)); // 64 MiB of zeros in ~64 kB
  assert.throws(
    () => maybeGunzip(bomb, 'bomb.gz', 1 << 20),
    (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.equal(e.message, 'bomb.gz: gzip data inflates past the 1048576-byte cap (raise --max-bytes if this is expected)');
      return true;
    },
  );
});

test('raw input over the cap is refused too', () => {
  assert.throws(() => maybeGunzip(Buffer.alloc(100, 1), 'big', 50), /input is 100 bytes, past the 50-byte cap/);
});

test('truncated gzip names the byte where the stream stops', () => {
  const cut = heap.subarray(0, 1000);
  assert.throws(
    () => maybeGunzip(cut, 'heap.pb.gz', 1 << 30),
    (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.equal(e.message, 'heap.pb.gz: gzip stream truncated at byte 1000');
      return true;
    },
  );
});

test('corrupt gzip is one line', () => {
  const bad = Buffer.from(heap);
  bad.fill(0xff, 20, 200);
  assert.throws(
    () => maybeGunzip(bad, 'bad.gz', 1 << 30),
    (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.match(e.message, /^bad\.gz: corrupt gzip data \(.+\)$/);
      assert.ok(!e.message.includes('\n'));
      return true;
    },
  );
});

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

function chunked(bytes: Uint8Array, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(Buffer.from(bytes.subarray(i, i + size)));
  return Readable.from(parts);
}

test('gunzipStream inflates in chunks, passes plain input, enforces cap and truncation', async () => {
  const raw = maybeGunzip(heap, 'heap', 1 << 30);
  assert.deepEqual(await collect(gunzipStream(chunked(heap, 1), 'heap', 1 << 30)), Buffer.from(raw));
  assert.deepEqual(await collect(gunzipStream(chunked(raw, 777), 'raw', 1 << 30)), Buffer.from(raw));
  await assert.rejects(collect(gunzipStream(chunked(heap, 500), 'heap', 1000)), /inflates past the 1000-byte cap/);
  await assert.rejects(collect(gunzipStream(chunked(heap.subarray(0, 3000), 512), 'heap', 1 << 30)), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.equal(e.message, 'heap: gzip stream truncated at byte 3000');
    return true;
  });
  await assert.rejects(collect(gunzipStream(chunked(raw, 100), 'raw', 50)), /past the 50-byte cap|passes the 50-byte cap/);
});

test('gunzipStream: a consumer that stops early ends the stream and its source', async () => {
  const big = gzipSync(Buffer.alloc(32 << 20, 7));
  const source = chunked(big, 4096);
  let got = 0;
  for await (const chunk of gunzipStream(source, 'big', 1 << 30)) {
    got += chunk.length;
    if (got > 1 << 20) break;
  }
  assert.ok(got > 1 << 20 && got < 32 << 20);
  assert.ok(source.destroyed, 'the source stream was closed');
});

// Many gzip members of zeros: a bomb of any inflated size from a few hundred kB, built without holding it.
function zeroMembers(memberBytes: number, members: number): Buffer {
  const one = gzipSync(Buffer.alloc(memberBytes));
  return Buffer.concat(Array.from({ length: members }, () => one));
}

test('gunzipWithinCap: a bomb past the hold is refused by the counting pass, one line', async () => {
  const member = 16 << 20;
  const members = Math.ceil((HOLD_BEFORE_COUNTED * 1.5) / member);
  const cap = HOLD_BEFORE_COUNTED + member; // over the hold, under the bomb
  await assert.rejects(gunzipWithinCap(zeroMembers(member, members), 'bomb.gz', cap), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.equal(e.kind, 'cap');
    assert.equal(e.message, `bomb.gz: gzip data inflates past the ${cap}-byte cap (raise --max-bytes if this is expected)`);
    return true;
  });
});

test('gunzipWithinCap: output over the hold but under the cap comes out whole; small and raw inputs as maybeGunzip', async () => {
  const member = 16 << 20;
  const members = HOLD_BEFORE_COUNTED / member + 1;
  const out = await gunzipWithinCap(zeroMembers(member, members), 'big.gz', 1 << 30);
  assert.equal(out.length, member * members);
  assert.equal(Buffer.from(out.buffer, out.byteOffset, out.length).indexOf(1), -1);
  assert.deepEqual(await gunzipWithinCap(heap, 'heap', 1 << 30), maybeGunzip(heap, 'heap', 1 << 30));
  const raw = maybeGunzip(heap, 'heap', 1 << 30);
  assert.equal(await gunzipWithinCap(raw, 'raw', 1 << 30), raw);
  // Truncated past the hold: the counting pass names the truncation, not a cap.
  const cut = zeroMembers(member, members);
  await assert.rejects(gunzipWithinCap(cut.subarray(0, cut.length - 100), 'cut.gz', 1 << 30), {
    message: `cut.gz: gzip stream truncated at byte ${cut.length - 100}`,
  });
});
