// Reader for the text heap profile, `/debug/pprof/heap?debug=1` (runtime/pprof's writeHeapInternal with
// debug=1): a header `heap profile: I: IB [A: AB] @ heap/2R`, one record a stack
// `inuse: inuseBytes [alloc: allocBytes] @ 0xpc …` followed by `#\t0xpc\tfunc+0xoff\tfile:line` frame
// lines, then a `# runtime.MemStats` block (`# HeapIdle = …`, `# HeapReleased = …`, …). It is the form
// people save with curl because they can read it, and it is the only single fetch that carries both
// "who holds the heap" and the MemStats that tell retained from released memory.
//
// Non-obvious decisions:
// - The records are raw sample counts, not estimates: the proto form scales them, the text form does
//   not. They are scaled here as pprof's legacy reader scales a `heap` header (rate = the header's
//   number / 2, each record × 1 / (1 − e^(−avg/rate))), so `top` and culprits see the same magnitudes as
//   from the proto.
// - Stacks come from the `#` frame lines, not the `@` addresses, which nothing here can symbolise.
//   Go prints no runtime.* frames there (unless a stack is all runtime); that is what a user reads too.
// - The MemStats block becomes a MemorySample through the expvar reader (it is runtime.MemStats with
//   the same field names), so the mapping, LastGC's exact nanoseconds included, exists once; the
//   sample's source is therefore 'expvar' (the MemStats), and MaxRSS (getrusage, the process's peak
//   RSS) is its vmHWM.

import type { MemorySample } from '../model/memory.js';
import type { Profile, ProfileLocation, ProfileSample } from '../model/profile.js';
import { parseExpvar } from './expvar.js';
import { describeBytes, InputError } from './input-error.js';
import { DEFAULT_MAX_TEXT_BYTES, headBytes, textFromInput } from './text-input.js';

export interface HeapDebug1 {
  /** The records as a heap profile with Go's four sample types, inuse_space last (pprof's default). */
  profile: Profile;
  /** The `# runtime.MemStats` block; undefined when the text was cut before it. */
  memStats?: MemorySample;
}

const HEADER_RE = /^heap profile: *(\d+): *(\d+) *\[ *(\d+): *(\d+) *\] *@ *heap\/(\d+)\s*$/;
const RECORD_RE = /^(-?\d+): *(-?\d+) *\[ *(-?\d+): *(-?\d+) *\] *@((?: 0x[0-9a-f]+)*)\s*$/;
const FRAME_RE = /^#\t(0x[0-9a-f]+)\t(.+?)\+0x[0-9a-f]+\t+(.*):(\d+)$/;
const MEMSTAT_RE = /^# (\w+) = (.*)$/;
/** MemStats lines printed as `inuse / sys`, split into the two MemStats fields they are. */
const PAIRED: Record<string, [string, string]> = {
  Stack: ['StackInuse', 'StackSys'],
  MSpan: ['MSpanInuse', 'MSpanSys'],
  MCache: ['MCacheInuse', 'MCacheSys'],
};

/** pprof's scaleHeapSample: the expected true count and bytes behind `count` sampled objects of `bytes`. */
function scaleHeapRecord(count: number, bytes: number, rate: number): [number, number] {
  if (count === 0 || bytes === 0) return [0, 0];
  if (rate <= 1) return [count, bytes];
  const scale = 1 / (1 - Math.exp(-bytes / count / rate));
  return [Math.trunc(count * scale), Math.trunc(bytes * scale)];
}

export function parseHeapDebug1(input: Uint8Array | string, origin: string, opts: { maxBytes?: number } = {}): HeapDebug1 {
  const text = textFromInput(input, origin, opts.maxBytes ?? DEFAULT_MAX_TEXT_BYTES);
  const lines = text.split('\n');
  const header = HEADER_RE.exec(lines[0]?.trimEnd() ?? '');
  if (!header) {
    throw new InputError(origin, `expected a text heap profile (first line "heap profile: N: N [N: N] @ heap/N"), got ${describeBytes(headBytes(input))}`);
  }
  // Go prints 2 × MemProfileRate after `heap/`; 0 when profiling is off.
  const rate = Number(header[5]) / 2;
  const locations: ProfileLocation[] = [];
  const locationByPc = new Map<string, number>();
  const samples: ProfileSample[] = [];
  const memstats: string[] = [];
  let current: ProfileSample | undefined;
  let lastPc = '';
  /** The location whose frames this stack's lines are adding (a pc not seen before). */
  let building: number | undefined;
  let inMemStats = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line === '') {
      current = undefined;
      continue;
    }
    if (inMemStats) {
      const m = MEMSTAT_RE.exec(line);
      if (!m) continue;
      const [, name, value] = m;
      const pair = PAIRED[name];
      const parts = pair ? value.split(' / ') : [value];
      (pair ?? [name]).forEach((field, k) => {
        // Numbers only (the Pause rings and DebugGC are not sample fields); kept as text so LastGC stays exact.
        if (/^-?\d+(?:\.\d+)?(?:e[-+]?\d+)?$/.test(parts[k] ?? '')) memstats.push(`${JSON.stringify(field)}:${parts[k]}`);
      });
      continue;
    }
    if (line === '# runtime.MemStats') {
      inMemStats = true;
      continue;
    }
    const rec = RECORD_RE.exec(line);
    if (rec) {
      const [inuseObjects, inuseBytes] = scaleHeapRecord(Number(rec[1]), Number(rec[2]), rate);
      const [allocObjects, allocBytes] = scaleHeapRecord(Number(rec[3]), Number(rec[4]), rate);
      current = { locations: [], values: [allocObjects, allocBytes, inuseObjects, inuseBytes] };
      samples.push(current);
      lastPc = '';
      continue;
    }
    const frame = FRAME_RE.exec(line);
    if (frame && current) {
      const [, pc, fn, file, lineNo] = frame;
      const f = { function: fn, file, line: Number(lineNo) };
      if (pc === lastPc) {
        // Same pc again: the caller of an inlined call; profile.proto lists those in one location,
        // callee first. A location met before in another stack has its frames already.
        if (building !== undefined) locations[building].lines.push(f);
        continue;
      }
      let loc = locationByPc.get(pc);
      building = undefined;
      if (loc === undefined) {
        loc = building = locations.length;
        locations.push({ address: BigInt(pc), lines: [f] });
        locationByPc.set(pc, loc);
      }
      current.locations.push(loc);
      lastPc = pc;
      continue;
    }
    throw new InputError(
      origin,
      `line ${i + 1}: expected a heap profile record ("N: N [N: N] @ 0x…") or a "#\\t0x…" frame line, got ${JSON.stringify(line.slice(0, 80))}`,
    );
  }
  const profile: Profile = {
    sampleTypes: [
      { type: 'alloc_objects', unit: 'count' },
      { type: 'alloc_space', unit: 'bytes' },
      { type: 'inuse_objects', unit: 'count' },
      { type: 'inuse_space', unit: 'bytes' },
    ],
    periodType: { type: 'space', unit: 'bytes' },
    period: rate,
    timeNanos: 0n,
    durationNanos: 0n,
    locations,
    samples,
    comments: [],
  };
  if (!inMemStats) return { profile };
  const memStats = parseExpvar(`{"memstats":{${memstats.join(',')}}}`, origin);
  const maxRss = /^# MaxRSS = (\d+)$/m.exec(text);
  if (maxRss) memStats.vmHWM = Number(maxRss[1]);
  return { profile, memStats };
}
