// Build info from a Go executable (ELF): the `.go.buildinfo` section as `go version -m FILE` reads it.
//
// Layout (Go 1.18+, "inline" form; learnt from the toolchain's debug/buildinfo): a 32-byte header that
// starts with the magic "\xff Go buildinf:", byte 15 holds flags (bit 1 set = strings inline), then two
// uvarint-length-prefixed strings: the Go version and the module info. The module info is wrapped in
// 16 sentinel bytes on each side and holds tab-separated lines: `path`, `mod`, `dep`, `=>` and `build`.
// Binaries from Go < 1.18 keep pointers instead of inline strings; they are refused by name.
//
// The non-obvious decision: only the headers, the section table and the one section are read, by
// offset, never the whole file: /proc/PID/exe of a large service is hundreds of MB.

import { closeSync, openSync, readSync } from 'node:fs';
import { InputError } from './input-error.js';
import type { BuildInfo, GoModule } from '../model/buildinfo.js';

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_SIZE = 32;
const FLAGS_VERSION_INLINE = 0x2;
/** Sentinels cmd/go wraps the module info in (modload.infoStart / infoEnd), 16 bytes each. */
const SENTINEL_LEN = 16;
/** A build info blob is a few KB (a big dependency list is tens of KB); more means a wrong section. */
const MAX_SECTION_BYTES = 16 << 20;

function readAt(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, offset);
  return buf.subarray(0, n);
}

/** File offset and size of `.go.buildinfo` from the ELF section table, or undefined when absent. */
function findSection(fd: number, origin: string): { offset: number; size: number } | undefined {
  const ident = readAt(fd, 0, 64);
  if (ident.length < 52 || ident.subarray(0, 4).toString('latin1') !== '\x7fELF') {
    throw new InputError(origin, 'expected a Go executable (ELF), got a file that is not ELF');
  }
  const is64 = ident[4] === 2;
  const le = ident[5] !== 2;
  const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const uN = (b: Buffer, o: number) => (is64 ? Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(b, o));
  const shoff = uN(ident, is64 ? 0x28 : 0x20);
  const shentsize = u16(ident, is64 ? 0x3a : 0x2e);
  const shnum = u16(ident, is64 ? 0x3c : 0x30);
  const shstrndx = u16(ident, is64 ? 0x3e : 0x32);
  if (shoff === 0 || shnum === 0 || shstrndx >= shnum) return undefined;
  const table = readAt(fd, shoff, shentsize * shnum);
  if (table.length < shentsize * shnum) throw new InputError(origin, `truncated ELF: the section table at byte ${shoff} is cut short`);
  const sec = (i: number) => {
    const b = table.subarray(i * shentsize);
    return { name: u32(b, 0), offset: uN(b, is64 ? 0x18 : 0x10), size: uN(b, is64 ? 0x20 : 0x14) };
  };
  const strtab = sec(shstrndx);
  const names = readAt(fd, strtab.offset, Math.min(strtab.size, MAX_SECTION_BYTES));
  for (let i = 0; i < shnum; i++) {
    const s = sec(i);
    const end = names.indexOf(0, s.name);
    if (names.toString('latin1', s.name, end < 0 ? names.length : end) === '.go.buildinfo') return { offset: s.offset, size: s.size };
  }
  return undefined;
}

function uvarint(b: Buffer, at: number): { value: number; next: number } | undefined {
  let value = 0;
  let shift = 0;
  for (let i = at; i < b.length && i < at + 10; i++) {
    value += (b[i] & 0x7f) * 2 ** shift;
    if ((b[i] & 0x80) === 0) return { value, next: i + 1 };
    shift += 7;
  }
  return undefined;
}

/** Go's strconv.Quote output (what BuildInfo.String prints for values with spaces, quotes, =). */
function unquote(s: string): string {
  if (s.length < 2 || s[0] !== '"' || !s.endsWith('"')) return s;
  try {
    return JSON.parse(s) as string;
  } catch {
    return s;
  }
}

