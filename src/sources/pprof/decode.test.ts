import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Profile as OracleProfile } from 'pprof-format';
import { DEFAULT_MAX_PROFILE_BYTES, parsePprof } from './decode.js';
import { InputError } from '../input-error.js';
import { encodeProfile, randomProfile } from '../../test-support/pprof-writer.js';

const testdata = new URL('../testdata/pprof/', import.meta.url).pathname;
const real = ['heap-rate1.pb.gz', 'heap-base.pb.gz', 'allocs.pb.gz', 'goroutine.pb.gz', 'heap-default.pb.gz'];

/** Our model rebuilt from pprof-format's decoding, for a field-by-field comparison. */
function viaOracle(raw: Uint8Array) {
  const p = OracleProfile.decode(raw);
  const s = (i: number | bigint) => p.stringTable.strings[Number(i)];
  const fns = new Map(p.function.map((f) => [BigInt(f.id), f]));
  const locIndex = new Map(p.location.map((l, i) => [BigInt(l.id), i]));
  return {
    sampleTypes: p.sampleType.map((t) => ({ type: s(t.type), unit: s(t.unit) })),
    period: Number(p.period),
    timeNanos: BigInt(p.timeNanos),
    comments: p.comment.map(s),
    locations: p.location.map((l) => ({
      address: BigInt(l.address),
      lines: l.line.map((ln) => {
        const f = fns.get(BigInt(ln.functionId))!;
        return { function: s(f.name), file: s(f.filename), line: Number(ln.line) };
      }),
    })),
    samples: p.sample.map((x) => ({
      locations: x.locationId.map((id) => locIndex.get(BigInt(id))!),
      values: x.value.map((v) => Number(BigInt.asIntN(64, BigInt(v)))),
      numLabels: Object.fromEntries(x.label.filter((l) => !Number(l.str)).map((l) => [s(l.key), Number(l.num)])),
      labels: Object.fromEntries(x.label.filter((l) => Number(l.str)).map((l) => [s(l.key), s(l.str)])),
    })),
  };
}

test('real Go profiles decode field by field as pprof-format decodes them', () => {
  for (const f of real) {
    const gz = readFileSync(join(testdata, f));
    const ours = parsePprof(gz, f);
    const ref = viaOracle(gunzipSync(gz));
    assert.deepEqual(ours.sampleTypes, ref.sampleTypes, f);
    assert.equal(ours.period, ref.period);
    assert.equal(ours.timeNanos, ref.timeNanos);
    assert.ok(ours.timeNanos > 1_600_000_000_000_000_000n, 'Go sets time_nanos');
    assert.deepEqual(ours.comments, ref.comments);
    assert.deepEqual(
      ours.locations.map((l) => ({ address: l.address, lines: l.lines })),
      ref.locations,
      f,
    );
    assert.equal(ours.samples.length, ref.samples.length);
    ours.samples.forEach((smp, i) => {
      const r = ref.samples[i];
      assert.deepEqual(smp.locations, r.locations);
      assert.deepEqual(smp.values, r.values);
      assert.deepEqual(smp.numLabels ?? {}, r.numLabels);
      assert.deepEqual(smp.labels ?? {}, r.labels);
    });
    assert.ok(ours.mappings && ours.mappings.length > 0 && ours.mappings[0].file.length > 0, 'mapping[0] is the binary');
  }
});

test('Go facts: heap has no default_sample_type, allocs says alloc_space, heap samples carry bytes labels', () => {
  const heap = parsePprof(readFileSync(join(testdata, 'heap-rate1.pb.gz')), 'heap');
  assert.equal(heap.defaultSampleType, undefined);
  assert.deepEqual(
    heap.sampleTypes.map((t) => `${t.type}/${t.unit}`),
    ['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes'],
  );
  assert.deepEqual(heap.periodType, { type: 'space', unit: 'bytes' });
  assert.equal(heap.period, 1);
  // Go omits the label when the average size is 0 (nothing allocated at the site in this window).
  const labelled = heap.samples.filter((s) => typeof s.numLabels?.bytes === 'number');
  assert.ok(labelled.length >= heap.samples.length - 10 && labelled.length > 100);
  for (const s of labelled) assert.equal(s.numLabels!.bytes, Math.trunc(s.values[1] / s.values[0]), 'bytes = alloc_space / alloc_objects');
  // Inlined helpers: one location holding several lines, callee first.
  const inl = heap.locations.find((l) => l.lines.length >= 3 && l.lines[0].function === 'main.newRecord');
  assert.ok(inl, 'a location with newRecord inlined into newHeader into parseRequest');
  assert.deepEqual(
    inl.lines.slice(0, 3).map((f) => f.function),
    ['main.newRecord', 'main.newHeader', 'main.parseRequest'],
  );
  const def = parsePprof(readFileSync(join(testdata, 'heap-default.pb.gz')), 'heap-default');
  assert.equal(def.period, 512 * 1024);
  const allocs = parsePprof(readFileSync(join(testdata, 'allocs.pb.gz')), 'allocs');
  assert.equal(allocs.defaultSampleType, 'alloc_space');
  const g = parsePprof(readFileSync(join(testdata, 'goroutine.pb.gz')), 'goroutine');
  assert.deepEqual(g.sampleTypes, [{ type: 'goroutine', unit: 'count' }]);
  assert.equal(
    g.samples.reduce((a, s) => a + s.values[0], 0),
    9,
  );
});

