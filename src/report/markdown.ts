// renderMarkdownReport: the verdict as a Markdown summary for tickets and pull requests (CommonMark plus
// GitHub's tables): verdict, key numbers with Unicode sparklines, culprits, evidence and advice.
//
// The non-obvious decision: text from profiles and targets (function names, files, labels) only ever
// appears inside code spans, whose fence is longer than any backtick run in the text, and table cells
// escape `|`; prose from analysis is backslash-escaped. So a function named `<img onerror=…>` is shown
// literally and never becomes HTML, a link or a broken table when the ticket system renders it.

import type { Culprit, Findings, Verdict } from '../analysis/findings.js';
import { formatBytes, formatBytesDelta, formatCount, formatDuration, formatPercent } from '../analysis/units.js';
import type { Recording } from '../model/recording.js';
import { containerView } from './container-view.js';
import { limitText } from './terminal.js';
import { buildInfoRows, proofSites } from './build-and-proof.js';

export interface MarkdownInput {
  findings: Findings;
  recording?: Recording;
  title?: string;
}

const BARS = '▁▂▃▄▅▆▇█';

/** Unicode sparkline of a series, resampled to at most `width` characters (bucket means). */
export function sparkline(values: number[], width = 24): string {
  const vs = values.filter((v) => Number.isFinite(v));
  if (vs.length === 0) return '';
  let pts = vs;
  if (vs.length > width) {
    pts = [];
    for (let b = 0; b < width; b++) {
      const lo = Math.floor((b * vs.length) / width);
      const hi = Math.max(lo + 1, Math.floor(((b + 1) * vs.length) / width));
      let s = 0;
      for (let i = lo; i < hi; i++) s += vs[i];
      pts.push(s / (hi - lo));
    }
  }
  const min = Math.min(...pts);
  const max = Math.max(...pts);
  const span = max - min;
  return pts.map((v) => BARS[span === 0 ? 0 : Math.min(7, Math.floor(((v - min) / span) * 8))]).join('');
}

