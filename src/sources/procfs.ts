// Readers for Linux /proc/<pid>/status and /proc/<pid>/smaps_rollup: the process's view of memory
// (RSS split into anon/file/shmem, peak RSS, swap, MADV_FREE'd pages not yet reclaimed), which the Go
// runtime's own numbers do not include (cgo mallocs, mmaps, LazyFree; runtime/metrics doc: /memory/classes/total excludes memory mapped by cgo or syscall).
//
// The non-obvious decision: both files are parsed by key, never by position, because the field set
// varies by kernel (LazyFree is absent on older kernels). A missing field stays undefined instead of 0
// so that analysis can tell "no lazily freed pages" from "this kernel does not say".

import { readFile } from 'node:fs/promises';
import { describeBytes, InputError, quote } from './input-error.js';
import type { MemorySample } from '../model/memory.js';

export interface ProcStatus {
  pid?: number;
  rss?: number;
  rssAnon?: number;
  rssFile?: number;
  rssShmem?: number;
  vmSize?: number;
  vmHWM?: number;
  swap?: number;
  threads?: number;
}

export interface SmapsRollup {
  rss?: number;
  pss?: number;
  pssAnon?: number;
  pssFile?: number;
  pssShmem?: number;
  sharedClean?: number;
  sharedDirty?: number;
  privateClean?: number;
  privateDirty?: number;
  referenced?: number;
  anonymous?: number;
  /** Pages released with MADV_FREE the kernel has not reclaimed yet; absent on older kernels. */
  lazyFree?: number;
  anonHugePages?: number;
  swap?: number;
  swapPss?: number;
  locked?: number;
}

/** Longest /proc text accepted: status is ~1.5 KB, smaps_rollup ~1 KB. */
const MAX_PROC_TEXT = 1024 * 1024;

function asText(input: string | Uint8Array, origin: string, what: string): string {
  if (typeof input !== 'string') {
    if (input.length > MAX_PROC_TEXT) throw new InputError(origin, `expected ${what}, got ${input.length} bytes (past the ${MAX_PROC_TEXT}-byte cap)`, 'cap');
    return Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  }
  if (input.length > MAX_PROC_TEXT)
    throw new InputError(origin, `expected ${what}, got ${input.length} characters (past the ${MAX_PROC_TEXT}-byte cap)`, 'cap');
  return input;
}

/**
 * Split `Key:\tvalue` lines into a map. Returns the map and the number of lines that were not of that
 * shape, so that callers can reject input that merely contains a colon somewhere.
 */
function keyValues(text: string): { fields: Map<string, string>; lineNos: Map<string, number>; bad: number; lines: number } {
  const fields = new Map<string, string>();
  const lineNos = new Map<string, number>();
  let bad = 0;
  let lines = 0;
  const all = text.split('\n');
  for (let i = 0; i < all.length; i++) {
    const line = all[i].replace(/\r$/, '');
    if (line.trim() === '') continue;
    lines++;
    const m = /^([A-Za-z_][A-Za-z0-9_()]*):\s*(.*)$/.exec(line);
    if (!m) {
      bad++;
      continue;
    }
    fields.set(m[1], m[2].trim());
    lineNos.set(m[1], i + 1);
  }
  return { fields, lineNos, bad, lines };
}

/** `123456 kB` → bytes. The kernel's "kB" is KiB. */
function kb(fields: Map<string, string>, lineNos: Map<string, number>, key: string, origin: string): number | undefined {
  const v = fields.get(key);
  if (v === undefined) return undefined;
  const m = /^(\d+) kB$/.exec(v);
  if (!m) throw new InputError(origin, `line ${lineNos.get(key)}: expected "${key}: <n> kB", got ${quote(`${key}: ${v}`)}`);
  return Number(m[1]) * 1024;
}

function setIf<T extends object, K extends keyof T>(obj: T, key: K, v: T[K] | undefined): void {
  if (v !== undefined) obj[key] = v;
}

/** Parse /proc/<pid>/status. Byte fields are returned in bytes (the file's kB × 1024). */
export function parseProcStatus(input: string | Uint8Array, origin = '/proc/<pid>/status'): ProcStatus {
  const what = '/proc/<pid>/status ("Name:", "VmRSS: <n> kB", ... lines)';
  const text = asText(input, origin, what);
  const { fields, lineNos, bad, lines } = keyValues(text);
  if (lines === 0 || bad > 0 || !fields.has('Name') || !fields.has('VmRSS')) {
    const bytes = typeof input === 'string' ? Buffer.from(input.slice(0, 512)) : input;
    const found =
      lines === 0
        ? describeBytes(new Uint8Array())
        : lines > 0 && bad === 0 && fields.has('Name') && !fields.has('VmRSS')
          ? 'a status file without VmRSS (a kernel thread, a zombie, or truncated)'
          : describeBytes(bytes);
    throw new InputError(origin, `expected ${what}, got ${found}`);
  }
  const out: ProcStatus = {};
  const pid = fields.get('Pid');
  if (pid !== undefined && /^\d+$/.test(pid)) out.pid = Number(pid);
  setIf(out, 'rss', kb(fields, lineNos, 'VmRSS', origin));
  setIf(out, 'rssAnon', kb(fields, lineNos, 'RssAnon', origin));
  setIf(out, 'rssFile', kb(fields, lineNos, 'RssFile', origin));
  setIf(out, 'rssShmem', kb(fields, lineNos, 'RssShmem', origin));
  setIf(out, 'vmSize', kb(fields, lineNos, 'VmSize', origin));
  setIf(out, 'vmHWM', kb(fields, lineNos, 'VmHWM', origin));
  setIf(out, 'swap', kb(fields, lineNos, 'VmSwap', origin));
  const threads = fields.get('Threads');
  if (threads !== undefined) {
    if (!/^\d+$/.test(threads))
      throw new InputError(origin, `line ${lineNos.get('Threads')}: expected "Threads: <n>", got ${JSON.stringify(threads.slice(0, 40))}`);
    out.threads = Number(threads);
  }
  return out;
}

