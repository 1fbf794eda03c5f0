// Child process of bench/run.mjs: stream one debug=2 dump through readGoroutineDebug2 so its peak RSS
// can be measured alone. Prints {goroutines, groups, ms} as one JSON line.
import { createReadStream } from 'node:fs';
import { readGoroutineDebug2 } from '../src/sources/goroutine-text.js';

const file = process.argv[2];
if (!file) throw new Error('usage: goroutine-stream.ts DUMP');
const t0 = process.hrtime.bigint();
const snapshot = await readGoroutineDebug2(createReadStream(file), file);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(JSON.stringify({ goroutines: snapshot.total, groups: snapshot.groups.length, ms }));
