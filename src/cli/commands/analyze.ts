// `heapsight analyze PATH...`: a verdict on whatever the user has — a recording directory, profiles,
// goroutine dumps, /debug/vars or /metrics snapshots, gctrace logs, /proc files, samples.jsonl — in
// any mix. Heavy modules are imported inside the action to keep start-up fast for other commands.
import type { Command } from 'commander';
import { parseByteSize, reportOptions, workMetricOption } from '../flags.js';
import { readingInput } from '../report-error.js';

export interface AnalyzeCommandOptions {
  json?: boolean;
  workMetric?: string;
  color?: boolean;
  html?: string;
  md?: string;
  maxBytes?: string;
  binary?: string;
}

/** Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(opts: { color?: boolean } = {}): boolean {
  if (opts.color === false) return false;
  return process.stdout.isTTY === true && !process.env.NO_COLOR;
}

export function registerAnalyze(program: Command): void {
  const analyze = program.command('analyze');
  reportOptions(analyze, 'print the findings as JSON (schema: docs/analyze-json.md)');
  workMetricOption(analyze)
    .description('Verdict on memory growth (heap leak, goroutine leak, off-heap growth, no leak, inconclusive) with evidence, culprits and advice')
    .argument(
      '<paths...>',
      'recording directories and files of any supported format: pprof heap/goroutine profiles, goroutine text dumps, /debug/vars or /metrics snapshots, gctrace logs, /proc/<pid>/status or smaps_rollup, JSON-lines sample series',
    )
    .option('--no-color', 'plain text even on a terminal')
    .option(
      '--binary <file>',
      "the target's executable, for inputs recorded elsewhere: its build info (Go version, go line's GODEBUG defaults, -race, dependencies) joins the report and the advice",
    )
    .option(
      '--max-bytes <size>',
      'largest input read whole: profile, /debug/vars, /metrics, gctrace log, JSON lines ; default 48MiB (debug=2 dumps are streamed)',
    )
    .action(async (paths: string[], opts: AnalyzeCommandOptions) => {
      const [{ loadInputs }, { analyzeRecording }, { renderJson }, { renderTerminal }] = await Promise.all([
        import('../load-inputs.js'),
        import('../../analysis/analyze-recording.js'),
        import('../../report/json.js'),
        import('../../report/terminal.js'),
      ]);
      // Read first: a wrong --binary fails before any input is read.
      const buildInfo = opts.binary !== undefined ? (await import('../../sources/buildinfo.js')).readBuildInfo(opts.binary) : undefined;
      const rec = await loadInputs(paths, {
        workMetric: opts.workMetric,
        maxHeldBytes: opts.maxBytes === undefined ? undefined : parseByteSize('--max-bytes', opts.maxBytes),
      });
      const findings = await readingInput(paths.join(' '), () => analyzeRecording(rec, { workMetric: opts.workMetric, buildInfo }), 'analysing');
      if (opts.html || opts.md) {
        const { writeReportFiles } = await import('../../report/write-reports.js');
        writeReportFiles({ findings, recording: rec }, { html: opts.html, md: opts.md });
      }
      process.stdout.write(opts.json ? renderJson(findings) : renderTerminal(findings, { color: useColor(opts) }));
    });
}
