// Findings as text for a terminal: the verdict first, then the paragraph, the evidence, the culprits,
// where the memory is, and what to do. It renders; every number and sentence comes from analysis.
//
// The non-obvious decision: colour is a caller's choice (the CLI passes stdout.isTTY and honours
// NO_COLOR), never detected here, so the same function gives byte-identical plain text in tests,
// pipes and files, and all structure is carried by words and indentation, not by colour alone.

import type { Culprit, Findings, Verdict } from '../analysis/findings.js';
import { formatBytes, formatBytesDelta, formatCount, formatDuration, formatPercent } from '../analysis/units.js';
import { maxOf, minOf } from '../analysis/robust-stats.js';
import { containerView, type ContainerView, type RestartRow } from './container-view.js';
import { buildInfoRows, proofSites } from './build-and-proof.js';

export interface TerminalOptions {
  color?: boolean;
  /** Wrap width for paragraphs (default 100). */
  width?: number;
  /** At most this many culprits (default 5). */
  maxCulprits?: number;
}

const VERDICT_LABEL: Record<Verdict, string> = {
  'heap-leak': 'HEAP LEAK',
  'goroutine-leak': 'GOROUTINE LEAK',
  'off-heap-growth': 'OFF-HEAP GROWTH',
  'no-leak': 'NO LEAK',
  inconclusive: 'INCONCLUSIVE',
};

const CODES = { red: 31, green: 32, yellow: 33, bold: 1, dim: 2 } as const;
type Style = keyof typeof CODES;

const SPARKS = '▁▂▃▄▅▆▇█';

/** A one-line sparkline of a series (min to max), or '' for fewer than two points. */
export function sparkline(values: number[]): string {
  if (values.length < 2) return '';
  const hi = maxOf(values);
  // A floor of at most 80% of the peak: jitter of a flat series must not look like a mountain range.
  const lo = Math.min(minOf(values), hi >= 0 ? hi * 0.8 : hi);
  return values.map((v) => SPARKS[hi === lo ? 0 : Math.min(7, Math.floor(((v - lo) / (hi - lo)) * 8))]).join('');
}

