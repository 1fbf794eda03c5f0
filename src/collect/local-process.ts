// Finding and identifying the process behind a local target: which PID listens on a loopback port, and
// the identity (start time, cmdline) used to notice restarts. Linux only, from /proc.
//
// The non-obvious decision: the PID is found through socket inodes (/proc/net/tcp{,6} LISTEN entries,
// then /proc/*/fd links `socket:[inode]`) rather than by asking `ss`/`lsof`, which may be absent in a
// container; processes we may not inspect are skipped silently, so the answer is "not found" rather
// than an error when the target runs as another user.

import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { locateMemoryCgroup, parseMountinfo, readCgroupMemory, type CgroupLocation } from '../sources/cgroup.js';
import type { CgroupMemory } from '../model/memory.js';

/** Linux USER_HZ: /proc/<pid>/stat start times are in these ticks; 100 on every mainstream arch. */
const USER_HZ = 100;

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1' || h === '0:0:0:0:0:0:0:1';
}

/** Socket inodes of TCP sockets in LISTEN state on `port` (any local address), from /proc/net/tcp{,6}. */
export function listeningSocketInodes(port: number, procRoot = '/proc'): Set<string> {
  const inodes = new Set<string>();
  for (const file of ['net/tcp', 'net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(`${procRoot}/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const local = f[1];
      const st = f[3];
      const p = parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
      // 0A is TCP_LISTEN in the kernel's tcp_states.h.
      if (st === '0A' && p === port && f[9] !== '0') inodes.add(f[9]);
    }
  }
  return inodes;
}

