// What `npm run eval` and its CI test share: every recording whose truth we know (the bundled example
// recordings, the replay fixtures, the scenario corpus under corpus/recordings/), replayed prefix by
// prefix, and scored per Go version and window.
//
// Scores, per window (first 75 s, first 180 s, whole run): verdict right at the window's end; false
// leaks (a leak verdict at any prefix of a no-leak run) and false no-leaks (no-leak at any prefix of a
// leak run) — the two safety properties; the time to the right verdict (the first prefix from which it
// stays right to the window's end); and culprit accuracy: among runs whose truth is a leak with a
// user-code culprit, how often `analyze`'s first culprit (Findings.culprits[0].function, what
// `heapsight analyze --json` prints first) is that function at the window's end.
//
// The non-obvious decisions:
// - A run counts for a window when it lasts to within one prefix step of the window's end: a 180 s
//   watch spans ~178 s between its first and last sample, and it is a 180 s observation all the same.
// - Culprits are scored on the recording as made only (not its variants): the variants thin the
//   samples and gctrace, which the verdict reads, not the profiles, which the culprit search reads.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeRecording } from '../analysis/analyze-recording.js';
import type { Verdict } from '../analysis/findings.js';
import { recordingUntil, recordingSpan } from '../analysis/recording-prefix.js';
import { recordingVariants, replayVerdicts, type ReplayStep } from '../analysis/replay.js';
import type { Recording } from '../model/recording.js';
import { readRecordingDir } from '../sources/recording.js';
import { repoRoot } from './toolchain.js';

export const LEAK_VERDICTS: ReadonlySet<Verdict> = new Set(['heap-leak', 'goroutine-leak', 'off-heap-growth']);

export interface EvalWindow {
  label: string;
  seconds: number;
}

export const EVAL_WINDOWS: readonly EvalWindow[] = [
  { label: '75 s', seconds: 75 },
  { label: '180 s', seconds: 180 },
  { label: 'whole run', seconds: Infinity },
];

export interface EvalCase {
  /** Path under the repo root, e.g. corpus/recordings/go1.27/map-leak-1m. */
  label: string;
  dir: string;
  source: 'example' | 'fixture' | 'corpus';
  /** "1.19", "1.27". */
  goVersion: string;
  verdict: Verdict;
  culprit: string | null;
}

interface ExampleTruth {
  expect: { verdict: Verdict; culprit: string | null };
}

/** Every recording with a known truth, in a stable order. */
export function evalCases(root = repoRoot): EvalCase[] {
  const cases: EvalCase[] = [];
  const examples = join(root, 'examples');
  const names = readdirSync(examples)
    .filter((n) => existsSync(join(examples, n, 'example.json')))
    .sort();
  const truthOf = (name: string) => (JSON.parse(readFileSync(join(examples, name, 'example.json'), 'utf8')) as ExampleTruth).expect;
  // scripts/record-examples.ts builds every example with Go 1.19 (buildExample's default), and the
  // replay fixtures are runs of the same programs from the same days; samples of expvar-only
  // services carry no Go version, so the version is the recorder's, not read from the data.
  const examplesGo = '1.19';
  for (const n of names) {
    const dir = join(examples, n, 'recording');
    if (!existsSync(join(dir, 'recording.json'))) continue;
    const t = truthOf(n);
    cases.push({ label: `examples/${n}/recording`, dir, source: 'example', goVersion: examplesGo, verdict: t.verdict, culprit: t.culprit });
  }
  const fixtures = join(root, 'src/analysis/testdata/replay');
  for (const f of readdirSync(fixtures).sort()) {
    const dir = join(fixtures, f);
    if (!existsSync(join(dir, 'recording.json'))) continue;
    // The directory name starts with the example's name (testdata/replay/README.md).
    const name = names.filter((n) => f.startsWith(n)).sort((a, b) => b.length - a.length)[0];
    if (!name) throw new Error(`${dir}: no example name at the start of its name, so no truth`);
    const t = truthOf(name);
    cases.push({ label: `src/analysis/testdata/replay/${f}`, dir, source: 'fixture', goVersion: examplesGo, verdict: t.verdict, culprit: t.culprit });
  }
  const corpus = join(root, 'corpus', 'recordings');
  if (existsSync(corpus)) {
    for (const goDir of readdirSync(corpus).sort()) {
      const m = /^go(\d+\.\d+)$/.exec(goDir);
      if (!m) continue;
      for (const s of readdirSync(join(corpus, goDir)).sort()) {
        const dir = join(corpus, goDir, s);
        if (!existsSync(join(dir, 'recording.json'))) continue;
        const t = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as { verdict: Verdict; culprit: string | null; go: string };
        if (t.go !== m[1]) throw new Error(`${dir}/truth.json: go ${t.go}, but it sits under ${goDir}`);
        cases.push({ label: `corpus/recordings/${goDir}/${s}`, dir, source: 'corpus', goVersion: m[1], verdict: t.verdict, culprit: t.culprit });
      }
    }
  }
  return cases;
}

export interface EvalRun {
  case: EvalCase;
  variant: string;
  steps: ReplayStep[];
  /** As-recorded runs of leaks with a culprit: the first culprit at each window's end (undefined: none named). */
  culprits?: { window: string; function: string | undefined }[];
}

export interface RunOptions {
  stepSeconds?: number;
  /** Only the recording as made, not how other watchers would have seen it (faster: for CI). */
  asRecordedOnly?: boolean;
  /** Score culprits (costs a full analysis at each window's end). */
  culprits?: boolean;
}

function windowEnd(rec: Recording, w: EvalWindow): number | undefined {
  const span = recordingSpan(rec);
  if (!span) return undefined;
  return Math.min(span.endMs, span.startMs + w.seconds * 1000);
}

