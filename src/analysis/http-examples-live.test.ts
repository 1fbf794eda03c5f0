// test-lane: wall-clock (time spent waiting on live services: scripts/run-tests.mjs runs it beside the CPU-bound tests)
// The HTTP connection leaks of examples/unclosed-body and examples/transport-per-request, built with
// Go 1.27 (whose dumps say `created by … in goroutine N` and whose net/http dials differently from the
// recordings' Go 1.19), run live on loopback for a bounded time under their own load, profiled into
// loose files, then analyzed: the goroutines that grow are net/http's, the culprit named must be the
// example's own function (example.json `expect.culprit`), with the net/http stack as detail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInputs } from '../cli/load-inputs.js';
import { driveLoad, startExample } from '../test-support/example-service.js';
import { getBody } from '../test-support/http-get.js';
import { analyzeRecording } from './analyze-recording.js';

for (const name of ['unclosed-body', 'transport-per-request']) {
  test(`Go 1.27 ${name}, live: the growing net/http goroutines are named after the example's own function`, async (t) => {
    const svc = await startExample(name, { go: '1.27' });
    t.after(() => svc.stop());
    const dir = mkdtempSync(join(tmpdir(), `heapsight-${name}-`));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const ac = new AbortController();
    const runMs = 24_000;
    const load = driveLoad(svc.url, svc.spec.load, { durationMs: runMs, signal: ac.signal });
    const files: string[] = [];
    const t0 = Date.now();
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, Math.max(0, t0 + (i + 1) * (runMs / 6) - Date.now())));
      for (const [file, path] of [
        [`heap-${i}.pb.gz`, '/debug/pprof/heap'],
        [`goroutine2-${i}.txt`, '/debug/pprof/goroutine?debug=2'],
      ]) {
        const p = join(dir, file);
        writeFileSync(p, await getBody(svc.url + path));
        files.push(p);
      }
    }
    ac.abort();
    await load;
    const f = analyzeRecording(await loadInputs(files));
    const g = f.culprits.filter((c) => c.kind === 'goroutine');
    assert.ok(g.length >= 1, `goroutine culprits: ${f.culprits.map((c) => c.function).join(' ')}`);
    assert.equal(g[0].function, svc.spec.expect.culprit);
    assert.equal(g[0].pattern, svc.spec.expect.pattern);
    assert.ok(
      g[0].stack.some((fr) => fr.function === 'net/http.(*persistConn).readLoop'),
      'the readLoop stack is the detail',
    );
    assert.ok(
      g.every((c) => !c.function.startsWith('net/http.')),
      g.map((c) => c.function).join(' '),
    );
  });
}
