// Inputs generated at test time rather than stored: gzip bombs, huge logs and series, and the small
// hostile inputs each of issue 11's failure classes came from. `small` leaves out the ones that take
// seconds to run, for the CI test.

import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { encodeProfile } from '../pprof-writer.js';
import type { FuzzInput } from './runner.js';

const testdata = new URL('../../sources/testdata/', import.meta.url).pathname;

/** A gzip file of `members` concatenated members of `memberBytes` zeros each: huge inflated, tiny on disk. */
export function gzipZeros(memberBytes: number, members: number): Uint8Array {
  const one = gzipSync(Buffer.alloc(memberBytes), { level: 9 });
  return Buffer.concat(Array.from({ length: members }, () => one));
}

function gctraceCycles(n: number): Uint8Array {
  const parts: string[] = [];
  for (let i = 1; i <= n; i++)
    parts.push(
      `gc ${i} @${(i * 0.01).toFixed(3)}s 0%: 0.007+12+0.006 ms clock, 0.015+0/0.074/3.3+0.012 ms cpu, 3->5->2 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P\n`,
    );
  return Buffer.from(parts.join(''));
}

/**
 * A debug=2 dump of up to `targetBytes`: the goroutine blocks of a real go1.19 capture repeated with fresh
 * ids (the size of a dump from ~2.5 million goroutines per GB). Not among bombs(): the in-process fuzzer's
 * worker holds its inputs, and a 1 GB one would put every run over its 1 GiB memory limit; the CLI run
 * (scripts/fuzz-cli.ts) writes it to a file for the child processes it measures.
 */
export function debug2Dump(targetBytes: number): Uint8Array {
  const blocks = readFileSync(testdata + 'goroutine/debug2.txt', 'utf8')
    .split(/\n\n+/)
    .map((b) => b.trim())
    .filter((b) => b.startsWith('goroutine '))
    .map((b) => b.replace(/^goroutine \d+/, ''));
  const out = Buffer.allocUnsafe(targetBytes);
  let at = 0;
  let id = 1;
  for (;;) {
    let chunk = '';
    for (const b of blocks) chunk += `goroutine ${id++}${b}\n\n`;
    // Whole goroutines only: a cut block would make it a truncated dump, an input error.
    if (at + Buffer.byteLength(chunk) > targetBytes) return out.subarray(0, at);
    at += out.write(chunk, at);
  }
}

function jsonlSamples(n: number): Uint8Array {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(`{"source":"expvar","t":${1_700_000_000_000 + i * 1000},"heapAlloc":"${1000 + i}","heapInuse":"${2000 + i}"}\n`);
  return Buffer.from(parts.join(''));
}

/** A profile whose drop_frames is a pattern that backtracks exponentially in a JS RegExp. */
function redosProfile(): Uint8Array {
  const name = 'a'.repeat(40) + '!';
  return encodeProfile({
    strings: ['', 'inuse_space', 'bytes', name, '(a+)+$', '(a|aa)+$'],
    sampleTypes: [[1, 2]],
    functions: [{ id: 1, name: 3 }],
    locations: [{ id: 1, lines: [{ functionId: 1 }] }],
    samples: [{ locationIds: [1], values: [10n] }],
    dropFrames: 4,
    keepFrames: 5,
  });
}

/** A profile under 1 MB whose drop_frames is 800 KB: re2js took 76 s to compile it (issue 11). */
function longDropFramesProfile(): Uint8Array {
  return encodeProfile({
    strings: ['', 'inuse_space', 'bytes', 'main.main', 'x*'.repeat(400_000)],
    sampleTypes: [[1, 2]],
    functions: [{ id: 1, name: 3 }],
    locations: [{ id: 1, lines: [{ functionId: 1 }] }],
    samples: [{ locationIds: [1], values: [10n] }],
    dropFrames: 4,
  });
}

const PPROF = ['pprof', 'top', 'aggregate', 'load'];

export function bombs(opts: { small?: boolean } = {}): FuzzInput[] {
  const debug1 = readFileSync(testdata + 'goroutine/debug1.txt', 'utf8');
  const debug2 = readFileSync(testdata + 'goroutine/debug2.txt', 'utf8');
  const prom = readFileSync(testdata + 'prometheus/go1.19-default.txt', 'utf8');
  const out: FuzzInput[] = [
    {
      name: 'label-invalid-code-point-debug1',
      bytes: Buffer.from(debug1.replace('{"role":"selector"}', '{"role":"\\U11ffff"}')),
      targets: ['goroutine-debug1', 'load'],
    },
    {
      name: 'label-past-10ffff-debug1',
      bytes: Buffer.from(debug1.replace('{"role":"selector"}', '{"role":"\\U0011ffff"}')),
      targets: ['goroutine-debug1', 'load'],
    },
    {
      name: 'label-invalid-code-point-debug2',
      bytes: Buffer.from(debug2.replace(/\]:$/m, ', labels: {"role":"\\U11ffff"}]:')),
      targets: ['goroutine-debug2', 'goroutine-debug2-stream', 'load'],
    },
    {
      name: 'prometheus-last-gc-5e600000000',
      bytes: Buffer.from(prom.replace(/^go_memstats_last_gc_time_seconds .*$/m, 'go_memstats_last_gc_time_seconds 5e600000000')),
      targets: ['exposition', 'load'],
    },
    {
      name: 'prometheus-last-gc-9e+99999999',
      bytes: Buffer.from(prom.replace(/^go_memstats_last_gc_time_seconds .*$/m, 'go_memstats_last_gc_time_seconds 9e+99999999')),
      targets: ['exposition', 'load'],
    },
    {
      name: 'jsonl-deep-nesting',
      bytes: Buffer.from('{"source":"expvar","t":1}\n' + '['.repeat(200_000) + '\n{"source":"expvar","t":2}\n'),
      targets: ['samples-jsonl', 'load'],
    },
    {
      name: 'jsonl-control-characters',
      bytes: Buffer.from('{"source":"expvar","t":1}\n{"source":"\\r\\u001b[31mevil' + 'x'.repeat(3000) + '"}\n{"source":"expvar","t":2}\n'),
      targets: ['samples-jsonl', 'load'],
    },
    { name: 'pprof-redos-drop-frames', bytes: redosProfile(), targets: PPROF },
    { name: 'pprof-800KB-drop-frames', bytes: longDropFramesProfile(), targets: PPROF },
    { name: 'gctrace-200k-cycles', bytes: gctraceCycles(200_000), targets: ['gctrace', 'load'] },
    { name: 'jsonl-200k-samples', bytes: jsonlSamples(200_000), targets: ['samples-jsonl', 'load'] },
    { name: 'gzip-zeros-64MiB', bytes: gzipZeros(64 << 20, 1), targets: [...PPROF, 'goroutine-debug2-stream'] },
  ];
  if (!opts.small) {
    out.push(
      { name: 'gzip-zeros-1.5GiB', bytes: gzipZeros(64 << 20, 24), targets: [...PPROF, 'goroutine-debug2', 'expvar', 'gctrace'] },
      { name: 'gctrace-2M-cycles', bytes: gctraceCycles(2_000_000), targets: ['gctrace', 'load'] },
    );
  }
  return out;
}
