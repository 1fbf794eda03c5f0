import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { Profile as OracleProfile } from 'pprof-format';
import type { PprofAggregate } from '../../model/profile.js';
import { diffTable, topTable as topTableOf } from '../../analysis/top-table.js';
import { aggregatePprof, matchingType } from './aggregate.js';
import { MAX_FRAME_PATTERN_CHARS } from './tables.js';
import { chooseSampleIndex } from './decode.js';
import type { ExactSums } from './exact-sums.js';
import { InputError } from '../input-error.js';
import { encodeProfile, randomProfile } from '../../test-support/pprof-writer.js';
import { goPprofTop } from '../../test-support/go-pprof.js';
import { buildGoProgram } from '../../test-support/toolchain.js';

const testdata = new URL('../testdata/pprof/', import.meta.url).pathname;

/** `top`'s table with -sample_index chosen as the CLI chooses it (name or number; default when absent). */
function topTable(agg: PprofAggregate, origin: string, sampleIndex?: string, cum = false) {
  return topTableOf(agg, chooseSampleIndex(agg.sampleTypes, agg.defaultSampleType, sampleIndex, origin), cum);
}
const real = ['heap-rate1.pb.gz', 'heap-base.pb.gz', 'allocs.pb.gz', 'goroutine.pb.gz', 'heap-default.pb.gz'];

/** Reference aggregation with pprof-format's decoder and BigInt arithmetic: one Map entry per name. */
function oracle(bytes: Uint8Array): { types: string[]; byType: Map<string, { flat: bigint; cum: bigint }>[]; absTotal: bigint[] } {
  const p = OracleProfile.decode(bytes);
  const s = (i: number | bigint) => p.stringTable.strings[Number(i)];
  const fnName = new Map(p.function.map((f) => [BigInt(f.id), s(f.name)]));
  const mapFile = new Map(p.mapping.map((m) => [BigInt(m.id), s(m.filename)]));
  const anon = (mid: bigint) => {
    const f = mapFile.get(mid);
    return f ? `[${f.slice(f.lastIndexOf('/') + 1)}]` : '<unknown>';
  };
  const locKeys = new Map(
    p.location.map((l) => [
      BigInt(l.id),
      l.line.length === 0 ? [anon(BigInt(l.mappingId))] : l.line.map((ln) => fnName.get(BigInt(ln.functionId)) || anon(BigInt(l.mappingId))),
    ]),
  );
  const T = p.sampleType.length;
  const byType = Array.from({ length: T }, () => new Map<string, { flat: bigint; cum: bigint }>());
  // pprof merges samples with the same stack and labels before summing |v| into its total.
  const merged = new Map<string, bigint[]>();
  for (const sample of p.sample) {
    const keys = sample.locationId.flatMap((id) => locKeys.get(BigInt(id))!);
    const mk = `${sample.locationId.join(',')}|${sample.label
      .map((l) => `${l.key}=${l.str}/${l.num}`)
      .sort()
      .join(',')}`;
    const group =
      merged.get(mk) ??
      (merged.set(
        mk,
        Array.from({ length: T }, () => 0n),
      ),
      merged.get(mk)!);
    for (let t = 0; t < T; t++) {
      const v = BigInt.asIntN(64, BigInt(sample.value[t])); // pprof-format reads int64 as unsigned
      group[t] += v;
      if (v === 0n) continue;
      const m = byType[t];
      const get = (k: string) => m.get(k) ?? (m.set(k, { flat: 0n, cum: 0n }), m.get(k)!);
      if (keys.length) get(keys[0]).flat += v;
      for (const k of new Set(keys)) get(k).cum += v;
    }
  }
  const absTotal = Array.from({ length: T }, (_, t) => [...merged.values()].reduce((a, g) => a + (g[t] < 0n ? -g[t] : g[t]), 0n));
  return { types: p.sampleType.map((vt) => s(vt.type)), byType, absTotal };
}

