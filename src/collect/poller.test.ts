import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MemorySample } from '../model/memory.js';
import type { RecordingEvent } from '../model/recording.js';
import { InputError } from '../sources/input-error.js';
import { readRecordingDir } from '../sources/recording.js';
import { mergeSample, Poller, type ProfileFetched } from './poller.js';
import { RecordingWriter } from './recording-writer.js';
import { startTarget, waitForEvent, type RunningTarget } from '../test-support/test-target.js';

// Fast cadence so that a test sees many rounds in a few seconds; a fixed jitter source keeps it repeatable.
// Timeouts stay generous: the machine is shared, and a slow answer must not read as an outage.
const FAST = { intervalMs: 150, profileIntervalMs: 400, timeoutMs: 3000, profileTimeoutMs: 5000, random: () => 0.5 };

function tmpRecordingDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-poller-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'rec');
}

function countEvents<T>(poller: Poller, name: string, pred: (v: T) => boolean, n: number, timeoutMs: number): Promise<T> {
  let seen = 0;
  return waitForEvent<T>(poller, name, (v) => pred(v) && ++seen >= n, timeoutMs, `${n} × ${name}`);
}

test('records merged samples and heap/goroutine profiles from a real Go service', async (t) => {
  const target = await startTarget(['-metrics', '-churn', '10ms']);
  t.after(() => target.kill());
  const dir = tmpRecordingDir(t);
  const writer = RecordingWriter.create(dir, { target: {} });
  const poller = new Poller({ ...FAST, url: target.url, goroutineDebug2Every: 2, writer });
  t.after(() => poller.stop());

  const discovery = await poller.discover();
  // The target is built with Go 1.19: no goroutineleak profile, and the cost says which Go has it.
  assert.deepEqual(discovery.endpoints.map((e) => [e.name, e.ok]).sort(), [
    ['goroutine', true],
    ['goroutineleak', false],
    ['heap', true],
    ['metrics', true],
    ['vars', true],
  ]);
  const leak = discovery.endpoints.find((e) => e.name === 'goroutineleak')!;
  assert.match(leak.problem!, /HTTP 404/);
  assert.match(leak.cost!, /needs Go 1\.26\+; the target runs go1\.19/);
  assert.equal(discovery.local, true);
  assert.equal(discovery.pid, target.pid, 'the PID behind the port is found through /proc socket inodes');

  const run = poller.run();
  const enoughSamples = countEvents<MemorySample>(poller, 'sample', () => true, 6, 15_000);
  const enoughHeaps = countEvents<ProfileFetched>(poller, 'profile', (p) => p.kind === 'heap', 3, 15_000);
  const oneDump = countEvents<ProfileFetched>(poller, 'profile', (p) => p.kind === 'goroutine2', 1, 15_000);
  await Promise.all([enoughSamples, enoughHeaps, oneDump]);
  poller.stop();
  await run;
  writer.close();

  const rec = await readRecordingDir(dir);
  assert.ok(rec.samples.length >= 7, `discovery sample + 6, got ${rec.samples.length}`);
  for (const s of rec.samples) {
    assert.equal(s.source, 'expvar');
    assert.equal(s.pid, target.pid);
    assert.ok(s.heapAlloc! > 0 && s.rss! > 0 && s.rssAnon! > 0, 'runtime numbers from expvar and RSS from /proc');
    assert.ok(s.goroutines! > 0, 'go_goroutines from /metrics is merged in');
  }
  // The target retains 64 KiB every 10 ms: cumulative allocation must grow across the run.
  assert.ok(rec.samples.at(-1)!.totalAlloc! > rec.samples[0].totalAlloc!);
  assert.deepEqual(rec.samples[0].cmdline?.slice(1), ['-metrics', '-churn', '10ms']);
  assert.equal(rec.samples[1].cmdline, undefined, 'cmdline is stored once per process');
  assert.ok(
    rec.samples.some((s) => typeof s.lastGCUnixNanos === 'bigint'),
    'LastGC survives as bigint',
  );

  assert.ok(rec.heapProfiles.length >= 4);
  assert.equal(rec.heapProfiles[0].profile.sampleTypes.at(-1)?.type, 'inuse_space');
  assert.ok(rec.goroutineSnapshots.some((g) => g.kind === 'proto' && g.total > 0));
  assert.ok(rec.goroutineSnapshots.some((g) => g.kind === 'debug2' && g.total > 0));
  assert.equal(rec.meta?.target.pid, target.pid);
  assert.equal(rec.meta?.profileGc, false);
  assert.ok(rec.meta?.endedAt);
  assert.deepEqual(
    rec.events.filter((e) => e.kind !== 'note'),
    [],
  );
});

