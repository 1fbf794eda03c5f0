// Fleet findings as one self-contained HTML page (`heapsight fleet --html FILE`): no scripts, no
// external assets, so it can be attached to a ticket or opened offline. Renders only.
//
// The non-obvious decision: every string from the server (label values, instance names) is escaped,
// and URLs are shown as text, never as links: a label value is attacker-controllable input.

import type { FleetFindings } from '../analysis/fleet.js';
import { instanceName, transferLine, windowLine } from './fleet-terminal.js';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const COLOUR: Record<string, string> = {
  'heap-leak': '#b91c1c',
  'goroutine-leak': '#b91c1c',
  'off-heap-growth': '#b45309',
  inconclusive: '#6b7280',
  'no-leak': '#15803d',
};

export function renderFleetHtml(f: FleetFindings): string {
  const groupLabels = Object.keys(f.instances[0]?.labels ?? {}).filter((l) => l !== 'job' && l !== 'instance');
  const rows = f.instances
    .map((r) => {
      const g = groupLabels.map((l) => `<td>${esc(r.labels[l] ?? '')}</td>`).join('');
      return `<tr><td>${r.rank}</td><td>${esc(instanceName(r))}</td>${g}<td style="color:${COLOUR[r.verdict]};font-weight:600">${esc(r.verdict)}</td><td>${r.confidence.toFixed(2)}</td><td>${esc(r.headline)}</td></tr>`;
    })
    .join('\n');
  const stories = f.stories.map((s) => `<li><b>by ${esc(s.label)}</b>: ${esc(s.text)}</li>`).join('\n');
  const next = f.instances
    .filter((r) => r.next)
    .map(
      (r) =>
        `<h3>${esc(instanceName(r))} — ${esc(r.verdict)}</h3><ul>${r.reasons
          .slice(0, 3)
          .map((x) => `<li>${esc(x)}</li>`)
          .join('')}</ul><pre>${esc([r.next!.watch, `go tool pprof ${r.next!.heapProfile}`, `curl '${r.next!.goroutines}'`].join('\n'))}</pre>`,
    )
    .join('\n');
  const notes = f.notes.map((n) => `<li>${esc(n)}</li>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>heapsight fleet: ${f.instances.length} instances</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.25em .5em;text-align:left}pre{background:#f5f5f5;padding:.5em}</style></head>
<body>
<h1>heapsight fleet: ${f.instances.length} Go instances</h1>
<p>Source <code>${esc(f.source)}</code> selector <code>${esc(f.selector)}</code><br>Window: ${esc(windowLine(f))}<br>Read: ${esc(transferLine(f))}<br>
Verdicts: ${esc(
    Object.entries(f.counts)
      .map(([v, n]) => `${n} ${v}`)
      .join(', '),
  )}</p>
${stories ? `<h2>Stories</h2><ul>${stories}</ul>` : ''}
<h2>Instances, most suspect first</h2>
<table><thead><tr><th>#</th><th>instance</th>${groupLabels.map((l) => `<th>${esc(l)}</th>`).join('')}<th>verdict</th><th>confidence</th><th>evidence</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${next ? `<h2>Look next</h2>${next}` : ''}
${notes ? `<h2>Notes</h2><ul>${notes}</ul>` : ''}
</body></html>
`;
}
