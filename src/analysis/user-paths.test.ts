// Culprits in the program's own code, live on Go 1.19 and 1.27 (issue 9, classes 5 and 6): the real
// programs of testdata/gen/userpaths run a bounded number of steps (loopback only) and write their
// heap and goroutine profiles; `analyze` on those loose files must name the function the Go source
// marks with `// CULPRIT: <name>`, not the standard library's frames that grow, and not one of the
// many small allocation sites under it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadInputs } from '../cli/load-inputs.js';
import { buildGoProgram, goVersions } from '../test-support/toolchain.js';
import { analyzeRecording } from './analyze-recording.js';
import { goroutineCulprits } from './culprits.js';
import { readGoroutineDebug2 } from '../sources/goroutine-text.js';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'testdata/gen/userpaths/main.go');

function markerLine(name: string): number {
  const i = readFileSync(source, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(`// CULPRIT: ${name}`));
  assert.ok(i >= 0, `marker ${name}`);
  return i + 1;
}

function run(go: (typeof goVersions)[number], which: string, t: { after(fn: () => void): void }, rate = 512 * 1024): string {
  const bin = buildGoProgram('src/analysis/testdata/gen/userpaths', { go });
  const out = mkdtempSync(join(tmpdir(), `heapsight-userpaths-${which}-`));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const r = spawnSync(bin, ['-case', which, '-steps', '6', '-rate', String(rate), '-out', out], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `userpaths -case ${which}: ${r.stderr}`);
  return out;
}

const files = (dir: string, prefix: string) =>
  readdirSync(dir)
    .filter((f) => f.startsWith(prefix))
    .map((f) => join(dir, f));

for (const go of goVersions) {
  test(`Go ${go}: unclosed bodies from a background poller: connections (client and in-process server) are named after main.fetchUpstream`, async (t) => {
    // The requester is found on the heap samples whose stacks pass through net/http's client (the
    // connections themselves are made in the Transport's dial goroutine, with no frame of the program).
    // Its requests allocate ~1 MB in all: at Go's default 512 KiB sampling rate that is ~2 samples, none
    // at all in about one run in six (seen in CI and on a quiet machine); at 64 KiB, ~14. The program
    // settles before each dump, so no goroutine is caught mid-request to stand in.
    const dir = run(go, 'fetch', t, 64 * 1024);
    for (const goroutineFiles of [files(dir, 'goroutine2-'), files(dir, 'goroutine-')]) {
      const f = analyzeRecording(await loadInputs([...files(dir, 'heap-'), ...goroutineFiles]));
      const goroutines = f.culprits.filter((c) => c.kind === 'goroutine');
      assert.ok(goroutines.length >= 1, 'goroutine culprits');
      // Every goroutine culprit is the program's own function; before issue 9 they were
      // net/http.(*conn).serve, readLoop and writeLoop.
      for (const c of goroutines) {
        assert.equal(c.function, 'main.fetchUpstream', `${c.function} (${goroutineFiles[0]})`);
        assert.equal(c.line, markerLine('fetchUpstream'));
        assert.ok(
          c.stack.some((fr) => fr.function.startsWith('net/http.')),
          'the net/http stack stays as detail',
        );
        assert.match(c.attribution ?? '', /no frame of the program's own code/);
      }
      assert.equal(goroutines[0].pattern, 'unclosed-response-body');
      // Heap culprits too: none left named after a net/http function.
      assert.ok(
        f.culprits.filter((c) => c.kind === 'heap').every((c) => !c.function.startsWith('net/http.')),
        f.culprits.map((c) => c.function).join(' '),
      );
    }
  });

  test(`Go ${go}: goroutines with only Go's frames are named after their creator chain where the dump gives one`, async (t) => {
    const dir = run(go, 'fetch', t);
    const snaps = await Promise.all(files(dir, 'goroutine2-').map((f) => readGoroutineDebug2(readFileSync(f), f)));
    const serve = goroutineCulprits(snaps).find((c) => c.stack.some((f) => f.function === 'net/http.(*conn).serve'));
    assert.ok(serve, "the in-process server's connections grow");
    if (go === '1.19') {
      // `created by net/http.(*Server).Serve` without `in goroutine N`: no chain to follow.
      assert.equal(serve.function, 'net/http.(*conn).serve');
    } else {
      // `created by net/http.(*Server).Serve in goroutine N`; goroutine N (the accept loop, all
      // net/http) was created by main.startUpstream.
      assert.equal(serve.function, 'main.startUpstream');
      assert.match(serve.attribution ?? '', /started by main\.startUpstream/);
    }
  });

  test(`Go ${go}: growth spread over a dozen small sites under main.ingestBatch names main.ingestBatch, with the sites as detail`, async (t) => {
    // At 64 KiB rather than the default rate: the largest single site explains about a third of the
    // growth, and at 512 KiB its sampled share swings by ±0.15 between runs, across the rule's 0.5.
    const dir = run(go, 'spread', t, 64 * 1024);
    const f = analyzeRecording(await loadInputs([...files(dir, 'heap-'), ...files(dir, 'goroutine-')]));
    const top = f.culprits[0];
    assert.equal(top.kind, 'heap');
    assert.equal(top.function, 'main.ingestBatch');
    assert.ok(top.growth.share >= 0.9, `share ${top.growth.share}`);
    const under = new Set(top.sites?.map((s) => s.function));
    for (const fn of ['main.newLabels', 'main.newSample', 'main.describe']) assert.ok(under.has(fn), `${fn} among ${[...under].join(' ')}`);
    // No single site explains most of it: that is why the call path has to.
    assert.ok(
      top.sites!.every((s) => s.share < 0.5),
      top.sites!.map((s) => `${s.function} ${s.share.toFixed(2)}`).join(', '),
    );
  });
}