test('reports a missing endpoint and what it costs, and keeps polling the others', async (t) => {
  const target = await startTarget([]); // no -metrics: /metrics is a 404
  t.after(() => target.kill());
  const dir = tmpRecordingDir(t);
  const writer = RecordingWriter.create(dir, { target: {} });
  const poller = new Poller({ ...FAST, url: target.url, writer });
  t.after(() => poller.stop());
  const discovery = await poller.discover();
  const metrics = discovery.endpoints.find((e) => e.name === 'metrics')!;
  assert.equal(metrics.ok, false);
  assert.match(metrics.problem!, /HTTP 404/);
  assert.match(metrics.cost!, /RSS comes from \/proc/);
  // Subscribers can also iterate: the iterator ends when the poller stops.
  const seen: MemorySample[] = [];
  const iterated = (async () => {
    for await (const s of poller.samples()) {
      seen.push(s);
      if (seen.length === 3) poller.stop();
    }
  })();
  const run = poller.run();
  const guard = setTimeout(() => poller.stop(), 10_000);
  await Promise.all([iterated, run]);
  clearTimeout(guard);
  writer.close();
  assert.equal(seen.length, 3);
  const rec = await readRecordingDir(dir);
  assert.deepEqual(
    rec.samples.slice(1, 4).map((s) => s.t),
    seen.map((s) => s.t),
  );
  const missing = rec.events.filter((e) => e.kind === 'endpoint-missing');
  assert.equal(missing.length, 1);
  assert.match(missing[0].detail, /^\/metrics: /);
  assert.equal(rec.meta?.target.metrics, undefined);
  assert.equal(rec.meta?.missing?.length, 1);
  assert.ok(rec.samples.every((s) => s.rss! > 0));
  // Without /metrics the polls (not discovery's sample) take the goroutine count from /debug/pprof/.
  assert.equal(rec.samples[0].goroutines, undefined);
  assert.ok(rec.samples.slice(1).every((s) => s.goroutines! > 0));
});

test('an unreachable target is an InputError at discovery', async (t) => {
  const target = await startTarget([]);
  const url = target.url;
  await target.kill(); // the port is now closed
  const poller = new Poller({ ...FAST, url });
  t.after(() => poller.stop());
  await assert.rejects(poller.discover(), (err: unknown) => err instanceof InputError && /cannot reach the target \(connection refused\)/.test(err.message));
});

test('a restarted target gives a restart event and the series splits by pid', async (t) => {
  let target: RunningTarget = await startTarget(['-churn', '10ms']);
  t.after(() => target.kill());
  const dir = tmpRecordingDir(t);
  const writer = RecordingWriter.create(dir, { target: {} });
  const poller = new Poller({ ...FAST, profileIntervalMs: 60_000, url: target.url, writer });
  t.after(() => poller.stop());
  await poller.discover();
  const run = poller.run();
  await countEvents<MemorySample>(poller, 'sample', () => true, 2, 10_000);
  const firstPid = target.pid;
  const restarted = waitForEvent<RecordingEvent>(poller, 'event', (e) => e.kind === 'restart', 15_000, 'restart event');
  await target.kill();
  target = await startTarget(['-churn', '10ms', '-addr', `127.0.0.1:${new URL(target.url).port}`]);
  const restart = await restarted;
  assert.equal(restart.pidBefore, firstPid);
  assert.equal(restart.pidAfter, target.pid);
  await countEvents<MemorySample>(poller, 'sample', (s) => s.pid === target.pid, 2, 10_000);
  poller.stop();
  await run;
  writer.close();

  const rec = await readRecordingDir(dir);
  const split = rec.events.find((e) => e.kind === 'restart')!;
  assert.ok(rec.samples.filter((s) => s.t! < split.t).every((s) => s.pid === firstPid));
  assert.ok(rec.samples.filter((s) => s.t! >= split.t).every((s) => s.pid === target.pid));
  assert.deepEqual(
    rec.samples.filter((s) => s.cmdline).map((s) => s.pid),
    [firstPid, target.pid],
    'cmdline again after the restart',
  );
});

