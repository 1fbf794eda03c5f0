import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { mergeProcInto, parseProcStatus, parseSmapsRollup, procSample, readProcSample } from './procfs.js';
import { InputError } from './input-error.js';
import { buildGoProgram, requireGo } from '../test-support/toolchain.js';

const here = dirname(fileURLToPath(import.meta.url));
const pdir = join(here, 'testdata', 'proc');
const read = (name: string) => readFileSync(join(pdir, name), 'utf8');
const MiB = 1024 * 1024;

test('status of proc/gen/main.go holding 64 MiB of touched heap', () => {
  const s = parseProcStatus(read('status-heap64.txt'), 'status-heap64.txt');
  // Values as in the file, kB × 1024.
  assert.equal(s.rss, 70112 * 1024);
  assert.equal(s.rssAnon, 68836 * 1024);
  assert.equal(s.rssFile, 1276 * 1024);
  assert.equal(s.rssShmem, 0);
  assert.equal(s.vmSize, 779156 * 1024);
  assert.equal(s.vmHWM, 70112 * 1024);
  assert.equal(s.swap, 0);
  assert.equal(s.threads, 6);
  assert.ok(s.pid! > 0);
  // The kernel's identity, and the heap the program touched.
  assert.equal(s.rss, s.rssAnon! + s.rssFile! + s.rssShmem!);
  assert.ok(s.rssAnon! >= 64 * MiB);
});

test('smaps_rollup: MADV_FREE leaves released heap in RSS, visible as LazyFree', () => {
  const held = parseSmapsRollup(read('smaps_rollup-heap64.txt'), 'held');
  const released = parseSmapsRollup(read('smaps_rollup-released-madvfree.txt'), 'released');
  const status = parseProcStatus(read('status-released-madvfree.txt'), 'status');
  assert.equal(released.rss, 70152 * 1024);
  assert.equal(released.lazyFree, 65684 * 1024);
  assert.equal(released.anonymous, 68876 * 1024);
  assert.equal(released.pss, 70148 * 1024);
  assert.equal(released.swap, 0);
  // With GODEBUG=madvdontneed=0 (MADV_FREE) RSS stays, and LazyFree holds the released heap.
  assert.ok(status.rss! >= 64 * MiB);
  assert.ok(released.lazyFree! >= 64 * MiB);
  assert.equal(held.lazyFree, 0);
  assert.equal(released.rss, status.rss);
});

test('smaps_rollup without LazyFree (older kernels) leaves it undefined', () => {
  const text = read('smaps_rollup-heap64.txt')
    .split('\n')
    .filter((l) => !l.startsWith('LazyFree:'))
    .join('\n');
  const r = parseSmapsRollup(text, 'old-kernel');
  assert.equal(r.lazyFree, undefined);
  assert.ok(r.rss! > 0);
  assert.deepEqual(parseSmapsRollup(read('smaps_rollup-heap64.txt').replace(/\n/g, '\r\n'), 'crlf'), parseSmapsRollup(read('smaps_rollup-heap64.txt'), 'lf'));
});

test('broken /proc inputs are InputErrors that say what was found', () => {
  const bad = (fn: () => unknown, re: RegExp) =>
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof InputError, String(e));
      assert.match(e.message, re);
      return true;
    });
  const status = read('status-heap64.txt');
  bad(() => parseProcStatus('', 'st'), /^st: expected \/proc\/<pid>\/status .* got an empty input$/);
  bad(() => parseProcStatus('<!DOCTYPE html><html><body>Sign in</body></html>', 'st'), /got an HTML page/);
  bad(() => parseProcStatus('{"VmRSS": 1}', 'st'), /got JSON/);
  bad(() => parseProcStatus(status.slice(0, status.indexOf('VmRSS')), 'st'), /got a status file without VmRSS/);
  bad(() => parseProcStatus(status.slice(0, status.indexOf('VmRSS') + 12), 'st'), /line 2\d: expected "VmRSS: <n> kB", got "VmRSS: 70"/);
  bad(() => parseProcStatus(read('smaps_rollup-heap64.txt'), 'st'), /expected \/proc\/<pid>\/status/);
  bad(() => parseProcStatus(Buffer.alloc(2 * MiB, 0x41), 'st'), /past the 1048576-byte cap/);
  const rollup = read('smaps_rollup-heap64.txt');
  bad(() => parseSmapsRollup('', 'sr'), /got an empty input/);
  bad(() => parseSmapsRollup('<html><title>x</title></html>', 'sr'), /got an HTML page/);
  bad(() => parseSmapsRollup(status, 'sr'), /expected \/proc\/<pid>\/smaps_rollup .* got text starting "name:/);
  bad(() => parseSmapsRollup(rollup.slice(0, rollup.indexOf('\n') + 1), 'sr'), /without an Rss line \(truncated\?\)/);
  bad(() => parseSmapsRollup(rollup.replace('Pss:', 'Pss garbage'), 'sr'), /followed by lines that are not "Key: <n> kB"/);
});