function assertMatchesOracle(agg: PprofAggregate, bytes: Uint8Array, label: string): void {
  const o = oracle(bytes);
  assert.deepEqual(
    agg.sampleTypes.map((t) => t.type),
    o.types,
  );
  for (let t = 0; t < o.types.length; t++) {
    const table = topTable(agg, label, String(t));
    const expected = [...o.byType[t]].filter(([, v]) => v.flat !== 0n || v.cum !== 0n);
    assert.equal(table.rows.length, expected.length, `${label} type ${t}: row count`);
    const got = new Map(table.rows.map((r) => [r.function, r]));
    for (const [name, v] of expected) {
      const row = got.get(name);
      assert.deepEqual(
        row && { function: row.function, flat: row.flat, cum: row.cum },
        { function: name, flat: v.flat, cum: v.cum },
        `${label} type ${t} ${name}`,
      );
    }
    assert.equal(table.pprofTotal, o.absTotal[t], `${label} type ${t}: total`);
  }
}

test('random profiles: packed, unpacked, samples last — exact against pprof-format + BigInt', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const p = randomProfile(seed);
    for (const enc of [{ packed: true }, { packed: false }, { packed: true, samplesLast: true }]) {
      const bytes = encodeProfile(p, enc);
      const agg = aggregatePprof(seed % 2 ? gzipSync(bytes) : bytes, `seed${seed}`);
      assertMatchesOracle(agg, bytes, `seed ${seed} ${JSON.stringify(enc)}`);
      const one = aggregatePprof(bytes, 'one', { sampleIndex: '1' });
      assert.deepEqual(topTable(one, 'one', '1'), topTable(agg, 'one', '1'));
    }
  }
});

test('values and sums beyond 2^53 stay exact', () => {
  for (let seed = 100; seed < 110; seed++) {
    const bytes = encodeProfile(randomProfile(seed, { huge: true, samples: 400 }));
    const agg = aggregatePprof(bytes, `huge${seed}`);
    assertMatchesOracle(agg, bytes, `huge seed ${seed}`);
    assert.ok((agg.flat as ExactSums).big.size > 0 || (agg.cum as ExactSums).big.size > 0, 'the BigInt path was exercised');
  }
  // Many values just under 2^49 sum past 2^53 in the float part's spill path.
  const p = randomProfile(7, { samples: 10 });
  const v = (1n << 49n) - 1n;
  p.samples = Array.from({ length: 5000 }, () => ({ locationIds: [p.locations[0].id], values: [v, -v, 1n] }));
  const bytes = encodeProfile(p);
  const agg = aggregatePprof(bytes, 'sum');
  assertMatchesOracle(agg, bytes, 'sum');
  assert.equal(agg.total.get(0), v * 5000n);
  assert.equal(agg.total.get(1), -v * 5000n);
});

test('one sample type (the fast path top/diff take) equals the all-types aggregation, for every type', () => {
  const check = (bytes: Uint8Array, label: string): void => {
    const all = aggregatePprof(bytes, label);
    for (let t = 0; t < all.sampleTypes.length; t++) {
      const one = aggregatePprof(bytes, label, { sampleIndex: String(t) });
      assert.deepEqual(one.accumulated, [t]);
      for (const cum of [false, true]) assert.deepEqual(topTable(one, label, String(t), cum), topTable(all, label, String(t), cum), `${label} type ${t}`);
    }
  };
  for (let seed = 1; seed <= 40; seed++) check(encodeProfile(randomProfile(seed)), `seed ${seed}`);
  for (let seed = 100; seed < 110; seed++) check(encodeProfile(randomProfile(seed, { huge: true, samples: 400 })), `huge seed ${seed}`);
  const p = randomProfile(7, { samples: 10 });
  const v = (1n << 49n) - 1n;
  p.samples = Array.from({ length: 5000 }, (_, i) => ({ locationIds: [p.locations[i % 3].id], values: [v, -v, 1n] }));
  check(encodeProfile(p), 'sum');
  for (const f of real) check(readFileSync(join(testdata, f)), f);
});

