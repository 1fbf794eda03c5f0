import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { formatBytes } from '../analysis/units.js';
import { readRecordingDir } from '../sources/recording.js';
import { repoRoot } from '../test-support/toolchain.js';
import { LiveView, renderLiveView, type LiveViewState } from './watch-live-view.js';

async function stateFromRecording(): Promise<LiveViewState> {
  const rec = await readRecordingDir(join(repoRoot, 'src/sources/testdata/recording/target-churn'));
  const startedAt = rec.samples[0].t!;
  return {
    target: 'http://127.0.0.1:40681',
    out: 'rec',
    pid: rec.samples[0].pid,
    elapsedMs: rec.samples.at(-1)!.t! - startedAt,
    window: rec.samples,
    sampleCount: rec.samples.length,
    profileCount: rec.heapProfiles.length,
    events: [{ t: startedAt + 65_000, kind: 'gap', detail: 'target was unreadable for 3.2 s (connection refused)', durationMs: 3200 }],
    missing: ['/metrics'],
    startedAt,
  };
}

test('the live block shows the latest numbers, sparklines of the window and the last event', async () => {
  const state = await stateFromRecording();
  const last = state.window.at(-1)!;
  const lines = renderLiveView(state, 100);
  assert.equal(lines[0], `heapsight watch http://127.0.0.1:40681  pid ${last.pid}`);
  assert.match(lines[1], new RegExp(`^  0:02 elapsed · ${state.window.length} samples · ${state.profileCount} profiles · recording to rec/$`));
  const heap = lines.find((l) => l.startsWith('  heap in use'))!;
  assert.ok(heap.includes(formatBytes(last.heapAlloc!)));
  assert.equal([...heap.split('  ').at(-1)!].length, state.window.length, 'one spark per sample');
  const retained = lines.find((l) => l.startsWith('  retained free'))!;
  assert.ok(retained.includes(formatBytes(last.heapIdle! - last.heapReleased!)));
  assert.ok(lines.find((l) => l.startsWith('  RSS'))!.includes(formatBytes(last.rss!)));
  assert.ok(lines.includes('  0 restarts · 1 gap · missing: /metrics'));
  assert.ok(lines.includes('  last: [1:05] gap: target was unreadable for 3.2 s (connection refused)'));
  for (const l of renderLiveView(state, 40)) assert.ok([...l].length <= 40, l);
});

test('redraws move the cursor up over the previous block', () => {
  let out = '';
  const view = new LiveView((t) => (out += t));
  view.draw(['a', 'b', 'c']);
  assert.equal(out, 'a\nb\nc\n');
  out = '';
  view.draw(['d']);
  assert.equal(out, '\x1b[3F\x1b[Jd\n');
});

test('with a duration the block shows the time left and a progress bar; the running verdict is always shown', async () => {
  const state = await stateFromRecording();
  assert.ok(renderLiveView(state, 100).includes('  verdict so far: not yet analysed'));
  state.durationMs = 4 * state.elapsedMs;
  state.untilVerdict = 0.8;
  state.verdict = { verdict: 'inconclusive', confidence: 0.41, observeMoreSeconds: 75, streak: 0 };
  const lines = renderLiveView(state, 100);
  const bar = lines.find((l) => l.includes(' left'))!;
  const m = /^ {2}\[(#*)(-*)\] (\d+:\d\d) left$/.exec(bar);
  assert.ok(m, bar);
  assert.equal(m[1].length, Math.round((m[1].length + m[2].length) / 4), 'a quarter done');
  assert.ok(lines.includes('  verdict so far: inconclusive, confidence 0.41, wants ~1:15 more · stops at ≥ 0.8 twice'));
  state.verdict = { verdict: 'heap-leak', confidence: 0.83, streak: 1 };
  assert.ok(renderLiveView(state, 100).includes('  verdict so far: heap-leak, confidence 0.83 · stops at ≥ 0.8 twice'));
  for (const l of renderLiveView(state, 40)) assert.ok([...l].length <= 40, l);
});
