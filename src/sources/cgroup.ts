// Reader for a memory cgroup: what the container's limit is charged with. The kernel charges a cgroup
// for anonymous memory (RSS), page cache of the files its processes read and write, tmpfs/shmem and
// kernel memory; `kubectl top` and container_memory_working_set_bytes are computed from these files,
// not from RSS.
//
// Formats. cgroup v2 (Documentation/admin-guide/cgroup-v2.rst, "Memory Interface Files"):
//   memory.current  one decimal byte count
//   memory.max      a byte count or the word "max" (no limit); memory.high the same
//   memory.stat     flat keyed "key value" lines, bytes: anon, file, active_file, inactive_file, shmem,
//                   kernel (5.18+), sock, ...
//   memory.events   flat keyed counters: low, high, max, oom, oom_kill (oom_group_kill on newer kernels)
// cgroup v1 (Documentation/admin-guide/cgroup-v1/memory.rst), as captured on this machine:
//   memory.usage_in_bytes, memory.limit_in_bytes, memory.max_usage_in_bytes, memory.failcnt  one number
//   memory.stat         flat keyed: cache, rss, shmem, mapped_file, active_file, inactive_file, ... and the
//                       hierarchical total_* copies
//   memory.oom_control  "oom_kill_disable 0 / under_oom 0 / oom_kill N" (oom_kill since Linux 4.13)
//
// The non-obvious decisions: (1) "no limit" is undefined, never a huge number: v2 says "max", v1 reports
// PAGE_COUNTER_MAX pages rounded to a page (9223372036854771712 on x86-64), so any v1 limit at or above
// V1_UNLIMITED_FLOOR is no limit. (2) The working set is computed the way the kubelet/cAdvisor does:
// usage − inactive_file, floored at 0, because that is the number users see climbing toward the limit.
// (3) Flat keyed files are parsed by key; unknown keys are ignored (the set grows with each kernel).

import { readFile } from 'node:fs/promises';
import { describeBytes, InputError } from './input-error.js';
import type { CgroupMemory } from '../model/memory.js';

/**
 * A v1 limit at or above this is "unlimited". The kernel's unlimited value is PAGE_COUNTER_MAX × PAGE_SIZE
 * (≈ 2^63); no machine has 2^62 bytes (4 EiB) of memory, so nothing this large is a limit someone set.
 */
export const V1_UNLIMITED_FLOOR = 2 ** 62;

/** Longest cgroup file accepted: memory.stat is ~1 KB (v1) to ~2 KB (v2). */
const MAX_CGROUP_TEXT = 256 * 1024;

function text(input: string, origin: string, what: string): string {
  if (input.length > MAX_CGROUP_TEXT)
    throw new InputError(origin, `expected ${what}, got ${input.length} characters (past the ${MAX_CGROUP_TEXT}-byte cap)`, 'cap');
  return input;
}

function found(input: string): string {
  return describeBytes(Buffer.from(input.slice(0, 512)));
}

/** One decimal byte count (memory.current, memory.usage_in_bytes, ...); `allowMax` accepts v2's "max". */
export function parseCgroupNumber(input: string, origin: string, allowMax = false): number | 'max' {
  const what = allowMax ? 'a byte count or "max"' : 'a decimal number';
  const v = text(input, origin, what).trim();
  if (allowMax && v === 'max') return 'max';
  if (!/^\d+$/.test(v)) throw new InputError(origin, `expected ${what}, got ${v === '' ? 'an empty input' : found(input)}`);
  return Number(v);
}

/** Flat keyed "key value" lines (memory.stat, memory.events, memory.oom_control) into a map. */
export function parseFlatKeyed(input: string, origin: string): Map<string, number> {
  const what = 'flat keyed "key <number>" lines';
  const lines = text(input, origin, what).split('\n');
  const out = new Map<string, number>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() === '') continue;
    const m = /^([a-z_][a-z0-9_]*) (\d+)$/.exec(line);
    if (!m) throw new InputError(origin, `line ${i + 1}: expected ${what}, got ${JSON.stringify(line.slice(0, 60))}`);
    out.set(m[1], Number(m[2]));
  }
  if (out.size === 0) throw new InputError(origin, `expected ${what}, got ${found(input)}`);
  return out;
}

/** The files of one memory cgroup directory, by file name; absent files are undefined. */
export type CgroupFiles = Partial<Record<string, string>>;

