import { test } from 'node:test';
import assert from 'node:assert/strict';
import { restartReason } from './restarts.js';

test('identity changes are restarts', () => {
  assert.equal(restartReason({ source: 'expvar', pid: 10 }, { source: 'expvar', pid: 11 }), 'pid changed from 10 to 11');
  assert.match(
    restartReason({ source: 'prometheus', processStartSeconds: 1000.5 }, { source: 'prometheus', processStartSeconds: 1090.1 })!,
    /^process start time changed/,
  );
  assert.equal(restartReason({ source: 'expvar', cmdline: ['./svc', '-a'] }, { source: 'expvar', cmdline: ['./svc', '-b'] }), 'command line changed');
});

test('start times that wobble by a clock tick are the same process', () => {
  assert.equal(restartReason({ source: 'proc', processStartSeconds: 1000.51 }, { source: 'proc', processStartSeconds: 1000.52 }), undefined);
});

test('cumulative counters going backwards mean a new process, even without identity', () => {
  assert.equal(
    restartReason({ source: 'expvar', totalAlloc: 5000, numGC: 9 }, { source: 'expvar', totalAlloc: 100, numGC: 1 }),
    'TotalAlloc went backwards (5000 → 100)',
  );
  assert.equal(restartReason({ source: 'expvar', totalAlloc: 5000, numGC: 9 }, { source: 'expvar', totalAlloc: 5000, numGC: 9 }), undefined);
  // A gauge going down is ordinary (GC freed memory).
  assert.equal(restartReason({ source: 'expvar', heapAlloc: 5000 }, { source: 'expvar', heapAlloc: 10 }), undefined);
});
