// Writes a big debug=2 dump by repeating the goroutine blocks of the captured ../debug2.txt with fresh
// goroutine ids and varied wait minutes, for the memory measurement of readGoroutineDebug2.
// Usage: node --import tsx make-big-debug2.ts <out-file> <megabytes> [--gzip]

import { createWriteStream, readFileSync } from 'node:fs';
import { createGzip } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Write the dump; returns how many goroutines it holds. Deterministic for a given size. */
export async function writeBigDebug2(out: string, megabytes: number, gzip = false): Promise<number> {
  const captured = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'debug2.txt'), 'utf8');
  const blocks = captured.split('\n\n').filter((b) => b.trim() !== '').map((b) => b.replace(/\n+$/, ''));
  const file = createWriteStream(out);
  const sink = gzip ? createGzip() : file;
  if (gzip) (sink as ReturnType<typeof createGzip>).pipe(file);
  const target = megabytes * 1024 * 1024;
  let written = 0;
  let id = 1;
  let count = 0;
  for (let round = 0; written < target; round++) {
    for (let i = 0; i < blocks.length && written < target; i++) {
      // Minutes vary by round (0..59) so that groups get different min/max.
      const minutes = round % 60;
      const block = blocks[i]
        .replace(/^goroutine \d+ \[([^,\]]*)(?:, \d+ minutes)?/, (_m, state: string) => `goroutine ${id++} [${state}${minutes > 0 ? `, ${minutes} minutes` : ''}`)
        .concat('\n\n');
      written += Buffer.byteLength(block);
      count++;
      if (!sink.write(block)) await new Promise<void>((r) => sink.once('drain', () => r()));
    }
  }
  await new Promise<void>((resolve, reject) => {
    file.once('finish', resolve).once('error', reject);
    sink.end();
  });
  return count;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [out, mb] = process.argv.slice(2);
  const n = await writeBigDebug2(out, Number(mb), process.argv.includes('--gzip'));
  console.log(JSON.stringify({ goroutines: n }));
}
