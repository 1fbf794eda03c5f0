// Synthesises a big /debug/pprof/goroutine?debug=2 dump for the streaming benchmark by repeating the
// goroutine blocks of a real go1.19 capture (src/sources/testdata/goroutine/debug2.txt) with fresh
// goroutine ids. Why synthetic: a real 300 MB dump needs ~1M live goroutines in one process; repeating
// real-format blocks exercises the same reader paths at a fraction of the cost.
import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export async function synthesizeDebug2(file, targetBytes) {
  const text = readFileSync(join(repoRoot, 'src', 'sources', 'testdata', 'goroutine', 'debug2.txt'), 'utf8');
  const blocks = text
    .split(/\n\n+/)
    .map((b) => b.trim())
    .filter((b) => b.startsWith('goroutine '));
  if (blocks.length === 0) throw new Error('no goroutine blocks in the debug2 capture');
  const out = createWriteStream(file);
  let written = 0;
  let id = 1;
  let goroutines = 0;
  while (written < targetBytes) {
    let chunk = '';
    for (const b of blocks) chunk += b.replace(/^goroutine \d+/, `goroutine ${id++}`) + '\n\n';
    goroutines += blocks.length;
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { bytes: written, goroutines };
}
