// Test-only: run `go tool pprof -top` as the reference for heapsight top/diff and parse its text.
// The non-obvious decision: `-unit=B` makes pprof print every value unscaled ("1258752B", counts as
// "1142B"), formatted with %.2f and ".00" trimmed, so the numbers are exact integers below 2^53; a
// value printed with a decimal point would mean scaling crept in, and the parser refuses it.

import { spawnSync } from 'node:child_process';
import { requireGo } from './toolchain.js';

export interface GoPprofRow {
  function: string;
  flat: bigint;
  cum: bigint;
  /** pprof's "(inline)" / "(partial-inline)" marker, stripped from the name. */
  inline?: 'inline' | 'partial-inline';
}

export interface GoPprofTop {
  sampleType: string;
  total: bigint;
  rows: GoPprofRow[];
}

function exact(text: string, line: string): bigint {
  const m = /^(-?\d+)[A-Za-z]*$/.exec(text);
  if (!m) throw new Error(`go tool pprof printed an inexact value ${JSON.stringify(text)} in: ${line}`);
  return BigInt(m[1]);
}

export function parseGoPprofTop(text: string): GoPprofTop {
  const lines = text.split('\n');
  const typeLine = lines.find((l) => l.startsWith('Type: '));
  const totalMatch = /of (-?\S+) total/.exec(text);
  const headerAt = lines.findIndex((l) => /^\s+flat\s+flat%\s+sum%\s+cum\s+cum%/.test(l));
  if (!typeLine || !totalMatch || headerAt < 0) throw new Error(`unexpected go tool pprof -top output:\n${text.slice(0, 2000)}`);
  const rows: GoPprofRow[] = [];
  for (const line of lines.slice(headerAt + 1)) {
    if (line.trim() === '') continue;
    const m = /^\s*(\S+)\s+\S+%\s+\S+%\s+(\S+)\s+\S+%\s{1,2}(.*)$/.exec(line);
    if (!m) throw new Error(`unparsed go tool pprof row: ${JSON.stringify(line)}`);
    let name = m[3];
    let inline: GoPprofRow['inline'];
    if (name.endsWith(' (partial-inline)')) {
      inline = 'partial-inline';
      name = name.slice(0, -' (partial-inline)'.length);
    } else if (name.endsWith(' (inline)')) {
      inline = 'inline';
      name = name.slice(0, -' (inline)'.length);
    }
    const row: GoPprofRow = { function: name, flat: exact(m[1], line), cum: exact(m[2], line) };
    if (inline) row.inline = inline;
    rows.push(row);
  }
  return { sampleType: typeLine.slice('Type: '.length).trim(), total: exact(totalMatch[1], totalMatch[0]), rows };
}

/**
 * `go tool pprof -top` with every node shown, exact units. `profile` is one file, or `{ base, new }` for
 * `-diff_base`. `cum` sorts by cum as `-cum` does.
 */
export function goPprofTop(profile: string | { base: string; new: string }, opts: { sampleIndex?: string; cum?: boolean } = {}): GoPprofTop {
  const go = requireGo();
  const args = ['tool', 'pprof', '-symbolize=none', '-top', '-nodecount=1000000', '-nodefraction=0', '-edgefraction=0', '-unit=B'];
  if (opts.sampleIndex !== undefined) args.push(`-sample_index=${opts.sampleIndex}`);
  if (opts.cum) args.push('-cum');
  if (typeof profile === 'string') args.push(profile);
  else args.push('-diff_base', profile.base, profile.new);
  const r = spawnSync(go, args, { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, PPROF_TMPDIR: process.env.TMPDIR ?? '/tmp' } });
  if (r.status !== 0) throw new Error(`go tool pprof failed (${r.status}): ${r.stderr}`);
  return parseGoPprofTop(r.stdout);
}
