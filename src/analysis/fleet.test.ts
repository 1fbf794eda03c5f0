// Pure parts of the fleet verdict: ranking order, stories, next steps. The verdicts themselves are
// tested against a real Prometheus in sources/prometheus-fleet.test.ts and cli/commands/fleet.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Verdict } from './findings.js';
import { compareSuspicion, nextSteps, storyFor, type FleetInstanceVerdict } from './fleet.js';

function v(instance: string, verdict: Verdict, confidence: number, labels: Record<string, string> = {}, liveHeapBytesPerHour?: number): FleetInstanceVerdict {
  return {
    rank: 0,
    labels: { job: 'api', instance, ...labels },
    verdict,
    confidence,
    headline: '',
    reasons: [],
    restarts: 0,
    oomCycle: false,
    generation: 'memstats',
    missing: [],
    points: 100,
    liveHeapBytesPerHour,
  };
}

test('ranking: leaks by confidence, then inconclusive, then the least certain no-leak first', () => {
  const list = [
    v('a:1', 'no-leak', 0.9),
    v('b:1', 'inconclusive', 0.3),
    v('c:1', 'heap-leak', 0.8),
    v('d:1', 'goroutine-leak', 0.95),
    v('e:1', 'no-leak', 0.6),
    v('f:1', 'off-heap-growth', 0.7),
  ];
  assert.deepEqual(
    list.sort(compareSuspicion).map((x) => x.labels.instance),
    ['d:1', 'c:1', 'f:1', 'b:1', 'e:1', 'a:1'],
  );
});

test('stories only when a label separates leaking from healthy instances', () => {
  const mib = 1024 * 1024;
  const fleet = [
    v('a:1', 'heap-leak', 0.9, { version: 'v2' }, 30 * mib),
    v('b:1', 'heap-leak', 0.9, { version: 'v2' }, 28 * mib),
    v('c:1', 'goroutine-leak', 0.9, { version: 'v2' }),
    v('d:1', 'no-leak', 0.9, { version: 'v1' }),
    v('e:1', 'no-leak', 0.9, { version: 'v1' }),
  ];
  const s = storyFor('version', fleet)!;
  assert.equal(
    s.text,
    'all 3 instances of version="v2" leak (1 goroutine-leak, 2 heap-leak), live heap about +29.0 MiB/h (median); version="v1": none of 2 instances leak',
  );
  const mixed = [
    v('a:1', 'heap-leak', 0.9, { zone: 'x' }),
    v('b:1', 'no-leak', 0.9, { zone: 'x' }),
    v('c:1', 'heap-leak', 0.9, { zone: 'y' }),
    v('d:1', 'no-leak', 0.9, { zone: 'y' }),
  ];
  assert.equal(storyFor('zone', mixed), undefined);
  assert.equal(storyFor('absent', fleet), undefined);
});

test('next steps need an addressable host:port', () => {
  assert.deepEqual(nextSteps('10.0.0.7:8080'), {
    watch: 'heapsight watch http://10.0.0.7:8080',
    heapProfile: 'http://10.0.0.7:8080/debug/pprof/heap',
    goroutines: 'http://10.0.0.7:8080/debug/pprof/goroutine?debug=2',
  });
  assert.equal(nextSteps('[::1]:6060')?.watch, 'heapsight watch http://[::1]:6060');
  assert.equal(nextSteps('api-7f9c'), undefined);
  assert.equal(nextSteps('http://x:1/metrics'), undefined);
  assert.equal(nextSteps(undefined), undefined);
});
