// End-to-end: `heapsight analyze` run as a process (from source through tsx, so no stale dist/), on a
// real recording captured from our Go target, on loose files, and on bad input. stdout is a pipe here,
// so the text output must be plain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../test-support/toolchain.js';
import { runCliToEnd, type CliResult } from '../../test-support/cli-run.js';

function heapsight(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCliToEnd(args, { env });
}

const recording = join(repoRoot, 'src/sources/testdata/recording/target-churn');
const td = (p: string) => join(repoRoot, 'src/sources/testdata', p);

test('analyze --json on a recording prints the findings schema', async () => {
  const r = await heapsight(['analyze', '--json', recording]);
  assert.equal(r.code, 0, r.stderr);
  const f = JSON.parse(r.stdout);
  assert.equal(f.schema, 'heapsight-findings/1');
  assert.equal(f.verdict, 'inconclusive');
  assert.equal(f.observed.samples, 10);
  assert.ok(f.observeMore.seconds > 0);
});

test('analyze prints plain text to a pipe', async () => {
  const r = await heapsight(['analyze', recording]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^INCONCLUSIVE/);
  assert.ok(!r.stdout.includes('\u001b['));
});

test('analyze takes loose files of mixed formats', async () => {
  const r = await heapsight([
    'analyze',
    '--json',
    td('pprof/heap-base.pb.gz'),
    td('pprof/heap-default.pb.gz'),
    td('goroutine/debug2.txt'),
    td('expvar/go1.19-vars.json'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const f = JSON.parse(r.stdout);
  assert.equal(f.observed.heapProfiles, 2);
  assert.equal(f.observed.goroutineProfiles, 1);
  assert.equal(f.observed.samples, 1);
});

test('analyze on a text heap profile in a directory uses its MemStats and its records', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-analyze-'));
  try {
    // No hint in the name: the format comes from the bytes.
    const file = join(dir, 'capture');
    const text = readFileSync(td('heap-debug1/go1.19-after-burst.txt'), 'utf8');
    writeFileSync(file, text);
    const r = await heapsight(['analyze', file, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { observed: { samples: number; heapProfiles: number }; breakdown: { sys: number; heapReleased: number } };
    assert.equal(out.observed.heapProfiles, 1);
    assert.equal(out.observed.samples, 1);
    assert.equal(out.breakdown.heapReleased, Number(/^# HeapReleased = (\d+)$/m.exec(text)![1]));
    assert.equal(out.breakdown.sys, Number(/^# Sys = (\d+)$/m.exec(text)![1]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad input: one line on stderr, exit 4; no paths: usage error, exit 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-analyze-'));
  try {
    // A text heap profile whose fourth line was garbled in the copy.
    const lines = readFileSync(td('heap-debug1/go1.19-after-burst.txt'), 'utf8').split('\n');
    const bad = join(dir, 'heap.txt');
    writeFileSync(bad, [...lines.slice(0, 3), 'lorem ipsum', ...lines.slice(3)].join('\n'));
    const r = await heapsight(['analyze', bad]);
    assert.equal(r.code, 4);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^heapsight: .*heap\.txt: line 4: expected a heap profile record/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const u = await heapsight(['analyze']);
  assert.equal(u.code, 2);
});

test('analyze --binary: the build info of a real binary joins a recording made elsewhere, and the ticker advice follows it', async (t) => {
  const { buildGoProgram } = await import('../../test-support/toolchain.js');
  const { mkdtempSync, rmSync, copyFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { spawnSync } = await import('node:child_process');
  // The bundled ticker-leak recording (Go 1.19, unstopped ticker per request) against each build of the program.
  const rec = join(repoRoot, 'examples/ticker-leak/recording');
  const advice = async (go: '1.19' | '1.27') => {
    const bin = buildGoProgram('examples/ticker-leak', { go });
    const r = await heapsight(['analyze', '--json', rec, '--binary', bin]);
    assert.equal(r.code, 0, r.stderr);
    const f = JSON.parse(r.stdout);
    assert.equal(f.buildInfo.origin, bin);
    assert.match(f.buildInfo.goVersion, new RegExp(`^go${go.replace('.', '\\.')}\\.`));
    return f.advice.map((a: { id: string }) => a.id) as string[];
  };
  const [old, now] = await Promise.all([advice('1.19'), advice('1.27')]);
  assert.ok(old.includes('ticker-never-collected'), old.join(','));
  // The same growth under a runtime that collects unstopped tickers means they are still referenced.
  assert.ok(now.includes('ticker-still-referenced') && !now.includes('ticker-never-collected'), now.join(','));

  const text = await heapsight(['analyze', rec, '--binary', buildGoProgram('examples/ticker-leak', { go: '1.27' })]);
  assert.match(text.stdout, /^Build\n {2}Go +go1\.27\.\d+$/m);

  // Stripped of symbols a Go binary keeps its build info (go version -m reads it too); without the
  // .go.buildinfo section, or not Go at all, it is one line naming the file, exit 4 (bad input), nothing on stdout.
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-binary-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const stripped = join(dir, 'stripped');
  copyFileSync(buildGoProgram('examples/ticker-leak', { go: '1.27' }), stripped);
  assert.equal(spawnSync('strip', ['-s', stripped]).status, 0);
  const s = await heapsight(['analyze', '--json', rec, '--binary', stripped]);
  assert.equal(s.code, 0, s.stderr);
  assert.match(JSON.parse(s.stdout).buildInfo.goVersion, /^go1\.27\./);
  const noSection = join(dir, 'no-buildinfo');
  assert.equal(spawnSync('objcopy', ['--remove-section', '.go.buildinfo', stripped, noSection]).status, 0);
  for (const [file, why] of [
    [noSection, /no \.go\.buildinfo section/],
    ['/bin/sh', /no \.go\.buildinfo section/],
    [join(rec, 'recording.json'), /not ELF/],
  ] as const) {
    const r = await heapsight(['analyze', rec, '--binary', file]);
    assert.equal(r.code, 4, r.stderr);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.ok(lines[0].includes(file), lines[0]);
    assert.match(lines[0], why);
  }
});
