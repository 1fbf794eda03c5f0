// The findings JSON against its documentation: every key `analyze --json` emits, at any depth, must be
// named in docs/analyze-json.md. A field that reaches heapsight-findings/1 without being documented
// (as avgObjectBytes once did) fails here, on the bundled examples and the recordings that exercise the
// rarer sections (restarts and OOM kills, proven goroutine leaks, build info).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeRecording } from '../analysis/analyze-recording.js';
import { readRecordingDir } from '../sources/recording.js';
import { bundledExampleRecordings } from '../test-support/test-recordings.js';
import { repoRoot } from '../test-support/toolchain.js';
import { renderJson } from './json.js';

const doc = readFileSync(join(repoRoot, 'docs', 'analyze-json.md'), 'utf8');

/** Every identifier written inside backticks in the doc: `field`, `{a, b?, c}`, `x.y`. */
function documentedNames(markdown: string): Set<string> {
  const names = new Set<string>();
  for (const span of markdown.matchAll(/`([^`]+)`/g)) for (const id of span[1].matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) names.add(id[0]);
  return names;
}

/** Objects whose keys are data (label names, metric names), not schema. */
const MAP_VALUED = new Set(['labels']);

function emittedKeys(value: unknown, path: string, out: Map<string, string>): void {
  if (Array.isArray(value)) {
    for (const v of value) emittedKeys(v, `${path}[]`, out);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    const at = path ? `${path}.${k}` : k;
    if (!out.has(k)) out.set(k, at);
    if (!MAP_VALUED.has(k)) emittedKeys(v, at, out);
  }
}

test('every key analyze --json emits is documented in docs/analyze-json.md', async () => {
  const dirs = bundledExampleRecordings().map((r) => r.dir);
  // Recordings with the sections the examples do not have: OOM kills and a container; the Go 1.27
  // corpus, with build info and proven goroutine leaks.
  dirs.push(join(repoRoot, 'src/report/testdata/oom-recording'));
  const corpus = join(repoRoot, 'corpus/recordings/go1.27');
  for (const name of readdirSync(corpus)) if (existsSync(join(corpus, name, 'recording.json'))) dirs.push(join(corpus, name));
  assert.ok(dirs.length >= 60, `expected the bundled examples and more, found ${dirs.length} recordings`);
  const keys = new Map<string, string>();
  for (const dir of dirs) emittedKeys(JSON.parse(renderJson(analyzeRecording(await readRecordingDir(dir)))), '', keys);
  assert.ok(keys.size > 50, `only ${keys.size} distinct keys emitted: the walk found no findings`);
  const documented = documentedNames(doc);
  const missing = [...keys].filter(([k]) => !documented.has(k)).map(([, at]) => at);
  assert.deepEqual(missing, [], `emitted but not documented in docs/analyze-json.md: ${missing.join(', ')}`);
});

test('the key walk sees nested and array keys and skips data-keyed maps', () => {
  const keys = new Map<string, string>();
  emittedKeys({ a: { b: [{ c: 1 }] }, labels: { anything: 'x' } }, '', keys);
  assert.deepEqual([...keys.keys()], ['a', 'b', 'c', 'labels']);
  assert.equal(keys.get('c'), 'a.b[].c');
  assert.ok(documentedNames('| `observed` | `{seconds?, gcCycles}` |').has('gcCycles'));
});
