// Oracle: heapsight's reading of the .go.buildinfo section against `go version -m` of the same
// binary, for programs built by Go 1.19 and Go 1.27, in GOPATH mode and in module mode (a local
// replaced dependency and a quoted -ldflags value).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInfoLines, buildSetting, readBuildInfo } from './buildinfo.js';
import { godebugDefaults as defaultGodebug } from '../analysis/build-advice.js';
import { InputError } from './input-error.js';
import { buildGoProgram, goVersions, repoRoot, requireGo, type GoVersion } from '../test-support/toolchain.js';

function goVersionM(go: string, bin: string): { version: string; lines: string[] } {
  const r = spawnSync(go, ['version', '-m', bin], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [first, ...rest] = r.stdout.split('\n');
  return { version: first.slice(first.lastIndexOf(': ') + 2), lines: rest.filter((l) => l.trim() !== '').map((l) => l.slice(1)) };
}

function buildModule(t: { after(fn: () => unknown): void }, v: GoVersion): string {
  const go = requireGo(v);
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-bi-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'modprog');
  const r = spawnSync(go, ['build', '-buildvcs=false', '-o', out, '-ldflags=-X "main.note=with space"', '.'], {
    cwd: join(repoRoot, 'src/sources/testdata/buildinfo/modprog'),
    encoding: 'utf8',
    env: {
      ...process.env,
      GO111MODULE: 'on',
      GOFLAGS: '-mod=mod',
      GOPROXY: 'off',
      GOTOOLCHAIN: 'local',
      GOCACHE: join(repoRoot, '.cache', `go-build-cache-bi-${v}`),
    },
  });
  assert.equal(r.status, 0, r.stderr);
  return out;
}

for (const v of goVersions) {
  test(`Go ${v}, GOPATH mode: the same lines as go version -m; no module, so no go line`, () => {
    const bin = buildGoProgram('src/cli/e2e/testdata/leak-at-start', { go: v });
    const oracle = goVersionM(requireGo(v), bin);
    const info = readBuildInfo(bin);
    assert.equal(info.goVersion, oracle.version);
    assert.match(info.goVersion, new RegExp(`^go${v.replace('.', '\\.')}\\.`));
    assert.deepEqual(buildInfoLines(info), oracle.lines);
    assert.equal(info.main, undefined);
    assert.equal(buildSetting(info, 'CGO_ENABLED'), '1');
  });

  test(`Go ${v}, module mode: mod, dep, => and a quoted -ldflags as go version -m prints them`, (t) => {
    const bin = buildModule(t, v);
    const oracle = goVersionM(requireGo(v), bin);
    const info = readBuildInfo(bin);
    assert.deepEqual(buildInfoLines(info), oracle.lines);
    assert.equal(info.main?.path, 'example.com/modprog');
    assert.deepEqual(
      info.deps.map((d) => [d.path, d.version, d.replace?.path]),
      [['example.com/dep', 'v0.1.0', './dep']],
    );
    assert.equal(buildSetting(info, '-ldflags'), '-X "main.note=with space"');
  });
}

test('DefaultGODEBUG: Go 1.19 writes none; Go 1.27 writes the defaults of a pre-1.20 main module, with no asynctimerchan', () => {
  const old = readBuildInfo(buildGoProgram('src/cli/e2e/testdata/leak-at-start', { go: '1.19' }));
  assert.equal(defaultGodebug(old).size, 0);
  const now = defaultGodebug(readBuildInfo(buildGoProgram('src/cli/e2e/testdata/leak-at-start', { go: '1.27' })));
  assert.equal(now.get('panicnil'), '1', 'GOPATH mode is an old language version: panic(nil) keeps its pre-1.21 behaviour');
  assert.equal(now.has('asynctimerchan'), false, 'Go 1.27 removed the setting');
});

test('wrong inputs: one line, what and where', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-bi-bad-'));
  try {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello, this is not a binary\n'.repeat(4));
    assert.throws(
      () => readBuildInfo(text),
      (e: unknown) => e instanceof InputError && /not ELF/.test(e.message) && e.message.startsWith(text),
    );
    assert.throws(
      () => readBuildInfo(join(dir, 'missing')),
      (e: unknown) => e instanceof InputError && /ENOENT/.test(e.message),
    );
    // A real ELF that Go did not build.
    assert.throws(
      () => readBuildInfo('/bin/sh'),
      (e: unknown) => e instanceof InputError && /no \.go\.buildinfo section/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
