import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { isGcCycle, parseGctraceLine, parseGctraceLog } from './gctrace.js';
import type { GcCycle, ScavengeReport } from '../model/memory.js';
import { buildGoProgram } from '../test-support/toolchain.js';
import { expectInputError } from '../test-support/input-errors.js';

const dir = new URL('./testdata/gctrace/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, dir));
const MiB = 2 ** 20;

const withoutLineNo = <T extends { lineNo?: number }>(xs: T[]) => xs.map(({ lineNo: _, ...rest }) => rest);

/** `after ... numgc=N heapalloc=H heapreleased=R` lines the capture program printed on stdout. */
function memstatsReports(stdout: string): { what: string; numGC: number; heapAlloc: number; heapReleased: number }[] {
  return [...stdout.matchAll(/^(.*) numgc=(\d+) heapalloc=(\d+) heapreleased=(\d+)$/gm)].map((m) => ({
    what: m[1],
    numGC: Number(m[2]),
    heapAlloc: Number(m[3]),
    heapReleased: Number(m[4]),
  }));
}

function checkAgainstMemStats(log: { gcCycles: GcCycle[]; scavenges: ScavengeReport[] }, stdout: string): void {
  const reports = memstatsReports(stdout);
  assert.ok(reports.length >= 9);
  for (const r of reports) {
    const cycle = log.gcCycles.find((c) => c.n === r.numGC);
    assert.ok(cycle, `gc ${r.numGC} in the trace`);
    // Right after runtime.GC, HeapAlloc ≈ bytes marked; gctrace prints them as truncated MiB (3rd number).
    assert.ok(Math.abs(cycle.liveHeapBytes - r.heapAlloc) < MiB, `${r.what}: gctrace live ${cycle.liveHeapBytes} vs HeapAlloc ${r.heapAlloc}`);
    assert.equal(cycle.liveHeapBytes % MiB, 0);
    assert.equal(cycle.forced, true, `${r.what}: runtime.GC/FreeOSMemory cycles are forced`);
  }
  // The 96 MiB spike is visible as live heap in gctrace's third number, not only in the first two.
  const spike = reports.find((r) => r.what.includes('with spike'))!;
  assert.ok(log.gcCycles.find((c) => c.n === spike.numGC)!.liveHeapBytes >= 96 * MiB);
  // FreeOSMemory's scavenger report is forced and its total is HeapReleased at that moment (the program's
  // own ReadMemStats/fmt afterwards may reuse a few released pages: within 1 MiB).
  const free = reports.find((r) => r.what.includes('FreeOSMemory'))!;
  const last = log.scavenges.at(-1)!;
  assert.equal(last.forced, true);
  assert.ok(Math.abs(last.totalReleasedBytes - free.heapReleased) < MiB, `scav total ${last.totalReleasedBytes} vs HeapReleased ${free.heapReleased}`);
  assert.ok(last.totalReleasedBytes > 96 * MiB);
}

test('captured go1.19 log with application output inside trace lines: every cycle recovered', () => {
  const raw = read('go1.19-interleaved.stderr.txt');
  const log = parseGctraceLog(raw, 'interleaved');
  assert.deepEqual(
    log.gcCycles.map((c) => c.n),
    Array.from({ length: log.gcCycles.length }, (_, i) => i + 1),
  );
  assert.equal(log.skippedLines, 0);
  // Oracle: the application wrote exactly "APP line N\n" per write, so deleting those bytes from the
  // stream leaves the runtime's output as it wrote it, one trace line per line.
  const text = Buffer.from(raw).toString('utf8');
  const pure = text.replace(/APP line \d+\n/g, '');
  assert.ok(pure.length < text.length / 2);
  const oracle = pure
    .split('\n')
    .map(parseGctraceLine)
    .filter((r) => r !== undefined);
  assert.deepEqual(withoutLineNo(log.gcCycles), withoutLineNo(oracle.filter(isGcCycle)));
  assert.deepEqual(withoutLineNo(log.scavenges), withoutLineNo(oracle.filter((r) => !isGcCycle(r))));
  // The capture really is interleaved: lines that hold a trace piece followed by application output.
  const pieces = text.split('\n').filter((l) => /^(gc|scav| @| ms|\d|\+|\/|->| MB| KiB|%| P)/.test(l) && /APP line/.test(l));
  assert.ok(pieces.length >= 20, `interleaved pieces: ${pieces.length}`);
  const first = log.gcCycles[0];
  assert.equal(first.lineNo, text.split('\n').findIndex((l) => l.startsWith('gc APP line')) + 1);
  checkAgainstMemStats(log, Buffer.from(read('go1.19-interleaved.stdout.txt')).toString('utf8'));
});

test('captured go1.19 log with 277 application lines between two pieces of one trace line', () => {
  const raw = read('go1.19-interleaved-long-gaps.stderr.txt');
  const log = parseGctraceLog(raw, 'gaps');
  assert.equal(log.skippedLines, 0);
  assert.deepEqual(
    log.gcCycles.map((c) => c.n),
    Array.from({ length: log.gcCycles.length }, (_, i) => i + 1),
  );
  const oracle = Buffer.from(raw)
    .toString('utf8')
    .replace(/APP line \d+\n/g, '')
    .split('\n')
    .map(parseGctraceLine)
    .filter((r) => r !== undefined);
  assert.deepEqual(withoutLineNo(log.gcCycles), withoutLineNo(oracle.filter(isGcCycle)));
  assert.deepEqual(withoutLineNo(log.scavenges), withoutLineNo(oracle.filter((r) => !isGcCycle(r))));
});

test('captured go1.19 log with GODEBUG=madvdontneed=0', () => {
  const log = parseGctraceLog(read('go1.19-madvdontneed0.stderr.txt'), 'madv');
  assert.equal(log.skippedLines, 0);
  assert.deepEqual(
    log.gcCycles.map((c) => c.n),
    Array.from({ length: log.gcCycles.length }, (_, i) => i + 1),
  );
  for (const c of log.gcCycles) {
    assert.equal(c.clockMs.length, 3);
    assert.equal(c.procs, 2);
    assert.ok(c.heapStartBytes >= 0 && c.liveHeapBytes <= c.heapEndBytes + 0);
    assert.equal(c.stacksBytes, 0);
  }
  checkAgainstMemStats(log, Buffer.from(read('go1.19-madvdontneed0.stdout.txt')).toString('utf8'));
});

test('formats of Go 1.5 through 1.21+ (quoted and template lines)', () => {
  const log = parseGctraceLog(read('reference-formats.txt'), 'ref');
  const byN = new Map(log.gcCycles.map((c) => [c.n, c]));
  // go1.5.3: five clock phases, no stacks/globals.
  assert.deepEqual(byN.get(4), {
    n: 4,
    atSeconds: 0.714,
    cpuPercent: 0,
    clockMs: [0.16, 0.5, 3.8, 9.9, 0.17],
    heapStartBytes: 3 * MiB,
    heapEndBytes: 3 * MiB,
    liveHeapBytes: 3 * MiB,
    goalBytes: 3 * MiB,
    procs: 32,
    forced: false,
    lineNo: 4,
  });
  // go1.16: the live heap is the third number (125), not the first two.
  const g46 = byN.get(46)!;
  assert.equal(g46.liveHeapBytes, 125 * MiB);
  assert.equal(g46.heapStartBytes, 259 * MiB);
  assert.equal(g46.stacksBytes, undefined);
  assert.equal(byN.get(5)!.forced, true);
  assert.equal(byN.get(30)!.liveHeapBytes, 20 * MiB);
  assert.equal(byN.get(30)!.forced, true);
  // The quoted interleaved line is reassembled across the application's write.
  const g32 = byN.get(32)!;
  assert.equal(g32.liveHeapBytes, 0);
  assert.equal(g32.heapStartBytes, 29 * MiB);
  assert.equal(g32.forced, true);
  assert.equal(g32.lineNo, 18);
  const g47 = byN.get(47)!; // behind a containerd/kubectl prefix
  assert.equal(g47.stacksBytes, 1 * MiB);
  assert.equal(g47.globalsBytes, 2 * MiB);
  assert.equal(g47.liveHeapBytes, 130 * MiB);
  assert.equal(byN.has(48), false); // cut by the end of the log
  assert.equal(log.skippedLines, 1);

  const scav = log.scavenges.map((s) => [s.releasedBytes / 1024, s.totalReleasedBytes / 1024, s.utilPercent, s.forced]);
  assert.deepEqual(scav, [
    [1024, 2048, 63, false], // 1.14–1.18 with cycle number
    [512, 2560, 70, true],
    [0, 3656, 71, false], // 1.19
    [15360, 17408, 63, false],
    [680, 51392, 74, true],
    [0, 51392, 80, false], // [controller reset]
    [3072, 8192, 55, false], // 1.21+: bg + eager
    [4096, 12288, 90, true],
    [4096, 10240, 80, false], // prefixed
    [12 * 1024, 12 * 1024, 38, false], // scvg3: util = 5 / (5 + 20 − 12)
    [8 * 1024, 20 * 1024, 100, true], // scvg-1 = FreeOSMemory
  ]);
});

test('parseGctraceLine: one line, prefixes allowed, anything else undefined', () => {
  const g = parseGctraceLine(
    'I1126 12:00:00 gc 7 @2.5s 4%: 0.01+1.2+0.02 ms clock, 0.1+0.2/0.3/0.4+0.5 ms cpu, 12->14->6 MB, 13 MB goal, 0 MB stacks, 0 MB globals, 4 P',
  );
  assert.ok(g && isGcCycle(g));
  assert.equal(g.liveHeapBytes, 6 * MiB);
  assert.equal(g.goalBytes, 13 * MiB);
  const s = parseGctraceLine('scav 64 KiB work, 128 KiB total, 99% util');
  assert.ok(s && !isGcCycle(s));
  assert.equal(s.releasedBytes, 64 * 1024);
  assert.equal(parseGctraceLine('GET /healthz 200'), undefined);
  assert.equal(parseGctraceLine('gc 3 @0.1s 1%: 0.01+1.2'), undefined);
});

test('docker json-file log lines and gzip-compressed logs', () => {
  const line = 'gc 1 @0.010s 3%: 0.014+0.77+0.006 ms clock, 0.028+0.61/0.18/0.30+0.013 ms cpu, 4->4->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P';
  const json = `{"log":"${line}\\n","stream":"stderr","time":"2024-01-01T00:00:00Z"}\n{"log":"scav 0 KiB work, 3656 KiB total, 71% util\\n","stream":"stderr"}\n`;
  const log = parseGctraceLog(json, 'docker.json');
  assert.equal(log.gcCycles.length, 1);
  assert.equal(log.gcCycles[0].liveHeapBytes, MiB);
  assert.equal(log.scavenges.length, 1);
  const gz = parseGctraceLog(gzipSync(read('go1.19-madvdontneed0.stderr.txt')), 'log.gz');
  assert.equal(gz.gcCycles.length, parseGctraceLog(read('go1.19-madvdontneed0.stderr.txt'), 'log').gcCycles.length);
});

test('bad input: wrong formats rejected in one line; empty and trace-less logs are not errors unless required', () => {
  assert.deepEqual(parseGctraceLog('', 'empty'), { gcCycles: [], scavenges: [], skippedLines: 0, totalLines: 0 });
  const appOnly = parseGctraceLog('starting\nlistening on :8080\n', 'app.log');
  assert.equal(appOnly.gcCycles.length, 0);
  assert.equal(appOnly.totalLines, 2);
  expectInputError(
    () => parseGctraceLog('starting\nlistening on :8080\n', 'app.log', { requireTraceLines: true }),
    /^app\.log: expected GODEBUG=gctrace=1 output \(lines like "gc 1 @0\.010s 3%: \.\.\."\), found no gc or scav line among 2 lines$/,
  );
  expectInputError(() => parseGctraceLog('', 'empty', { requireTraceLines: true }), /found no gc or scav line among 0 lines/);
  expectInputError(() => parseGctraceLog('<!doctype html><html><body>Login</body></html>', 'h'), /^h: expected GODEBUG=gctrace=1 output, got an HTML page$/);
  expectInputError(() => parseGctraceLog('{"memstats":{}}', 'j'), /expected GODEBUG=gctrace=1 output, got JSON$/);
  expectInputError(() => parseGctraceLog('# HELP go_goroutines x\n# TYPE go_goroutines gauge\ngo_goroutines 3\n', 'm'), /got Prometheus text exposition$/);
  expectInputError(() => parseGctraceLog(new Uint8Array([0, 1, 2, 3, 200, 201, 202, 5, 6, 7, 8, 9]), 'b'), /got binary data$/);
  expectInputError(() => parseGctraceLog(read('reference-formats.txt'), 'big', { maxBytes: 1000 }), /past the 1000-byte cap/);
  const truncatedGz = gzipSync(read('go1.19-madvdontneed0.stderr.txt')).subarray(0, 3000);
  expectInputError(() => parseGctraceLog(truncatedGz, 'cut.gz'), /gzip stream truncated at byte 3000/);
});

test('live: a fresh capture under GODEBUG=gctrace=1,scavtrace=1 parses and matches MemStats', () => {
  const bin = buildGoProgram('src/sources/testdata/capture/gctrace');
  const r = spawnSync(bin, [], {
    env: { ...process.env, GOMAXPROCS: '2', GODEBUG: 'gctrace=1,scavtrace=1' },
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * MiB,
  });
  assert.equal(r.status, 0, r.stderr.slice(-500));
  const log = parseGctraceLog(r.stderr, 'live');
  assert.equal(log.skippedLines, 0);
  assert.deepEqual(
    log.gcCycles.map((c) => c.n),
    Array.from({ length: log.gcCycles.length }, (_, i) => i + 1),
  );
  const oracle = r.stderr
    .replace(/APP line \d+\n/g, '')
    .split('\n')
    .map(parseGctraceLine)
    .filter((x) => x !== undefined);
  assert.deepEqual(withoutLineNo(log.gcCycles), withoutLineNo(oracle.filter(isGcCycle)));
  assert.deepEqual(withoutLineNo(log.scavenges), withoutLineNo(oracle.filter((x) => !isGcCycle(x))));
  checkAgainstMemStats(log, r.stdout);
});

test('keepText: the trace text of each record, without the application output, parses to the same records', () => {
  for (const name of ['go1.19-interleaved.stderr.txt', 'go1.19-interleaved-long-gaps.stderr.txt', 'go1.19-madvdontneed0.stderr.txt', 'reference-formats.txt']) {
    const mixed = parseGctraceLog(read(name), name, { keepText: true });
    const lines = mixed.traceLines!;
    assert.equal(lines.length, mixed.gcCycles.length + mixed.scavenges.length, name);
    assert.ok(
      lines.every((l) => !/APP|MARK/.test(l)),
      `${name}: application output left in ${lines.find((l) => /APP|MARK/.test(l))}`,
    );
    const clean = parseGctraceLog(lines.join('\n') + '\n', `${name} (clean)`);
    const strip = <T extends { lineNo?: number }>(rs: T[]) => rs.map(({ lineNo: _, ...r }) => r);
    assert.deepEqual(strip(clean.gcCycles), strip(mixed.gcCycles), name);
    assert.deepEqual(strip(clean.scavenges), strip(mixed.scavenges), name);
    assert.equal(clean.skippedLines, 0, name);
  }
});
