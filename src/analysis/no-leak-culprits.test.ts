// A no-leak verdict names no code (issue 9): the real steady-churn recording (no-leak) joined by
// goroutine dumps in which net/http's connection goroutines pile up (the body-524288 capture) still
// says no-leak — the recording's own goroutine counts are flat — and no report lists a culprit, where
// before the piled-up readLoop/writeLoop were listed as "culprits" beside "No leak".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readGoroutineDebug2 } from '../sources/goroutine-text.js';
import { readRecordingDir } from '../sources/recording.js';
import { renderHtmlReport } from '../report/html/render.js';
import { renderJson } from '../report/json.js';
import { renderMarkdownReport } from '../report/markdown.js';
import { renderTerminal } from '../report/terminal.js';
import { analyzeRecording } from './analyze-recording.js';
import { goroutineCulprits } from './culprits.js';

const here = dirname(fileURLToPath(import.meta.url));

test('no-leak lists no culprits in JSON, terminal, Markdown or HTML, even with growing goroutine groups in the dumps', async () => {
  const rec = await readRecordingDir(join(here, '../../examples/steady-churn/recording'));
  const body = join(here, 'testdata/body-524288');
  const dumps = await Promise.all(
    readdirSync(body)
      .filter((f) => f.startsWith('goroutine2-'))
      .sort()
      .map((f) => readGoroutineDebug2(readFileSync(join(body, f)), f)),
  );
  // The dumps alone do name growing groups: the test would pass vacuously otherwise.
  assert.ok(goroutineCulprits(dumps).some((c) => c.function === 'net/http.(*persistConn).readLoop'));
  rec.goroutineSnapshots = dumps;
  const f = analyzeRecording(rec);
  assert.equal(f.verdict, 'no-leak', f.evidence.reasons.join('\n'));
  assert.deepEqual(f.culprits, []);
  assert.deepEqual(JSON.parse(renderJson(f)).culprits, []);
  for (const text of [renderTerminal(f, { color: false } as never), renderMarkdownReport({ findings: f, recording: rec })]) {
    assert.ok(!text.includes('readLoop'), 'no net/http culprit rendered');
    assert.ok(!/top suspect/i.test(text));
  }
  // The HTML page also charts the raw goroutine groups of the recording (data, not blame); the
  // findings it embeds carry no culprit.
  const html = renderHtmlReport({ findings: f, recording: rec });
  assert.ok(html.includes('"culprits":[]'), "the page's findings have no culprits");
  assert.ok(!/top suspect/i.test(html));
});
