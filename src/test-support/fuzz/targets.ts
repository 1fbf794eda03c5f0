// What the fuzz suite feeds: every reader in src/sources, `top`'s aggregation, and `analyze`'s loader
// (through a real file, as the CLI reads it). A target returns or throws; the runner classifies.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadInputs } from '../../cli/load-inputs.js';
import { detectInput, type DetectedFormat } from '../../sources/detect.js';
import { numericExpvars, parseExpvar } from '../../sources/expvar.js';
import { parseGctraceLog } from '../../sources/gctrace.js';
import { goroutineSnapshotFromProfile } from '../../sources/goroutine-proto.js';
import { parseGoroutineDebug1, readGoroutineDebug2 } from '../../sources/goroutine-text.js';
import { topTable } from '../../analysis/top-table.js';
import { aggregatePprof } from '../../sources/pprof/aggregate.js';
import { parsePprof } from '../../sources/pprof/decode.js';
import { parseProcStatus, parseSmapsRollup } from '../../sources/procfs.js';
import { memorySampleFromExposition } from '../../sources/prometheus-text.js';
import { readSamplesJsonl } from '../../sources/samples-jsonl.js';

export type Target = (bytes: Uint8Array, origin: string, tmp: string) => unknown;

async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

export const TARGETS: Record<string, Target> = {
  detect: (b) => detectInput(b),
  pprof: (b, o) => parsePprof(b, o),
  'goroutine-proto': (b, o) => goroutineSnapshotFromProfile(parsePprof(b, o), o),
  top: (b, o) => {
    const agg = aggregatePprof(b, o, { sampleIndex: '' });
    return topTable(agg, agg.accumulated[0]);
  },
  aggregate: (b, o) => aggregatePprof(b, o),
  'goroutine-debug1': (b, o) => parseGoroutineDebug1(b, o),
  'goroutine-debug2': (b, o) => readGoroutineDebug2(b, o),
  'goroutine-debug2-stream': (b, o) => readGoroutineDebug2(chunks(b, 4093), o),
  expvar: (b, o) => parseExpvar(b, o),
  'expvar-numeric': (b, o) => numericExpvars(b, o),
  exposition: (b, o) => memorySampleFromExposition(b, o),
  'samples-jsonl': (b, o) => readSamplesJsonl(b, o),
  gctrace: (b, o) => parseGctraceLog(b, o, { requireTraceLines: true }),
  'gctrace-partial': (b, o) => parseGctraceLog(b, o, { partial: true, keepText: true }),
  'proc-status': (b, o) => parseProcStatus(b, o),
  'smaps-rollup': (b, o) => parseSmapsRollup(b, o),
  load: async (b, _o, tmp) => {
    const path = join(tmp, 'input');
    writeFileSync(path, b);
    return loadInputs([path]);
  },
};

/** The readers meant for a format; every input also goes through `detect` and `load`. */
export const TARGETS_FOR: Record<DetectedFormat, string[]> = {
  pprof: ['pprof', 'goroutine-proto', 'top', 'aggregate'],
  'goroutine-debug1': ['goroutine-debug1'],
  'goroutine-debug2': ['goroutine-debug2', 'goroutine-debug2-stream'],
  'heap-debug1': [],
  expvar: ['expvar', 'expvar-numeric'],
  exposition: ['exposition'],
  gctrace: ['gctrace', 'gctrace-partial'],
  'proc-status': ['proc-status'],
  'smaps-rollup': ['smaps-rollup'],
  'jsonl-samples': ['samples-jsonl'],
  html: [],
  unknown: [],
};
