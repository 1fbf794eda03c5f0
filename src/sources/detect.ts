// Say what an input is from its bytes alone, never from its name: users save `/debug/pprof/heap` as
// `heap.txt` and goroutine dumps as `.pb`. Only the head is looked at, so detecting a 300 MB dump costs
// microseconds.
//
// The non-obvious decision: gzip input is inflated only as far as its first 2 KiB of compressed bytes
// go (zlib's sync-flush mode returns what those bytes decode to without needing the rest), so a
// compressed goroutine dump or a gzip bomb is recognised without inflating it.

import { constants, gunzipSync } from 'node:zlib';
import { isGzip } from './gzip.js';
import { describeBytes } from './input-error.js';
import { PROFILE_FIELD_WIRE, Profile, ValueType } from './pprof/schema.js';
import { WIRE_VARINT, varintAt, varintNext } from './pprof/wire.js';

export type DetectedFormat =
  | 'pprof'
  | 'goroutine-debug1'
  | 'goroutine-debug2'
  | 'heap-debug1'
  | 'expvar'
  | 'exposition'
  | 'gctrace'
  | 'proc-status'
  | 'smaps-rollup'
  | 'jsonl-samples'
  | 'html'
  | 'unknown';

export interface Detection {
  format: DetectedFormat;
  /** The input was gzip-compressed (format is that of the inflated content). */
  gzip: boolean;
  /** One line for the user when the format is recognised but not usable, or unknown. */
  note?: string;
}

const COMPRESSED_HEAD = 2048;
const TEXT_HEAD = 64 * 1024;

/** Inflate the beginning of a gzip stream; empty when even that is corrupt. */
function inflateHead(bytes: Uint8Array): Uint8Array {
  try {
    const out = gunzipSync(bytes.subarray(0, COMPRESSED_HEAD), {
      finishFlush: constants.Z_SYNC_FLUSH,
      // Deflate expands at most ~1032:1, so 2 KiB cannot exceed this; the cap is belt and braces.
      maxOutputLength: 4 * 1024 * 1024,
    });
    return out.subarray(0, TEXT_HEAD);
  } catch {
    return new Uint8Array(0);
  }
}

/** [value, next position], or undefined where the head ends inside the varint or it is malformed. */
function readVarint(b: Uint8Array, pos: number): [number, number] | undefined {
  try {
    const v = varintAt(b, pos, b.length);
    return [v, varintNext];
  } catch {
    return undefined;
  }
}

/**
 * Does this look like a profile.proto message? Walk the top-level fields of the head: every field
 * number must be one of Profile's (pprof/schema.ts) with the wire type the schema gives it. A field running past
 * the end of a (possibly cut) head is fine. The first field of Go's and pprof's own encoders is 1
 * (sample_type, a ValueType of two varints), which is checked when present.
 */
function looksLikeProfile(b: Uint8Array, complete: boolean): boolean {
  const wire = PROFILE_FIELD_WIRE;
  let pos = 0;
  let fields = 0;
  while (pos < b.length && fields < 64) {
    const tag = readVarint(b, pos);
    if (!tag) return !complete && fields > 0;
    const [key, next] = tag;
    const field = Math.floor(key / 8);
    const wt = key & 7;
    if (!wire[field]?.includes(wt)) return false;
    pos = next;
    if (wt === WIRE_VARINT) {
      const v = readVarint(b, pos);
      if (!v) return !complete && fields > 0;
      pos = v[1];
    } else {
      const len = readVarint(b, pos);
      if (!len) return !complete && fields > 0;
      if (fields === 0 && field === Profile.sampleType) {
        // sample_type: a ValueType {1: type, 2: unit}, both varint string indices.
        const end = Math.min(len[1] + len[0], b.length);
        for (let p = len[1]; p < end;) {
          const k = readVarint(b, p);
          if (!k || (k[0] !== ((ValueType.type << 3) | WIRE_VARINT) && k[0] !== ((ValueType.unit << 3) | WIRE_VARINT))) return false;
          const v = readVarint(b, k[1]);
          if (!v) break;
          p = v[1];
        }
      }
      pos = len[1] + len[0];
      if (pos > b.length && complete) return false;
    }
    fields++;
  }
  return fields > 0;
}

function isMostlyText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 4096);
  if (n === 0) return true;
  let printable = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c === 9 || c === 10 || c === 13 || (c >= 32 && c !== 127)) printable++;
  }
  return printable / n > 0.95;
}

const METRIC_LINE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^\n]*\})?[ \t]+[^\s]+(?:[ \t]+[^\s]+)?$/;
const GC_LINE = /gc \d+ @\d+(?:\.\d+)?s \d+%: |scav \d+ KiB work|scav \d+ \d+ KiB work|scvg-?\d+: /;