/** Prose: escape what CommonMark would turn into markup (HTML, emphasis, links, code, tables). */
export function mdText(s: string): string {
  return s.replace(/\r?\n/g, ' ').replace(/[\\`*_[\]<>|&~]/g, (c) => `\\${c}`);
}

/** Literal text as a code span: the fence is one backtick longer than any run inside. */
export function mdCode(s: string, inTable = false): string {
  const text = s.replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || (text.startsWith(' ') && text.endsWith(' ') && text.trim() !== '') ? ' ' : '';
  const span = `${fence}${pad}${text}${pad}${fence}`;
  // GitHub-style tables split cells on | before inline parsing, code spans included.
  return inTable ? span.replace(/\|/g, '\\|') : span;
}

const TITLES: Record<Verdict, string> = {
  'heap-leak': 'Heap leak',
  'goroutine-leak': 'Goroutine leak',
  'off-heap-growth': 'Growth outside the Go heap',
  'no-leak': 'No leak',
  inconclusive: 'Inconclusive',
};

function growthText(c: Culprit): string {
  const g = c.growth;
  const amount = g.unit === 'bytes' ? formatBytesDelta(g.delta) : `${g.delta >= 0 ? '+' : ''}${formatCount(g.delta)} ${g.unit}`;
  const rate =
    g.perMinute !== undefined
      ? ` (${g.unit === 'bytes' ? formatBytesDelta(g.perMinute) : `${g.perMinute >= 0 ? '+' : ''}${formatCount(g.perMinute)}`}/min)`
      : '';
  return amount + rate;
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

export function renderMarkdownReport(input: MarkdownInput): string {
  const f = input.findings;
  const out: string[] = [];
  const r = f.evidence.rates;
  out.push(`# heapsight: ${TITLES[f.verdict]} (confidence ${formatPercent(f.confidence)})`, '');

  const meta: string[] = [];
  const title = input.title ?? input.recording?.meta?.target.url ?? input.recording?.meta?.note;
  if (title) meta.push(`**Target:** ${mdCode(title)}`);
  if (f.goVersion) meta.push(`**Go:** ${mdText(f.goVersion)}`);
  const o = f.observed;
  meta.push(
    `**Observed:** ${o.seconds !== undefined ? `${formatDuration(o.seconds)}, ` : ''}${o.samples} samples, ${o.gcCycles} GC cycles, ${o.heapProfiles} heap and ${o.goroutineProfiles} goroutine profiles`,
  );
  out.push(meta.join(' · '), '');
  out.push(`> ${mdText(f.summary)}`, '');
  if (f.observeMore)
    out.push(
      `**Observe ${f.observeMore.seconds !== undefined ? `about ${formatDuration(f.observeMore.seconds)} more` : 'longer'}:** ${mdText(f.observeMore.reason)}.`,
      '',
    );

  // Key numbers.
  out.push('## Key numbers', '');
  out.push(row(['', 'value', 'trend']), row(['---', '---', '---']));
  const lh = f.liveHeap;
  const lt = f.evidence.liveHeap;
  if (lt || (lh.first !== undefined && lh.last !== undefined)) {
    const rate = r.liveHeapBytesPerMinute !== undefined ? ` (${formatBytesDelta(r.liveHeapBytesPerMinute)}/min)` : '';
    // Typical levels (medians of the first and last third) rather than endpoints that may sit on a burst.
    const span = lt ? `${formatBytes(lt.baseline)} → ${formatBytes(lt.latest)}` : `${formatBytes(lh.first!)} → ${formatBytes(lh.last!)}`;
    out.push(row([lt ? 'Live heap (typical, start → end)' : 'Live heap', `${span}${rate}`, sparkline(lh.series)]));
  }
  if (r.liveHeapBytesPerGiBAllocated !== undefined) out.push(row(['Live-heap growth per GiB allocated', formatBytesDelta(r.liveHeapBytesPerGiBAllocated), '']));
  if (r.liveHeapBytesPer1000Work !== undefined)
    out.push(row([`Live-heap growth per 1,000 ${mdText(o.workMetric ?? 'work')}`, formatBytesDelta(r.liveHeapBytesPer1000Work), '']));
  const samples = input.recording?.samples ?? [];
  const rssSeries = samples.map((s) => s.rss).filter((v): v is number => v !== undefined);
  const b = f.breakdown;
  if (b?.rss !== undefined)
    out.push(
      row(['RSS', `${formatBytes(b.rss)}${r.rssBytesPerMinute !== undefined ? ` (${formatBytesDelta(r.rssBytesPerMinute)}/min)` : ''}`, sparkline(rssSeries)]),
    );
  const retainedSeries = samples
    .map((s) => (s.heapIdle !== undefined && s.heapReleased !== undefined ? s.heapIdle - s.heapReleased : undefined))
    .filter((v): v is number => v !== undefined);
  const retained = b?.parts.find((p) => p.id === 'heap-free-retained');
  if (retained)
    out.push(row(['Freed, retained by the runtime', `${formatBytes(retained.bytes)} (${formatPercent(retained.share)} of RSS)`, sparkline(retainedSeries)]));
  const nonGo = b?.parts.find((p) => p.id === 'non-go');
  if (nonGo && (nonGo.bytes > 0 || f.verdict === 'off-heap-growth'))
    out.push(
      row([
        'Outside the Go runtime',
        `${formatBytes(nonGo.bytes)}${r.nonGoBytesPerMinute !== undefined ? ` (${formatBytesDelta(r.nonGoBytesPerMinute)}/min)` : ''}`,
        '',
      ]),
    );
  const gSeries = samples.map((s) => s.goroutines).filter((v): v is number => v !== undefined);
  const gt = f.evidence.goroutines;
  if (gt)
    out.push(
      row([
        'Goroutines',
        `${formatCount(gt.baseline)} → ${formatCount(gt.latest)}${r.goroutinesPerMinute !== undefined ? ` (${r.goroutinesPerMinute >= 0 ? '+' : ''}${formatCount(r.goroutinesPerMinute)}/min)` : ''}`,
        sparkline(gSeries),
      ]),
    );
  if (f.evidence.heapHeldByGoroutines) out.push(row(['Heap held by leaked goroutines', formatBytes(f.evidence.heapHeldByGoroutines), '']));
  out.push('');

  // Culprits.
  out.push('## Culprits', '');
  if (!f.culprits.length) out.push('No call site grew across the profiles.', '');
  else {
    out.push(row(['#', 'call site', 'kind', 'growth', 'share', 'across profiles']), row(['---:', '---', '---', '---:', '---:', '---']));
    f.culprits.slice(0, 10).forEach((c, i) => {
      const site = `${mdCode(c.function, true)}<br>${mdCode(`${c.file}${c.line ? `:${c.line}` : ''}`, true)}`;
      out.push(
        row([
          String(i + 1),
          site,
          c.pattern ? `${c.kind} · ${mdCode(c.pattern, true)}` : c.kind,
          growthText(c),
          formatPercent(c.growth.share),
          sparkline(c.growth.series),
        ]),
      );
    });
    out.push('');
    const fixes = f.culprits.slice(0, 10).filter((c) => c.fix);
    if (fixes.length) {
      out.push('**Fixes for the recognised patterns:**', '');
      for (const c of fixes) out.push(`- ${mdCode(c.function)}: ${mdText(c.fix!)}`);
      out.push('');
    }
    const top = f.culprits[0];
    out.push('<details><summary>Full stack of the top culprit</summary>', '', '```text');
    // A fenced block shows anything literally; only a line that is itself a fence could end it early.
    for (const fr of top.stack) out.push(`${fr.function}\n    ${fr.file}:${fr.line}`.replace(/^(\s*)```/gm, '$1\u200b```'));
    out.push('```', '', '</details>', '');
  }

  if (f.provenGoroutineLeaks) {
    out.push(`## Goroutines proven leaked by the runtime (${formatCount(f.provenGoroutineLeaks.total)})`, '');
    for (const site of proofSites(f.provenGoroutineLeaks)) {
      out.push(`- ${mdCode(site.head)}${site.startedBy ? `<br>${mdCode(site.startedBy)}` : ''}`, '');
      out.push('  <details><summary>Stack</summary>', '', '  ```text');
      for (const fr of site.stack) out.push(`  ${fr}`.replace(/^(\s*)```/gm, '$1\u200b```'));
      out.push('  ```', '', '  </details>', '');
    }
  }

  out.push('## Evidence', '');
  for (const reason of f.evidence.reasons) out.push(`- ${mdText(reason)}`);
  out.push('');

  const cv = containerView(f);
  if (cv) {
    out.push(`## ${mdText(cv.heading)}`, '');
    const lim = limitText(cv);
    if (lim) out.push(`**${mdText(lim[0].toUpperCase() + lim.slice(1))}.**${cv.growingLayer ? ` Growing layer: ${mdText(cv.growingLayer)}.` : ''}`, '');
    if (cv.layers.length) {
      out.push(row(['layer', 'bytes', cv.limit !== undefined ? 'of the limit' : 'of usage', 'since start']), row(['---', '---:', '---:', '---:']));
      // Non-breaking spaces keep the nesting visible: GitHub trims cell whitespace.
      for (const l of cv.layers)
        out.push(
          row([
            `${'\u00a0\u00a0'.repeat(l.depth)}${l.depth ? '↳ ' : ''}${mdText(l.label)}`,
            formatBytes(l.bytes),
            formatPercent(l.share),
            l.delta !== undefined ? formatBytesDelta(l.delta) : '',
          ]),
        );
      out.push('');
    }
    if (cv.oomSummary) out.push(`**${mdText(cv.oomSummary[0].toUpperCase() + cv.oomSummary.slice(1))}.**`, '');
    if (cv.restarts.length) {
      out.push(row(['#', 'time (UTC)', 'cause', 'memory before', 'limit', 'detail']), row(['---:', '---', '---', '---:', '---:', '---']));
      cv.restarts.forEach((r, i) =>
        out.push(
          row([
            String(i + 1),
            r.t !== undefined ? new Date(r.t).toISOString().replace('T', ' ').slice(0, 23) : '',
            r.cause,
            r.memoryBefore !== undefined ? `${formatBytes(r.memoryBefore)} (${mdText(r.memoryWhat!)})` : '',
            r.limit !== undefined ? formatBytes(r.limit) : '',
            mdText(r.reason),
          ]),
        ),
      );
      out.push('');
    }
  }

  out.push('## Advice', '');
  if (!f.advice.length) out.push('No advice.', '');
  f.advice.forEach((a, i) => {
    const basis = a.basedOn.length ? ` — based on ${a.basedOn.map((x) => mdCode(x)).join(', ')}` : '';
    out.push(`${i + 1}. ${mdText(a.text)}${basis}`);
  });
  out.push('');

  if (f.buildInfo) {
    out.push('## Build', '');
    out.push(row(['', '']), row(['---', '---']));
    for (const r of buildInfoRows(f.buildInfo)) out.push(row([mdText(r.label), mdCode(r.value, true)]));
    out.push('');
  }

  const notes = [...f.notes, ...(b?.notes ?? [])];
  if (notes.length) {
    out.push('## Notes', '');
    for (const n of notes) out.push(`- ${mdText(n)}`);
    out.push('');
  }
  out.push('<sub>Generated by heapsight.</sub>', '');
  return out.join('\n');
}