function workingSet(usage: number, inactiveFile: number | undefined): number | undefined {
  return inactiveFile === undefined ? undefined : Math.max(0, usage - inactiveFile);
}

function put<K extends keyof CgroupMemory>(o: CgroupMemory, k: K, v: CgroupMemory[K] | undefined): void {
  if (v !== undefined) o[k] = v;
}

/** The numeric CgroupMemory fields a flat keyed file fills, each with the key that holds it. */
type FlatKeys = ReadonlyArray<readonly [Exclude<keyof CgroupMemory, 'version' | 'source' | 'underOom'>, string]>;

/** v2 memory.stat: the kernel's own names. */
const V2_STAT: FlatKeys = [
  ['anon', 'anon'],
  ['file', 'file'],
  ['activeFile', 'active_file'],
  ['inactiveFile', 'inactive_file'],
  ['shmem', 'shmem'],
  ['kernel', 'kernel'],
  ['sock', 'sock'],
  ['mappedFile', 'file_mapped'],
];
/**
 * v1 memory.stat: the same quantities under v1's names (anon is `rss`, page cache `cache`). The group's
 * own counters, not total_* (which add its children): a target's group has none of its own, and for a
 * pod-level group the usage file is hierarchical anyway.
 */
const V1_STAT: FlatKeys = [
  ['anon', 'rss'],
  ['file', 'cache'],
  ['activeFile', 'active_file'],
  ['inactiveFile', 'inactive_file'],
  ['shmem', 'shmem'],
  ['mappedFile', 'mapped_file'],
];
const V2_EVENTS: FlatKeys = [
  ['oomEvents', 'oom'],
  ['oomKills', 'oom_kill'],
  ['highEvents', 'high'],
  ['maxEvents', 'max'],
];
const V1_OOM_CONTROL: FlatKeys = [['oomKills', 'oom_kill']];

/** Parse the flat keyed file `name` when present, copy the `keys` it has into `out`, and return all it holds. */
function readFlatKeyed(out: CgroupMemory, files: CgroupFiles, dir: string, name: string, keys: FlatKeys): Map<string, number> | undefined {
  const input = files[name];
  if (input === undefined) return undefined;
  const st = parseFlatKeyed(input, `${dir}/${name}`);
  for (const [field, key] of keys) put(out, field, st.get(key));
  return st;
}

/** Parse a cgroup v2 memory directory's files. memory.current is required; the rest are optional. */
export function parseCgroupV2(files: CgroupFiles, dir = '<cgroup v2>'): CgroupMemory {
  const cur = files['memory.current'];
  if (cur === undefined) throw new InputError(`${dir}/memory.current`, 'missing: not a cgroup v2 memory directory (is the memory controller enabled for it?)');
  const usage = parseCgroupNumber(cur, `${dir}/memory.current`) as number;
  const out: CgroupMemory = { version: 2, usage };
  const limitOf = (name: string) => {
    const f = files[name];
    if (f === undefined) return undefined;
    const v = parseCgroupNumber(f, `${dir}/${name}`, true);
    return v === 'max' ? undefined : v;
  };
  put(out, 'limit', limitOf('memory.max'));
  put(out, 'high', limitOf('memory.high'));
  const st = readFlatKeyed(out, files, dir, 'memory.stat', V2_STAT);
  if (st) put(out, 'workingSet', workingSet(usage, st.get('inactive_file')));
  readFlatKeyed(out, files, dir, 'memory.events', V2_EVENTS);
  return out;
}

/** Parse a cgroup v1 memory-controller directory's files. memory.usage_in_bytes is required. */
export function parseCgroupV1(files: CgroupFiles, dir = '<cgroup v1>'): CgroupMemory {
  const u = files['memory.usage_in_bytes'];
  if (u === undefined) throw new InputError(`${dir}/memory.usage_in_bytes`, 'missing: not a cgroup v1 memory-controller directory');
  const usage = parseCgroupNumber(u, `${dir}/memory.usage_in_bytes`) as number;
  const out: CgroupMemory = { version: 1, usage };
  if (files['memory.limit_in_bytes'] !== undefined) {
    const limit = parseCgroupNumber(files['memory.limit_in_bytes'], `${dir}/memory.limit_in_bytes`) as number;
    if (limit < V1_UNLIMITED_FLOOR) out.limit = limit;
  }
  const st = readFlatKeyed(out, files, dir, 'memory.stat', V1_STAT);
  if (st) put(out, 'workingSet', workingSet(usage, st.get('total_inactive_file') ?? st.get('inactive_file')));
  const under = readFlatKeyed(out, files, dir, 'memory.oom_control', V1_OOM_CONTROL)?.get('under_oom');
  if (under !== undefined) out.underOom = under !== 0;
  if (files['memory.failcnt'] !== undefined) out.failcnt = parseCgroupNumber(files['memory.failcnt'], `${dir}/memory.failcnt`) as number;
  return out;
}