export function wrap(text: string, width: number, indent: string): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur && indent.length + cur.length + 1 + w.length > width) {
      lines.push(indent + cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(indent + cur);
  return lines.join('\n');
}

export function verdictLabel(v: Verdict): string {
  return VERDICT_LABEL[v];
}

function culpritLine(c: Culprit, i: number): string {
  const g = c.growth;
  const delta = g.unit === 'bytes' ? formatBytesDelta(g.delta) : `+${formatCount(g.delta)} ${g.unit}`;
  const rate = g.perMinute !== undefined ? ` (${g.unit === 'bytes' ? formatBytesDelta(g.perMinute) : `+${formatCount(g.perMinute)}`}/min)` : '';
  const where = c.file ? `${c.file}:${c.line}` : '';
  const extra = [c.kind, c.state ? `[${c.state}]` : undefined, c.pattern].filter(Boolean).join(', ');
  return `  ${i + 1}. ${c.function}  ${where}\n     ${delta}${rate}, ${formatPercent(g.share)} of the growth, rose in ${formatPercent(g.monotonicity)} of steps — ${extra}`;
}

/** What was charged (else peak RSS) just before a restart, against the limit. */
export function memoryBeforeText(r: RestartRow): string {
  if (r.memoryBefore === undefined) return '';
  return `${r.memoryWhat} before: ${formatBytes(r.memoryBefore)}${r.limit !== undefined ? ` of a ${formatBytes(r.limit)} limit` : ''}`;
}

/** Limit, headroom and time to the limit in one line (empty without a limit). */
export function limitText(v: ContainerView): string {
  if (v.limit === undefined) return '';
  const parts = [`limit ${formatBytes(v.limit)}`];
  if (v.headroom !== undefined) parts.push(`headroom ${formatBytes(v.headroom)}`);
  if (v.secondsToLimit !== undefined) parts.push(`limit reached in ~${formatDuration(v.secondsToLimit)} at the measured rate`);
  return parts.join(', ');
}

function containerLines(v: ContainerView, width: number, bold: (s: string) => string): string[] {
  const out: string[] = [];
  const lim = limitText(v);
  out.push(bold(v.heading) + (lim ? `: ${lim}` : ''));
  if (v.layers.length) {
    const labelWidth = Math.max(...v.layers.map((l) => 2 * l.depth + l.label.length));
    for (const l of v.layers) {
      const label = `${'  '.repeat(l.depth)}${l.label}`.padEnd(labelWidth);
      const delta = l.delta !== undefined ? `  ${formatBytesDelta(l.delta).padStart(11)} since start` : '';
      out.push(`  ${label}  ${formatBytes(l.bytes).padStart(10)}  ${formatPercent(l.share).padStart(4)}${delta}`);
    }
    if (v.limit !== undefined) out.push(`  (shares are of the ${formatBytes(v.limit)} limit${v.growingLayer ? `; growing layer: ${v.growingLayer}` : ''})`);
    else if (v.growingLayer) out.push(`  (growing layer: ${v.growingLayer})`);
  }
  if (v.oomSummary) out.push(wrap(v.oomSummary, width, '    ').replace(/^ {4}/, '  • '));
  for (const r of v.restarts) {
    // An OOM kill's reason already says what was charged at the last sample.
    const mem = /charged/.test(r.reason) ? '' : memoryBeforeText(r);
    // One line each, unwrapped: a restart is a record people grep for.
    out.push(`  restart${r.t !== undefined ? ` at ${new Date(r.t).toISOString()}` : ''}: ${r.reason}${mem ? ` (${mem})` : ''}`);
  }
  return out;
}

export function renderTerminal(f: Findings, opts: TerminalOptions = {}): string {
  const width = opts.width ?? 100;
  const paint = (s: string, ...styles: Style[]) => (opts.color ? `\u001b[${styles.map((x) => CODES[x]).join(';')}m${s}\u001b[0m` : s);
  const verdictStyle: Style = f.verdict === 'no-leak' ? 'green' : f.verdict === 'inconclusive' ? 'yellow' : 'red';
  const out: string[] = [];

  out.push(`${paint(verdictLabel(f.verdict), 'bold', verdictStyle)}  confidence ${formatPercent(f.confidence)}${f.goVersion ? `  ·  ${f.goVersion}` : ''}`);
  out.push('');
  out.push(wrap(f.summary, width, ''));

  out.push('', paint('Evidence', 'bold'));
  for (const r of f.evidence.reasons) out.push(wrap(r, width, '    ').replace(/^ {4}/, '  • '));
  if (f.liveHeap.series.length >= 2) {
    out.push(
      `  live heap ${sparkline(f.liveHeap.series)}  ${formatBytes(f.liveHeap.first!)} → ${formatBytes(f.liveHeap.last!)}  (${f.liveHeap.points} points)`,
    );
  }
  if (f.pattern) out.push(`  pattern: ${f.pattern}`);

  const culprits = f.culprits.slice(0, opts.maxCulprits ?? 5);
  if (culprits.length) {
    out.push('', paint('Culprits', 'bold'));
    culprits.forEach((c, i) => {
      out.push(culpritLine(c, i));
      if (c.growth.series.length >= 2) out.push(`     ${sparkline(c.growth.series)}`);
      if (c.attribution) out.push(paint(wrap(c.attribution, width, '     '), 'dim'));
      if (c.sites?.length)
        out.push(
          paint(
            wrap(
              `spread over: ${c.sites
                .slice(0, 5)
                .map((s) => `${s.function} ${Math.round(s.share * 100)}%`)
                .join(', ')}${c.sites.length > 5 ? ', …' : ''}`,
              width,
              '     ',
            ),
            'dim',
          ),
        );
      if (c.fix) out.push(wrap(`fix: ${c.fix}`, width, '     '));
    });
    if (f.culprits.length > culprits.length) out.push(paint(`  … ${f.culprits.length - culprits.length} more in --json`, 'dim'));
  }

  if (f.provenGoroutineLeaks) {
    out.push('', paint(`Goroutines proven leaked by the runtime: ${formatCount(f.provenGoroutineLeaks.total)}`, 'bold'));
    for (const site of proofSites(f.provenGoroutineLeaks)) {
      out.push(wrap(site.head, width, '    ').replace(/^ {4}/, '  • '));
      if (site.startedBy) out.push(wrap(site.startedBy, width, '    '));
      for (const fr of site.stack.slice(0, 8)) out.push(paint(`      ${fr}`, 'dim'));
      if (site.stack.length > 8) out.push(paint(`      … ${site.stack.length - 8} more frames in --json`, 'dim'));
    }
  }

  const b = f.breakdown;
  if (b && b.parts.length) {
    const head = b.rss !== undefined ? `Memory now: RSS ${formatBytes(b.rss)}` : `Memory now: Go-mapped ${formatBytes(b.goMapped ?? 0)}`;
    out.push('', paint(head, 'bold') + (b.goMapped !== undefined && b.rss !== undefined ? `, Go-mapped (Sys − HeapReleased) ${formatBytes(b.goMapped)}` : ''));
    const labelWidth = Math.max(...b.parts.map((p) => p.label.length));
    for (const p of b.parts) {
      const delta = p.delta !== undefined ? `  ${formatBytesDelta(p.delta).padStart(11)} since start` : '';
      out.push(`  ${p.label.padEnd(labelWidth)}  ${formatBytes(p.bytes).padStart(10)}  ${formatPercent(p.share).padStart(4)}${delta}`);
    }
    for (const n of b.notes) out.push(paint(wrap(`note: ${n}`, width, '  '), 'dim'));
  }

  const cv = containerView(f);
  if (cv) out.push('', ...containerLines(cv, width, (x) => paint(x, 'bold')));

  if (f.advice.length) {
    out.push('', paint('Advice', 'bold'));
    for (const a of f.advice) {
      out.push(wrap(`${a.text}`, width, '    ').replace(/^ {4}/, '  • '));
      out.push(paint(wrap(`based on: ${a.basedOn.join('; ')}`, width, '    '), 'dim'));
    }
  }

  if (f.buildInfo) {
    out.push('', paint('Build', 'bold'));
    const rows = buildInfoRows(f.buildInfo);
    const w = Math.max(...rows.map((r) => r.label.length));
    for (const r of rows) {
      // The value wraps under itself, the label column kept clear.
      const lines = wrap(r.value, width, ' '.repeat(w + 4)).split('\n');
      out.push(`  ${r.label.padEnd(w)}  ${lines[0].trimStart()}`, ...lines.slice(1));
    }
  }

  const o = f.observed;
  out.push(
    '',
    paint(
      `Window ${o.seconds !== undefined ? formatDuration(o.seconds) : '(no clock)'}; live heap from ${f.liveHeap.source ?? 'no source'}; x axis ${o.workAxis}${o.workMetric ? ` (${o.workMetric})` : ''}.`,
      'dim',
    ),
  );
  for (const n of f.notes) out.push(paint(wrap(`note: ${n}`, width, '  ').replace(/^ {2}/, ''), 'dim'));
  return out.join('\n') + '\n';
}