test('a target that stops answering gives a gap event with its duration, and polling goes on', async (t) => {
  const target = await startTarget(['-churn', '10ms']);
  t.after(async () => {
    target.proc.kill('SIGCONT');
    await target.kill();
  });
  const dir = tmpRecordingDir(t);
  const writer = RecordingWriter.create(dir, { target: {} });
  const poller = new Poller({ ...FAST, timeoutMs: 1000, url: target.url, writer });
  t.after(() => poller.stop());
  await poller.discover();
  const run = poller.run();
  await countEvents<MemorySample>(poller, 'sample', () => true, 2, 10_000);
  // SIGSTOP freezes the process with its socket open: requests hang and time out, like a wedged service.
  const stoppedAt = Date.now();
  target.proc.kill('SIGSTOP');
  await waitForEvent<RecordingEvent>(poller, 'event', (e) => e.kind === 'fetch-error', 10_000, 'fetch-error while stopped');
  // The outage itself lasts 2.5 s: this timer is the scenario being simulated, not synchronisation.
  await new Promise((r) => setTimeout(r, Math.max(0, 2500 - (Date.now() - stoppedAt))));
  const stoppedFor = Date.now() - stoppedAt;
  target.proc.kill('SIGCONT');
  const gap = await waitForEvent<RecordingEvent>(poller, 'event', (e) => e.kind === 'gap', 10_000, 'gap event');
  assert.ok(gap.durationMs! >= 1000 && gap.durationMs! <= stoppedFor + 3000, `gap ${gap.durationMs} ms for a ${stoppedFor} ms stop`);
  await countEvents<MemorySample>(poller, 'sample', () => true, 2, 10_000);
  poller.stop();
  await run;
  writer.close();
  const rec = await readRecordingDir(dir);
  assert.equal(rec.events.filter((e) => e.kind === 'gap').length, 1);
  assert.equal(rec.events.filter((e) => e.kind === 'restart').length, 0, 'a pause is not a restart');
  const gapEvent = rec.events.find((e) => e.kind === 'gap')!;
  assert.ok(
    rec.samples.some((s) => s.t! > gapEvent.t - 1),
    'samples continue after the gap',
  );
});

test('headers are sent with every request', async (t) => {
  const target = await startTarget(['-require-header', 'X-Token'], { TARGET_HEADER_VALUE: 'tok-123' });
  t.after(() => target.kill());
  const without = new Poller({ ...FAST, url: target.url });
  await assert.rejects(without.discover(), /found none .*HTTP 401/);
  const poller = new Poller({ ...FAST, url: target.url, headers: { 'X-Token': 'tok-123' } });
  t.after(() => poller.stop());
  const discovery = await poller.discover();
  assert.ok(discovery.endpoints.filter((e) => e.name !== 'metrics' && e.name !== 'goroutineleak').every((e) => e.ok));
});

test('merging: expvar numbers win, /metrics fills what expvar lacks, /proc wins for the process view', async () => {
  const { readFileSync } = await import('node:fs');
  const { repoRoot } = await import('../test-support/toolchain.js');
  const { parseExpvar } = await import('../sources/expvar.js');
  const { memorySampleFromExposition } = await import('../sources/prometheus-text.js');
  const vars = parseExpvar(readFileSync(join(repoRoot, 'src/sources/testdata/expvar/go1.19-vars.json')), 'vars');
  const metrics = memorySampleFromExposition(readFileSync(join(repoRoot, 'src/sources/testdata/prometheus/go1.19-default.txt')), 'metrics');
  assert.ok(metrics.rss! > 0 && metrics.goroutines! > 0 && vars.rss === undefined && vars.goroutines === undefined);

  // Remote target: no /proc, so RSS is process_resident_memory_bytes.
  const remote = mergeSample(42, vars, metrics)!;
  assert.equal(remote.t, 42);
  assert.equal(remote.source, 'expvar');
  assert.equal(remote.heapAlloc, vars.heapAlloc);
  assert.equal(remote.lastGCUnixNanos, vars.lastGCUnixNanos);
  assert.equal(remote.rss, metrics.rss);
  assert.equal(remote.goroutines, metrics.goroutines);
  assert.equal(remote.processStartSeconds, metrics.processStartSeconds);

  const local = mergeSample(42, vars, metrics, { source: 'proc', rss: 123, lazyFree: 7, pid: 9 })!;
  assert.equal(local.rss, 123);
  assert.equal(local.lazyFree, 7);
  assert.equal(local.source, 'expvar');
  assert.equal(mergeSample(1, undefined, metrics)!.source, 'prometheus');
  assert.equal(mergeSample(1, undefined, undefined, { rss: 5 })!.source, 'proc');
  assert.equal(mergeSample(1), undefined);
});

test('an outage still open when the watch stops is recorded as a gap', async (t) => {
  const target = await startTarget([]);
  t.after(() => target.kill());
  const dir = tmpRecordingDir(t);
  const writer = RecordingWriter.create(dir, { target: {} });
  const poller = new Poller({ ...FAST, url: target.url, writer });
  t.after(() => poller.stop());
  await poller.discover();
  const run = poller.run();
  // Listen before killing: the poller may notice the refused connection before kill() has resolved.
  const downEvent = waitForEvent<RecordingEvent>(poller, 'event', (e) => e.kind === 'fetch-error', 10_000, 'fetch-error');
  await target.kill();
  const down = await downEvent;
  // Usually "connection refused"; "connection closed" if the kill landed during a request.
  assert.match(down.detail, /^target not answering: .*(connection refused|connection closed|request failed)/);
  poller.stop();
  await run;
  writer.close();
  const rec = await readRecordingDir(dir);
  const gap = rec.events.find((e) => e.kind === 'gap')!;
  assert.match(gap.detail, /^target was unreadable for \d+\.\d s, until the watch stopped \(.+\)$/);
  assert.ok(gap.durationMs! >= 0 && gap.t >= down.t);
});