const SMAPS_KEYS: [string, keyof SmapsRollup][] = [
  ['Rss', 'rss'],
  ['Pss', 'pss'],
  ['Pss_Anon', 'pssAnon'],
  ['Pss_File', 'pssFile'],
  ['Pss_Shmem', 'pssShmem'],
  ['Shared_Clean', 'sharedClean'],
  ['Shared_Dirty', 'sharedDirty'],
  ['Private_Clean', 'privateClean'],
  ['Private_Dirty', 'privateDirty'],
  ['Referenced', 'referenced'],
  ['Anonymous', 'anonymous'],
  ['LazyFree', 'lazyFree'],
  ['AnonHugePages', 'anonHugePages'],
  ['Swap', 'swap'],
  ['SwapPss', 'swapPss'],
  ['Locked', 'locked'],
];

/** Parse /proc/<pid>/smaps_rollup: a `[rollup]` address-range header, then `Key: <n> kB` lines. */
export function parseSmapsRollup(input: string | Uint8Array, origin = '/proc/<pid>/smaps_rollup'): SmapsRollup {
  const what = '/proc/<pid>/smaps_rollup (a "[rollup]" header, then "Rss: <n> kB", ... lines)';
  const text = asText(input, origin, what);
  const nl = text.indexOf('\n');
  const first = (nl < 0 ? text : text.slice(0, nl)).replace(/\r$/, '');
  if (!/^[0-9a-f]+-[0-9a-f]+ .*\[rollup\]\s*$/.test(first)) {
    const bytes = typeof input === 'string' ? Buffer.from(input.slice(0, 512)) : input;
    throw new InputError(origin, `expected ${what}, got ${describeBytes(bytes)}`);
  }
  const { fields, lineNos, bad } = keyValues(nl < 0 ? '' : text.slice(nl + 1));
  if (bad > 0 || !fields.has('Rss')) {
    throw new InputError(
      origin,
      `expected ${what}, got a "[rollup]" header ${fields.has('Rss') ? 'followed by lines that are not "Key: <n> kB"' : 'without an Rss line (truncated?)'}`,
    );
  }
  const out: SmapsRollup = {};
  for (const [key, name] of SMAPS_KEYS) setIf(out, name, kb(fields, lineNos, key, origin));
  return out;
}

/**
 * Read /proc/<pid>/status and smaps_rollup now and return the process's memory as a sample. RSS comes
 * from status (VmRSS) and LazyFree from smaps_rollup; smaps_rollup is optional (Linux 4.14+, and
 * unreadable for another user's process), status is not.
 */
export async function readProcSample(pid: number, procRoot = '/proc'): Promise<Partial<MemorySample>> {
  const statusPath = `${procRoot}/${pid}/status`;
  let statusText: string;
  try {
    statusText = await readFile(statusPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(statusPath, code === 'ENOENT' ? `no process with pid ${pid}` : `cannot read (${code ?? String(err)})`, 'missing');
  }
  const t = Date.now();
  const status = parseProcStatus(statusText, statusPath);
  const rollupPath = `${procRoot}/${pid}/smaps_rollup`;
  let rollupText: string | undefined;
  try {
    rollupText = await readFile(rollupPath, 'utf8');
  } catch {
    rollupText = undefined;
  }
  const rollup = rollupText === undefined ? undefined : parseSmapsRollup(rollupText, rollupPath);
  return { t, ...procSample(status, rollup), pid: status.pid ?? pid };
}

/**
 * The one conversion from /proc readings to a sample's fields, for the live poller (readProcSample)
 * and for saved files alike (`analyze status smaps_rollup`): everything status gives, LazyFree from
 * smaps_rollup, and smaps_rollup's Rss and Swap only where status is missing (status's VmRSS is the
 * number `top` shows; the two agree to a page).
 */
export function procSample(status: ProcStatus | undefined, rollup: SmapsRollup | undefined): Partial<MemorySample> & { source: 'proc' } {
  const sample: Partial<MemorySample> & { source: 'proc' } = { source: 'proc' };
  if (status) {
    setIf(sample, 'pid', status.pid);
    setIf(sample, 'rss', status.rss);
    setIf(sample, 'rssAnon', status.rssAnon);
    setIf(sample, 'rssFile', status.rssFile);
    setIf(sample, 'rssShmem', status.rssShmem);
    setIf(sample, 'vmSize', status.vmSize);
    setIf(sample, 'vmHWM', status.vmHWM);
    setIf(sample, 'swap', status.swap);
    setIf(sample, 'threads', status.threads);
  }
  if (rollup) {
    setIf(sample, 'lazyFree', rollup.lazyFree);
    if (sample.rss === undefined) setIf(sample, 'rss', rollup.rss);
    if (sample.swap === undefined) setIf(sample, 'swap', rollup.swap);
  }
  return sample;
}

/**
 * Put /proc's numbers into a sample that holds the runtime's: /proc is read directly and is
 * finer-grained than the runtime's process_* series, so it wins for every field it has. The live
 * poller and the offline loader both merge this way.
 */
export function mergeProcInto(into: Partial<MemorySample>, proc: Partial<MemorySample>): void {
  const o = into as Record<string, unknown>;
  for (const [k, v] of Object.entries(proc)) if (v !== undefined && k !== 'source' && k !== 't') o[k] = v;
}
