import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { targetBinary } from '../../test-support/test-target.js';
import { groupAlive } from '../../collect/process-group.js';
import { findListeningPid } from '../../collect/local-process.js';
import { freePort, runCli } from '../../test-support/cli-run.js';

// The fast paths of `check` on the Go test target (the live verdict runs are in cli/e2e/): usage
// errors, a service that never comes up, a service that dies mid-check, an interrupted check — and in
// each case nothing it started is left running.

function tmp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-check-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** check keeps a work directory (service and load logs) under $TMPDIR: give each run one that is removed. */
function tmpEnv(t: { after(fn: () => void): void }): Record<string, string> {
  return { TMPDIR: tmp(t) };
}

/** `heapsight check --run` of the Go test target on `port`, paced for a test; `extra` goes last. */
function checkTarget(
  t: { after(fn: () => unknown): void },
  port: number,
  pace: { churn: string; duration: string; interval: string; profileInterval: string; wrap?: string },
  extra: string[],
) {
  const service = `${pace.wrap ? `${pace.wrap} ` : ''}${targetBinary()} -addr 127.0.0.1:${port} -churn ${pace.churn}`;
  const args = ['check', '--url', `http://127.0.0.1:${port}`, '--run', service, '--duration', pace.duration, '--interval', pace.interval];
  return runCli([...args, '--profile-interval', pace.profileInterval, ...extra], t, tmpEnv(t));
}

function groupsStarted(stdout: string): number[] {
  return [...stdout.matchAll(/\(process group (\d+)\)/g)].map((m) => Number(m[1]));
}

test('usage errors exit 2 with a one-line reason', async (t) => {
  for (const [args, re] of [
    [['check'], /check needs --url URL/],
    [['check', '--url', 'http://127.0.0.1:1', '--max-heap-growth', 'a lot'], /--max-heap-growth expects a rate like 1MiB\/min/],
    [['check', '--url', 'http://127.0.0.1:1', '--max-goroutine-growth', '5/week'], /unknown time unit "\/week"/],
    [['check', '--url', 'http://127.0.0.1:1', '--inconclusive-exit', 'maybe'], /--inconclusive-exit expects an exit code 0\.\.255/],
    [['check', '--url', 'http://127.0.0.1:1', '--confidence', '2'], /--confidence expects a number from 0 to 1/],
    [['check', '--url', 'ftp://x'], /--url expects an http\(s\) URL/],
    [['check', '--url', 'http://127.0.0.1:1', '--out', 'src'], /--out src exists and is not empty/],
  ] as const) {
    const run = runCli([...args], t, tmpEnv(t));
    assert.equal((await run.exited).code, 2, `${args.join(' ')}: ${run.stderr()}`);
    assert.match(run.stderr(), re);
    assert.equal(run.stderr().trim().split('\n').length, 1);
  }
});

