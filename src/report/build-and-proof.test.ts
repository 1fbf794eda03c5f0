// The build-info and proof rows the three reports share: what they pick from the build info, how many
// dependencies they list, how the starter is worded, and that a hostile module path stays literal in
// Markdown (code span, table cell) and in the terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Findings } from '../analysis/findings.js';
import type { BuildInfo } from '../model/buildinfo.js';
import { buildInfoRows, proofSites } from './build-and-proof.js';
import { renderMarkdownReport } from './markdown.js';
import { renderTerminal } from './terminal.js';

const info: BuildInfo = {
  goVersion: 'go1.27.4',
  path: 'example.com/svc/cmd/svc',
  main: { path: 'example.com/svc', version: '(devel)' },
  deps: [
    { path: 'example.com/`evil`|<img src=x onerror=alert(1)>', version: 'v0.0.1', replace: { path: '../local' } },
    ...Array.from({ length: 10 }, (_, i) => ({ path: `example.com/dep${i}`, version: `v1.${i}.0` })),
  ],
  settings: [
    { key: '-buildmode', value: 'exe' },
    { key: '-compiler', value: 'gc' },
    { key: '-race', value: 'true' },
    { key: 'DefaultGODEBUG', value: 'asynctimerchan=1' },
    { key: 'CGO_ENABLED', value: '0' },
    { key: 'GOAMD64', value: 'v1' },
  ],
  origin: '/proc/42/exe',
};

test('build rows: version, module, the settings that matter for memory, DefaultGODEBUG, 8 dependencies then a count, facts, origin', () => {
  const rows = buildInfoRows(info);
  assert.deepEqual(
    rows.map((r) => r.label),
    ['Go', 'main package', 'main module', 'build', 'DefaultGODEBUG', 'dependencies (11)', 'for memory', 'read from'],
  );
  const get = (l: string) => rows.find((r) => r.label === l)!.value;
  assert.equal(get('build'), '-race=true -buildmode=exe CGO_ENABLED=0', 'compiler and GOAMD64 are left to the JSON');
  assert.match(
    get('dependencies (11)'),
    /^example\.com\/`evil`\|<img src=x onerror=alert\(1\)> => \.\.\/local, example\.com\/dep0 v1\.0\.0, .*example\.com\/dep6 v1\.6\.0, … 3 more$/,
  );
  // Go 1.27 collects unstopped tickers whatever DefaultGODEBUG says.
  assert.match(get('for memory'), /^unstopped tickers\/timers: collected once unreferenced; GC: Green Tea; GOMAXPROCS: follows the cgroup CPU limit$/);
  assert.equal(buildInfoRows({ goVersion: 'go1.19.8', deps: [], settings: [] }).find((r) => r.label === 'main module')!.value, 'none (GOPATH mode)');
});

test('proof rows: head with count, state, site and labels; starter with where and how it is known', () => {
  const sites = proofSites({
    total: 51,
    sites: [
      {
        count: 50,
        function: 'main.awaitReply',
        file: 'main.go',
        line: 26,
        state: 'chan receive',
        startedBy: { function: 'main.leakAtStart', file: 'main.go', line: 35, from: 'created-by' },
        stack: [{ function: 'main.awaitReply', file: 'main.go', line: 26 }],
        labels: { role: 'x' },
      },
      { count: 1, function: 'main.f.func1', file: 'f.go', line: 3, startedBy: { function: 'main.f', from: 'closure-name' }, stack: [] },
    ],
  });
  assert.equal(sites[0].head, '50 goroutines blocked in chan receive at main.awaitReply (main.go:26) {role=x}');
  assert.equal(sites[0].startedBy, 'started by main.leakAtStart (main.go:35)');
  assert.deepEqual(sites[0].stack, ['main.awaitReply  main.go:26']);
  assert.equal(sites[1].head, '1 goroutine blocked at main.f.func1 (f.go:3)');
  assert.equal(sites[1].startedBy, "started by main.f (from the closure's name)");
});

test('a hostile dependency path stays literal: one code span in one Markdown table cell, plain in the terminal', () => {
  const f = {
    schema: 'heapsight-findings/1',
    verdict: 'no-leak',
    confidence: 0.9,
    summary: 's',
    observed: { seconds: 60, samples: 1, gcCycles: 1, heapProfiles: 0, goroutineProfiles: 0, workAxis: 'time' },
    evidence: { reasons: [], rates: {} },
    liveHeap: { series: [], points: 0 },
    culprits: [],
    advice: [],
    restarts: [],
    notes: [],
    buildInfo: info,
  } as unknown as Findings;
  const md = renderMarkdownReport({ findings: f });
  const line = md.split('\n').find((l) => l.startsWith('| dependencies (11) |'))!;
  assert.ok(line, md);
  // The table has two cells: the `|` inside the code span is escaped, the backticks fenced longer.
  assert.equal(line.split(/(?<!\\)\|/).length, 4, line);
  assert.ok(!/<img/.test(line.replace(/``[^`].*?``/g, '')), 'the markup is inside the code span');
  const text = renderTerminal(f, { width: 100 });
  assert.match(text.replace(/\s+/g, ' '), /example\.com\/`evil`\|<img src=x onerror=alert\(1\)> => \.\.\/local/);
});
