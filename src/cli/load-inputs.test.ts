// loadInputs on real captured files (the readers' testdata, produced by our Go programs): each format
// lands in the right part of the Recording, /proc files join the snapshot before them, and bad input is
// an InputError naming the file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../sources/input-error.js';
import { repoRoot } from '../test-support/toolchain.js';
import { loadInputs } from './load-inputs.js';

const td = (p: string) => join(repoRoot, 'src/sources/testdata', p);

test('a recording directory loads whole', async () => {
  const rec = await loadInputs([td('recording/target-churn')]);
  assert.equal(rec.samples.length, 10);
  assert.equal(rec.heapProfiles.length, 4);
  assert.ok(rec.goroutineSnapshots.length >= 4);
  assert.ok(rec.gcCycles.length >= 1);
  assert.equal(rec.meta?.format, 'heapsight-recording');
});

test('loose files of every kind go where they belong', async () => {
  const rec = await loadInputs([
    td('pprof/heap-base.pb.gz'),
    td('pprof/heap-default.pb.gz'),
    td('goroutine/debug0.pb.gz'),
    td('goroutine/debug1.txt'),
    td('goroutine/debug2.txt'),
    td('gctrace/go1.19-interleaved.stderr.txt'),
    td('samples-jsonl/vars.jsonl'),
  ]);
  assert.equal(rec.heapProfiles.length, 2);
  assert.ok(
    rec.heapProfiles.every((p) => p.t !== undefined && p.t > 1.7e12),
    'profile time_nanos becomes t',
  );
  assert.equal(rec.goroutineSnapshots.length, 3);
  assert.deepEqual(
    rec.goroutineSnapshots.map((g) => g.kind),
    ['proto', 'debug1', 'debug2'],
  );
  assert.ok(rec.gcCycles.length > 5);
  assert.ok(rec.samples.length >= 2);
});

test('an expvar snapshot followed by /proc status and smaps_rollup is one sample', async () => {
  const rec = await loadInputs([td('expvar/go1.19-vars.json'), td('proc/status-released-madvfree.txt'), td('proc/smaps_rollup-released-madvfree.txt')]);
  assert.equal(rec.samples.length, 1);
  const s = rec.samples[0];
  assert.equal(s.source, 'expvar');
  assert.ok(s.heapAlloc! > 0);
  assert.ok(s.rss! > 0, 'RSS from status');
  assert.ok(s.lazyFree! > 0, 'LazyFree from smaps_rollup');
});

test('a Prometheus exposition snapshot loads as a sample with the work metric', async () => {
  const rec = await loadInputs([td('prometheus/go1.19-default.txt')], { workMetric: 'go_memstats_mallocs_total' });
  assert.equal(rec.samples.length, 1);
  assert.equal(rec.samples[0].source, 'prometheus');
  assert.ok(rec.samples[0].work! > 0);
});

