import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goroutineCountFromPprofIndex } from './pprof-index.js';

test('the goroutine count is read from the index row of the goroutine profile, not from other rows', () => {
  const page = [
    "<tr><td>12</td><td><a href='allocs?debug=1'>allocs</a></td></tr>",
    "<tr><td>417</td><td><a href='goroutine?debug=1'>goroutine</a></td></tr>",
    "<tr><td>0</td><td><a href='goroutineleak?debug=1'>goroutineleak</a></td></tr>",
    "<tr><td>9</td><td><a href='heap?debug=1'>heap</a></td></tr>",
  ].join('\n');
  assert.equal(goroutineCountFromPprofIndex(page), 417);
});

test('a page without the goroutine row (another router answering /debug/pprof/) gives no count', () => {
  assert.equal(goroutineCountFromPprofIndex('<html><body>404 page not found</body></html>'), undefined);
  assert.equal(goroutineCountFromPprofIndex("<tr><td>0</td><td><a href='goroutineleak?debug=1'>goroutineleak</a></td></tr>"), undefined);
});
