// `heapsight watch URL --ui --html FILE --md FILE` as a process against the real Go test target: the
// live page is announced, served on loopback and streams report data while the watch runs, and both
// report files are written at the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTarget } from '../../test-support/test-target.js';
import { repoRoot } from '../../test-support/toolchain.js';

/** The first `event: report` payload from the live page's SSE stream. */
function firstReport(url: string, timeoutMs: number): Promise<{ schema: string; sampleCount: number; live: boolean }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no report event from ${url} within ${timeoutMs} ms`));
    }, timeoutMs);
    const req = request(new URL('events', url), (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        const m = /event: report\ndata: (.*)\n\n/.exec(buf);
        if (m) {
          clearTimeout(timer);
          req.destroy();
          resolve(JSON.parse(m[1]));
        }
      });
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}

test('watch --ui serves a live page on loopback; --html and --md are written at the end', async (t) => {
  const target = await startTarget(['-churn', '10ms']);
  t.after(() => target.kill());
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-watch-ui-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const html = join(dir, 'report.html');
  const md = join(dir, 'report.md');
  const args = [
    '--import',
    'tsx',
    join(repoRoot, 'src/cli/main.ts'),
    'watch',
    target.url,
    '--ui',
    '--duration',
    '6s',
    '--interval',
    '300ms',
    '--profile-interval',
    '1s',
  ];
  const child = spawn(process.execPath, [...args, '--out', join(dir, 'rec'), '--html', html, '--md', md], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "live page:" line within 20 s; stdout: ${stdout}; stderr: ${stderr}`)), 20_000);
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /live page: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', () => reject(new Error(`watch exited before announcing the page; stderr: ${stderr}`)));
  });
  const report = await firstReport(url, 15_000);
  assert.equal(report.schema, 'heapsight-report/1');
  assert.equal(report.live, true);
  assert.equal(await exited, 0, stderr);
  assert.doesNotMatch(stderr, /beyond loopback/, 'no warning on loopback');
  const page = readFileSync(html, 'utf8');
  assert.match(page, /^<!doctype html>/);
  assert.match(page, /<script type="application\/json" id="heapsight-data">/);
  assert.match(readFileSync(md, 'utf8'), /^# heapsight: /);
});
