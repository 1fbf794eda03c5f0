// `heapsight analyze --html FILE --md FILE` as a process, on a bundled real recording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliToEnd, type CliResult } from '../test-support/cli-run.js';
import { analyzeRecording } from '../analysis/analyze-recording.js';
import { readRecordingDir } from '../sources/recording.js';
import { exampleRecordingDir } from '../test-support/test-recordings.js';
import { writeReportFiles } from './write-reports.js';

function heapsight(args: string[]): Promise<CliResult> {
  return runCliToEnd(args);
}

test('analyze --html --md writes both reports next to the JSON verdict', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-reports-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const html = join(dir, 'report.html');
  const md = join(dir, 'report.md');
  const r = await heapsight(['analyze', '--json', '--html', html, '--md', md, exampleRecordingDir('map-leak')]);
  assert.equal(r.code, 0, r.stderr);
  const findings = JSON.parse(r.stdout);
  const page = readFileSync(html, 'utf8');
  const data = JSON.parse(page.match(/<script type="application\/json" id="heapsight-data">([^<]*)<\/script>/)![1]);
  assert.equal(data.findings.verdict, findings.verdict);
  assert.equal(data.findings.culprits[0]?.function, findings.culprits[0]?.function);
  assert.match(readFileSync(md, 'utf8'), new RegExp(`^# heapsight: .* \\(confidence ${Math.round(findings.confidence * 100)}%\\)`));
  assert.deepEqual(readdirSync(dir).sort(), ['report.html', 'report.md'], 'no temporary files left behind');
});

test('writeReportFiles writes what analyze would for a recording read back from disk (as watch and check do)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-reports-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const recDir = exampleRecordingDir('map-leak');
  const recording = await readRecordingDir(recDir);
  const findings = analyzeRecording(recording);
  const written = writeReportFiles({ findings, recording, title: 'map-leak' }, { html: join(dir, 'r.html'), md: join(dir, 'r.md') });
  assert.deepEqual(written, [join(dir, 'r.html'), join(dir, 'r.md')]);
  assert.match(readFileSync(join(dir, 'r.html'), 'utf8'), /<title>heapsight: [a-z-]+ — map-leak<\/title>/);
  assert.deepEqual(writeReportFiles({ findings, recording }, {}), [], 'nothing asked, nothing written');
});