test('forced looks: a GC is forced after a poll that saw none, up to the cap; polls without /metrics take the goroutine count from the pprof index', async (t) => {
  // Idle (no churn) and without /metrics: the target collects on its own rarely if ever, and expvar
  // has no goroutine count. Profile rounds are pushed past the test so that every profile after
  // discovery would be a look.
  const target = await startTarget([]);
  t.after(() => target.kill());
  const forcedCap = 3;
  const goroutineCap = 2;
  const poller = new Poller({ ...FAST, profileIntervalMs: 600_000, url: target.url, forcedLooks: forcedCap, goroutineLooks: goroutineCap });
  t.after(() => poller.stop());
  const samples: MemorySample[] = [];
  const profiles: ProfileFetched[] = [];
  poller.on('sample', (s: MemorySample) => samples.push(s));
  poller.on('profile', (p: ProfileFetched) => profiles.push(p));
  await poller.discover();
  const run = poller.run();
  // Enough polls for every look the caps allow, and a few more to show that none follows.
  await countEvents<MemorySample>(poller, 'sample', () => poller.forcedLooks >= forcedCap, 4, 30_000);
  poller.stop();
  await run;

  const first = samples[0];
  const last = samples[samples.length - 1];
  assert.equal(last.pid, first.pid);
  assert.equal(first.goroutines, undefined, 'the discovery sample (expvar) carries no goroutine count');
  for (const s of samples.slice(1)) assert.ok(s.goroutines! >= 2, `every poll has the count from /debug/pprof/ (got ${s.goroutines})`);
  // The runtime counts the collections the application forced: exactly the poller's (an idle target's
  // own GCs are not forced ones), and no more once the cap is reached.
  assert.equal(last.numForcedGC! - first.numForcedGC!, forcedCap);
  assert.equal(poller.forcedLooks, forcedCap);
  assert.equal(profiles.filter((p) => p.kind === 'heap').length, 1, 'a forced look is a collection, not a profile: only discovery’s heap profile');
  assert.equal(poller.goroutineLooks, 0, 'with the count from the index, no goroutine profile per poll');
  assert.equal(profiles.filter((p) => p.kind === 'goroutine').length, 1, 'only discovery’s goroutine profile');
});

test('no forced looks when the target collects on its own between polls, or when they are off', async (t) => {
  // -churn 2ms keeps 64 KiB every 2 ms and GOGC=1 collects at every 1 % of growth: many GCs between
  // two polls of 150 ms. /metrics gives the goroutine count.
  const target = await startTarget(['-metrics', '-churn', '2ms'], { GOGC: '1' });
  t.after(() => target.kill());
  const busy = new Poller({ ...FAST, profileIntervalMs: 600_000, url: target.url, forcedLooks: 10, goroutineLooks: 10 });
  t.after(() => busy.stop());
  const samples: MemorySample[] = [];
  busy.on('sample', (s: MemorySample) => samples.push(s));
  await busy.discover();
  const run = busy.run();
  await countEvents<MemorySample>(busy, 'sample', () => true, 8, 30_000);
  busy.stop();
  await run;
  const gcs = samples.slice(1).map((s, i) => s.numGC! - samples[i].numGC!);
  assert.ok(
    gcs.every((d) => d > 0),
    `a GC between every two polls: ${gcs.join(',')}`,
  );
  assert.equal(busy.forcedLooks, 0);
  assert.ok(samples.every((s) => s.goroutines !== undefined));
  assert.equal(busy.goroutineLooks, 0);

  const off = new Poller({ ...FAST, profileIntervalMs: 600_000, url: target.url, forcedLooks: 0, goroutineLooks: 0 });
  t.after(() => off.stop());
  await off.discover();
  const run2 = off.run();
  const offSamples: MemorySample[] = [];
  off.on('sample', (s: MemorySample) => offSamples.push(s));
  await countEvents<MemorySample>(off, 'sample', () => true, 4, 30_000);
  off.stop();
  await run2;
  assert.equal(off.forcedLooks, 0);
  assert.equal(offSamples.at(-1)!.numForcedGC, offSamples[0].numForcedGC, 'no GC forced when forced looks are off');
});