/** The PID holding a listening socket on `port`, or undefined (not found, or owned by someone we cannot see). */
export function findListeningPid(port: number, procRoot = '/proc'): number | undefined {
  const inodes = listeningSocketInodes(port, procRoot);
  if (inodes.size === 0) return undefined;
  const wanted = new Set([...inodes].map((i) => `socket:[${i}]`));
  for (const name of readdirSync(procRoot)) {
    if (!/^\d+$/.test(name)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`${procRoot}/${name}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (wanted.has(readlinkSync(`${procRoot}/${name}/fd/${fd}`))) return Number(name);
      } catch {
        // fd closed while we looked, or not ours to read.
      }
    }
  }
  return undefined;
}

export interface ProcessIdentity {
  pid: number;
  /** Unix seconds, from boot time + the stat start ticks (same arithmetic as client_golang's process_start_time_seconds). */
  startSeconds: number;
  cmdline: string[];
}

let bootTimeSeconds: number | undefined;

function bootTime(procRoot: string): number {
  if (bootTimeSeconds === undefined) {
    const m = /^btime (\d+)$/m.exec(readFileSync(`${procRoot}/stat`, 'utf8'));
    if (!m) throw new Error(`${procRoot}/stat has no btime line`);
    bootTimeSeconds = Number(m[1]);
  }
  return bootTimeSeconds;
}

/** Identity of a live process, or undefined when it is gone. */
export function processIdentity(pid: number, procRoot = '/proc'): ProcessIdentity | undefined {
  let stat: string;
  let cmdline: string;
  try {
    stat = readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
    cmdline = readFileSync(`${procRoot}/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
  // comm (field 2) is in parentheses and may hold spaces or ')': fields are counted after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); starttime is field 22.
  const startTicks = Number(rest[22 - 3]);
  if (!Number.isFinite(startTicks)) return undefined;
  return {
    pid,
    startSeconds: bootTime(procRoot) + startTicks / USER_HZ,
    cmdline: cmdline.split('\0').filter((a, i, all) => !(a === '' && i === all.length - 1)),
  };
}

/** Where the process's memory cgroup is, from /proc/PID/cgroup and our mountinfo; undefined when it cannot be read. */
export function memoryCgroupOf(pid: number, procRoot = '/proc'): CgroupLocation | undefined {
  try {
    return locateMemoryCgroup(
      readFileSync(`${procRoot}/${pid}/cgroup`, 'utf8'),
      readFileSync(`${procRoot}/self/mountinfo`, 'utf8'),
      `${procRoot}/${pid}/cgroup`,
    );
  } catch {
    return undefined;
  }
}

/** The parent PID from /proc/PID/stat (field 4, after the parenthesised command, which may hold spaces). */
function parentPid(pid: number, procRoot: string): number | undefined {
  try {
    const stat = readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** Deep enough for any real process tree; bounds the walk if /proc ever showed a cycle. */
const MAX_TREE_DEPTH = 256;

function ancestorsOf(pid: number, procRoot: string, into: Set<number>): void {
  for (let p: number | undefined = pid, depth = 0; p !== undefined && p > 0 && depth < MAX_TREE_DEPTH; depth++) {
    into.add(p);
    p = parentPid(p, procRoot);
  }
}

/**
 * The processes in the cgroup that belong to neither the target's tree nor the watcher's: not the
 * target, nor one of its ancestors (a container's init, a shell that exec'd it), nor started by it at
 * any depth — and the same for heapsight itself, which may run inside the container it watches
 * (`kubectl exec`). Zero means the cgroup's numbers are the service's own, as in a container that runs
 * it; more means the group is shared — a systemd slice, a CI sandbox, a host's root group — and its
 * usage, page cache and kills belong to others too.
 */
export function othersInCgroup(loc: CgroupLocation, pid: number, procRoot = '/proc', watcherPid = process.pid): number {
  let members: number[];
  try {
    members = readFileSync(`${loc.dir}/cgroup.procs`, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map(Number);
  } catch {
    return 0; // Unreadable membership: keep the container view, as before this check existed.
  }
  const roots = new Set([pid, watcherPid]);
  const ancestors = new Set<number>();
  for (const r of roots) ancestorsOf(r, procRoot, ancestors);
  let others = 0;
  for (const m of members) {
    if (ancestors.has(m)) continue;
    const line = new Set<number>();
    ancestorsOf(m, procRoot, line);
    // A member that exited while we looked has no stat (its line is itself alone): not counted.
    if (line.size === 1 && parentPid(m, procRoot) === undefined) continue;
    if (![...roots].some((r) => line.has(r))) others++;
  }
  return others;
}

export type TargetCgroup = { memory: CgroupMemory } | { shared: { dir: string; others: number } };

/**
 * The target's memory cgroup now, sampled beside /proc. Undefined when there is none to read (not Linux,
 * the process is gone, or its group is the root group, which has no usage file on v2). A group shared
 * with processes outside the target's own tree is not read: its numbers are not the service's.
 */
export async function readTargetCgroup(pid: number, procRoot = '/proc'): Promise<TargetCgroup | undefined> {
  const loc = memoryCgroupOf(pid, procRoot);
  if (!loc) return undefined;
  const others = othersInCgroup(loc, pid, procRoot);
  if (others > 0) return { shared: { dir: loc.dir, others } };
  try {
    return { memory: await readCgroupMemory(loc) };
  } catch {
    return undefined;
  }
}

/** How many open tmpfs files a sample names: enough to say where tmpfs growth is, small enough to record every poll. */
export const TMPFS_FILES_SHOWN = 5;

/**
 * The target's open regular files on tmpfs, largest first: where the cgroup's shmem is. Found through
 * /proc/PID/fd links matched against tmpfs mount points (the longest one wins, so /dev/shm is not
 * mistaken for /dev). Files already closed are not seen; they still count in shmem.
 */
export function openTmpfsFiles(pid: number, procRoot = '/proc'): { path: string; bytes: number }[] {
  let points: string[];
  let fds: string[];
  try {
    points = parseMountinfo(readFileSync(`${procRoot}/${pid}/mountinfo`, 'utf8'))
      .filter((m) => m.fstype === 'tmpfs')
      .map((m) => m.point);
    fds = readdirSync(`${procRoot}/${pid}/fd`);
  } catch {
    return [];
  }
  const seen = new Map<string, number>();
  for (const fd of fds) {
    try {
      const path = readlinkSync(`${procRoot}/${pid}/fd/${fd}`);
      if (!path.startsWith('/') || seen.has(path)) continue;
      if (!points.some((p) => path.startsWith(p === '/' ? '/' : p + '/'))) continue;
      const st = statSync(`${procRoot}/${pid}/fd/${fd}`);
      if (st.isFile()) seen.set(path, st.size);
    } catch {
      // fd closed while we looked.
    }
  }
  return [...seen]
    .map(([path, bytes]) => ({ path, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, TMPFS_FILES_SHOWN);
}