test('synthetic profiles: packed and unpacked, string labels, comments, negatives', () => {
  for (const seed of [1, 2, 3]) {
    const p = randomProfile(seed);
    p.strings.push('handler', '/api', 'a comment');
    const n = p.strings.length;
    p.samples[0].labels = [
      { key: n - 3, str: n - 2 },
      { key: 4, num: 512n },
    ];
    p.comments = [n - 1];
    for (const packed of [true, false]) {
      const raw = encodeProfile(p, { packed, samplesLast: !packed });
      const ours = parsePprof(gzipSync(raw), 'synthetic');
      const ref = viaOracle(raw);
      assert.deepEqual(
        ours.samples.map((s) => s.values),
        ref.samples.map((s) => s.values),
      );
      assert.deepEqual(ours.samples[0].labels, { handler: '/api' });
      assert.deepEqual(ours.samples[0].numLabels, { bytes: 512 });
      assert.deepEqual(ours.comments, ['a comment']);
      assert.equal(ours.timeNanos, 1_700_000_000_123_456_789n);
    }
  }
});

test('a value beyond 2^53 is refused loudly, not rounded', () => {
  const p = randomProfile(9, { samples: 3 });
  p.samples[1].values[1] = (1n << 53n) + 1n;
  assert.throws(
    () => parsePprof(encodeProfile(p), 'big.pb'),
    (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.match(
        e.message,
        /^big\.pb: pprof sample value outside ±2\^53 cannot be held exactly \(heapsight top\/diff are exact for any int64\), at byte \d+$/,
      );
      return true;
    },
  );
});

test('bad input: empty, HTML, JSON, text, truncated protobuf, truncated gzip', () => {
  const gz = readFileSync(join(testdata, 'heap-base.pb.gz'));
  const raw = gunzipSync(gz);
  const expect = (bytes: Uint8Array, message: string | RegExp) =>
    assert.throws(
      () => parsePprof(bytes, 'in'),
      (e: unknown) => {
        assert.ok(e instanceof InputError, String(e));
        if (typeof message === 'string') assert.equal(e.message, `in: ${message}`);
        else assert.match(e.message, message);
        return true;
      },
    );
  expect(new Uint8Array(0), 'expected a pprof profile (gzip or protobuf), got an empty input');
  expect(Buffer.from('<!doctype html>\n<html><head><title>Login</title></head></html>'), 'expected a pprof profile (gzip or protobuf), got an HTML page');
  expect(Buffer.from('{"memstats": {}}'), 'expected a pprof profile (gzip or protobuf), got JSON');
  expect(Buffer.from('heap profile: 1: 2 [3: 4] @ heap/1048576\n'), 'expected a pprof profile (gzip or protobuf), got a heap profile in text form (debug=1)');
  expect(raw.subarray(0, raw.length - 3), /^in: pprof protobuf truncated at byte \d+ of \d+$/);
  expect(gz.subarray(0, gz.length - 10), `gzip stream truncated at byte ${gz.length - 10}`);
  expect(gzipSync(Buffer.alloc(4 << 20)), /^in: /);
});

test('without a cap from the caller, a profile inflating past DEFAULT_MAX_PROFILE_BYTES is a cap error, under 1 GiB', () => {
  // 256 MiB is the default: well under issue 11's 1 GiB peak RSS with the inflated buffer held.
  assert.equal(DEFAULT_MAX_PROFILE_BYTES, 256 * 1024 * 1024);
  const zeros = gzipSync(Buffer.alloc(64 << 20), { level: 9 });
  const bomb = Buffer.concat(Array.from({ length: DEFAULT_MAX_PROFILE_BYTES / (64 << 20) + 1 }, () => zeros));
  assert.throws(
    () => parsePprof(bomb, 'bomb.pb.gz'),
    (e: unknown) => e instanceof InputError && e.kind === 'cap' && e.message.includes(String(DEFAULT_MAX_PROFILE_BYTES)),
  );
  // Exactly the cap inflates (the bytes then fail as protobuf, not as too big).
  assert.throws(
    () => parsePprof(Buffer.concat(Array.from({ length: DEFAULT_MAX_PROFILE_BYTES / (64 << 20) }, () => zeros)), 'at-cap.pb.gz'),
    (e: unknown) => e instanceof InputError && e.kind !== 'cap',
  );
});