async function startGen(args: string[], env: NodeJS.ProcessEnv = {}) {
  const bin = buildGoProgram('src/sources/testdata/proc/gen');
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    for await (const line of createInterface({ input: child.stdout })) if (line === 'READY') break;
  } catch (e) {
    await stop();
    throw e;
  }
  return { pid: child.pid!, stop };
}

test("live: readProcSample sees a Go program's touched heap, and its release", { timeout: 60_000 }, async (t) => {
  requireGo();
  const held = await startGen(['-heap-mb', '64']);
  t.after(held.stop);
  const s = await readProcSample(held.pid);
  assert.equal(s.source, 'proc');
  assert.equal(s.pid, held.pid);
  assert.ok(s.rss! >= 64 * MiB && s.rssAnon! >= 64 * MiB, `rss ${s.rss} rssAnon ${s.rssAnon}`);
  assert.ok(s.vmHWM! >= s.rss!);
  assert.ok(s.threads! >= 2);
  assert.ok(Math.abs(s.t! - Date.now()) < 10_000);
  await held.stop();

  // Default on Go 1.16+: MADV_DONTNEED, so released heap leaves RSS.
  const dontneed = await startGen(['-heap-mb', '64', '-release']);
  t.after(dontneed.stop);
  const d = await readProcSample(dontneed.pid);
  assert.ok(d.rss! < 48 * MiB, `rss after release ${d.rss}`);
  assert.ok(d.vmHWM! >= 64 * MiB, `peak ${d.vmHWM}`);
  await dontneed.stop();

  // MADV_FREE: RSS stays, LazyFree explains it (where the kernel reports LazyFree).
  const free = await startGen(['-heap-mb', '64', '-release'], { GODEBUG: 'madvdontneed=0' });
  t.after(free.stop);
  const f = await readProcSample(free.pid);
  assert.ok(f.rss! >= 64 * MiB, `rss ${f.rss}`);
  const rollup = readFileSync(`/proc/${free.pid}/smaps_rollup`, 'utf8');
  if (/^LazyFree:/m.test(rollup)) assert.ok(f.lazyFree! >= 60 * MiB, `lazyFree ${f.lazyFree}`);
  else assert.equal(f.lazyFree, undefined);
  await free.stop();

  await assert.rejects(readProcSample(2 ** 22 + 12345), (e: unknown) => e instanceof InputError && /no process with pid/.test(e.message));
});

test('one /proc conversion: status fields, LazyFree from smaps_rollup, its Rss and Swap only where status has none', () => {
  const status = { pid: 7, rss: 100, rssAnon: 60, swap: 0, threads: 5 };
  const rollup = { rss: 104, lazyFree: 40, swap: 8 };
  assert.deepEqual(procSample(status, rollup), { source: 'proc', pid: 7, rss: 100, rssAnon: 60, swap: 0, threads: 5, lazyFree: 40 });
  assert.deepEqual(procSample(undefined, rollup), { source: 'proc', rss: 104, lazyFree: 40, swap: 8 });
  assert.deepEqual(procSample(status, undefined), { source: 'proc', pid: 7, rss: 100, rssAnon: 60, swap: 0, threads: 5 });
});

test('/proc wins over the runtime view for the fields it has, live and offline alike', () => {
  const sample = { t: 1, source: 'prometheus' as const, rss: 90, heapAlloc: 50 };
  mergeProcInto(sample, { source: 'proc', t: 2, rss: 100, lazyFree: undefined, swap: 3 });
  assert.deepEqual(sample, { t: 1, source: 'prometheus', rss: 100, heapAlloc: 50, swap: 3 });
});
