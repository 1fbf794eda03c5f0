// The culprit rules on synthetic heap profiles (issue 9 class 6): growth spread over many small sites
// under one function of the program's own code is named after that function, and only when its subtree
// explains at least CUMULATIVE_MIN_SHARE of the growth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Frame } from '../model/frame.js';
import type { Profile } from '../model/profile.js';
import type { TimedProfile } from '../model/recording.js';
import { seededRandom } from '../test-support/seeded-random.js';
import { CUMULATIVE_DETAIL_SITES, CUMULATIVE_MIN_SHARE } from './culprit-rules.js';
import { heapCulprits } from './culprits.js';

const fr = (fn: string, line = 10, file = `/src/app/${fn.split('.')[0]}.go`): Frame => ({ function: fn, file, line });

/**
 * Heap profiles at 1-minute steps. `paths` are stacks (leaf first) with the bytes they hold at step
 * i; every allocation is 64 B objects at a rate of 1 (exact: no sampling noise), plus a fixed seed's
 * jitter of ±1 % so that series are not perfectly straight.
 */
function profiles(paths: { stack: Frame[]; bytes: (i: number) => number }[], steps = 6, seed = 7): TimedProfile[] {
  const rnd = seededRandom(seed);
  const out: TimedProfile[] = [];
  for (let i = 0; i < steps; i++) {
    const locations = paths.flatMap((p) => p.stack.map((f) => ({ address: 0n, lines: [f] })));
    let li = 0;
    const samples = paths.map((p) => {
      const locs = p.stack.map(() => li++);
      const space = Math.round(p.bytes(i) * (1 + 0.01 * (rnd() - 0.5)));
      return { locations: locs, values: [space / 64, space, space / 64, space] };
    });
    const profile: Profile = {
      sampleTypes: ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space'].map((type) => ({ type, unit: type.endsWith('space') ? 'bytes' : 'count' })),
      periodType: { type: 'space', unit: 'bytes' },
      period: 1,
      timeNanos: BigInt(i) * 60_000_000_000n + 1n,
      durationNanos: 0n,
      locations,
      samples,
      comments: [],
    };
    out.push({ t: i * 60_000, origin: `heap-${i}`, profile });
  }
  return out;
}

/** `k` small sites under main.ingest (through main.step), each adding `each` bytes per step, and `other` elsewhere. */
function spread(k: number, each: number, other: number): TimedProfile[] {
  const paths = [];
  for (let j = 0; j < k; j++)
    paths.push({ stack: [fr(`main.site${j}`), fr('main.step'), fr('main.ingest'), fr('main.run')], bytes: (i: number) => 1e5 + each * i });
  paths.push({ stack: [fr('main.elsewhere'), fr('main.run')], bytes: (i: number) => 1e5 + other * i });
  return profiles(paths);
}

test('CUMULATIVE_MIN_SHARE is "most of the growth": above half and below all of it', () => {
  assert.ok(CUMULATIVE_MIN_SHARE >= 0.5 && CUMULATIVE_MIN_SHARE < 1);
  assert.ok(CUMULATIVE_DETAIL_SITES >= 3);
});

test('twelve small sites under one function: that function is the culprit, its sites the detail', () => {
  const culprits = heapCulprits(spread(12, 10_000, 10_000));
  const top = culprits[0];
  // main.step explains all twelve (12/13 of the growth) and is deeper than main.ingest and main.run.
  assert.equal(top.function, 'main.step');
  assert.ok(Math.abs(top.growth.share - 12 / 13) < 0.01, `share ${top.growth.share}`);
  assert.equal(top.sites?.length, CUMULATIVE_DETAIL_SITES);
  assert.ok(top.sites!.every((s) => s.function.startsWith('main.site') && s.share < 0.1));
  // The flat sites are still listed after it.
  assert.ok(culprits.slice(1).some((c) => c.function.startsWith('main.site')));
});

test('a subtree just under CUMULATIVE_MIN_SHARE is not named; just over, it is', () => {
  // Shares: k·each / (k·each + other). 4 sites × 10 000 against `other`.
  const under = 40_000 / (CUMULATIVE_MIN_SHARE - 0.02) - 40_000;
  const over = 40_000 / (CUMULATIVE_MIN_SHARE + 0.02) - 40_000;
  const below = heapCulprits(spread(4, 10_000, under));
  assert.ok(!below.some((c) => c.function === 'main.step' || c.function === 'main.ingest'), below.map((c) => c.function).join(' '));
  const above = heapCulprits(spread(4, 10_000, over));
  assert.equal(above[0].function, 'main.step');
  // main.run is above everything (100 %) but main.step is the tightest frame that explains enough.
  assert.ok(!above.some((c) => c.function === 'main.run'));
});

test('one big site: the cumulative view names the site itself, not its callers', () => {
  const culprits = heapCulprits(
    profiles([
      { stack: [fr('main.remember'), fr('main.handle'), fr('main.serve')], bytes: (i) => 1e5 + 1e6 * i },
      { stack: [fr('main.other'), fr('main.serve')], bytes: (i) => 1e5 + 1e4 * i },
    ]),
  );
  assert.equal(culprits[0].function, 'main.remember');
  assert.ok(culprits[0].growth.share > 0.95);
  assert.equal(culprits.filter((c) => c.function === 'main.remember').length, 1);
});

test('a dependency frame is not the culprit: the own-code frame above it is', () => {
  const dep = (fn: string): Frame => fr(fn, 5, `/root/go/pkg/mod/github.com/lib/parse@v1.2.3/${fn.split('.').pop()}.go`);
  const paths = [];
  for (let j = 0; j < 6; j++)
    paths.push({
      stack: [
        dep(`github.com/lib/parse.f${j}`),
        dep('github.com/lib/parse.(*Parser).Parse'),
        fr('example.com/app/ingest.Batch', 30, '/build/app/ingest/batch.go'),
        fr('main.main', 3, '/build/app/main.go'),
      ],
      bytes: (i: number) => 1e5 + 1e4 * i,
    });
  const culprits = heapCulprits(profiles(paths));
  assert.equal(culprits[0].function, 'example.com/app/ingest.Batch');
  // With the main module known, the same holds by module path (files are not consulted).
  const withModule = heapCulprits(profiles(paths), { own: { mainModule: 'example.com/app' } });
  assert.equal(withModule[0].function, 'example.com/app/ingest.Batch');
});

test('a subtree that filled and then stayed flat is not named', () => {
  const paths = [];
  for (let j = 0; j < 8; j++) paths.push({ stack: [fr(`main.site${j}`), fr('main.fill'), fr('main.run')], bytes: (i: number) => 1e5 + 1e4 * Math.min(i, 2) });
  assert.deepEqual(
    heapCulprits(profiles(paths)).map((c) => c.function),
    [],
  );
});
