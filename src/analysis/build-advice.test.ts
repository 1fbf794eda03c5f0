// Build-info advice by version and go line: each rule at its release boundary, on build info shaped
// as cmd/go writes it, and on the build info of real binaries built by Go 1.19 and Go 1.27 (GOPATH
// mode, and module mode with a go 1.19 and a go 1.25 line). The 1.23–1.26 middle, where the go line
// decides, has no toolchain here: those cases use the DefaultGODEBUG that cmd/go 1.23–1.26 writes
// for an old go line (asynctimerchan=1) and for a new one (no asynctimerchan).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildInfo } from '../model/buildinfo.js';
import type { MemorySample } from '../model/memory.js';
import type { Culprit, Findings } from './findings.js';
import {
  buildAdvice,
  buildFacts,
  CGROUP_GOMAXPROCS_FROM_MINOR,
  DEEP_PROFILE_STACKS_FROM_MINOR,
  gomaxprocsFollowsCgroup,
  GREEN_TEA_DEFAULT_FROM_MINOR,
  greenTeaGC,
  PROFILING_BUCKETS_GROWTH_BYTES,
  profilingBucketsAdvice,
  TIMERS_ALWAYS_COLLECTED_FROM_MINOR,
  TIMERS_COLLECTED_FROM_MINOR,
  unstoppedTimersCollected,
} from './build-advice.js';
import { readBuildInfo } from '../sources/buildinfo.js';
import { buildGoProgram, repoRoot, requireGo } from '../test-support/toolchain.js';

function info(goVersion: string, settings: Record<string, string> = {}): BuildInfo {
  return { goVersion, deps: [], settings: Object.entries(settings).map(([key, value]) => ({ key, value })) };
}

const ticker = { function: 'main.startKeepalive', pattern: 'unstopped-ticker', kind: 'heap' } as Culprit;

function findings(bi: BuildInfo | undefined, extra: Partial<Findings> = {}): Findings {
  return { culprits: [ticker], buildInfo: bi, goVersion: bi?.goVersion, ...extra } as unknown as Findings;
}

const ids = (f: Findings, first?: MemorySample, last?: MemorySample) => buildAdvice(f, first, last).map((a) => a.id);

test('unstopped tickers: never collected before 1.23, whatever the go line says', () => {
  assert.equal(TIMERS_COLLECTED_FROM_MINOR, 23);
  for (const v of ['go1.19.8', 'go1.22.12']) {
    assert.equal(unstoppedTimersCollected(info(v))?.collected, false, v);
    assert.deepEqual(ids(findings(info(v))), ['ticker-never-collected'], v);
  }
});

test('unstopped tickers on 1.23–1.26: collected only when DefaultGODEBUG has no asynctimerchan=1 (go 1.23+ line)', () => {
  for (const v of ['go1.23.0', 'go1.26.3']) {
    const oldLine = info(v, { DefaultGODEBUG: 'asynctimerchan=1,panicnil=1' });
    const newLine = info(v, { DefaultGODEBUG: 'containermaxprocs=0' });
    assert.equal(unstoppedTimersCollected(oldLine)?.collected, false, v);
    assert.match(unstoppedTimersCollected(oldLine)!.why, /Raising the go line to 1\.23\+/);
    assert.equal(unstoppedTimersCollected(newLine)?.collected, true, v);
    assert.equal(unstoppedTimersCollected(info(v))?.collected, true, `${v}: no DefaultGODEBUG at all is a current go line`);
    assert.deepEqual(ids(findings(oldLine)), ['ticker-never-collected']);
    assert.deepEqual(ids(findings(newLine)), ['ticker-still-referenced']);
  }
});

test('unstopped tickers on 1.27+: collected even with asynctimerchan=1 (the setting is gone)', () => {
  assert.equal(TIMERS_ALWAYS_COLLECTED_FROM_MINOR, 27);
  assert.equal(unstoppedTimersCollected(info('go1.27.4', { DefaultGODEBUG: 'asynctimerchan=1' }))?.collected, true);
  assert.equal(unstoppedTimersCollected(info('go1.28.0'))?.collected, true);
  assert.equal(unstoppedTimersCollected(info('devel'))?.collected, undefined, 'no version, no claim');
  assert.deepEqual(ids(findings(info('go1.27.4'), { culprits: [] })), [], 'no ticker culprit, no ticker advice');
});

