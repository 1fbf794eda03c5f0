// Inflate gzip input (pprof profiles, gzipped dumps) with a hard cap on the inflated size, so that a
// decompression bomb becomes a one-line InputError instead of an out-of-memory crash. Input that is not
// gzip passes through untouched: readers accept raw and compressed forms alike, decided by the magic
// bytes and never by a file name. zlib's own messages ("unexpected end of file") are translated into
// what a user can act on, with the compressed byte offset where the stream stopped.

import { createGunzip, gunzipSync } from 'node:zlib';
import { InputError } from './input-error.js';

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function formatBytes(n: number): string {
  return `${n}-byte`;
}

/** Deflate's best ratio is ~1032:1: n compressed bytes inflate to at most n × this. */
const DEFLATE_MAX_RATIO = 1032;

function capError(origin: string, maxBytes: number): InputError {
  return new InputError(origin, `gzip data inflates past the ${formatBytes(maxBytes)} cap (raise --max-bytes if this is expected)`, 'cap');
}

function translate(err: unknown, origin: string, compressedLength: number, maxBytes: number): InputError {
  const e = err as NodeJS.ErrnoException;
  if (e instanceof RangeError || e?.code === 'ERR_BUFFER_TOO_LARGE') {
    return capError(origin, maxBytes);
  }
  if (e?.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e?.message ?? '')) {
    return new InputError(origin, `gzip stream truncated at byte ${compressedLength}`);
  }
  const detail = (e?.message ?? String(err)).split('\n')[0];
  return new InputError(origin, `corrupt gzip data (${detail})`);
}

/**
 * zlib's sync API inflates into 64 KiB chunks and then concatenates them: a second copy of the whole
 * output (~10 % of `heapsight top` on an 87 MB profile). The gzip trailer's ISIZE (size mod 2^32 of the
 * last member) lets one buffer hold it all. It is only a hint: ignored when it is small, over the cap,
 * or more than deflate's ~1032:1 can produce; a wrong hint just means more chunks, never a wrong result.
 */
function singleChunkSize(bytes: Uint8Array, maxBytes: number): number | undefined {
  const n = bytes.length;
  if (n < 18) return undefined;
  const isize = (bytes[n - 4] | (bytes[n - 3] << 8) | (bytes[n - 2] << 16) | (bytes[n - 1] << 24)) >>> 0;
  if (isize < 1 << 16 || isize >= maxBytes || isize > n * DEFLATE_MAX_RATIO) return undefined;
  // One byte to spare, so zlib does not allocate a fresh chunk when the output fills this one exactly.
  return isize + 1;
}

/**
 * Inflate `bytes` when they start with the gzip magic; otherwise return them unchanged (but still
 * subject to the cap, so callers get one consistent limit).
 */
export function maybeGunzip(bytes: Uint8Array, origin: string, maxBytes: number): Uint8Array {
  if (!isGzip(bytes)) {
    if (bytes.length > maxBytes) {
      throw new InputError(origin, `input is ${bytes.length} bytes, past the ${formatBytes(maxBytes)} cap (raise --max-bytes if this is expected)`, 'cap');
    }
    return bytes;
  }
  try {
    // maxOutputLength must be ≥ 1; a cap of 0 means "nothing may come out".
    const chunkSize = singleChunkSize(bytes, maxBytes);
    return gunzipSync(bytes, chunkSize === undefined ? { maxOutputLength: Math.max(1, maxBytes) } : { maxOutputLength: Math.max(1, maxBytes), chunkSize });
  } catch (err) {
    throw translate(err, origin, bytes.length, maxBytes);
  }
}

/**
 * Inflated bytes held before the whole stream is known to fit the cap. Up to this much, one sync pass
 * inflates and keeps the output (every real capture seen so far: an 87 MB profile is the largest).
 * Past it, nothing more is kept until a counting pass has inflated the stream to its end or to the cap,
 * so a bomb costs this much memory and not the cap (1 GiB by default: 1.13 GB RSS on 1.5 GiB of gzip
 * zeros before this). Small enough to be far under the 1 GiB RSS promise, big enough that real inputs
 * inflate once.
 */
export const HOLD_BEFORE_COUNTED = 128 << 20;

