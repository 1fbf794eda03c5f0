// Start-up of the package's `bin` (issue 13 item 2; bench/README.md, start-up): `heapsight top` of a
// file must not load the built-ins only URLs, subcommand executables or a process.stdout stream need (tls,
// https, crypto, child_process cost ~15–30 ms of a 0.2 MB `top`, net and tty ~5 ms), and the loader, run as the CLI, must still use the
// V8 code cache after it changes V8's interrupt budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freshBundle, runCliToEnd } from '../test-support/cli-run.js';
import { repoRoot } from '../test-support/toolchain.js';

const heap = join(repoRoot, 'src', 'sources', 'testdata', 'pprof', 'heap-rate1.pb.gz');

test('bundled top of a file loads no network or child-process built-ins and uses the code cache', () => {
  const bin = freshBundle();
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-startup-'));
  try {
    // A preload that reports, at exit, every built-in module the process loaded.
    const preload = join(dir, 'modules.cjs');
    // The list is taken before process.stderr is touched: on a pipe that stream loads net itself.
    writeFileSync(preload, "process.on('exit', () => { const l = process.moduleLoadList.join(','); process.stderr.write('MODULES ' + l + '\\n'); });\n");
    const env: NodeJS.ProcessEnv = { ...process.env, HEAPSIGHT_STARTUP_TIMING: '1' };
    delete env.HEAPSIGHT_NO_CODE_CACHE;
    delete env.NODE_OPTIONS; // flags would make V8 reject the cache, as they would for a user
    const r = spawnSync(process.execPath, ['--require', preload, bin, 'top', heap, '--json'], { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(JSON.parse(r.stdout), 'top --json printed JSON');
    assert.match(
      r.stderr,
      /heapsight start-up ms: node [\d.]+ read [\d.]+ compile [\d.]+ evaluate [\d.]+ run [\d.]+ \| code cache used \| cpu [\d.]+ \| bundle top \| budget raised\n/,
    );
    // stdout is a pipe here, for which process.stdout would be a net.Socket: top writes through
    // writeStdout (stdout.ts) and must not create it.
    const line = r.stderr.split('\n').find((l) => l.startsWith('MODULES '));
    assert.ok(line, 'the preload reported the loaded modules');
    const loaded = new Set(
      line
        .slice('MODULES '.length)
        .split(',')
        .filter((m) => m.startsWith('NativeModule '))
        .map((m) => m.slice('NativeModule '.length)),
    );
    assert.ok(loaded.has('zlib'), 'sanity: the list holds what top needs');
    for (const heavy of ['child_process', 'tls', 'http', 'https', 'crypto', 'dgram', 'net', 'tty']) assert.ok(!loaded.has(heavy), `${heavy} was loaded`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the loader sends top to the top-only bundle and help or other commands to the whole CLI, with the same output as from source', async () => {
  const bin = freshBundle();
  const env: NodeJS.ProcessEnv = { ...process.env, HEAPSIGHT_STARTUP_TIMING: '1', NO_COLOR: '1' };
  delete env.NODE_OPTIONS;
  for (const [args, bundle] of [
    [['top', heap, '--nodes', '3'], 'top'],
    [['top', '--help'], 'full'],
    [['top', heap, '-h'], 'full'],
    [['diff', heap, heap, '--json'], 'full'],
    [['--version'], 'full'],
    // Terminal output with non-ASCII characters, from a bundle escaped to ASCII (scripts/bundle-cli.mjs).
    [['analyze', join(repoRoot, 'examples', 'worker-pool', 'recording')], 'full'],
  ] as const) {
    const fromBin = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env });
    assert.match(fromBin.stderr, new RegExp(`\\| code cache used \\| cpu [\\d.]+ \\| bundle ${bundle} \\| budget raised\\n`), args.join(' '));
    const fromSource = await runCliToEnd([...args], { env: { NO_COLOR: '1' } });
    assert.deepEqual(
      { status: fromBin.status, stdout: fromBin.stdout },
      { status: fromSource.code, stdout: fromSource.stdout },
      `heapsight ${args.join(' ')}: the bin and the source differ`,
    );
  }
});

test('the bundles are pure ASCII, so V8 holds their source as one-byte strings', () => {
  const bin = freshBundle();
  for (const name of ['heapsight-bundle.cjs', 'heapsight-top-bundle.cjs']) {
    const bytes = readFileSync(join(dirname(bin), name));
    assert.ok(bytes.length > 100_000, `${name} is the bundle`);
    assert.equal(
      bytes.findIndex((b) => b > 0x7f),
      -1,
      `${name} has a non-ASCII byte`,
    );
  }
});

test("the loader leaves V8's interrupt budget at its default when an argument is a file over 1 MiB", () => {
  // The raised budget speeds up a 0.2 MB top and slows a 16 MB one by ~15 % (bench/README.md,
  // compare-builds): the loader decides by the size of the files named.
  const bin = freshBundle();
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-budget-'));
  try {
    const big = join(dir, 'big.pb.gz');
    writeFileSync(big, Buffer.concat([readFileSync(heap), Buffer.alloc(1024 * 1024 + 1)]));
    const small = join(dir, 'small.pb.gz');
    writeFileSync(small, Buffer.alloc(1024 * 1024));
    const env: NodeJS.ProcessEnv = { ...process.env, HEAPSIGHT_STARTUP_TIMING: '1' };
    delete env.NODE_OPTIONS;
    const budgetOf = (args: string[]) => /\| budget (\w+)\n/.exec(spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env }).stderr)?.[1];
    assert.equal(budgetOf(['top', big]), 'default');
    assert.equal(budgetOf(['diff', heap, big]), 'default');
    assert.equal(budgetOf(['top', small]), 'raised', 'exactly 1 MiB is still small');
    assert.equal(budgetOf(['top', heap]), 'raised');
    assert.equal(budgetOf(['analyze', dir]), 'raised', 'a directory is not a big file');
    assert.equal(budgetOf(['top', join(dir, 'missing.pb.gz')]), 'raised');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
