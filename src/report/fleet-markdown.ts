// Fleet findings as Markdown (`heapsight fleet --md FILE`), for a ticket or a wiki page: stories,
// every instance in rank order, and the next commands for the top suspects. Renders only.
//
// The non-obvious decision: table cells escape `|` and newlines, since label values (instance names,
// versions) are arbitrary text a server sent us.

import type { FleetFindings } from '../analysis/fleet.js';
import { instanceName, transferLine, windowLine } from './fleet-terminal.js';

function cell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function renderFleetMarkdown(f: FleetFindings): string {
  const out: string[] = [];
  out.push(`# heapsight fleet: ${f.instances.length} Go instances`, '');
  out.push(`- Source: \`${f.source}\` selector \`${f.selector}\``);
  out.push(`- Window: ${windowLine(f)}`);
  out.push(`- Read: ${transferLine(f)}`);
  out.push(
    `- Verdicts: ${Object.entries(f.counts)
      .map(([v, n]) => `${n} ${v}`)
      .join(', ')}`,
    '',
  );
  if (f.stories.length) {
    out.push('## Stories', '');
    for (const s of f.stories) out.push(`- **by ${cell(s.label)}**: ${cell(s.text)}`);
    out.push('');
  }
  const groupLabels = Object.keys(f.instances[0]?.labels ?? {}).filter((l) => l !== 'job' && l !== 'instance');
  out.push('## Instances', '');
  out.push(`| # | instance | ${groupLabels.map(cell).join(' | ')}${groupLabels.length ? ' | ' : ''}verdict | confidence | evidence |`);
  out.push(`|---|---|${groupLabels.map(() => '---|').join('')}---|---|---|`);
  for (const r of f.instances) {
    const g = groupLabels.map((l) => cell(r.labels[l] ?? '')).join(' | ');
    out.push(
      `| ${r.rank} | ${cell(instanceName(r))} | ${g}${groupLabels.length ? ' | ' : ''}${r.verdict} | ${r.confidence.toFixed(2)} | ${cell(r.headline)} |`,
    );
  }
  const next = f.instances.filter((r) => r.next);
  if (next.length) {
    out.push('', '## Look next', '');
    for (const r of next) {
      out.push(`### ${cell(instanceName(r))} — ${r.verdict}`, '');
      for (const reason of r.reasons.slice(0, 3)) out.push(`- ${cell(reason)}`);
      out.push('', '```sh', r.next!.watch, `go tool pprof ${r.next!.heapProfile}`, `curl '${r.next!.goroutines}'`, '```', '');
    }
  }
  if (f.notes.length) {
    out.push('', '## Notes', '');
    for (const n of f.notes) out.push(`- ${cell(n)}`);
  }
  return out.join('\n') + '\n';
}
