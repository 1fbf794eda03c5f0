// Acceptance test for issue #2: on one real Go heap profile of at least 5 MB compressed, with tens of
// thousands of distinct stacks, `heapsight top --json` must give exactly the flat and cum that
// `go tool pprof -top` prints for every function, under every sample index; same for `heapsight diff`
// against `go tool pprof -top -diff_base` on two such profiles.
//
// The profiles come from bench/gen-heap-profile (MemProfileRate = 1, PRNG-chosen call chains through
// 8,000 generated functions), generated at test time and cached under .cache/pprof-big/. The size is
// the smallest comfortably above 5 MB compressed (~5.4 MB): go tool pprof, run eight times, dominates
// the test's time (~7 s per -top and ~17 s per -diff_base at this size on an idle 2-core machine).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'lossless-json';
import { Profile } from 'pprof-format';
import { buildGoProgram, repoRoot, requireGo } from '../../test-support/toolchain.js';
import { freshBundle } from '../../test-support/cli-run.js';
import { goPprofTop, type GoPprofTop } from '../../test-support/go-pprof.js';

// ~66 compressed bytes per sample (random call chains barely compress at Go's BestSpeed gzip level).
const SAMPLES = 82_000;
const MIN_COMPRESSED_BYTES = 5_000_000;
const cacheDir = join(repoRoot, '.cache', 'pprof-big');

function generate(gen: string, seed: number): string {
  mkdirSync(cacheDir, { recursive: true });
  const file = join(cacheDir, `heap-${SAMPLES}-seed${seed}.pb.gz`);
  // A profile older than the generator binary may come from different code: regenerate.
  if (existsSync(file) && statSync(file).mtimeMs >= statSync(gen).mtimeMs) return file;
  const tmp = `${file}.${process.pid}.tmp`;
  const r = spawnSync(gen, ['-samples', String(SAMPLES), '-seed', String(seed), '-o', tmp], { encoding: 'utf8' });
  assert.equal(r.status, 0, `gen-heap-profile failed: ${r.stderr}`);
  renameSync(tmp, file);
  return file;
}

interface HeapsightRow {
  function: string;
  flat: bigint;
  cum: bigint;
}

interface HeapsightTable {
  sampleType: string;
  /** The total pprof prints as "of N total": for a diff that is the base profile's total. */
  total: bigint;
  rows: HeapsightRow[];
}

function heapsight(args: string[]): HeapsightTable {
  const r = spawnSync(process.execPath, [freshBundle(), ...args, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, `heapsight ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const doc = parse(r.stdout, undefined, (text: string) => BigInt(text)) as {
    sampleType: { type: string } | string;
    total: bigint;
    base?: bigint;
    functions: HeapsightRow[];
  };
  const sampleType = typeof doc.sampleType === 'string' ? doc.sampleType : doc.sampleType.type;
  return { sampleType, total: args[0] === 'diff' ? (doc.base as bigint) : doc.total, rows: doc.functions };
}

/**
 * Every function pprof lists must be in heapsight's output with the same flat and cum. pprof leaves out
 * functions whose values are all zero under the chosen index (e.g. only on freed objects' stacks for
 * inuse_*), so heapsight may list more, but only with flat = cum = 0.
 */
function assertSameTable(label: string, ours: HeapsightTable, ref: GoPprofTop): void {
  assert.equal(ours.sampleType, ref.sampleType, `${label}: sample type`);
  assert.equal(ours.total, ref.total, `${label}: total`);
  assert.ok(ref.rows.length >= 1000, `${label}: expected thousands of functions from pprof, got ${ref.rows.length}`);
  const byName = new Map<string, HeapsightRow>();
  for (const row of ours.rows) {
    assert.ok(!byName.has(row.function), `${label}: heapsight lists ${row.function} twice`);
    byName.set(row.function, row);
  }
  const mismatches: string[] = [];
  const seen = new Set<string>();
  for (const want of ref.rows) {
    seen.add(want.function);
    const got = byName.get(want.function);
    if (!got) mismatches.push(`${want.function}: missing (pprof flat ${want.flat} cum ${want.cum})`);
    else if (got.flat !== want.flat || got.cum !== want.cum) {
      mismatches.push(`${want.function}: heapsight flat ${got.flat} cum ${got.cum}, pprof flat ${want.flat} cum ${want.cum}`);
    }
  }
  for (const row of ours.rows) {
    if (!seen.has(row.function) && (row.flat !== 0n || row.cum !== 0n)) {
      mismatches.push(`${row.function}: only in heapsight, flat ${row.flat} cum ${row.cum}`);
    }
  }
  assert.deepEqual(mismatches.slice(0, 20), [], `${label}: ${mismatches.length} of ${ref.rows.length} functions differ`);
}

test('top and diff match go tool pprof exactly on a >= 5 MB compressed heap profile', { timeout: 10 * 60_000 }, async (t) => {
  requireGo();
  // funcs_gen.go is generated, not committed; gen.mjs leaves it untouched when already current.
  const g = spawnSync(process.execPath, [join(repoRoot, 'bench', 'gen-heap-profile', 'gen.mjs')], { encoding: 'utf8' });
  assert.equal(g.status, 0, `gen.mjs failed: ${g.stderr}`);
  const gen = buildGoProgram('bench/gen-heap-profile');
  const base = generate(gen, 1);
  const next = generate(gen, 2);

  for (const file of [base, next]) {
    const size = statSync(file).size;
    assert.ok(size >= MIN_COMPRESSED_BYTES, `${file} is ${size} bytes compressed, want >= ${MIN_COMPRESSED_BYTES}`);
  }
  // Read the sample types and stack count from the profile itself, with pprof-format as the oracle.
  const decoded = Profile.decode(gunzipSync(readFileSync(base)));
  const strings = decoded.stringTable.strings;
  const sampleTypes = decoded.sampleType.map((st) => strings[Number(st.type)]);
  assert.deepEqual(sampleTypes, ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space']);
  const stacks = new Set(decoded.sample.map((s) => s.locationId.join(',')));
  assert.ok(stacks.size >= SAMPLES * 0.99, `expected ~${SAMPLES} distinct stacks, got ${stacks.size}`);

  for (const index of sampleTypes) {
    await t.test(`top -sample_index=${index}`, () => {
      assertSameTable(`top ${index}`, heapsight(['top', base, '--sample-index', index]), goPprofTop(base, { sampleIndex: index }));
    });
  }
  for (const index of sampleTypes) {
    await t.test(`diff -sample_index=${index}`, () => {
      const ours = heapsight(['diff', base, next, '--sample-index', index]);
      const ref = goPprofTop({ base, new: next }, { sampleIndex: index });
      // Two seeds allocate through different stacks, so the diff must be far from empty.
      assert.ok(
        ref.rows.some((r) => r.flat !== 0n),
        `diff ${index}: pprof shows no change at all`,
      );
      assertSameTable(`diff ${index}`, ours, ref);
    });
  }
});