export const V2_FILES = ['memory.current', 'memory.max', 'memory.high', 'memory.stat', 'memory.events'];
export const V1_FILES = ['memory.usage_in_bytes', 'memory.limit_in_bytes', 'memory.stat', 'memory.oom_control', 'memory.failcnt'];

/** Where a process's memory cgroup is: its directory and the hierarchy version. */
export interface CgroupLocation {
  version: 1 | 2;
  dir: string;
}

/**
 * Find the memory cgroup directory of a process from /proc/PID/cgroup and /proc/self/mountinfo text.
 * A v1 memory hierarchy wins over v2 (on a hybrid host the memory controller can be bound to one only,
 * and when v1 has it the v2 group has no memory.* files). A mount whose root is not "/" (inside a
 * container, or a bind mount) holds the path below that root.
 */
export function locateMemoryCgroup(procCgroup: string, mountinfo: string, origin = '/proc/<pid>/cgroup'): CgroupLocation | undefined {
  let v1Path: string | undefined;
  let v2Path: string | undefined;
  const lines = procCgroup.split('\n').filter((l) => l.trim() !== '');
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(lines[i]);
    if (!m) throw new InputError(origin, `line ${i + 1}: expected "hierarchy-id:controllers:path", got ${JSON.stringify(lines[i].slice(0, 60))}`);
    if (m[1] === '0' && m[2] === '') v2Path = m[3];
    else if (m[2].split(',').includes('memory')) v1Path = m[3];
  }
  const mounts = parseMountinfo(mountinfo);
  const join = (m: { root: string; point: string }, path: string): string | undefined => {
    const root = m.root === '/' ? '' : m.root;
    if (root && path !== root && !path.startsWith(root + '/')) return undefined;
    const rel = path.slice(root.length);
    return (m.point + (rel === '/' ? '' : rel)).replace(/\/+$/, '') || '/';
  };
  if (v1Path !== undefined) {
    for (const m of mounts) {
      if (m.fstype === 'cgroup' && m.superOpts.includes('memory')) {
        const dir = join(m, v1Path);
        if (dir) return { version: 1, dir };
      }
    }
  }
  if (v2Path !== undefined) {
    for (const m of mounts) {
      if (m.fstype === 'cgroup2') {
        const dir = join(m, v2Path);
        if (dir) return { version: 2, dir };
      }
    }
  }
  return undefined;
}

export interface MountEntry {
  root: string;
  point: string;
  fstype: string;
  superOpts: string[];
}

/** /proc/PID/mountinfo lines: fields 4 and 5 are the mount's root and mount point; after " - " come fstype, source, super options. */
export function parseMountinfo(mountinfo: string): MountEntry[] {
  return mountinfo
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [pre, post = ''] = l.split(' - ');
      const f = pre.split(' ');
      const g = post.split(' ');
      return { root: unescapeMount(f[3] ?? ''), point: unescapeMount(f[4] ?? ''), fstype: g[0] ?? '', superOpts: (g[2] ?? '').split(',') };
    });
}

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Read a memory cgroup directory now. Files a kernel lacks are skipped; the usage file is required. */
export async function readCgroupMemory(loc: CgroupLocation): Promise<CgroupMemory> {
  const names = loc.version === 2 ? V2_FILES : V1_FILES;
  const files: CgroupFiles = {};
  await Promise.all(
    names.map(async (n) => {
      try {
        files[n] = await readFile(`${loc.dir}/${n}`, 'utf8');
      } catch {
        // Absent on this kernel (memory.high on v1, oom_kill before 4.13) or the group is gone.
      }
    }),
  );
  return loc.version === 2 ? parseCgroupV2(files, loc.dir) : parseCgroupV1(files, loc.dir);
}
