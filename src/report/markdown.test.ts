// The Markdown summary through a CommonMark parser (markdown-it, with GitHub's tables on): the
// structure a ticket shows, sparklines, and hostile names staying literal text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import MarkdownIt from 'markdown-it';
import { analyzeRecording } from '../analysis/analyze-recording.js';
import { HOSTILE, exampleRecording, hostileRecording } from '../test-support/test-recordings.js';
import { mdCode, mdText, renderMarkdownReport, sparkline } from './markdown.js';

// html: true so that any raw HTML our output let through would show up as html_inline/html_block tokens.
const md = new MarkdownIt('commonmark', { html: true }).enable('table');

interface Tok {
  type: string;
  tag: string;
  content: string;
  children: Tok[] | null;
}

function inlineText(tokens: Tok[], from: number, closeType: string): string {
  let out = '';
  for (let i = from; i < tokens.length && tokens[i].type !== closeType; i++) {
    for (const c of tokens[i].children ?? []) if (c.type === 'text' || c.type === 'code_inline') out += c.content;
  }
  return out;
}

test('sparkline spans the eight levels and resamples long series', () => {
  assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), '▁▂▃▄▅▆▇█');
  assert.equal(sparkline([5, 5, 5]), '▁▁▁');
  assert.equal(sparkline([]), '');
  const long = sparkline(
    Array.from({ length: 1000 }, (_, i) => i),
    24,
  );
  assert.equal([...long].length, 24);
  assert.equal(long[0], '▁');
  assert.equal(long[long.length - 1], '█');
});

test('code spans hold any backticks and pipes literally', () => {
  for (const s of ['a`b', '``x``', '`lead', 'p|q', '<img src=x>']) {
    const tokens = md.parseInline(mdCode(s), {})[0].children as Tok[];
    assert.equal(tokens.length, 1, s);
    assert.equal(tokens[0].type, 'code_inline');
    assert.equal(tokens[0].content, s);
  }
  const text = md.parseInline(mdText('*x* <b>y</b> [l](u) a_b_c | `z` & ~~s~~'), {})[0].children as Tok[];
  assert.deepEqual(
    text.map((t) => t.type),
    ['text'],
  );
  assert.equal(text[0].content, '*x* <b>y</b> [l](u) a_b_c | `z` & ~~s~~');
});

test('a leak summary parses into heading, key-number table, culprit table, lists', async () => {
  const rec = await exampleRecording('map-leak');
  const findings = analyzeRecording(rec);
  const text = renderMarkdownReport({ findings, recording: rec });
  const tokens = md.parse(text, {}) as Tok[];
  const headings = tokens.flatMap((t, i) => (t.type === 'heading_open' ? [`${t.tag} ${tokens[i + 1].content}`] : []));
  const title = {
    'heap-leak': 'Heap leak',
    'goroutine-leak': 'Goroutine leak',
    'off-heap-growth': 'Growth outside the Go heap',
    'no-leak': 'No leak',
    inconclusive: 'Inconclusive',
  }[findings.verdict];
  assert.equal(headings[0], `h1 heapsight: ${title} (confidence ${Math.round(findings.confidence * 100)}%)`);
  assert.deepEqual(headings.slice(1, 5), ['h2 Key numbers', 'h2 Culprits', 'h2 Evidence', 'h2 Advice']);
  assert.equal(tokens.filter((t) => t.type === 'table_open').length, findings.culprits.length ? 2 : 1);
  // The culprit table: one body row per culprit (up to 10), the function name as literal code.
  const tables = tokens.map((t, i) => (t.type === 'table_open' ? i : -1)).filter((i) => i >= 0);
  if (findings.culprits.length) {
    const start = tables[1];
    const end = tokens.findIndex((t, i) => i > start && t.type === 'table_close');
    const rows = tokens.slice(start, end).filter((t) => t.type === 'tr_open').length - 1;
    assert.equal(rows, Math.min(10, findings.culprits.length));
    const firstRow = tokens.findIndex((t, i) => i > start && t.type === 'tbody_open');
    const cells = inlineText(tokens, firstRow, 'tr_close');
    assert.ok(cells.includes(findings.culprits[0].function), cells);
    assert.match(cells, /[▁▂▃▄▅▆▇█]{2,}/, 'a sparkline in the row');
  }
  // The live-heap row carries a sparkline.
  const keyTable = inlineText(tokens, tables[0], 'table_close');
  assert.match(keyTable, /Live heap.*[▁▂▃▄▅▆▇█]{3,}/s);
  // Evidence is a bullet list with one item per reason; advice an ordered list.
  const bullet = tokens.findIndex((t, i) => t.type === 'bullet_list_open' && tokens.slice(0, i).some((x) => x.type === 'inline' && x.content === 'Evidence'));
  const items = tokens
    .slice(
      bullet,
      tokens.findIndex((t, i) => i > bullet && t.type === 'bullet_list_close'),
    )
    .filter((t) => t.type === 'list_item_open').length;
  assert.equal(items, findings.evidence.reasons.length);
  assert.equal(tokens.filter((t) => t.type === 'ordered_list_open').length, findings.advice.length ? 1 : 0);
  // The only HTML is our own: <details>/<summary>, <br> between name and file, and <sub>.
  const html = [...tokens.filter((t) => t.type === 'html_block'), ...tokens.flatMap((t) => (t.children ?? []).filter((c) => c.type === 'html_inline'))].map(
    (t) => t.content.trim(),
  );
  for (const h of html)
    assert.match(h, /^(<details><summary>Full stack of the top culprit<\/summary>|<\/details>|<br>|<sub>|<\/sub>|<sub>Generated by heapsight.<\/sub>)$/, h);
});

test('hostile names and labels stay literal text: no HTML reaches the rendered Markdown', async () => {
  const rec = await hostileRecording();
  const findings = analyzeRecording(rec);
  const text = renderMarkdownReport({ findings, recording: rec });
  const rendered = md.render(text);
  assert.doesNotMatch(rendered, /<img|<script|<svg|<iframe|<b>/i);
  assert.ok(rendered.includes('main.&lt;img src=x onerror=alert(1)&gt;'));
  const tokens = md.parse(text, {}) as Tok[];
  const codes = tokens.flatMap((t) => (t.children ?? []).filter((c) => c.type === 'code_inline').map((c) => c.content));
  assert.ok(codes.includes(HOSTILE.fnImg), 'the hostile culprit is shown as code');
  assert.ok(codes.includes(HOSTILE.target), 'the hostile target is shown as code');
  // The culprit table keeps its six columns despite names with | and quotes.
  const table = tokens.findIndex((t, i) => t.type === 'table_open' && i > tokens.findIndex((x) => x.type === 'inline' && x.content === 'Culprits'));
  const firstRowStart = tokens.findIndex((t, i) => i > table && t.type === 'tbody_open');
  const firstRowEnd = tokens.findIndex((t, i) => i > firstRowStart && t.type === 'tr_close');
  assert.equal(tokens.slice(firstRowStart, firstRowEnd).filter((t) => t.type === 'td_open').length, 6);
});