test('an unreachable target exits 4, and the JUnit file records the error', async (t) => {
  const dir = tmp(t);
  const port = await freePort();
  const junit = join(dir, 'j.xml');
  const run = runCli(['check', '--url', `http://127.0.0.1:${port}`, '--duration', '5s', '--junit', junit], t, tmpEnv(t));
  assert.equal((await run.exited).code, 4, run.stderr());
  assert.match(run.stderr(), /cannot reach the target/);
  const xml = readFileSync(junit, 'utf8');
  assert.equal(XMLValidator.validate(xml), true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(xml);
  assert.equal(doc.testsuites.testsuite['@errors'], '1');
  assert.equal(doc.testsuites.testsuite.testcase.error['@type'], 'unreadable');
});

test('a --run service that exits before answering: exit 4 with its last output; nothing left running', async (t) => {
  const port = await freePort();
  const run = runCli(
    ['check', '--url', `http://127.0.0.1:${port}`, '--run', 'echo starting; echo "bind: permission denied" >&2; exit 1', '--load', 'sleep 300'],
    t,
    tmpEnv(t),
  );
  assert.equal((await run.exited).code, 4, run.stderr());
  assert.match(run.stderr(), /the service exited before answering at http:\/\/127\.0\.0\.1:\d+; its last output:\nstarting\nbind: permission denied/);
  assert.doesNotMatch(run.stdout(), /started load/, 'no load without a service');
});

test('a --run service that dies mid-check ends the check with exit 4; load and service groups are stopped', async (t) => {
  const port = await freePort();
  const dir = tmp(t);
  // The service exits by itself 3 s after start (timeout(1) sends SIGTERM); the load would run for minutes.
  const run = checkTarget(t, port, { wrap: 'timeout 3', churn: '10ms', duration: '60s', interval: '200ms', profileInterval: '1s' }, [
    '--load',
    'sleep 300',
    '--out',
    join(dir, 'rec'),
  ]);
  const { code } = await run.exited;
  assert.equal(code, 4, run.stdout() + run.stderr());
  assert.match(run.stderr(), /heapsight: the service exited \(exit code 124\) after \d+ s/);
  assert.ok(existsSync(join(dir, 'rec', 'samples.jsonl')), 'the recording is kept');
  const groups = groupsStarted(run.stdout());
  assert.equal(groups.length, 2);
  for (const g of groups) assert.equal(groupAlive(g), false, `group ${g} still running`);
});

test('SIGINT stops the check: the verdict so far is printed, exit 130, the service is stopped', async (t) => {
  const port = await freePort();
  const dir = tmp(t);
  const run = checkTarget(t, port, { churn: '10ms', duration: '120s', interval: '200ms', profileInterval: '1s' }, ['--out', join(dir, 'rec')]);
  await run.waitFor('stdout', /^\[\s*\d+:\d\d\] heap \d/, 3, 30_000);
  run.proc.kill('SIGINT');
  const { code } = await run.exited;
  assert.equal(code, 130, run.stdout() + run.stderr());
  assert.match(run.stdout(), /^heapsight check: (PASS|FAIL|INCONCLUSIVE)/m);
  const [group] = groupsStarted(run.stdout());
  assert.equal(groupAlive(group), false);
  assert.equal(findListeningPid(port), undefined);
});

test('--json: stdout is only the analyze document plus a "check" object that matches the exit code', async (t) => {
  const port = await freePort();
  const dir = tmp(t);
  const rec = join(dir, 'rec');
  const run = checkTarget(t, port, { churn: '10ms', duration: '4s', interval: '200ms', profileInterval: '1s' }, ['--out', rec, '--json']);
  const { code } = await run.exited;
  const doc = JSON.parse(run.stdout());
  assert.equal(doc.check.exitCode, code, run.stderr());
  assert.equal(doc.check.recording, rec);
  assert.match(doc.check.headline, /^(PASS|FAIL|INCONCLUSIVE)/);
  // 4 s of a churning target is not enough for any verdict but inconclusive: exit 3 by default.
  assert.equal(doc.verdict, 'inconclusive');
  assert.equal(code, 3);
  assert.equal(doc.check.outcome, 'inconclusive');
  assert.ok(doc.observed.samples >= 5, `observed ${JSON.stringify(doc.observed)}`);
  assert.match(run.stderr(), /^started service \(process group \d+\)/m, 'progress goes to stderr');
  assert.match(run.stderr(), /^heapsight check: INCONCLUSIVE/m);
  const [group] = groupsStarted(run.stderr());
  assert.equal(groupAlive(group), false);
});

test("godebugWithGctrace adds gctrace=1 to the user's GODEBUG, and never overrides their own gctrace", async () => {
  const { godebugWithGctrace } = await import('./check.js');
  assert.equal(godebugWithGctrace(undefined), 'gctrace=1');
  assert.equal(godebugWithGctrace(''), 'gctrace=1');
  assert.equal(godebugWithGctrace('madvdontneed=0'), 'madvdontneed=0,gctrace=1');
  assert.equal(godebugWithGctrace('gctrace=2,madvdontneed=0'), 'gctrace=2,madvdontneed=0');
});

test('--run starts the service with GODEBUG=gctrace=1 and its trace goes into the recording; --no-gctrace does not', async (t) => {
  for (const gctrace of [true, false]) {
    const port = await freePort();
    const dir = tmp(t);
    const rec = join(dir, 'rec');
    // 500 calls/s retaining 64 KiB each: the heap doubles every second or so, a GC cycle each time.
    const run = checkTarget(t, port, { churn: '2ms', duration: '8s', interval: '500ms', profileInterval: '2s' }, [
      '--out',
      rec,
      '--json',
      ...(gctrace ? [] : ['--no-gctrace']),
    ]);
    const { code } = await run.exited;
    const doc = JSON.parse(run.stdout());
    assert.equal(doc.check.exitCode, code, run.stderr());
    if (gctrace) {
      const copied = readFileSync(join(rec, 'gctrace.log'), 'utf8').trim().split('\n');
      assert.ok(copied.length >= 4, `${copied.length} trace lines copied`);
      assert.ok(
        copied.every((l) => /^gc \d+ @[\d.]+s \d+%: .* MB goal, .* \d+ P( \(forced\))?$/.test(l)),
        copied.join('\n'),
      );
      assert.match(run.stderr(), new RegExp(`^gctrace: ${copied.length} GC cycles from .*service\\.log, copied to gctrace\\.log$`, 'm'));
      // The heap spans far more than gctrace's whole-MiB resolution, so its marked heap is the live heap.
      assert.equal(doc.liveHeap.source, 'gctrace', JSON.stringify(doc.liveHeap));
      // Cycles from before the first poll (the service's start-up) are set aside and said so; the rest count.
      const setAside = Number(/gctrace: (\d+) GC cycles? from before the recording's first poll set aside/.exec((doc.notes ?? []).join('\n'))?.[1] ?? 0);
      assert.ok(doc.observed.gcCycles >= copied.length - setAside - 1, `observed ${JSON.stringify(doc.observed)}, ${setAside} set aside`);
    } else {
      assert.equal(existsSync(join(rec, 'gctrace.log')), false);
      assert.doesNotMatch(run.stderr(), /^gctrace:/m);
      assert.notEqual(doc.liveHeap?.source, 'gctrace');
    }
  }
});