test('real Go profiles: exact against pprof-format + BigInt', () => {
  for (const f of real) {
    const gz = readFileSync(join(testdata, f));
    const raw = spawnSync('gzip', ['-dc'], { input: gz }).stdout;
    assertMatchesOracle(aggregatePprof(gz, f), raw, f);
  }
});

function assertSameAsGoPprof(file: string, agg: PprofAggregate, sampleIndex: string): void {
  for (const cum of [false, true]) {
    const ref = goPprofTop(file, { sampleIndex, cum });
    const ours = topTable(agg, file, sampleIndex, cum);
    assert.equal(ours.sampleType.type, ref.sampleType);
    assert.equal(ours.pprofTotal, ref.total, `${file} ${sampleIndex}: total`);
    // Same rows in the same order: -top sorts by |flat| (|cum| with -cum), then name.
    // Including pprof's "(inline)" / "(partial-inline)" markers.
    assert.deepEqual(ours.rows, ref.rows, `${file} -sample_index=${sampleIndex}${cum ? ' -cum' : ''}`);
  }
}

test('real Go profiles: identical to go tool pprof -top under every sample index', () => {
  for (const f of real) {
    const file = join(testdata, f);
    const agg = aggregatePprof(readFileSync(file), f);
    for (const t of agg.sampleTypes) {
      assertSameAsGoPprof(file, agg, t.type);
      // Aggregating one sample type only (what the CLI does) gives the same table.
      const one = aggregatePprof(readFileSync(file), f, { sampleIndex: t.type });
      assert.deepEqual(one.accumulated, [agg.sampleTypes.indexOf(t)]);
      assert.deepEqual(topTable(one, f, t.type), topTable(agg, f, t.type));
    }
    // Default index (no -sample_index): allocs → alloc_space via default_sample_type, heap → inuse_space.
    const ref = goPprofTop(file);
    assert.equal(topTable(agg, f).sampleType.type, ref.sampleType);
  }
});

test('real Go profiles: diff identical to go tool pprof -top -diff_base', () => {
  const base = join(testdata, 'heap-base.pb.gz');
  const next = join(testdata, 'heap-rate1.pb.gz');
  const b = aggregatePprof(readFileSync(base), base);
  const n = aggregatePprof(readFileSync(next), next);
  for (const si of ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space']) {
    const ref = goPprofTop({ base, new: next }, { sampleIndex: si });
    const tn = chooseSampleIndex(n.sampleTypes, n.defaultSampleType, si, next);
    const ours = diffTable(b, n, tn, matchingType(b, n, tn, base));
    assert.equal(ours.pprofTotal, ref.total);
    assert.deepEqual(
      new Map(ours.rows.map((r) => [r.function, [r.flat, r.cum, r.inline]])),
      new Map(ref.rows.map((r) => [r.function, [r.flat, r.cum, r.inline]])),
      `diff ${si}`,
    );
    assert.ok(ours.rows.some((r) => r.flat < 0n || r.cum < 0n) || si.startsWith('alloc'), 'inuse diff has shrinking functions');
    for (let i = 1; i < ours.rows.length; i++) assert.ok(ours.rows[i - 1].flat >= ours.rows[i].flat, 'growth first');
    assert.equal(ours.total, ours.new! - ours.base!);
  }
});

test('random profiles: identical to go tool pprof (names of unnamed frames, recursion, inlining, negatives)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-pprof-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const seed of [3, 4, 5, 6, 7, 8, 9]) {
    const file = join(dir, `r${seed}.pb`);
    const bytes = encodeProfile(randomProfile(seed));
    writeFileSync(file, bytes);
    const agg = aggregatePprof(bytes, file);
    for (const st of ['alloc_objects', 'alloc_space', 'inuse_space']) assertSameAsGoPprof(file, agg, st);
  }
});

