import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGctraceLog } from '../sources/gctrace.js';
import { GctraceCapture } from './gctrace-capture.js';

const testdata = new URL('../sources/testdata/gctrace/', import.meta.url);

function tmp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-gctrace-capture-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Deterministic piece sizes (a fixed-seed LCG), some cutting lines, trace records and UTF-8 sequences. */
function* pieces(bytes: Buffer, seed: number): Generator<Buffer> {
  let x = seed;
  for (let at = 0; at < bytes.length;) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const n = 1 + (x % 700);
    yield bytes.subarray(at, at + n);
    at += n;
  }
}

for (const name of ['go1.19-interleaved.stderr.txt', 'go1.19-interleaved-long-gaps.stderr.txt', 'go1.19-madvdontneed0.stderr.txt']) {
  test(`a log written in pieces and polled after each gives the records of the whole file: ${name}`, (t) => {
    const dir = tmp(t);
    // Application output with multi-byte characters, so that reads also cut UTF-8 sequences.
    const whole = Buffer.from(readFileSync(new URL(name, testdata), 'utf8').replace(/APP line/g, 'APP ligne été'));
    const log = join(dir, 'service.log');
    const out = join(dir, 'gctrace.log');
    const capture = new GctraceCapture(log, out);
    assert.deepEqual(capture.poll(), { gcCycles: [], scavenges: [] }, 'no log yet: nothing, no error');
    const got = { gcCycles: [] as unknown[], scavenges: [] as unknown[] };
    for (const piece of pieces(whole, 7)) {
      appendFileSync(log, piece);
      const b = capture.poll();
      got.gcCycles.push(...b.gcCycles);
      got.scavenges.push(...b.scavenges);
    }
    const last = capture.poll(true);
    got.gcCycles.push(...last.gcCycles);
    got.scavenges.push(...last.scavenges);

    const expected = parseGctraceLog(whole, name);
    assert.ok(expected.gcCycles.length >= 20, `${expected.gcCycles.length} cycles in the capture`);
    assert.deepEqual(got.gcCycles, expected.gcCycles);
    assert.deepEqual(got.scavenges, expected.scavenges);
    assert.equal(capture.cycleCount, expected.gcCycles.length);

    const copied = readFileSync(out, 'utf8');
    assert.doesNotMatch(copied, /APP|été/, 'no application output in the recording');
    const strip = <T extends { lineNo?: number }>(rs: T[]) => rs.map(({ lineNo: _, ...r }) => r);
    const reread = parseGctraceLog(copied, out);
    assert.deepEqual(strip(reread.gcCycles), strip(expected.gcCycles));
    assert.deepEqual(strip(reread.scavenges), strip(expected.scavenges));
  });
}

test('a truncated log (copytruncate) is read again from its top', (t) => {
  const dir = tmp(t);
  const log = join(dir, 'service.log');
  const capture = new GctraceCapture(log, join(dir, 'gctrace.log'));
  const line = (n: number) =>
    `gc ${n} @${n}.000s 0%: 0.010+0.20+0.002 ms clock, 0.020+0/0.1/0+0.004 ms cpu, 40->40->20 MB, 41 MB goal, 0 MB stacks, 0 MB globals, 2 P\n`;
  writeFileSync(log, 'starting\n' + line(1) + line(2));
  assert.deepEqual(
    capture.poll().gcCycles.map((c) => c.n),
    [1, 2],
  );
  writeFileSync(log, line(3));
  assert.deepEqual(
    capture.poll().gcCycles.map((c) => c.n),
    [3],
  );
  appendFileSync(log, line(4).slice(0, 30));
  assert.deepEqual(capture.poll().gcCycles, [], 'half a line waits');
  appendFileSync(log, line(4).slice(30));
  assert.deepEqual(
    capture.poll().gcCycles.map((c) => c.n),
    [4],
  );
});

test('output that never ends its line is not held in memory, and the trace after it is still read', (t) => {
  const dir = tmp(t);
  const log = join(dir, 'service.log');
  const capture = new GctraceCapture(log, join(dir, 'gctrace.log'));
  const line = 'gc 7 @3.000s 0%: 0.010+0.20+0.002 ms clock, 0.020+0/0.1/0+0.004 ms cpu, 40->40->20 MB, 41 MB goal, 0 MB stacks, 0 MB globals, 2 P\n';
  writeFileSync(log, 'x'.repeat(3 * 1024 * 1024));
  assert.deepEqual(capture.poll().gcCycles, []);
  appendFileSync(log, '\n' + line);
  assert.deepEqual(
    capture.poll().gcCycles.map((c) => c.n),
    [7],
  );
});
