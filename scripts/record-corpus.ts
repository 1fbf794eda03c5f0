// Records every corpus scenario (corpus/scenarios.ts) for real, once per Go version, into
// corpus/recordings/go<version>/<name>/, with the truth for that version beside it as truth.json.
//
//   node --import tsx scripts/record-corpus.ts [names...] [--go 1.19,1.27] [--parallel K] [--seconds N]
//        [--interval 2s] [--profile-interval Ns] [--skip-existing] [--no-analyze]
//
// Each scenario runs corpus/service with its flags, built with the scenario's client_golang for that
// Go version; the recording is made in a temporary directory and moved into place only when it finished
// cleanly (scripts/lib/recorder.ts). Many small services record side by side (--parallel): they are
// paced by schedule, not as fast as possible, so a slower machine changes little but CPU time per GC.
// Like record-examples, it prints a table and the raw numbers by thirds, to check by eye that every
// scenario did what its description says before its recording is committed.
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientGolangFor, CORPUS_SECONDS, scenarios, serviceArgs, truthFor } from '../corpus/scenarios.js';
import { buildGoProgram, goVersions, repoRoot, requireTool, type GoVersion } from '../src/test-support/toolchain.js';
import { analyzeDir, rawShape, recordAll, recordingStats, type RecordJob } from './lib/recorder.js';

export const corpusRecordings = join(repoRoot, 'corpus', 'recordings');

function usage(message: string): never {
  process.stderr.write(
    `record-corpus: ${message}\nusage: record-corpus [names...] [--go 1.19,1.27] [--parallel K] [--seconds N] [--interval 2s] [--profile-interval Ns] [--skip-existing] [--no-analyze]\n`,
  );
  process.exit(2);
}

const argv = process.argv.slice(2);
const opts = {
  names: [] as string[],
  go: [...goVersions] as GoVersion[],
  parallel: 6,
  seconds: CORPUS_SECONDS,
  interval: '2s',
  profileInterval: undefined as string | undefined,
  skipExisting: false,
  analyze: true,
};
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const value = () => argv[++i] ?? usage(`${a} needs a value`);
  if (a === '--go') opts.go = value().split(',') as GoVersion[];
  else if (a === '--parallel') opts.parallel = Number(value());
  else if (a === '--seconds') opts.seconds = Number(value());
  else if (a === '--interval') opts.interval = value();
  else if (a === '--profile-interval') opts.profileInterval = value();
  else if (a === '--skip-existing') opts.skipExisting = true;
  else if (a === '--no-analyze') opts.analyze = false;
  else if (a.startsWith('-')) usage(`unknown option ${a}`);
  else opts.names.push(a);
}
for (const g of opts.go) if (!goVersions.includes(g)) usage(`--go: no Go ${g} (have ${goVersions.join(', ')})`);
if (!Number.isInteger(opts.parallel) || opts.parallel < 1) usage('--parallel must be a whole number ≥ 1');
if (!(opts.seconds > 0)) usage('--seconds must be positive');
const byName = new Map(scenarios.map((s) => [s.name, s]));
for (const n of opts.names) if (!byName.has(n)) usage(`no scenario ${JSON.stringify(n)}`);
const chosen = opts.names.length ? opts.names.map((n) => byName.get(n)!) : scenarios;

requireTool('gcc', ['gcc']);
const jobs: RecordJob[] = [];
// Built one at a time before anything runs: go builds in parallel would fight for the cores.
for (const go of opts.go) {
  for (const s of chosen) {
    const dest = join(corpusRecordings, `go${go}`, s.name);
    if (opts.skipExisting && existsSync(join(dest, 'recording.json'))) continue;
    const clientGolang = clientGolangFor(s, go);
    const bin = buildGoProgram('corpus/service', { go, clientGolang, cgo: true, importPath: 'heapsight.example/corpus/service' });
    const truth = truthFor(s, go);
    jobs.push({
      name: s.name,
      bin,
      args: serviceArgs(s),
      env: s.env ?? {},
      gctrace: s.gctrace !== false,
      load: s.load,
      seconds: opts.seconds,
      dest,
      extraFiles: {
        'truth.json': `${JSON.stringify({ scenario: s.name, go, clientGolang: s.metrics && s.metrics !== 'none' ? clientGolang : null, args: serviceArgs(s), env: s.env ?? {}, ...truth }, null, 2)}\n`,
      },
    });
  }
}
// Interleave the Go versions so that an interrupted run leaves whole scenarios (both versions) behind.
jobs.sort((a, b) => chosen.indexOf(byName.get(a.name)!) - chosen.indexOf(byName.get(b.name)!));
process.stderr.write(`record-corpus: ${jobs.length} recordings of ${opts.seconds} s, ${opts.parallel} at a time\n`);
const outcomes = await recordAll(jobs, opts.parallel, { interval: opts.interval, profileInterval: opts.profileInterval });

const rows = [
  '| recording | size | samples | heap profiles | GC cycles | load | verdict (confidence) | top culprit | truth |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
];
const shapes: string[] = [];
for (const o of outcomes) {
  const job = jobs.find((j) => j.dest === o.dest)!;
  const label = job.dest.slice(corpusRecordings.length + 1);
  const truth = JSON.parse(job.extraFiles!['truth.json']) as { verdict: string; culprit: string | null };
  const expected = `${truth.verdict}${truth.culprit ? ` / ${truth.culprit}` : ''}`;
  if (o.error) {
    rows.push(`| ${label} | FAILED: ${o.error} | | | | | | | ${expected} |`);
    continue;
  }
  const st = recordingStats(job.dest);
  const a = opts.analyze ? await analyzeDir(job.dest) : 'not run';
  const verdict = typeof a === 'string' ? a : `${a.verdict} (${a.confidence.toFixed(2)})`;
  const culprit = typeof a === 'string' ? '' : `${a.culprit}${a.pattern !== '—' ? ` [${a.pattern}]` : ''}`;
  const load = `${o.load.requests}/${o.expectedRequests}${o.expectedBursts ? ` + ${o.load.bursts}/${o.expectedBursts} bursts` : ''}${o.load.errors ? `, ${o.load.errors} errors` : ''}`;
  rows.push(
    `| ${label} | ${(st.bytes / 1024).toFixed(0)} KiB | ${st.samples} | ${st.heapProfiles} | ${st.gcCycles} | ${load} | ${verdict} | ${culprit} | ${expected} |`,
  );
  shapes.push(`${label}: ${rawShape(job.dest)}`);
}
const report = `${rows.join('\n')}\n\n${shapes.join('\n')}\n`;
process.stdout.write(report);
writeFileSync(join(tmpdir(), `heapsight-record-corpus-summary-${process.pid}.md`), report);
if (outcomes.some((o) => o.error)) process.exitCode = 1;