test('drop_frames / keep_frames prune stacks as go tool pprof does', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-prune-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const patterns: [string, string | undefined][] = [
    ['pkg1\\..*', undefined],
    ['pkg[02]\\.fn1.*', 'pkg0\\.fn10'],
    ['pkg3\\.fn(3|7)|pkg2\\..*', undefined],
  ];
  for (const seed of [11, 12, 13]) {
    for (const [drop, keep] of patterns) {
      const p = randomProfile(seed);
      p.dropFrames = p.strings.push(drop) - 1;
      if (keep) p.keepFrames = p.strings.push(keep) - 1;
      const file = join(dir, `p${seed}.pb`);
      const bytes = encodeProfile(p);
      writeFileSync(file, bytes);
      const agg = aggregatePprof(bytes, file);
      assertSameAsGoPprof(file, agg, 'alloc_space');
      // The pruning changed something, so the test can tell.
      const unpruned = { ...p, dropFrames: undefined, keepFrames: undefined };
      assert.notDeepEqual(topTable(aggregatePprof(encodeProfile(unpruned), 'u'), 'u', 'alloc_space').rows, topTable(agg, file, 'alloc_space').rows);
    }
  }
});

test('fresh profiles from the Go generator agree with go tool pprof', (t) => {
  const bin = buildGoProgram('src/sources/testdata/pprof/gen');
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-gen-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = spawnSync(bin, ['-out', dir], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  for (const f of ['heap-rate1.pb.gz', 'allocs.pb.gz']) {
    const file = join(dir, f);
    const agg = aggregatePprof(readFileSync(file), f);
    // Inlined helpers are their own rows, as pprof shows them.
    assert.ok(agg.functions.includes('main.newRecord') && agg.functions.includes('main.newHeader'));
    for (const st of agg.sampleTypes) assertSameAsGoPprof(file, agg, st.type);
  }
});

test('sample index by name, number, and pprof defaults', () => {
  const agg = aggregatePprof(readFileSync(join(testdata, 'allocs.pb.gz')), 'allocs');
  assert.equal(topTable(agg, 'allocs').sampleType.type, 'alloc_space');
  assert.equal(topTable(agg, 'allocs', '0').sampleType.type, 'alloc_objects');
  assert.equal(topTable(agg, 'allocs', 'inuse_objects').sampleType.type, 'inuse_objects');
  assert.throws(() => topTable(agg, 'allocs', '9'), /sample index 9 out of range: the profile has 4 sample types/);
  assert.throws(
    () => topTable(agg, 'allocs', 'cpu'),
    /sample index "cpu" not in the profile's sample types \(alloc_objects, alloc_space, inuse_objects, inuse_space\)/,
  );
  const heap = aggregatePprof(readFileSync(join(testdata, 'heap-rate1.pb.gz')), 'heap');
  assert.equal(heap.defaultSampleType, undefined);
  assert.equal(topTable(heap, 'heap').sampleType.type, 'inuse_space');
});

test('bad input: one-line InputErrors', () => {
  const raw = spawnSync('gzip', ['-dc'], { input: readFileSync(join(testdata, 'heap-base.pb.gz')) }).stdout as Buffer;
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(0), /got an empty input$/],
    [Buffer.from('<!DOCTYPE html><html><body>404</body></html>'), /expected a pprof profile \(gzip or protobuf\), got an HTML page$/],
    [Buffer.from('{"heap": 1}'), /got JSON$/],
    [gzipSync(Buffer.from('<html><title>login</title></html>')), /got an HTML page$/],
    [raw.subarray(0, raw.length - 7), /pprof protobuf truncated at byte \d+ of \d+$/],
    [raw.subarray(0, 101), /pprof protobuf truncated at byte \d+ of 101$/],
  ];
  for (const [bytes, re] of cases) {
    assert.throws(
      () => aggregatePprof(bytes, 'p'),
      (e: unknown) => e instanceof InputError && re.test(e.message) && !e.message.includes('\n'),
      String(re),
    );
  }
  // Random bytes never crash or hang: they are an InputError (or, rarely, decode as an empty profile).
  let seedState = 12345;
  for (let i = 0; i < 200; i++) {
    const junk = new Uint8Array(1 + (i % 97));
    for (let j = 0; j < junk.length; j++) junk[j] = (seedState = (seedState * 1103515245 + 12345) >>> 0) >>> 24;
    try {
      aggregatePprof(junk, 'junk');
    } catch (e) {
      assert.ok(e instanceof InputError, String(e));
    }
  }
});

