// writeStdout / onStdoutError (stdout.ts), each in a child process whose stdout is a pipe, as in a shell
// pipeline: the bytes arrive whole, process.stdout (a net.Socket there) is not created by either, and a
// handler given to onStdoutError is on the stream once something does create it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { repoRoot } from '../test-support/toolchain.js';

// Run as plain JavaScript in plain node: tsx itself loads net, which would hide what is checked here.
const stdoutModule = transformSync(readFileSync(join(repoRoot, 'src', 'cli', 'stdout.ts'), 'utf8'), { loader: 'ts', format: 'esm' }).code;

function runChild(body: string) {
  return spawnSync(process.execPath, ['--input-type=module', '-e', `${stdoutModule}\n${body}`], { encoding: 'utf8', maxBuffer: 1 << 26 });
}

test('writeStdout writes every byte, in order, without creating process.stdout', () => {
  // 3 MiB with multi-byte characters: more than a pipe buffer takes in one write.
  const r = runChild(`
    const chunk = 'héap ✓ '.repeat(1 << 16);
    onStdoutError(() => {});
    for (let i = 0; i < 6; i++) writeStdout(i + chunk + '\\n');
    // (process.stderr on a pipe would load net itself; writeSync is stdout.ts's import.)
    writeSync(2, process.moduleLoadList.includes('NativeModule net') ? 'net loaded' : 'net not loaded');
  `);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, 'net not loaded');
  const chunk = 'héap ✓ '.repeat(1 << 16);
  assert.equal(r.stdout, [0, 1, 2, 3, 4, 5].map((i) => i + chunk + '\n').join(''));
});

test('onStdoutError attaches its handlers when process.stdout is first used, once each', () => {
  const r = runChild(`
    const seen = [];
    onStdoutError((e) => seen.push('a:' + e.code));
    onStdoutError((e) => seen.push('b:' + e.code));
    const before = process.moduleLoadList.includes('NativeModule net'); // the stream is not made yet
    const s = process.stdout;
    process.stdout.emit('error', Object.assign(new Error('x'), { code: 'EPIPE' }));
    process.stderr.write(JSON.stringify({ before, same: s === process.stdout, seen, listeners: s.listenerCount('error') }));
  `);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stderr), { before: false, same: true, seen: ['a:EPIPE', 'b:EPIPE'], listeners: 2 });
});
