import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { parseGoroutineDebug1, readGoroutineDebug2, stripArgs, parseGoLabels } from './goroutine-text.js';
import { InputError } from './input-error.js';
import type { GoroutineGroup, GoroutineSnapshot } from '../model/goroutines.js';

const here = dirname(fileURLToPath(import.meta.url));
const gdir = join(here, 'testdata', 'goroutine');
const debug1 = readFileSync(join(gdir, 'debug1.txt'));
const debug2 = readFileSync(join(gdir, 'debug2.txt'));
const debug2Text = debug2.toString('utf8');
const mainGo = join(gdir, 'gen', 'main.go');
/** Where main.go was when the testdata was captured (gen/capture.sh), as the runtime printed it. */
const capturedMainGo = '/work/main/src/sources/testdata/goroutine/gen/main.go';

/** Line number of the nth line of main.go containing `needle`: expectations come from the program. */
function lineOf(needle: string, nth = 0): number {
  const lines = readFileSync(mainGo, 'utf8').split('\n');
  const hits = lines.flatMap((l, i) => (l.includes(needle) ? [i + 1] : []));
  assert.ok(hits.length > nth, `main.go has no line ${nth} containing ${needle}`);
  return hits[nth];
}

function groupsWith(s: GoroutineSnapshot, leaf: string): GoroutineGroup[] {
  return s.groups.filter((g) => g.stack.some((f) => f.function === leaf));
}

