// The npm package as a user gets it: `npm pack` (which builds the bundle in `prepack`), then
// `npm install -g` of that tarball into an empty prefix with an empty npm cache and --offline, so any
// attempt to fetch a dependency fails the install. The installed `heapsight` must then work from a
// directory outside the checkout: --version, `demo` over the shipped recordings, and an HTML report
// (the one feature that reads files at run time besides the recordings).
//
// Why the tarball's list is checked by pattern and by an explicit allow-list: a new folder added to
// `files` later should fail here until someone decides it belongs in the package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? root, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return r;
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  assert.equal(r.status, 0, `${what} exited ${r.status}:\n${r.stderr.slice(0, 3000)}`);
  return r.stdout;
}

/** Example names that have a recording in the checkout (what `demo` must list). */
function trackedExamples(): string[] {
  const out = ok(run('git', ['ls-files', 'examples/*/recording/recording.json']), 'git ls-files');
  return out
    .trim()
    .split('\n')
    .map((p) => p.split('/')[1])
    .sort();
}

test('npm pack ships only what runs, and the tarball installs offline into an empty prefix and works', { timeout: 240_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'heapsight-pack-'));
  try {
    const packed = JSON.parse(ok(run('npm', ['pack', '--json', '--pack-destination', work]), 'npm pack')) as Array<{ filename: string }>;
    const tarball = join(work, packed[0].filename);
    assert.ok(existsSync(tarball), `npm pack wrote no ${tarball}`);

    // The list from the tarball itself, not from npm's dry run: what a user downloads.
    const entries = ok(run('tar', ['tzf', tarball]), 'tar tzf')
      .trim()
      .split('\n')
      .map((e) => e.replace(/^package\//, ''));
    const forbidden = entries.filter((e) => /\.test\.|(^|\/)(testdata|fixtures?|test-support)(\/|$)|\.go$|\.ts$|(^|\/)bench\//.test(e) || e.startsWith('src/'));
    assert.deepEqual(forbidden, [], 'tests, fixtures, test data, Go or TypeScript sources in the tarball');
    const allowed =
      /^(package\.json|README\.md|LICENSE|dist\/bin\/heapsight(-bundle|-top-bundle)?\.cjs|dist\/bin\/heapsight(-top)?-bundle\.v8cache|dist\/src\/report\/html\/client\/report\.(js|css)|dist\/node_modules\/uplot\/(package\.json|LICENSE|dist\/uPlot\.(iife\.min\.js|min\.css))|examples\/[^/]+\/(example\.json|recording\/.+))$/;
    assert.deepEqual(
      entries.filter((e) => !allowed.test(e)),
      [],
      'files outside the allow-list',
    );
    for (const must of [
      'package.json',
      'README.md',
      'LICENSE',
      'dist/bin/heapsight.cjs',
      'dist/bin/heapsight-bundle.cjs',
      'dist/bin/heapsight-bundle.v8cache',
      'dist/bin/heapsight-top-bundle.cjs',
      'dist/bin/heapsight-top-bundle.v8cache',
    ])
      assert.ok(entries.includes(must), `${must} missing`);
    const examples = trackedExamples();
    assert.ok(examples.length > 0, 'no example recordings in the checkout');
    for (const ex of examples) assert.ok(entries.includes(`examples/${ex}/recording/recording.json`), `examples/${ex}/recording missing`);

    // An empty prefix and an empty cache with --offline: the install cannot fetch anything.
    const prefix = join(work, 'prefix');
    const cache = join(work, 'npm-cache');
    mkdirSync(prefix);
    mkdirSync(cache);
    const installEnv = { ...process.env, npm_config_cache: cache, npm_config_prefix: prefix };
    ok(
      run('npm', ['install', '--global', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, '--cache', cache, tarball], {
        cwd: work,
        env: installEnv,
      }),
      'npm install -g',
    );
    const bin = join(prefix, 'bin', 'heapsight');
    assert.ok(existsSync(bin), `no ${bin} after install`);
    const installed = join(prefix, 'lib', 'node_modules', pkg.name);
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    assert.deepEqual(Object.keys(manifest.dependencies ?? {}), [], 'the package declares runtime dependencies; the bundle must inline them');
    assert.ok(!existsSync(join(installed, 'node_modules')), 'npm installed dependencies next to the package');

    // The code caches made at build time are the ones V8 accepts for these bundles on this Node (the
    // loader would silently compile without them otherwise, slower but correct, so only this can see it).
    const loader = join(installed, 'dist', 'bin', 'heapsight.cjs');
    const caches = ok(
      run(
        process.execPath,
        ['-e', `const { load } = require(${JSON.stringify(loader)}); process.stdout.write(['full', 'top'].map((k) => load(k).cache()).join())`],
        { cwd: work },
      ),
      'loading the installed bundles',
    );
    assert.equal(caches, 'used,used', 'V8 rejected a shipped code cache (full bundle, top bundle)');

    // Run from outside the checkout, with PATH holding the prefix's bin (as a user's shell would).
    const userEnv: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, NO_COLOR: '1' };
    delete userEnv.NODE_PATH;
    delete userEnv.NODE_OPTIONS;
    const version = ok(run('heapsight', ['--version'], { cwd: work, env: userEnv }), 'heapsight --version');
    assert.equal(version.trim(), pkg.version);

    const demo = ok(run('heapsight', ['demo'], { cwd: work, env: userEnv }), 'heapsight demo');
    const rows = demo.split('\n').filter((l) => examples.some((ex) => l.startsWith(`${ex} `)));
    assert.deepEqual(rows.map((l) => l.split(/\s+/)[0]).sort(), examples, `demo did not list every example:\n${demo}`);
    assert.match(demo, new RegExp(`\\d+ of ${examples.length} verdicts match`));

    // The installed package's verdicts are the checkout's: same recordings, same code.
    const demoJson = ok(run('heapsight', ['demo', '--json'], { cwd: work, env: userEnv }), 'heapsight demo --json');
    const checkoutJson = ok(run(process.execPath, [join(root, 'dist', 'bin', 'heapsight.cjs'), 'demo', '--json']), 'checkout demo --json');
    const verdicts = (text: string) =>
      (JSON.parse(text) as Array<{ example: string; findings: { verdict: string } }>).map((r) => [r.example, r.findings.verdict]);
    assert.deepEqual(verdicts(demoJson), verdicts(checkoutJson));

    // The HTML report reads its page script and uPlot at run time: they must come from the package.
    const html = join(work, 'report.html');
    ok(
      run('heapsight', ['analyze', join(installed, 'examples', examples[0], 'recording'), '--html', html], { cwd: work, env: userEnv }),
      'heapsight analyze --html',
    );
    const page = readFileSync(html, 'utf8');
    assert.ok(page.length > 50_000, `HTML report is only ${page.length} bytes`);
    assert.match(page, /uPlot/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
