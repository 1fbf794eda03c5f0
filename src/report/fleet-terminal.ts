// Fleet findings as text for a terminal: what was read and what it cost, the counts, the stories
// the group-by labels tell, one ranked line per instance, and the next commands for the top suspects.
// It renders; every verdict and sentence comes from analysis/fleet.ts.
//
// The non-obvious decision: the instance table is capped (default 50 rows, the most suspect first)
// with the count of the rest, because a fleet of thousands must not bury its stories; --json and --md
// carry every instance.

import type { FleetFindings, FleetInstanceVerdict } from '../analysis/fleet.js';
import type { Verdict } from '../analysis/findings.js';
import { formatBytes, formatDuration } from '../analysis/units.js';

export interface FleetTerminalOptions {
  color?: boolean;
  maxRows?: number;
}

const LABEL: Record<Verdict, string> = {
  'heap-leak': 'HEAP LEAK',
  'goroutine-leak': 'GOROUTINE LEAK',
  'off-heap-growth': 'OFF-HEAP',
  'no-leak': 'no leak',
  inconclusive: 'inconclusive',
};

export function instanceName(v: FleetInstanceVerdict): string {
  const { job, instance } = v.labels;
  return [job, instance].filter(Boolean).join('/') || JSON.stringify(v.labels);
}

export function windowLine(f: FleetFindings): string {
  const w = f.window;
  return `${new Date(w.start * 1000).toISOString()} .. ${new Date(w.end * 1000).toISOString()} (${formatDuration(w.end - w.start)}), step ${formatDuration(w.stepSeconds)}, envelope window ${formatDuration(w.windowSeconds)}`;
}

export function transferLine(f: FleetFindings): string {
  const t = f.transfer;
  const raw = t.rawSamples ? `; ${t.rawSamples.toLocaleString('en-US')} raw goroutine samples stayed on the server` : '';
  return `${t.requests} API requests, ${formatBytes(t.wireBytes)} transferred (${formatBytes(t.bodyBytes)} JSON), ${formatBytes(t.bytesPerInstance)} per instance, ${(t.elapsedMs / 1000).toFixed(1)} s${raw}`;
}

export function renderFleetTerminal(f: FleetFindings, opts: FleetTerminalOptions = {}): string {
  const paint = (code: number, s: string) => (opts.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const out: string[] = [];
  out.push(paint(1, `heapsight fleet: ${f.instances.length} Go instances at ${f.source} ${f.selector}`));
  out.push(`  window: ${windowLine(f)}`);
  out.push(`  read:   ${transferLine(f)}`);
  const counts = (Object.entries(f.counts) as [Verdict, number][]).map(([v, n]) => `${n} ${v}`).join(', ');
  out.push(`  verdicts: ${counts}`);
  if (f.stories.length) {
    out.push('', paint(1, 'Stories'));
    for (const s of f.stories) out.push(`  by ${s.label}: ${s.text}`);
  }
  out.push('', paint(1, 'Instances, most suspect first'));
  const max = opts.maxRows ?? 50;
  const rows = f.instances.slice(0, max);
  const nameW = Math.min(48, Math.max(8, ...rows.map((r) => instanceName(r).length)));
  for (const r of rows) {
    const label = LABEL[r.verdict].padEnd(14);
    const coloured = r.verdict === 'no-leak' ? paint(32, label) : r.verdict === 'inconclusive' ? paint(33, label) : paint(31, label);
    out.push(`  ${String(r.rank).padStart(4)}  ${instanceName(r).padEnd(nameW)}  ${coloured} ${r.confidence.toFixed(2)}  ${r.headline}`);
  }
  if (f.instances.length > rows.length) out.push(`  … ${f.instances.length - rows.length} more (use --json or --md for all)`);
  const next = f.instances.filter((r) => r.next);
  if (next.length) {
    out.push('', paint(1, 'Look next'));
    for (const r of next) {
      out.push(`  ${instanceName(r)} (${r.verdict}):`);
      for (const reason of r.reasons.slice(0, 2)) out.push(`    ${reason}`);
      out.push(`    ${r.next!.watch}`);
      out.push(`    go tool pprof ${r.next!.heapProfile}`);
      out.push(`    curl '${r.next!.goroutines}'`);
    }
  }
  if (f.notes.length) {
    out.push('', paint(1, 'Notes'));
    for (const n of f.notes) out.push(`  ${n}`);
  }
  return out.join('\n') + '\n';
}