async function rejects(p: Promise<unknown> | (() => unknown), re: RegExp): Promise<void> {
  const run = typeof p === 'function' ? Promise.resolve().then(p) : p;
  await assert.rejects(run, (err: unknown) => {
    assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
    assert.match(err.message, re);
    assert.ok(!err.message.includes('\n'), 'message is one line');
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// debug=1

test('debug=1: captured dump from gen/main.go', () => {
  const s = parseGoroutineDebug1(debug1, 'debug1.txt');
  assert.equal(s.kind, 'debug1');
  assert.equal(s.total, 27);
  assert.equal(
    s.groups.reduce((n, g) => n + g.count, 0),
    27,
  );
  // The 4 + 2 recvForever goroutines share one stack although two functions created them.
  const recv = groupsWith(s, 'main.recvForever');
  assert.equal(recv.length, 1);
  assert.equal(recv[0].count, 6);
  assert.deepEqual(recv[0].stack, [{ function: 'main.recvForever', file: capturedMainGo, line: lineOf('func recvForever') }]);
  // Labels from pprof.Do are carried by the goroutines spawnLabelled starts.
  const sel = groupsWith(s, 'main.selectForever');
  assert.equal(sel.length, 1);
  assert.equal(sel[0].count, 3);
  assert.deepEqual(sel[0].labels, { role: 'selector' });
  // Generic function and method names survive; "+0x…" offsets are gone.
  assert.equal(groupsWith(s, 'main.waitOn[...]').length, 1);
  const run = groupsWith(s, 'main.(*pool).run')[0];
  assert.deepEqual(
    run.stack.map((f) => f.function),
    ['sync.runtime_notifyListWait', 'sync.(*Cond).Wait', 'main.(*pool).run'],
  );
  assert.equal(run.stack[2].line, lineOf('p.cond.Wait()'));
  // Tab-aligned columns with runs of tabs: the file is whole, the line numeric.
  const lock = groupsWith(s, 'main.lockMutex')[0];
  assert.deepEqual(lock.stack[2], { function: 'sync.(*Mutex).Lock', file: '/usr/lib/go-1.19/src/sync/mutex.go', line: 90 });
  // Leading runtime frames are hidden by the runtime but later ones (runtime.main) are shown.
  assert.deepEqual(
    groupsWith(s, 'main.main')[0].stack.map((f) => f.function),
    ['main.main', 'runtime.main'],
  );
  for (const g of s.groups) {
    assert.equal(g.state, undefined);
    assert.equal(g.createdBy, undefined);
  }
});

test('debug=1: CRLF line endings and gzip give the same snapshot', () => {
  const plain = parseGoroutineDebug1(debug1, 'x');
  const crlf = debug1.toString('utf8').replace(/\n/g, '\r\n');
  assert.deepEqual(parseGoroutineDebug1(crlf, 'x'), plain);
  assert.deepEqual(parseGoroutineDebug1(gzipSync(debug1), 'x'), plain);
});

test('debug=1: identical groups are merged; a symbol-less frame keeps its PC', () => {
  const text = [
    'goroutine profile: total 5',
    '2 @ 0x1 0x2',
    '#\t0x1\tmain.a+0x1\t/src/a b/main.go:3',
    '',
    '3 @ 0x1 0x2',
    '#\t0x1\tmain.a+0x1\t/src/a b/main.go:3',
    '',
  ].join('\n');
  const s = parseGoroutineDebug1(text, 'x');
  assert.equal(s.groups.length, 1);
  assert.equal(s.groups[0].count, 5);
  assert.equal(s.groups[0].stack[0].file, '/src/a b/main.go');
  const nosym = parseGoroutineDebug1('goroutine profile: total 1\n1 @ 0x4a\n#\t0x4a\n', 'x');
  assert.deepEqual(nosym.groups[0].stack, [{ function: '0x4a', file: '', line: 0 }]);
});

test('debug=1: broken inputs are InputErrors that say what was found', async () => {
  await rejects(() => parseGoroutineDebug1('', 'e'), /expected a goroutine profile in text form .* got an empty input/);
  await rejects(() => parseGoroutineDebug1('<!DOCTYPE html><html><title>Sign in</title></html>', 'e'), /got an HTML page/);
  await rejects(() => parseGoroutineDebug1('{"goroutines": 3}', 'e'), /got JSON/);
  await rejects(() => parseGoroutineDebug1(debug2, 'e'), /got a debug=2 goroutine dump/);
  // Truncated mid-block: a group header with no frames, and a dump cut after a few groups.
  const text = debug1.toString('utf8');
  const cutAfterCount = text.slice(0, text.indexOf('\n', text.indexOf('3 @')) + 1);
  await rejects(() => parseGoroutineDebug1(cutAfterCount, 'e'), /truncated or malformed: the group at line 5 \("3 @ \.\.\."\) has no frame lines/);
  const cutBetweenGroups = text.slice(0, text.indexOf('\n\n', text.indexOf('3 @')) + 2);
  await rejects(() => parseGoroutineDebug1(cutBetweenGroups, 'e'), /truncated: the header says total 27 but the groups add up to 9 goroutines/);
  const cutMidLine = text.slice(0, text.indexOf('main.selectForever') + 5);
  await rejects(() => parseGoroutineDebug1(cutMidLine, 'e'), /line 7: malformed frame line/);
  await rejects(
    () => parseGoroutineDebug1('goroutine profile: total 1\n1 @ 0x1\n#\t0x1\tmain.a+0x1\t' + 'x'.repeat(2000) + ':1\n', 'e', { maxLineBytes: 1000 }),
    /line 3 is 2\d+ characters long, past the 1000-byte line cap/,
  );
  await rejects(() => parseGoroutineDebug1('goroutine profile: total 1\nhello\n', 'e'), /line 2: expected "N @ 0x\.\.\." starting a group/);
});

// ---------------------------------------------------------------------------------------------
// debug=2

test('debug=2: captured dump: states, wait minutes, creators, frames', async () => {
  const s = await readGoroutineDebug2(debug2, 'debug2.txt');
  assert.equal(s.kind, 'debug2');
  assert.equal(s.total, 27);
  assert.equal(
    s.groups.reduce((n, g) => n + g.count, 0),
    27,
  );
  // Same stack, two creators: two groups.
  const recv = groupsWith(s, 'main.recvForever');
  assert.deepEqual(
    recv.map((g) => [g.count, g.createdBy?.function, g.createdBy?.line]).sort(),
    [
      [2, 'main.spawnPool', lineOf('go recvForever(block)', 0)],
      [4, 'main.main', lineOf('go recvForever(block)', 1)],
    ].sort(),
  );
  const states = new Map<string, number>();
  for (const g of s.groups) states.set(g.state!, (states.get(g.state!) ?? 0) + g.count);
  assert.deepEqual(Object.fromEntries([...states].sort()), {
    'IO wait': 4,
    'chan receive': 9,
    'chan receive (nil chan)': 1,
    'chan send': 2,
    running: 1,
    select: 3,
    'select (no cases)': 1,
    semacquire: 2,
    sleep: 1,
    'sync.Cond.Wait': 1,
    syscall: 2,
  });
  // The capture ran 65 s after GCs that preceded the blocking (gen/main.go -gc), so goroutines
  // parked since start show ", 1 minutes"; the ones serving the fetch were never stamped.
  assert.deepEqual([groupsWith(s, 'main.recvForever')[0].waitMinutesMin, groupsWith(s, 'main.recvForever')[0].waitMinutesMax], [1, 1]);
  const serving = s.groups.find((g) => g.state === 'running')!;
  assert.deepEqual([serving.waitMinutesMin, serving.waitMinutesMax], [0, 0]);
  assert.equal(serving.createdBy?.function, 'net/http.(*Server).Serve');
  // ", locked to thread" is not part of the state.
  assert.equal(groupsWith(s, 'main.lockedRecv')[0].state, 'chan receive');
  // Argument lists are stripped, including the "(...)" of inlined frames.
  const lock = groupsWith(s, 'main.lockMutex')[0];
  assert.deepEqual(
    lock.stack.map((f) => f.function),
    ['sync.runtime_SemacquireMutex', 'sync.(*Mutex).lockSlow', 'sync.(*Mutex).Lock', 'main.lockMutex'],
  );
  assert.deepEqual(lock.stack[2], { function: 'sync.(*Mutex).Lock', file: '/usr/lib/go-1.19/src/sync/mutex.go', line: 90 });
  assert.equal(lock.stack[3].line, lineOf('\tmu.Lock()'));
  assert.equal(groupsWith(s, 'main.waitOn[...]').length, 1);
  assert.equal(groupsWith(s, 'main.(*pool).run')[0].state, 'sync.Cond.Wait');
  assert.equal(groupsWith(s, 'main.main')[0].createdBy, undefined);
});

test('debug=2: chunk boundaries anywhere, CRLF, gzip, Node streams and strings all read the same', async () => {
  const plain = await readGoroutineDebug2(debug2, 'x');
  // Chunks of 1..7 bytes split every line, every CRLF pair and every UTF-8 sequence somewhere.
  async function* small(buf: Buffer): AsyncGenerator<Uint8Array> {
    let seed = 7;
    for (let i = 0; i < buf.length;) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const n = 1 + (seed % 7);
      yield new Uint8Array(buf.subarray(i, i + n));
      i += n;
    }
  }
  assert.deepEqual(await readGoroutineDebug2(small(debug2), 'x'), plain);
  const crlf = Buffer.from(debug2Text.replace(/\n/g, '\r\n'));
  assert.deepEqual(await readGoroutineDebug2(small(crlf), 'x'), plain);
  assert.deepEqual(await readGoroutineDebug2(small(gzipSync(debug2)), 'x'), plain);
  assert.deepEqual(await readGoroutineDebug2(Readable.from([debug2.subarray(0, 1000), debug2.subarray(1000)]), 'x'), plain);
  assert.deepEqual(await readGoroutineDebug2(debug2Text, 'x'), plain);
});

test('debug=2: lines too long for the parse caches read the same as short ones', async () => {
  // The reader remembers the parse of each distinct line up to 512 characters; longer ones (generated
  // names) are parsed each time. Both paths must give the same groups.
  const dump = (fn: string, file: string) =>
    [1, 2, 3]
      .map((id) => `goroutine ${id} [chan receive, 3 minutes]:\n${fn}(0xc000012345)\n\t${file}:30 +0x1b\ncreated by ${fn}\n\t${file}:12 +0x4d\n`)
      .join('\n');
  const short = await readGoroutineDebug2(dump('main.worker', '/src/main.go'), 'short');
  const longFn = 'main.' + 'x'.repeat(600);
  const longFile = '/src/' + 'd/'.repeat(300) + 'main.go';
  const long = await readGoroutineDebug2(dump(longFn, longFile), 'long');
  const rename = (s: GoroutineSnapshot) => JSON.stringify(s).replaceAll(longFn, 'main.worker').replaceAll(longFile, '/src/main.go');
  assert.equal(rename(long), JSON.stringify(short));
  assert.equal(long.groups.length, 1);
  assert.equal(long.groups[0].count, 3);
});

test('debug=2: header and frame variants of other Go versions', async () => {
  // Built from real blocks of the capture, rewritten the way newer runtimes print them.
  const block = debug2Text.split('\n\n').find((b) => b.includes('main.sendForever'))!;
  const variants = [
    block, // go1.19 as captured
    block.replace(/^goroutine (\d+) \[/, 'goroutine $1 gp=0xc000007340 m=nil [').replace(', 1 minutes', ' (scan), 3 minutes'),
    block.replace(/created by (\S+)/, 'created by $1 in goroutine 1'), // Go 1.21+
  ];
  const s = await readGoroutineDebug2(variants.join('\n\n') + '\n', 'x');
  assert.equal(s.total, 3);
  const groups = groupsWith(s, 'main.sendForever');
  assert.equal(groups.length, 1, 'all variants group with the captured block');
  assert.deepEqual([groups[0].waitMinutesMin, groups[0].waitMinutesMax, groups[0].state], [1, 3, 'chan send']);
  const labelled = block.replace(/\]:$/m, ', labels: {"role":"sender", "q":"a\\x41"}]:');
  const l = await readGoroutineDebug2(labelled + '\n', 'x');
  assert.deepEqual(l.groups[0].labels, { role: 'sender', q: 'aA' });
  assert.equal(l.groups[0].state, 'chan send');
  assert.equal(l.groups[0].waitMinutesMax, 1);
  const after = await readGoroutineDebug2(block.replace(/\]:$/m, '] {"role":"sender"}:').replace('chan send, ', 'chan send (leaked), ') + '\n', 'x');
  assert.deepEqual([after.groups[0].labels, after.groups[0].state], [{ role: 'sender' }, 'chan send']);
  const elided = block.replace(/(\n\t[^\n]*\n)(created by)/, '$1...additional frames elided...\n$2');
  assert.deepEqual((await readGoroutineDebug2(elided + '\n', 'x')).groups[0].stack, groups[0].stack);
  const other = 'goroutine 7 [running]:\n\tgoroutine running on other thread; stack unavailable\ncreated by main.main\n\t/src/main.go:9 +0x1d\n';
  const o = await readGoroutineDebug2(other, 'x');
  assert.deepEqual(o.groups[0].stack, []);
  assert.equal(o.groups[0].createdBy?.line, 9);
});

test('stripArgs keeps receivers, closures and type-parameter markers', () => {
  assert.equal(stripArgs('main.worker(0xc000012345, 0x3)'), 'main.worker');
  assert.equal(stripArgs('main.(*T).m(0xc0000a0948)'), 'main.(*T).m');
  assert.equal(stripArgs('main.(*T).m(...)'), 'main.(*T).m');
  assert.equal(stripArgs('main.f[...](0x0?)'), 'main.f[...]');
  assert.equal(stripArgs('main.(*Box[...]).Get(0x1, {0xc0000b4000, 0x3, 0x4})'), 'main.(*Box[...]).Get');
  assert.equal(stripArgs('main.main.func1()'), 'main.main.func1');
  assert.equal(stripArgs('main.main'), undefined);
  assert.deepEqual(parseGoLabels('{"a":"1", "b\\tc":"\\u00e9\\303\\251"}'), { a: '1', 'b\tc': 'éé' });
  assert.equal(parseGoLabels('{"a":1}'), undefined);
  // Go 1.27 traceback headers: bare where nothing needs quoting, quoted otherwise, ": " between.
  assert.deepEqual(parseGoLabels('{role: selector, "a b": "x\\"y", path: /v1/x_y.z, empty: }'), {
    role: 'selector',
    'a b': 'x"y',
    path: '/v1/x_y.z',
    empty: '',
  });
  assert.equal(parseGoLabels('{role: sel ector}'), undefined);
});

test('debug=2: broken inputs are InputErrors that say what was found', async () => {
  await rejects(readGoroutineDebug2(new Uint8Array(), 'e'), /expected a goroutine dump \(debug=2.*got an empty input/);
  await rejects(readGoroutineDebug2('\n\n', 'e'), /got text starting|got an empty input/);
  await rejects(readGoroutineDebug2('<!doctype html>\n<html><body>login</body></html>\n', 'e'), /got an HTML page/);
  await rejects(readGoroutineDebug2('{"goroutines":[1,2]}\n', 'e'), /got JSON/);
  await rejects(readGoroutineDebug2(debug1, 'e'), /got a debug=1 goroutine profile/);
  // Truncated right after a function line, after a header, and in the middle of a file line.
  const cutAfterFn = debug2Text.slice(0, debug2Text.indexOf('main.recvForever(0x0?)') + 'main.recvForever(0x0?)\n'.length);
  await rejects(readGoroutineDebug2(cutAfterFn, 'e'), /truncated at byte \d+: the frame at line \d+ has no "file:line" line after it/);
  const cutAfterHeader = debug2Text.slice(0, debug2Text.indexOf('goroutine 20 [') + 'goroutine 20 [chan receive, 1 minutes]:\n'.length);
  await rejects(readGoroutineDebug2(cutAfterHeader, 'e'), /truncated: goroutine 20 \(header at line \d+\) has no stack/);
  // The file line of the first recvForever frame, e.g. "\t/…/gen/main.go:28 +0x1b".
  const fnAt = debug2Text.indexOf('main.recvForever(0x0?)\n');
  assert.ok(fnAt > 0);
  const at = fnAt + 'main.recvForever(0x0?)\n'.length;
  const fileLine = debug2Text.slice(at, debug2Text.indexOf('\n', at));
  assert.match(fileLine, /^\t\/.*main\.go:\d+ \+0x[0-9a-f]+$/);
  const colon = at + fileLine.lastIndexOf(':');
  await rejects(readGoroutineDebug2(debug2Text.slice(0, colon - 3), 'e'), /expected "<tab>file:line" after the frame at line \d+, got "\\t\/work/);
  await rejects(
    readGoroutineDebug2(debug2Text.slice(0, colon + 2), 'e'),
    /truncated at byte \d+: the last line ends without a newline in the middle of a frame/,
  );
  await rejects(
    readGoroutineDebug2(debug2Text.replace(fileLine, 'garbage'), 'e'),
    /line \d+: expected "<tab>file:line" after the frame at line \d+, got "garbage"/,
  );
  // One huge line, fed in small chunks: rejected once it passes the cap, without buffering it all.
  async function* huge(): AsyncGenerator<Uint8Array> {
    yield Buffer.from('goroutine 1 [running]:\nmain.f(');
    for (let i = 0; i < 100; i++) yield Buffer.alloc(64 * 1024, 0x41);
  }
  await rejects(readGoroutineDebug2(huge(), 'e', { maxLineBytes: 1024 * 1024 }), /line 2 \(at byte 23\) is longer than 1048576 bytes/);
  await rejects(readGoroutineDebug2(gzipSync(debug2).subarray(0, 500), 'e'), /gzip stream truncated at byte 500/);
  await rejects(readGoroutineDebug2(debug2, 'e', { maxBytes: 1000 }), /past the 1000-byte cap|passes the 1000-byte cap/);
});

test('debug=2: a 300 MB dump streams in well under 300 MiB of peak memory', { timeout: 180_000 }, () => {
  // In child processes so that VmHWM is this read's peak alone.
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-big-debug2-'));
  try {
    const file = join(dir, 'big.txt');
    const gen = join(gdir, 'gen');
    const make = spawnSync(process.execPath, ['--import', 'tsx', join(gen, 'make-big-debug2.ts'), file, '300'], { encoding: 'utf8' });
    assert.equal(make.status, 0, make.stderr);
    const goroutines = JSON.parse(make.stdout).goroutines as number;
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(gen, 'measure-debug2.ts'), file], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const m = JSON.parse(run.stdout.trim().split('\n').pop()!);
    assert.ok(m.bytes >= 300 * 1024 * 1024);
    assert.equal(m.total, goroutines);
    // 26 blocks in the capture, and the captured dump's 20 groups: minutes do not split groups.
    assert.equal(m.groups, 20);
    assert.ok(m.vmHWM < 300 * 1024 * 1024, `peak RSS ${m.vmHWM} bytes`);
    console.log(
      `300 MB debug=2 dump: ${m.bytes} bytes, ${m.total} goroutines in ${m.ms} ms, VmHWM ${(m.vmHWM / 2 ** 20).toFixed(1)} MiB, max heapUsed ${(m.heapUsedMax / 2 ** 20).toFixed(1)} MiB`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Issue 11: `\U11ffff` in a label threw RangeError (Invalid code point) out of the reader.
test('labels with escapes Go never prints decode to U+FFFD or count as malformed, never throw', async () => {
  assert.deepEqual(parseGoLabels('{"role":"\\U0011ffff", "s":"\\ud800", "ok":"\\u00e9\\101"}'), { role: '\ufffd', s: '\ufffd', ok: 'éA' });
  // Too few digits (the fuzzer's `\U11ffff"}` read the quote and brace as digits) is malformed.
  assert.equal(parseGoLabels('{"role":"\\U11ffff"}'), undefined);
  assert.equal(parseGoLabels('{"role":"\\xzz"}'), undefined);
  assert.equal(parseGoLabels('{"role":"\\U1"}'), undefined);
  assert.equal(parseGoLabels('{"role":"\\777"}'), undefined);
  const d1 = debug1.toString('utf8').replace('{"role":"selector"}', '{"role":"\\U0011ffff"}');
  assert.ok(parseGoroutineDebug1(d1, 'd1.txt').groups.some((g) => g.labels?.role === '\ufffd'));
  const d2 = debug2Text.replace(/\]:$/m, ', labels: {"role":"\\U0011ffff"}]:');
  const s = await readGoroutineDebug2(Readable.from([Buffer.from(d2)]), 'd2.txt');
  assert.ok(s.groups.some((g) => g.labels?.role === '\ufffd'));
  const bad = debug1.toString('utf8').replace('{"role":"selector"}', '{"role":"\\xzz\r\x1b[2J"}');
  assert.throws(
    () => parseGoroutineDebug1(bad, 'd1.txt'),
    (e: unknown) => e instanceof InputError && /^d1\.txt: line \d+: malformed labels "# labels: .*\\r\\x1b\[2J/.test(e.message),
  );
});