test('a text heap profile (debug=1), gzip or not, is a heap profile and a MemStats snapshot', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-load-'));
  try {
    const text = readFileSync(td('heap-debug1/go1.27-after-burst.txt'));
    const gz = join(dir, 'heap.gz');
    writeFileSync(gz, gzipSync(text));
    const rec = await loadInputs([td('heap-debug1/go1.19-after-burst.txt'), gz]);
    assert.equal(rec.heapProfiles.length, 2);
    assert.ok(rec.heapProfiles.every((p) => p.profile.sampleTypes.at(-1)?.type === 'inuse_space' && p.profile.samples.length > 0));
    assert.equal(rec.samples.length, 2);
    assert.equal(rec.samples[1].heapReleased, Number(/^# HeapReleased = (\d+)$/m.exec(text.toString())![1]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad input: an HTML page, a missing path, a plain directory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-load-'));
  try {
    const html = join(dir, 'vars.json');
    writeFileSync(html, '<!doctype html><html><body>login</body></html>');
    await assert.rejects(loadInputs([html]), (e: unknown) => e instanceof InputError && e.message.includes(html) && /HTML page/.test(e.message));
    await assert.rejects(loadInputs([join(dir, 'nope')]), (e: unknown) => e instanceof InputError && /no such file/.test(e.message));
    await assert.rejects(loadInputs([dir]), (e: unknown) => e instanceof InputError && /recording directory/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Issue 11: spreading 200,000 records into push() overflowed the stack ("Maximum call stack size exceeded").
test('200,000 gctrace cycles and JSON-lines samples load without overflowing the stack', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-load-big-'));
  try {
    const n = 200_000;
    const gc = join(dir, 'gctrace.log');
    const lines: string[] = [];
    for (let i = 1; i <= n; i++)
      lines.push(`gc ${i} @${i}.000s 0%: 0.007+12+0.006 ms clock, 0.015+0/0.074/3.3+0.012 ms cpu, 3->5->2 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P\n`);
    writeFileSync(gc, lines.join(''));
    const jsonl = join(dir, 'samples.jsonl');
    lines.length = 0;
    for (let i = 0; i < n; i++) lines.push(`{"source":"expvar","t":${1_700_000_000_000 + i * 1000},"heapAlloc":"${1000 + i}"}\n`);
    writeFileSync(jsonl, lines.join(''));
    const rec = await loadInputs([gc, jsonl]);
    assert.equal(rec.gcCycles.length, n);
    assert.equal(rec.samples.length, n);
    assert.equal(rec.gcCycles[n - 1].n, n);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a debug=2 dump is streamed from its file, gzip or plain, with the same result', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-load-d2-'));
  try {
    const text = readFileSync(td('goroutine/debug2.txt'));
    const gz = join(dir, 'dump.gz');
    writeFileSync(gz, gzipSync(text));
    const [plain, zipped] = [await loadInputs([td('goroutine/debug2.txt')]), await loadInputs([gz])];
    assert.equal(plain.goroutineSnapshots.length, 1);
    assert.ok(plain.goroutineSnapshots[0].total > 0);
    assert.deepEqual(zipped.goroutineSnapshots[0].groups, plain.goroutineSnapshots[0].groups);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an input read whole past its cap is refused before it is read, naming the cap and the flag', async () => {
  const vars = td('expvar/go1.19-vars.json');
  await assert.rejects(
    loadInputs([vars], { maxHeldBytes: 1000 }),
    (e: unknown) =>
      e instanceof InputError &&
      /^.*go1\.19-vars\.json: file is \d+ bytes, past the 1000-byte cap for an input analyze reads whole \(raise --max-bytes if this is expected\)$/.test(
        e.message,
      ),
  );
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-load-cap-'));
  try {
    // Compressed under the cap, inflating past it: stopped at the cap.
    const gz = join(dir, 'vars.json.gz');
    writeFileSync(gz, gzipSync(readFileSync(vars)));
    await assert.rejects(
      loadInputs([gz], { maxHeldBytes: 2000 }),
      (e: unknown) => e instanceof InputError && /gzip data inflates past the 2000-byte cap/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a streamed gctrace log or samples.jsonl past the held cap: a cap error naming the file, the cap and the flag', async () => {
  const gc = td('gctrace/go1.19-madvdontneed0.stderr.txt');
  await assert.rejects(loadInputs([gc], { maxHeldBytes: 1000 }), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.equal(e.kind, 'cap');
    assert.match(
      e.message,
      /^.*madvdontneed0\.stderr\.txt: holds more than 1000 bytes of gc\/scav trace lines \(\d+ records by line \d+\), past the cap for what analyze keeps \(raise --max-bytes if this is expected, or pass fewer lines\)$/,
    );
    return true;
  });
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-load-cap-'));
  try {
    const jsonl = join(dir, 'samples.jsonl');
    writeFileSync(jsonl, Array.from({ length: 100 }, (_, i) => `{"source":"expvar","t":${1_700_000_000_000 + i * 1000},"heapAlloc":"${1000 + i}"}\n`).join(''));
    await assert.rejects(loadInputs([jsonl], { maxHeldBytes: 2000 }), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.equal(e.kind, 'cap');
      assert.match(
        e.message,
        /samples\.jsonl: holds more samples than the 2000-byte cap for what analyze keeps allows \(\d+ by line \d+, .*raise --max-bytes if this is expected\)$/,
      );
      return true;
    });
    assert.equal((await loadInputs([jsonl], { maxHeldBytes: 1 << 20 })).samples.length, 100);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a never-ending line in a streamed gctrace log is an input error, not a buffer without bound', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-load-line-'));
  try {
    const gc = join(dir, 'gctrace.log');
    writeFileSync(gc, 'gc 1 @0.010s 0%: 0.007+12+0.006 ms clock, 0.015+0/0.074/3.3+0.012 ms cpu, 3->5->2 MB, 4 MB goal, 2 P\n' + 'x'.repeat(3 << 20));
    await assert.rejects(loadInputs([gc]), /gctrace\.log: line 2 \(at byte \d+\) is longer than 1048576 bytes .*not a gctrace log$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Issue 11 item 4: `analyze <(zcat trace.gz)` or `… | analyze /dev/stdin` failed with ESPIPE, reported as a
// heapsight bug: the head read for detection cannot be read again from a pipe. A pipe is read once.
test('a pipe is read once, whole: the same cycles as the file, and an endless device stops at the cap', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-fifo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(repoRoot, 'src/sources/testdata/gctrace/go1.19-interleaved.stderr.txt');
  const fifo = join(dir, 'trace.fifo');
  execFileSync('mkfifo', [fifo]);
  const writer = createWriteStream(fifo);
  writer.end(readFileSync(log));
  const [viaPipe] = await Promise.all([loadInputs([fifo]), once(writer, 'close')]);
  const viaFile = await loadInputs([log]);
  assert.ok(viaFile.gcCycles.length > 10);
  assert.deepEqual(viaPipe.gcCycles, viaFile.gcCycles);
  await assert.rejects(
    loadInputs(['/dev/zero'], { maxHeldBytes: 1 << 20 }),
    (e: unknown) => e instanceof InputError && e.kind === 'cap' && e.origin === '/dev/zero',
  );
});

test('a URL given to analyze is an argument error that says what to use, not "no such file"', async () => {
  await assert.rejects(
    loadInputs(['http://127.0.0.1:1/debug/vars']),
    (e: unknown) =>
      e instanceof InputError && e.kind === 'argument' && e.message.startsWith('http://127.0.0.1:1/debug/vars: ') && e.message.includes('heapsight watch'),
  );
});