// Issue 11: drop_frames compiled as a backtracking JS RegExp made `top` hang on a 1.4 KB profile.
test('drop_frames that backtrack exponentially in JS match in linear time, as in go tool pprof', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-redos-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const evil = 'a'.repeat(40) + '!';
  const bytes = encodeProfile({
    strings: ['', 'alloc_space', 'bytes', evil, 'aaaa', 'main.main', '(a+)+$|aaaa', '(a|aa)+b'],
    sampleTypes: [[1, 2]],
    functions: [
      { id: 1, name: 3 },
      { id: 2, name: 4 },
      { id: 3, name: 5 },
    ],
    locations: [
      { id: 1, lines: [{ functionId: 1 }] },
      { id: 2, lines: [{ functionId: 2 }] },
      { id: 3, lines: [{ functionId: 3 }] },
    ],
    samples: [
      { locationIds: [1, 2, 3], values: [10n] },
      { locationIds: [1, 3], values: [5n] },
    ],
    dropFrames: 6,
    keepFrames: 7,
  });
  const file = join(dir, 'redos.pb');
  writeFileSync(file, bytes);
  const agg = aggregatePprof(bytes, file);
  assertSameAsGoPprof(file, agg, 'alloc_space');
  // aaaa matched drop_frames and not keep_frames: gone, with its callee in that stack.
  const names = topTable(agg, file, 'alloc_space').rows.map((r) => r.function);
  assert.ok(!names.includes('aaaa') && names.includes(evil) && names.includes('main.main'), names.join(' '));
});

// Issue 11 (the CLI fuzz run): re2js compiles an 800 KB drop_frames in 76 s, so a profile under 1 MB hung
// `top`. A pattern past MAX_FRAME_PATTERN_CHARS is a cap error naming the field; one at the limit is used.
test('drop_frames and keep_frames longer than MAX_FRAME_PATTERN_CHARS are refused with one line, at once', () => {
  const profile = (drop: string, keep = '') =>
    encodeProfile({
      strings: ['', 'alloc_space', 'bytes', 'main.leak', 'main.main', drop, keep],
      sampleTypes: [[1, 2]],
      functions: [
        { id: 1, name: 3 },
        { id: 2, name: 4 },
      ],
      locations: [
        { id: 1, lines: [{ functionId: 1 }] },
        { id: 2, lines: [{ functionId: 2 }] },
      ],
      samples: [{ locationIds: [1, 2], values: [10n] }],
      dropFrames: 5,
      keepFrames: keep ? 6 : undefined,
    });
  // At the limit: an alternation that ends in main.leak, which is then dropped.
  const atLimit = 'x|'.repeat((MAX_FRAME_PATTERN_CHARS - 'main\\.leak'.length) / 2) + 'main\\.leak';
  assert.equal(atLimit.length, MAX_FRAME_PATTERN_CHARS);
  const names = topTable(aggregatePprof(profile(atLimit), 'at-limit.pb'), 'at-limit.pb', 'alloc_space').rows.map((r) => r.function);
  assert.deepEqual(names, ['main.main']);
  for (const [bytes, field] of [
    [profile('x*'.repeat(100_000)), 'drop_frames'],
    [profile('main\\.leak', atLimit + 'x'), 'keep_frames'],
  ] as const) {
    assert.throws(
      () => aggregatePprof(bytes, 'long.pb'),
      (e: unknown) =>
        e instanceof InputError && e.kind === 'cap' && e.message.startsWith('long.pb: ') && e.message.includes(field) && !e.message.includes('\n'),
    );
  }
});
