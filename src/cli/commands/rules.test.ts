import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Command } from 'commander';
import { promtool } from '../../test-support/prometheus-server.js';
import { UsageError } from '../usage-error.js';
import { runFleet } from './fleet.js';
import { registerRules } from './rules.js';

test('heapsight rules --out writes rules that promtool accepts, with the flags applied', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-rules-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'rules.yml');
  const program = new Command();
  registerRules(program);
  await program.parseAsync(['rules', '--selector', '{job="api"}', '--window', '4h', '--for', '15m', '--severity', 'page', '--out', file], { from: 'user' });
  const text = readFileSync(file, 'utf8');
  assert.match(text, /deriv\(heapsight:go_live_heap_envelope_bytes\[2h\] offset 2h\) > 0/);
  assert.match(text, /for: 15m/);
  assert.match(text, /severity: "page"/);
  assert.match(text, /go_goroutines\{job="api"\}/);
  assert.match(promtool(['check', 'rules', file]).stdout, /SUCCESS: 5 rules found/);
});

test('fleet flag errors are usage errors that name the flag', async () => {
  const base = { range: '7d', step: 'auto', header: [] as string[], timeout: '60s', top: '5' };
  await assert.rejects(runFleet({ ...base }), (e: Error) => e instanceof UsageError && /--prometheus URL/.test(e.message));
  await assert.rejects(
    runFleet({ ...base, prometheus: 'http://127.0.0.1:1', range: 'a week' }),
    /--range expects a duration like 90s, 30m, 6h, 7d or 2w, got "a week"/,
  );
  await assert.rejects(runFleet({ ...base, prometheus: 'http://127.0.0.1:1', groupBy: 'job,ver-sion' }), /--group-by expects label names/);
  delete process.env.HEAPSIGHT_TEST_EMPTY_TOKEN;
  await assert.rejects(
    runFleet({ ...base, prometheus: 'http://127.0.0.1:1', bearerTokenEnv: 'HEAPSIGHT_TEST_EMPTY_TOKEN' }),
    /HEAPSIGHT_TEST_EMPTY_TOKEN: that environment variable is empty or unset/,
  );
  await assert.rejects(
    runFleet({ ...base, prometheus: 'http://127.0.0.1:1', timeout: '2s' }),
    /127\.0\.0\.1:1\/api\/v1\/label\/__name__\/values: connection refused/,
  );
});
