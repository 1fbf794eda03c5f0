// Measures readGoroutineDebug2's peak memory on a big debug=2 dump, in a fresh process so that VmHWM
// is this read's peak and nothing else's. Usage:
//   node --import tsx measure-debug2.ts <dump-file> [--gzip]
// Prints one JSON line: { bytes, ms, total, groups, vmHWM, rssMax, heapUsedMax }.
// make-big-debug2.ts writes the dump (repeating blocks of the captured ../debug2.txt).

import { createReadStream, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { readGoroutineDebug2 } from '../../../goroutine-text.js';
import { parseProcStatus } from '../../../procfs.js';

const file = process.argv[2];
if (!file) throw new Error('usage: measure-debug2.ts <dump-file>');
let rssMax = 0;
let heapUsedMax = 0;
const sample = () => {
  const m = process.memoryUsage();
  rssMax = Math.max(rssMax, m.rss);
  heapUsedMax = Math.max(heapUsedMax, m.heapUsed);
};
const timer = setInterval(sample, 20);
const start = Date.now();
const snap = await readGoroutineDebug2(createReadStream(file), file);
const ms = Date.now() - start;
sample();
clearInterval(timer);
const status = parseProcStatus(await readFile('/proc/self/status', 'utf8'), '/proc/self/status');
console.log(JSON.stringify({ bytes: statSync(file).size, ms, total: snap.total, groups: snap.groups.length, vmHWM: status.vmHWM, rssMax, heapUsedMax }));
