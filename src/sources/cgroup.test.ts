import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { locateMemoryCgroup, parseCgroupV1, parseCgroupV2, readCgroupMemory, V1_UNLIMITED_FLOOR, type CgroupFiles } from './cgroup.js';
import { InputError } from './input-error.js';
import { memorySampleFromLine } from './samples-jsonl.js';

const here = dirname(fileURLToPath(import.meta.url));
const v1dir = join(here, 'testdata', 'cgroup', 'v1');
const v2dir = join(here, 'testdata', 'cgroup', 'v2');
const MiB = 1024 * 1024;

function v1Files(prefix: string): CgroupFiles {
  const out: CgroupFiles = {};
  for (const f of readdirSync(v1dir)) if (f.startsWith(prefix)) out[f.slice(prefix.length)] = readFileSync(join(v1dir, f), 'utf8');
  return out;
}

test('v1 captured after writing 40 MiB to /tmp and 8 MiB to /dev/shm: page cache, tmpfs, working set', () => {
  const files = v1Files('page-cache-');
  const c = parseCgroupV1(files, 'page-cache');
  assert.equal(c.version, 1);
  assert.equal(c.usage, Number(files['memory.usage_in_bytes']!.trim()));
  assert.equal(c.limit, 96 * MiB);
  // What dd wrote is in cache (48 MiB) and tmpfs in shmem (8 MiB); the anonymous part is tiny.
  assert.ok(c.file! >= 48 * MiB, `cache ${c.file}`);
  assert.equal(c.shmem, 8 * MiB);
  assert.ok(c.anon! < 1 * MiB);
  // Freshly written pages sit on the inactive list: the working set drops them.
  assert.equal(c.workingSet, c.usage - c.inactiveFile!);
  assert.ok(c.workingSet! < c.usage - 30 * MiB);
  assert.equal(c.oomKills, 0);
  assert.equal(c.underOom, false);
});

test('v1 captured after the OOM killer killed a process in the group', () => {
  const c = parseCgroupV1(v1Files('after-oom-'), 'after-oom');
  assert.equal(c.oomKills, 1);
  assert.ok(c.failcnt! > 0);
  assert.equal(c.limit, 96 * MiB);
});

test('v1 unlimited (PAGE_COUNTER_MAX pages) is no limit, and the floor is below it and above any RAM', () => {
  const c = parseCgroupV1({ 'memory.usage_in_bytes': '4096\n', 'memory.limit_in_bytes': '9223372036854771712\n' });
  assert.equal(c.limit, undefined);
  assert.ok(9223372036854771712 >= V1_UNLIMITED_FLOOR);
  const big = parseCgroupV1({ 'memory.usage_in_bytes': '4096\n', 'memory.limit_in_bytes': `${2 ** 50}\n` });
  assert.equal(big.limit, 2 ** 50);
});

test('v2 files in the documented format', () => {
  const files: CgroupFiles = {};
  for (const f of readdirSync(v2dir)) if (f.startsWith('memory.')) files[f] = readFileSync(join(v2dir, f), 'utf8');
  const c = parseCgroupV2(files, 'v2');
  assert.equal(c.version, 2);
  assert.equal(c.usage, 60 * MiB);
  assert.equal(c.limit, 96 * MiB);
  assert.equal(c.high, undefined); // "max"
  assert.equal(c.anon, 10 * MiB);
  assert.equal(c.file, 48 * MiB);
  assert.equal(c.shmem, 8 * MiB);
  assert.equal(c.kernel, 2 * MiB);
  assert.equal(c.sock, 4096);
  assert.equal(c.workingSet, 60 * MiB - 32 * MiB);
  assert.equal(c.oomKills, 2);
  assert.equal(c.oomEvents, 2);
  assert.equal(c.maxEvents, 17);
  assert.equal(parseCgroupV2({ 'memory.current': '10\n', 'memory.max': 'max\n' }).limit, undefined);
});

test('locating the memory cgroup: this machine (v1), a v2-only host, a container whose mount root is not /', () => {
  const procCg = readFileSync(join(v1dir, 'proc-pid-cgroup.txt'), 'utf8');
  const mi = readFileSync(join(v1dir, 'mountinfo-cgroups.txt'), 'utf8');
  const path = /^\d+:memory:(.*)$/m.exec(procCg)![1];
  assert.deepEqual(locateMemoryCgroup(procCg, mi), { version: 1, dir: `/sys/fs/cgroup/memory${path}` });
  const v2mi = '30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n';
  assert.deepEqual(locateMemoryCgroup('0::/system.slice/app.service\n', v2mi), { version: 2, dir: '/sys/fs/cgroup/system.slice/app.service' });
  const inContainer = '30 23 0:26 /kubepods/pod1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n';
  assert.deepEqual(locateMemoryCgroup('0::/kubepods/pod1\n', inContainer), { version: 2, dir: '/sys/fs/cgroup' });
  assert.deepEqual(locateMemoryCgroup('0::/kubepods/pod1/c2\n', inContainer), { version: 2, dir: '/sys/fs/cgroup/c2' });
  assert.equal(locateMemoryCgroup('0::/x\n', ''), undefined);
});

test('the live group of this test process reads (real /sys/fs/cgroup)', async () => {
  const loc = locateMemoryCgroup(readFileSync('/proc/self/cgroup', 'utf8'), readFileSync('/proc/self/mountinfo', 'utf8'));
  assert.ok(loc, 'this machine has a memory cgroup');
  const c = await readCgroupMemory(loc);
  assert.ok(c.usage > 0);
  assert.ok(c.anon! > 0);
});

test('bad cgroup input is one InputError line naming the file', () => {
  const bad = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e: unknown) => e instanceof InputError && re.test(e.message) && !e.message.includes('\n'));
  bad(() => parseCgroupV2({ 'memory.current': '<html><body>nope</body></html>' }, '/c'), /^\/c\/memory\.current: expected a decimal number, got an HTML page$/);
  bad(() => parseCgroupV2({ 'memory.current': '1', 'memory.max': 'unlimited' }, '/c'), /^\/c\/memory\.max: expected a byte count or "max"/);
  bad(() => parseCgroupV2({}, '/c'), /^\/c\/memory\.current: missing/);
  bad(() => parseCgroupV1({ 'memory.usage_in_bytes': '1', 'memory.stat': 'cache 1\nrss: 2\n' }, '/c'), /^\/c\/memory\.stat: line 2: expected flat keyed/);
  bad(() => parseCgroupV1({ 'memory.usage_in_bytes': '' }, '/c'), /expected a decimal number, got an empty input/);
  bad(() => locateMemoryCgroup('garbage\n', ''), /line 1: expected "hierarchy-id:controllers:path"/);
});

test('a recorded sample with a malformed cgroup reading is an InputError at its line; a good one passes through', () => {
  const good = { source: 'proc', t: 1, cgroup: { version: 1, usage: 4096, limit: 96 * MiB, oomKills: 2, underOom: false } };
  assert.deepEqual(memorySampleFromLine({ value: good, lineNo: 3, text: '' }, 'samples.jsonl').cgroup, good.cgroup);
  for (const cgroup of ['big', { version: 3, usage: 1 }, { version: 2 }, { version: 2, usage: 1, anon: '5' }]) {
    assert.throws(
      () => memorySampleFromLine({ value: { source: 'proc', cgroup }, lineNo: 7, text: '' }, 'samples.jsonl'),
      (e: unknown) => e instanceof InputError && /^samples\.jsonl:7: expected "cgroup" as/.test(e.message),
    );
  }
});