/** Parse the module-info text (runtime/debug.ParseBuildInfo's input). Unknown lines are skipped. */
export function parseModInfo(goVersion: string, text: string, origin: string): BuildInfo {
  const info: BuildInfo = { goVersion, deps: [], settings: [] };
  let last: GoModule | undefined;
  const mod = (f: string[]): GoModule => {
    const m: GoModule = { path: f[1] ?? '', version: f[2] ?? '' };
    // An empty sum field (a main module or a directory replacement) is kept, as go version -m prints it.
    if (f[3] !== undefined) m.sum = f[3];
    return m;
  };
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    const f = line.split('\t');
    switch (f[0]) {
      case 'path':
        info.path = f[1];
        break;
      case 'mod':
        info.main = last = mod(f);
        break;
      case 'dep':
        info.deps.push((last = mod(f)));
        break;
      case '=>':
        if (!last) throw new InputError(origin, `build info line ${i + 1}: "=>" replacement before any module`);
        last.replace = { path: f[1] ?? '' };
        if (f[2]) last.replace.version = f[2];
        if (f[3] !== undefined) last.replace.sum = f[3];
        break;
      case 'build': {
        const kv = f.slice(1).join('\t');
        // A key may be quoted too (it never is for the settings cmd/go writes); split at the first '='.
        const eq = kv.indexOf('=');
        if (eq < 0) throw new InputError(origin, `build info line ${i + 1}: expected "build\tkey=value", got ${JSON.stringify(line.slice(0, 80))}`);
        info.settings.push({ key: unquote(kv.slice(0, eq)), value: unquote(kv.slice(eq + 1)) });
        break;
      }
    }
  });
  return info;
}

/** Read the build info of the Go executable at `path` (`/proc/PID/exe` works: the kernel resolves it). */
export function readBuildInfo(path: string, origin = path): BuildInfo {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new InputError(origin, `cannot open the executable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const sec = findSection(fd, origin);
    if (!sec) throw new InputError(origin, 'expected a Go executable, found no .go.buildinfo section (not built by Go, or stripped of it)');
    const blob = readAt(fd, sec.offset, Math.min(sec.size, MAX_SECTION_BYTES));
    // The header is 16-byte aligned inside the section; the linker puts it first.
    let at = -1;
    for (let o = 0; o + HEADER_SIZE <= blob.length; o += 16) {
      if (blob.subarray(o, o + MAGIC.length).equals(MAGIC)) {
        at = o;
        break;
      }
    }
    if (at < 0) throw new InputError(origin, 'the .go.buildinfo section has no "\\xff Go buildinf:" header');
    if ((blob[at + 15] & FLAGS_VERSION_INLINE) === 0) {
      throw new InputError(origin, 'build info in the pre-Go 1.18 pointer form: the binary was built by Go older than 1.18, which heapsight does not read');
    }
    const strings: Buffer[] = [];
    let p = at + HEADER_SIZE;
    for (let k = 0; k < 2; k++) {
      const len = uvarint(blob, p);
      if (!len || len.next + len.value > blob.length)
        throw new InputError(origin, `truncated build info: string ${k + 1} at section byte ${p} runs past the section`);
      strings.push(blob.subarray(len.next, len.next + len.value));
      p = len.next + len.value;
    }
    const [version, raw] = strings;
    // Sentinels are binary: strip them as bytes, then decode the text between them.
    const mod =
      raw.length >= 2 * SENTINEL_LEN + 1 && raw[raw.length - SENTINEL_LEN - 1] === 0x0a ? raw.toString('utf8', SENTINEL_LEN, raw.length - SENTINEL_LEN) : '';
    const info = parseModInfo(version.toString('utf8'), mod, origin);
    info.origin = origin;
    return info;
  } finally {
    closeSync(fd);
  }
}

/** The value of one build setting (`CGO_ENABLED`, `-race`, `DefaultGODEBUG`, ...). */
export function buildSetting(info: BuildInfo, key: string): string | undefined {
  return info.settings.find((s) => s.key === key)?.value;
}

/** Quote a value as cmd/go does when writing build settings (debug.BuildInfo.String). */
function quoteIfNeeded(s: string, isKey: boolean): string {
  return s === '' ? s : /[ \t\r\n"`]/.test(s) || (isKey && s.includes('=')) ? JSON.stringify(s) : s;
}

/** The build info as `go version -m` prints it, one line each, without the leading tab: for reports and oracle tests. */
export function buildInfoLines(info: BuildInfo): string[] {
  const out: string[] = [];
  const mod = (tag: string, m: GoModule) => {
    out.push([tag, m.path, m.version, ...(m.sum !== undefined ? [m.sum] : [])].join('\t'));
    if (m.replace) out.push(['=>', m.replace.path, m.replace.version ?? '', ...(m.replace.sum !== undefined ? [m.replace.sum] : [])].join('\t'));
  };
  if (info.path !== undefined) out.push(`path\t${info.path}`);
  if (info.main) mod('mod', info.main);
  for (const d of info.deps) mod('dep', d);
  for (const s of info.settings) out.push(`build\t${quoteIfNeeded(s.key, true)}=${quoteIfNeeded(s.value, false)}`);
  return out;
}
