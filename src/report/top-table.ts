// Rendering of `heapsight top` / `diff` tables: pprof's -top layout for the terminal (flat, flat%, sum%,
// cum, cum%, name) with human units, and JSON with exact integers. The non-obvious decision: JSON text is
// assembled by hand from bigint digits, because JSON.stringify cannot write an integer beyond 2^53
// without rounding it; consumers are expected to parse it losslessly.

import type { ProfileTop } from '../model/profile.js';

const MEMORY_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
const TIME_UNITS: [string, number][] = [
  ['hrs', 3.6e12],
  ['mins', 6e10],
  ['s', 1e9],
  ['ms', 1e6],
  ['us', 1e3],
  ['ns', 1],
];

function trimmed(v: number): string {
  return v.toFixed(2).replace(/\.00$/, '');
}

/** A value in the profile's unit, scaled as pprof scales it (bytes in powers of 1024). */
export function formatValue(v: bigint, unit: string, signed = false): string {
  const sign = v < 0n ? '-' : signed && v > 0n ? '+' : '';
  const a = v < 0n ? -v : v;
  if (a === 0n) return '0';
  const u = unit.toLowerCase();
  if (u === 'bytes' || u === 'byte' || u === 'b') {
    let i = 0;
    let scaled = Number(a);
    while (scaled >= 1024 && i < MEMORY_UNITS.length - 1) {
      scaled /= 1024;
      i++;
    }
    return `${sign}${i === 0 ? a.toString() : trimmed(scaled)}${MEMORY_UNITS[i]}`;
  }
  if (u === 'nanoseconds' || u === 'ns') {
    const n = Number(a);
    const [name, size] = TIME_UNITS.find(([, s]) => n >= s) ?? TIME_UNITS[TIME_UNITS.length - 1];
    return `${sign}${trimmed(n / size)}${name}`;
  }
  return `${sign}${a.toString()}${u === 'count' || u === '' ? '' : unit}`;
}

/** pprof's percentage(): two decimals, "100%" near one hundred, %g below 1%. */
export function formatPercent(v: bigint, total: bigint): string {
  if (total === 0n) return '0%';
  const ratio = Math.abs(Number(v) / Number(total)) * 100;
  if (ratio >= 99.95 && ratio <= 100.05) return '100%';
  if (ratio >= 1) return `${ratio.toFixed(2)}%`;
  if (ratio === 0) return '0%';
  return `${Number(ratio.toPrecision(2))}%`;
}

export interface TopRenderOptions {
  /** Rows to show; undefined shows all. */
  nodes?: number;
  /** Title lines naming the inputs (e.g. "Profile: heap.pb.gz"). */
  title?: string[];
}

export function renderTopText(top: ProfileTop, opts: TopRenderOptions = {}): string {
  const { unit } = top.sampleType;
  const isDiff = top.base !== undefined;
  const rows = opts.nodes === undefined ? top.rows : top.rows.slice(0, opts.nodes);
  let shown = 0n;
  for (const r of rows) shown += r.flat;
  const out: string[] = [...(opts.title ?? [])];
  out.push(`Type: ${top.sampleType.type} (${unit})`);
  if (isDiff) {
    out.push(`Base total ${formatValue(top.base!, unit)}, new total ${formatValue(top.new!, unit)}, change ${formatValue(top.total, unit, true)}`);
  }
  const count = rows.length < top.rows.length ? `${rows.length} of ${top.rows.length}` : `all ${top.rows.length}`;
  out.push(
    `Showing ${count} functions, accounting for ${formatValue(shown, unit, isDiff)}, ${formatPercent(shown, top.pprofTotal)} of ${formatValue(top.pprofTotal, unit)} ${isDiff ? 'base total' : 'total'}`,
  );
  const cells: string[][] = [['flat', 'flat%', 'sum%', 'cum', 'cum%', '']];
  let sum = 0n;
  for (const r of rows) {
    sum += r.flat;
    cells.push([
      formatValue(r.flat, unit, isDiff),
      formatPercent(r.flat, top.pprofTotal),
      formatPercent(sum, top.pprofTotal),
      formatValue(r.cum, unit, isDiff),
      formatPercent(r.cum, top.pprofTotal),
      r.inline ? `${r.function} (${r.inline})` : r.function,
    ]);
  }
  const widths = [0, 1, 2, 3, 4].map((c) => Math.max(...cells.map((row) => row[c].length)));
  for (const row of cells) {
    const line = row
      .slice(0, 5)
      .map((cell, c) => cell.padStart(widths[c]))
      .join(' ');
    out.push(`${line}  ${row[5]}`.trimEnd());
  }
  if (rows.length < top.rows.length) out.push(`(${top.rows.length - rows.length} more; --nodes 0 shows all)`);
  return out.join('\n') + '\n';
}

/** `--json`: exact integers, rows in table order. */
export function renderTopJson(top: ProfileTop, opts: TopRenderOptions = {}): string {
  const rows = opts.nodes === undefined ? top.rows : top.rows.slice(0, opts.nodes);
  const parts: string[] = [];
  parts.push(`"sampleType":${JSON.stringify({ type: top.sampleType.type, unit: top.sampleType.unit })}`);
  parts.push(`"total":${top.total.toString()}`);
  if (top.base !== undefined) parts.push(`"base":${top.base.toString()}`);
  if (top.new !== undefined) parts.push(`"new":${top.new.toString()}`);
  const fns = rows.map((r) => `    {"function":${JSON.stringify(r.function)},"flat":${r.flat.toString()},"cum":${r.cum.toString()}}`);
  parts.push(fns.length ? `"functions":[\n${fns.join(',\n')}\n  ]` : `"functions":[]`);
  return `{\n  ${parts.join(',\n  ')}\n}\n`;
}