export async function runCase(c: EvalCase, opts: RunOptions = {}): Promise<EvalRun[]> {
  const stepMs = (opts.stepSeconds ?? 5) * 1000;
  const rec = await readRecordingDir(c.dir);
  const variants = recordingVariants(rec);
  const runs: EvalRun[] = [];
  for (const v of opts.asRecordedOnly ? variants.slice(0, 1) : variants) {
    const run: EvalRun = { case: c, variant: v.label, steps: replayVerdicts(v.rec, stepMs) };
    // A recording kept without its profiles (the compacted replay fixtures) cannot name anyone, and
    // counting it would score the compaction, not the culprit search.
    const profiled = rec.heapProfiles.length > 0 || rec.goroutineSnapshots.length > 0;
    if (opts.culprits && profiled && v.label === 'as recorded' && LEAK_VERDICTS.has(c.verdict) && c.culprit) {
      run.culprits = [];
      const seen = new Map<number, string | undefined>();
      for (const w of EVAL_WINDOWS) {
        const end = windowEnd(rec, w);
        if (end === undefined) continue;
        if (!seen.has(end)) seen.set(end, analyzeRecording(recordingUntil(rec, end)).culprits[0]?.function);
        run.culprits.push({ window: w.label, function: seen.get(end) });
      }
    }
    runs.push(run);
  }
  return runs;
}

export interface WindowScore {
  goVersion: string;
  window: string;
  runs: number;
  right: number;
  falseLeak: number;
  falseNoLeak: number;
  /** Seconds to the right verdict, one per run right at the window's end. */
  timesToRight: number[];
  /** As-recorded leak runs with a truth culprit, and how many named it first. */
  culpritRuns: number;
  culpritRight: number;
}

/** The prefixes of a run inside a window, or undefined when the run does not last that long. */
function inWindow(run: EvalRun, w: EvalWindow, stepSeconds: number): ReplayStep[] | undefined {
  const inside = run.steps.filter((s) => s.seconds <= w.seconds);
  if (!inside.length) return undefined;
  if (w.seconds !== Infinity && run.steps[run.steps.length - 1].seconds < w.seconds - stepSeconds) return undefined;
  return inside;
}

export function scoreRuns(runs: EvalRun[], stepSeconds = 5, windows: readonly EvalWindow[] = EVAL_WINDOWS): WindowScore[] {
  const out: WindowScore[] = [];
  for (const go of [...new Set(runs.map((r) => r.case.goVersion))].sort()) {
    for (const w of windows) {
      const score: WindowScore = {
        goVersion: go,
        window: w.label,
        runs: 0,
        right: 0,
        falseLeak: 0,
        falseNoLeak: 0,
        timesToRight: [],
        culpritRuns: 0,
        culpritRight: 0,
      };
      for (const r of runs.filter((x) => x.case.goVersion === go)) {
        const inside = inWindow(r, w, stepSeconds);
        if (!inside) continue;
        score.runs++;
        const expectLeak = LEAK_VERDICTS.has(r.case.verdict);
        if (inside.some((s) => !expectLeak && LEAK_VERDICTS.has(s.verdict))) score.falseLeak++;
        if (inside.some((s) => expectLeak && s.verdict === 'no-leak')) score.falseNoLeak++;
        if (inside[inside.length - 1].verdict === r.case.verdict) {
          score.right++;
          let i = inside.length;
          while (i > 0 && inside[i - 1].verdict === r.case.verdict) i--;
          score.timesToRight.push(inside[i].seconds);
        }
        const c = r.culprits?.find((x) => x.window === w.label);
        if (c) {
          score.culpritRuns++;
          if (c.function === r.case.culprit) score.culpritRight++;
        }
      }
      out.push(score);
    }
  }
  return out;
}

export interface SafetyViolation {
  recording: string;
  variant: string;
  seconds: number;
  verdict: Verdict;
  confidence: number;
  truth: Verdict;
}

/** Every prefix of every run that broke a safety property: a leak called on a no-leak run, no-leak on a leak. */
export function safetyViolations(runs: EvalRun[]): SafetyViolation[] {
  const out: SafetyViolation[] = [];
  for (const r of runs) {
    const expectLeak = LEAK_VERDICTS.has(r.case.verdict);
    for (const s of r.steps) {
      if (expectLeak ? s.verdict === 'no-leak' : LEAK_VERDICTS.has(s.verdict)) {
        out.push({ recording: r.case.label, variant: r.variant, seconds: s.seconds, verdict: s.verdict, confidence: s.confidence, truth: r.case.verdict });
      }
    }
  }
  return out;
}

const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(0)} %` : '-');
function quantile(xs: number[], q: number): string {
  if (!xs.length) return '-';
  const s = [...xs].sort((a, b) => a - b);
  return `${s[Math.min(s.length - 1, Math.floor(q * s.length))]} s`;
}

/** The eval table, Markdown. */
export function formatScores(scores: WindowScore[]): string {
  const lines = [
    '| Go | window | runs | right at end | false leak (any prefix) | false no-leak (any prefix) | time to right: median | p90 | culprit right |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of scores) {
    lines.push(
      `| ${s.goVersion} | ${s.window} | ${s.runs} | ${s.right} (${pct(s.right, s.runs)}) | ${s.falseLeak} | ${s.falseNoLeak} | ${quantile(s.timesToRight, 0.5)} | ${quantile(s.timesToRight, 0.9)} | ${s.culpritRuns ? `${s.culpritRight}/${s.culpritRuns} (${pct(s.culpritRight, s.culpritRuns)})` : '-'} |`,
    );
  }
  return lines.join('\n');
}