test('GOMAXPROCS: follows the cgroup on 1.25+ only without containermaxprocs=0; advice only for a target in a cgroup', () => {
  assert.equal(CGROUP_GOMAXPROCS_FROM_MINOR, 25);
  assert.equal(gomaxprocsFollowsCgroup(info('go1.24.9')), false);
  assert.equal(gomaxprocsFollowsCgroup(info('go1.25.0')), true);
  assert.equal(gomaxprocsFollowsCgroup(info('go1.25.0', { DefaultGODEBUG: 'containermaxprocs=0' })), false);
  const container = { reasons: [] };
  const none = { culprits: [] as Culprit[] };
  assert.deepEqual(ids(findings(info('go1.24.9'), { ...none, container } as Partial<Findings>)), ['gomaxprocs-ignores-cgroup']);
  assert.deepEqual(ids(findings(info('go1.25.0'), { ...none, container } as Partial<Findings>)), []);
  assert.deepEqual(ids(findings(info('go1.25.0', { DefaultGODEBUG: 'containermaxprocs=0' }), { ...none, container } as Partial<Findings>)), [
    'gomaxprocs-ignores-cgroup',
  ]);
  assert.deepEqual(ids(findings(info('go1.25.0', { DefaultGODEBUG: 'containermaxprocs=0' }), none)), [], 'not in a container: the CPU count is right');
});

test('Green Tea GC: default from 1.26 unless GOEXPERIMENT=nogreenteagc; an experiment on 1.25', () => {
  assert.equal(GREEN_TEA_DEFAULT_FROM_MINOR, 26);
  assert.equal(greenTeaGC(info('go1.25.1')), false);
  assert.equal(greenTeaGC(info('go1.25.1', { GOEXPERIMENT: 'greenteagc' })), true);
  assert.equal(greenTeaGC(info('go1.26.0')), true);
  const optedOut = info('go1.26.0', { GOEXPERIMENT: 'nogreenteagc,goroutineleakprofile' });
  assert.equal(greenTeaGC(optedOut), false);
  assert.deepEqual(ids(findings(optedOut, { culprits: [] })), ['green-tea-opted-out']);
  assert.deepEqual(ids(findings(info('go1.25.1', { GOEXPERIMENT: 'nogreenteagc' }), { culprits: [] })), [], 'nothing to opt out of before 1.26');
});

test('profiling buckets: profstackdepth advice from 1.23, at PROFILING_BUCKETS_GROWTH_BYTES of BuckHashSys growth', () => {
  assert.equal(DEEP_PROFILE_STACKS_FROM_MINOR, 23);
  const MiB = 1024 * 1024;
  const first = { source: 'expvar', buckHashSys: 2 * MiB } as MemorySample;
  const at = { source: 'expvar', buckHashSys: 2 * MiB + PROFILING_BUCKETS_GROWTH_BYTES } as MemorySample;
  const below = { source: 'expvar', buckHashSys: 2 * MiB + PROFILING_BUCKETS_GROWTH_BYTES - 1 } as MemorySample;
  assert.match(profilingBucketsAdvice('go1.23.0', first, at)!.text, /GODEBUG=profstackdepth=32/);
  assert.equal(profilingBucketsAdvice('go1.23.0', first, below), undefined);
  assert.equal(profilingBucketsAdvice('go1.22.12', first, at), undefined, 'stacks were 32 frames deep before 1.23');
  assert.equal(profilingBucketsAdvice(undefined, first, at), undefined);
  // Without build info the sampled version is enough.
  assert.deepEqual(ids({ culprits: [], goVersion: 'go1.27.4' } as unknown as Findings, first, at), ['profstackdepth']);
});

test('real binaries: Go 1.19 never collects, Go 1.27 collects even in GOPATH mode; go 1.25 module line follows the cgroup', (t) => {
  const old = readBuildInfo(buildGoProgram('examples/ticker-leak', { go: '1.19' }));
  const now = readBuildInfo(buildGoProgram('examples/ticker-leak', { go: '1.27' }));
  assert.equal(unstoppedTimersCollected(old)?.collected, false);
  assert.equal(unstoppedTimersCollected(now)?.collected, true);
  assert.deepEqual(buildFacts(old), [
    'unstopped tickers/timers: never collected',
    'GC: classic (not Green Tea)',
    'GOMAXPROCS: CPU count, ignores the cgroup CPU limit',
  ]);
  // GOPATH mode is an old language version: cmd/go 1.27 writes containermaxprocs=0 into DefaultGODEBUG.
  assert.equal(gomaxprocsFollowsCgroup(now), false);
  assert.equal(greenTeaGC(now), true);

  const dir = mkdtempSync(join(tmpdir(), 'heapsight-go125-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'go.mod'), 'module example.com/procs\n\ngo 1.25\n');
  writeFileSync(join(dir, 'main.go'), 'package main\n\nimport "runtime"\n\nfunc main() { println(runtime.GOMAXPROCS(0)) }\n');
  const bin = join(dir, 'procs');
  const r = spawnSync(requireGo('1.27'), ['build', '-buildvcs=false', '-o', bin, '.'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GO111MODULE: 'on', GOPROXY: 'off', GOTOOLCHAIN: 'local', GOFLAGS: '', GOCACHE: join(repoRoot, '.cache', 'go-build-cache-1.27') },
  });
  assert.equal(r.status, 0, r.stderr);
  const mod = readBuildInfo(bin);
  assert.equal(mod.main?.path, 'example.com/procs');
  assert.equal(gomaxprocsFollowsCgroup(mod), true);
  assert.equal(unstoppedTimersCollected(mod)?.collected, true);
});