/** Inflated size of a gzip stream, counted in bounded memory; a cap error once it passes `maxBytes`. */
async function countInflated(bytes: Uint8Array, origin: string, maxBytes: number): Promise<number> {
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  let produced = 0;
  try {
    gunzip.end(bytes);
    for await (const chunk of gunzip) {
      produced += (chunk as Buffer).length;
      if (produced > maxBytes) throw capError(origin, maxBytes);
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw translate(err, origin, bytes.length, maxBytes);
  } finally {
    gunzip.destroy();
  }
  return produced;
}

/**
 * maybeGunzip with the cap applied before the memory is committed: output past HOLD_BEFORE_COUNTED is
 * only kept once a counting pass has shown the whole stream fits. Costs one more inflate, for outputs
 * over that size only.
 */
export async function gunzipWithinCap(bytes: Uint8Array, origin: string, maxBytes: number): Promise<Uint8Array> {
  if (!isGzip(bytes) || maxBytes <= HOLD_BEFORE_COUNTED || bytes.length * DEFLATE_MAX_RATIO <= HOLD_BEFORE_COUNTED) {
    return maybeGunzip(bytes, origin, maxBytes);
  }
  try {
    const chunkSize = singleChunkSize(bytes, HOLD_BEFORE_COUNTED);
    return gunzipSync(bytes, { maxOutputLength: HOLD_BEFORE_COUNTED, ...(chunkSize === undefined ? {} : { chunkSize }) });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (!(e instanceof RangeError || e?.code === 'ERR_BUFFER_TOO_LARGE')) throw translate(err, origin, bytes.length, maxBytes);
  }
  const size = await countInflated(bytes, origin, maxBytes);
  try {
    return gunzipSync(bytes, { maxOutputLength: Math.max(1, size), chunkSize: size + 1 });
  } catch (err) {
    throw translate(err, origin, bytes.length, maxBytes);
  }
}

/**
 * Streaming form for inputs too big to hold twice (300 MB goroutine dumps): yields inflated chunks,
 * or the input's own chunks when it is not gzip. The cap applies to the bytes yielded.
 */
export async function* gunzipStream(source: AsyncIterable<Uint8Array>, origin: string, maxBytes: number): AsyncGenerator<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  // Peek until the two magic bytes are known (a chunk may be 1 byte long).
  const head: Uint8Array[] = [];
  let headLen = 0;
  while (headLen < 2) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    headLen += r.value.length;
  }
  const first: Uint8Array = head.length === 1 ? head[0] : Buffer.concat(head);
  const rest: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => it,
  };
  if (!isGzip(first)) {
    let total = first.length;
    if (total > maxBytes) throw new InputError(origin, `input passes the ${formatBytes(maxBytes)} cap (raise --max-bytes if this is expected)`, 'cap');
    if (first.length) yield first;
    for await (const chunk of rest) {
      total += chunk.length;
      if (total > maxBytes) throw new InputError(origin, `input passes the ${formatBytes(maxBytes)} cap (raise --max-bytes if this is expected)`, 'cap');
      yield chunk;
    }
    return;
  }

  const gunzip = createGunzip();
  let consumed = 0;
  let produced = 0;
  let feedError: unknown;
  // Feed compressed chunks with back-pressure in the background; read inflated output here.
  const feed = (async () => {
    try {
      const write = (chunk: Uint8Array) =>
        new Promise<void>((resolve) => {
          consumed += chunk.length;
          if (gunzip.destroyed || gunzip.write(chunk)) return resolve();
          // 'close' too: a consumer that stops early destroys the inflater, and 'drain' never comes.
          const done = () => {
            gunzip.off('drain', done);
            gunzip.off('close', done);
            resolve();
          };
          gunzip.once('drain', done);
          gunzip.once('close', done);
        });
      await write(first);
      for await (const chunk of rest) {
        if (gunzip.destroyed) break;
        await write(chunk);
      }
      if (!gunzip.destroyed) gunzip.end();
    } catch (err) {
      feedError = err;
      gunzip.destroy(err as Error);
    }
  })();
  let sawTrailer = false;
  try {
    for await (const chunk of gunzip) {
      produced += (chunk as Buffer).length;
      if (produced > maxBytes) throw new RangeError('cap');
      yield chunk as Buffer;
    }
    sawTrailer = true;
  } catch (err) {
    gunzip.destroy();
    if (feedError) throw feedError;
    throw translate(err, origin, consumed, maxBytes);
  } finally {
    if (!sawTrailer) gunzip.destroy();
    await feed;
    // Close the source as well when the consumer stopped early.
    if (!sawTrailer) await it.return?.();
  }
  if (feedError) throw feedError;
}