function detectText(text: string, whole: boolean): Pick<Detection, 'format' | 'note'> {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  if (t.length === 0) return { format: 'unknown', note: 'the input is empty' };
  const lower = t.slice(0, 512).toLowerCase();
  if (describeBytes(Buffer.from(t.slice(0, 512), 'utf8')) === 'an HTML page')
    return { format: 'html', note: 'an HTML page (a login or error page instead of the data?)' };
  if (lower.startsWith('goroutine profile: total ')) return { format: 'goroutine-debug1' };
  if (/^goroutine \d+ \[[^\]]*\]:/.test(t)) return { format: 'goroutine-debug2' };
  if (lower.startsWith('heap profile: ')) return { format: 'heap-debug1' };
  const firstLine = t.slice(0, t.indexOf('\n') === -1 ? t.length : t.indexOf('\n')).trimEnd();
  if (t.startsWith('{') || t.startsWith('[')) {
    // One JSON object per line → a sample series; one (multi-line or single) object → an expvar body.
    const lines = t.split('\n', 3).map((l) => l.trim());
    let firstIsObject = false;
    try {
      const v: unknown = JSON.parse(firstLine);
      firstIsObject = typeof v === 'object' && v !== null && !Array.isArray(v);
    } catch {
      firstIsObject = false;
    }
    // Keys of a heapsight MemorySample, a /debug/vars body or a bare MemStats: what samples-jsonl reads.
    const sampleKeys = /"(source|heapAlloc|HeapAlloc|memstats|rss|sys)"\s*:/.test(firstLine);
    if (firstIsObject && sampleKeys && lines.length >= 2 && lines[1].startsWith('{')) return { format: 'jsonl-samples' };
    if (/"memstats"\s*:/.test(t)) return { format: 'expvar' };
    if (firstIsObject && sampleKeys) return { format: 'jsonl-samples' };
    // Docker's json-file log lines wrapping a gctrace.
    if (GC_LINE.test(t)) return { format: 'gctrace' };
    return { format: 'unknown', note: whole ? 'JSON without a memstats object (not an expvar /debug/vars body)' : 'JSON whose head has no memstats object' };
  }
  if (/^[0-9a-f]+-[0-9a-f]+ [-r][-w][-x][-sp] [0-9a-f]+ [0-9a-f]+:[0-9a-f]+ \d+\s+\[rollup\]/.test(firstLine)) return { format: 'smaps-rollup' };
  if (/^Name:\t/.test(firstLine) && /^(VmRSS|Pid|Tgid):\s/m.test(t)) return { format: 'proc-status' };
  // /proc/<pid>/status saved without its first lines, or smaps_rollup without the header line.
  if (/^Rss:\s+\d+ kB$/m.test(t.slice(0, 256)) && /^Pss:\s+\d+ kB$/m.test(t)) return { format: 'smaps-rollup' };
  if (/^# (HELP|TYPE|UNIT) [^\s]+/.test(t)) return { format: 'exposition' };
  const lines = t.split('\n', 200).map((l) => l.replace(/\r$/, ''));
  const sampleLines = lines.filter((l) => l !== '' && !l.startsWith('#'));
  if (GC_LINE.test(t)) return { format: 'gctrace' };
  if (sampleLines.length > 0 && sampleLines.slice(0, 20).every((l, i, a) => METRIC_LINE.test(l) || (i === a.length - 1 && !whole))) {
    return { format: 'exposition' };
  }
  return { format: 'unknown', note: `unrecognised content: ${describeBytes(Buffer.from(t.slice(0, 512), 'utf8'))}` };
}

/** Detect the format of an input, with a note for formats that are recognised but unusable. */
export function detectInput(bytes: Uint8Array): Detection {
  if (bytes.length === 0) return { format: 'unknown', gzip: false, note: 'the input is empty' };
  const gzip = isGzip(bytes);
  const head = gzip ? inflateHead(bytes) : bytes.subarray(0, TEXT_HEAD);
  // For a gzip stream we only ever see a prefix; for raw input we see it all when it is small.
  const whole = !gzip && bytes.length <= TEXT_HEAD;
  if (gzip && head.length === 0) return { format: 'unknown', gzip, note: 'gzip data that does not inflate (corrupt or not gzip)' };
  // A profile usually starts with field 1 (0x0a, which is also '\n'), so try the proto walk first;
  // text fails it within a few bytes.
  if ((head[0] === 0x0a || head[0] === 0x12) && looksLikeProfile(head, whole)) return { format: 'pprof', gzip };
  if (!isMostlyText(head)) {
    if (looksLikeProfile(head, whole)) return { format: 'pprof', gzip };
    return { format: 'unknown', gzip, note: gzip ? 'gzip-compressed binary data that is not a pprof profile' : 'binary data that is not a pprof profile' };
  }
  const text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('utf8');
  return { gzip, ...detectText(text, whole) };
}

export function detectFormat(bytes: Uint8Array): DetectedFormat {
  return detectInput(bytes).format;
}
