// Records every Go example service under examples/<name>/ with `heapsight watch` into
// examples/<name>/recording/, the bundled real data that tests and `heapsight demo` analyze.
//
//   node --import tsx scripts/record-examples.ts [names...] [--seconds N] [--parallel K]
//        [--interval 2s] [--profile-interval Ns] [--no-analyze]
//
// Each example is built, started with its spec's env plus GODEBUG=gctrace=1 (its stderr becomes the
// recording's gctrace.log), loaded with the spec's load and watched for the spec's watchSeconds at a
// 2 s interval with about a dozen profile rounds (--profile-interval overrides), which keeps a
// recording near 100–350 KB (scripts/lib/recorder.ts, shared with scripts/record-corpus.ts). It prints
// a table (size, samples, profiles, GC cycles, load achieved vs scheduled, `heapsight analyze --json`
// verdict vs example.json) and the raw numbers by thirds of the run, to check by eye that each service
// did what it was designed to. The recording is made in a temporary directory and only replaces
// examples/<name>/recording/ once it finished cleanly, so a failed run never leaves half a recording in
// the repository.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { examplesDir, listExamples, loadExampleSpec } from '../src/test-support/example-service.js';
import { buildGoProgram, requireClientGolang, requireTool } from '../src/test-support/toolchain.js';
import { analyzeDir, rawShape, recordAll, recordingStats, type RecordJob } from './lib/recorder.js';

interface Options {
  names: string[];
  seconds?: number;
  parallel: number;
  interval: string;
  /** Undefined: about a dozen profile rounds per recording, at most one every 15 s. */
  profileInterval?: string;
  analyze: boolean;
}

function usage(message: string): never {
  process.stderr.write(
    `record-examples: ${message}\nusage: record-examples [names...] [--seconds N] [--parallel K] [--interval 2s] [--profile-interval Ns] [--no-analyze]\n`,
  );
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { names: [], parallel: 1, interval: '2s', analyze: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--seconds') opts.seconds = Number(value());
    else if (a === '--parallel') opts.parallel = Number(value());
    else if (a === '--interval') opts.interval = value();
    else if (a === '--profile-interval') opts.profileInterval = value();
    else if (a === '--no-analyze') opts.analyze = false;
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else opts.names.push(a);
  }
  if (opts.seconds !== undefined && !(opts.seconds > 0)) usage('--seconds must be a positive number');
  if (!Number.isInteger(opts.parallel) || opts.parallel < 1) usage('--parallel must be a whole number ≥ 1');
  const all = listExamples();
  for (const n of opts.names) if (!all.includes(n)) usage(`no example ${JSON.stringify(n)} (have: ${all.join(', ')})`);
  if (opts.names.length === 0) opts.names = all;
  return opts;
}

// As buildExample, but as a GOPATH import path: GOPATH mode's default "_/<absolute directory>" would put
// this machine's directories into the build info the recording keeps.
function buildRecordable(name: string): string {
  const spec = loadExampleSpec(name);
  if (spec.clientGolang) requireClientGolang();
  if (spec.cgo) requireTool('gcc', ['gcc']);
  const program = spec.program ?? name;
  return buildGoProgram(`examples/${program}`, { cgo: spec.cgo, importPath: `heapsight.example/examples/${program}` });
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  // Built one at a time before anything runs: go builds in parallel would fight for the two cores.
  // Longest watches first, so that the parallel slots finish at about the same time.
  const jobs: RecordJob[] = opts.names
    .map((name) => {
      const spec = loadExampleSpec(name);
      const seconds = opts.seconds ?? spec.watchSeconds;
      const { path, rps, concurrency, burstPath, burstEverySeconds } = spec.load;
      return {
        name,
        bin: buildRecordable(name),
        args: [],
        env: spec.env,
        gctrace: true,
        load: { path, concurrency, phases: [{ seconds, rps }], burstPath, burstEverySeconds },
        seconds,
        dest: join(examplesDir, name, 'recording'),
      };
    })
    .sort((a, b) => b.seconds - a.seconds);
  const outcomes = await recordAll(jobs, opts.parallel, { interval: opts.interval, profileInterval: opts.profileInterval });

  const rows: string[] = [
    '| example | watched | size (disk) | samples | heap profiles | GC cycles | load (req / expected) | verdict (confidence) | top culprit | expected |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const shapes: string[] = [];
  for (const o of outcomes.sort((a, b) => a.name.localeCompare(b.name))) {
    const spec = loadExampleSpec(o.name);
    const expected = `${spec.expect.verdict}${spec.expect.culprit ? ` / ${spec.expect.culprit}` : ''}`;
    if (o.error) {
      rows.push(`| ${o.name} | FAILED: ${o.error} | | | | | | | | ${expected} |`);
      continue;
    }
    const st = recordingStats(o.dest);
    const a = opts.analyze ? await analyzeDir(o.dest) : 'not run';
    const verdict = typeof a === 'string' ? a : `${a.verdict} (${a.confidence.toFixed(2)})`;
    const culprit = typeof a === 'string' ? '' : `${a.culprit}${a.pattern !== '—' ? ` [${a.pattern}]` : ''}`;
    const load = `${o.load.requests}/${o.expectedRequests}${o.expectedBursts ? ` + ${o.load.bursts}/${o.expectedBursts} bursts` : ''}${o.load.errors ? `, ${o.load.errors} errors` : ''}`;
    rows.push(
      `| ${o.name} | ${o.seconds} s | ${(st.bytes / 1024).toFixed(0)} KiB (${(st.diskBytes / 1024).toFixed(0)} KiB) | ${st.samples} | ${st.heapProfiles} | ${st.gcCycles} | ${load} | ${verdict} | ${culprit} | ${expected} |`,
    );
    shapes.push(`${o.name}: ${rawShape(o.dest)}`);
  }
  const report = `${rows.join('\n')}\n\n${shapes.join('\n')}\n`;
  process.stdout.write(report);
  writeFileSync(join(tmpdir(), 'heapsight-record-examples-summary.md'), report);
  if (outcomes.some((o) => o.error)) process.exitCode = 1;
}

await main();
