// `heapsight demo [NAME]`: the verdicts on the recordings bundled with heapsight
// (examples/<name>/recording/, captured from the real Go services beside them), so that anyone can see
// what the tool says about known leaks and known non-leaks without Go or a running service.
//
// The non-obvious decision: each row shows the example's ground truth (example.json `expect`) next to
// the verdict, mismatches included; a demo that hid its misses would be an advertisement, not evidence.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { InputError } from '../../sources/input-error.js';
import { UsageError } from '../usage-error.js';
import { useColor } from './analyze.js';

export interface ExampleRecording {
  name: string;
  /** The recording directory. */
  dir: string;
  expect?: { verdict?: string; culprit?: string | null; pattern?: string };
  description?: string;
}

/** The examples/ folder of this heapsight checkout or package (walks up from this module). */
export function findExamplesDir(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = resolve(from);
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'examples');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

export function listExampleRecordings(examplesDir: string): ExampleRecording[] {
  const out: ExampleRecording[] = [];
  for (const name of readdirSync(examplesDir).sort()) {
    const dir = join(examplesDir, name, 'recording');
    if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
    let expect: ExampleRecording['expect'];
    let description: string | undefined;
    try {
      const meta = JSON.parse(readFileSync(join(examplesDir, name, 'example.json'), 'utf8')) as { expect?: ExampleRecording['expect']; description?: string };
      expect = meta.expect;
      description = meta.description;
    } catch {
      expect = undefined;
    }
    out.push({ name, dir, expect, description });
  }
  return out;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Analyze the recordings bundled in examples/ (no Go needed): one line per example, or the full report for one')
    .argument('[name]', 'an example name: print its full report')
    .option('--json', 'JSON: an array of {example, expect, findings} (or one findings object with NAME)')
    .option('--examples <dir>', 'a folder laid out like examples/ (<name>/recording/, <name>/example.json) instead of the bundled one')
    .option('--no-color', 'plain text even on a terminal')
    .action(async (name: string | undefined, opts: { json?: boolean; color?: boolean; examples?: string }) => {
      const examplesDir = opts.examples ?? findExamplesDir();
      if (!examplesDir) throw new InputError('examples/', 'expected the examples folder of a heapsight checkout, found none above the installed module');
      const all = listExampleRecordings(examplesDir);
      if (all.length === 0) throw new InputError(examplesDir, 'expected recordings in examples/<name>/recording/, found none');
      const chosen = name ? all.filter((e) => e.name === name) : all;
      if (name && chosen.length === 0) throw new UsageError(`no example named ${JSON.stringify(name)}; have: ${all.map((e) => e.name).join(', ')}`);

      const [{ readRecordingDir }, { analyzeRecording }, { renderJson, toJsonText }, { renderTerminal, verdictLabel }, { formatPercent }] = await Promise.all([
        import('../../sources/recording.js'),
        import('../../analysis/analyze-recording.js'),
        import('../../report/json.js'),
        import('../../report/terminal.js'),
        import('../../analysis/units.js'),
      ]);
      const results = [];
      for (const ex of chosen) {
        const rec = await readRecordingDir(ex.dir);
        results.push({ ex, findings: analyzeRecording(rec) });
      }
      if (name) {
        const { findings } = results[0];
        process.stdout.write(opts.json ? renderJson(findings) : renderTerminal(findings, { color: useColor(opts) }));
        return;
      }
      if (opts.json) {
        const arr = results.map(({ ex, findings }) => ({ example: ex.name, expect: ex.expect ?? null, findings }));
        process.stdout.write(toJsonText(arr));
        return;
      }
      const color = useColor(opts);
      const paint = (s: string, code: number) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
      const rows = results.map(({ ex, findings: f }) => {
        const top = f.culprits[0];
        const culprit = top ? `${top.function}${top.pattern ? ` (${top.pattern})` : ''}` : '—';
        const expected = ex.expect?.verdict ?? '?';
        const match = expected === '?' ? ' ' : expected === f.verdict ? '✓' : '✗';
        return { name: ex.name, expected, verdict: f.verdict, label: verdictLabel(f.verdict), conf: formatPercent(f.confidence), culprit, match };
      });
      const w = (k: 'name' | 'expected' | 'verdict', min: number) => Math.max(min, ...rows.map((r) => r[k].length));
      const [wn, we, wv] = [w('name', 7), w('expected', 8), w('verdict', 7)];
      process.stdout.write(`${'example'.padEnd(wn)}  ${'expected'.padEnd(we)}    ${'verdict'.padEnd(wv)}  conf  top culprit\n`);
      for (const r of rows) {
        const code = r.verdict === 'no-leak' ? 32 : r.verdict === 'inconclusive' ? 33 : 31;
        process.stdout.write(
          `${r.name.padEnd(wn)}  ${r.expected.padEnd(we)}  ${r.match} ${paint(r.verdict.padEnd(wv), code)}  ${r.conf.padStart(4)}  ${r.culprit}\n`,
        );
      }
      const hits = rows.filter((r) => r.match === '✓').length;
      process.stdout.write(`\n${hits} of ${rows.length} verdicts match the examples' ground truth. Full report: heapsight demo <example>\n`);
    });
}
