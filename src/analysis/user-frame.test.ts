import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Frame } from '../model/frame.js';
import { readGoroutineDebug2 } from '../sources/goroutine-text.js';
import { firstUserFrame, isOwnFrame, isUserFrame, lastUserFrame, mainModuleOf, packagePath, siteFrame } from './user-frame.js';

const here = dirname(fileURLToPath(import.meta.url));
const f = (fn: string, line = 1): Frame => ({ function: fn, file: 'x.go', line });

test('packagePath strips receivers, closures, type arguments and vendor prefixes', () => {
  assert.equal(packagePath('net/http.(*Transport).dialConn'), 'net/http');
  assert.equal(packagePath('main.main.func1'), 'main');
  assert.equal(packagePath('main.f[...]'), 'main');
  assert.equal(packagePath('example.com/app/cache.(*LRU[go.shape.string,example.com/app/x.V]).Put'), 'example.com/app/cache');
  assert.equal(packagePath('github.com/acme/svc/vendor/github.com/lib/pq.(*conn).recv'), 'github.com/lib/pq');
  assert.equal(packagePath('vendor/golang.org/x/net/http2/hpack.(*Decoder).Write'), 'golang.org/x/net/http2/hpack');
  assert.equal(packagePath('encoding/json.(*decodeState).object'), 'encoding/json');
  assert.equal(packagePath('gopkg.in/yaml%2ev3.unmarshal'), 'gopkg.in/yaml%2ev3');
});

test('user code: main, dotted module paths and dotless GOPATH packages; not std, runtime or golang.org/x', () => {
  for (const fn of [
    'main.(*cache).put',
    'main.main.func1',
    'main.f[...]',
    'github.com/acme/svc.Handle',
    'example.com/m.F',
    'myservice/store.(*DB).Put',
    'github.com/acme/svc/vendor/github.com/lib/pq.(*conn).recv',
  ]) {
    assert.equal(isUserFrame(f(fn)), true, fn);
  }
  for (const fn of [
    'runtime.gopark',
    'runtime/pprof.writeHeap',
    'net/http.(*persistConn).readLoop',
    'sync.(*Map).Store',
    'bufio.NewReaderSize',
    'encoding/json.Unmarshal',
    'internal/poll.(*FD).Read',
    'golang.org/x/net/http2.(*Framer).ReadFrame',
    'vendor/golang.org/x/net/http2/hpack.(*Decoder).Write',
    'time.NewTicker',
    'slices.Grow[...]',
  ]) {
    assert.equal(isUserFrame(f(fn)), false, fn);
  }
});

test('firstUserFrame takes the leaf-most user frame, lastUserFrame the outermost', () => {
  const stack = [f('runtime.mallocgc'), f('bytes.(*Buffer).grow'), f('io.ReadAll'), f('main.readHeader', 16), f('main.serve', 40), f('runtime.main')];
  assert.deepEqual(firstUserFrame(stack), f('main.readHeader', 16));
  assert.deepEqual(lastUserFrame(stack), f('main.serve', 40));
  assert.equal(firstUserFrame([f('runtime.gopark'), f('net/http.(*persistConn).readLoop')]), undefined);
});

test('siteFrame names a stack with no user code after the first frame past buffer helpers', () => {
  assert.deepEqual(
    siteFrame([f('bufio.NewWriterSize', 593), f('net/http.(*Transport).dialConn', 1749), f('net/http.(*Transport).dialConnFor', 1450)]),
    f('net/http.(*Transport).dialConn', 1749),
  );
  assert.deepEqual(siteFrame([f('runtime.malg', 4076), f('runtime.newproc1')]), f('runtime.malg', 4076));
  assert.equal(siteFrame([]), undefined);
});

test('real debug=2 dump: user goroutines have a user frame, net/http connection goroutines have none', async () => {
  const snap = await readGoroutineDebug2(readFileSync(join(here, 'testdata/body-524288/goroutine2-5.txt.gz')), 'goroutine2-5.txt.gz');
  const readLoops = snap.groups.filter((g) => g.stack.some((fr) => fr.function === 'net/http.(*persistConn).readLoop'));
  assert.ok(readLoops.length > 0);
  for (const g of readLoops) assert.equal(firstUserFrame(g.stack), undefined);
  const pool = snap.groups.find((g) => g.createdBy?.function === 'main.init.1');
  assert.ok(pool, 'the healthy worker pool started in healthy.go init');
  assert.equal(firstUserFrame(pool.stack)?.function, 'main.init.1.func1');
});

test("isOwnFrame: main and the main module are the program's own; module-cache and vendored files are dependencies", () => {
  const f = (fn: string, file: string) => ({ function: fn, file, line: 1 });
  assert.equal(isOwnFrame(f('main.ingestBatch', '/build/app/main.go')), true);
  assert.equal(isOwnFrame(f('example.com/app/store.(*DB).Put', '/build/app/store/db.go')), true);
  assert.equal(isOwnFrame(f('github.com/lib/x.Parse', '/root/go/pkg/mod/github.com/lib/x@v1.2.3/parse.go')), false);
  assert.equal(isOwnFrame(f('github.com/lib/x.Parse', 'github.com/lib/x@v1.2.3/parse.go')), false, '-trimpath');
  assert.equal(isOwnFrame(f('github.com/lib/x.Parse', '/build/app/vendor/github.com/lib/x/parse.go')), false);
  assert.equal(isOwnFrame(f('net/http.(*conn).serve', '/usr/lib/go/src/net/http/server.go')), false);
  // With the main module known, the package path decides, whatever the file.
  const own = { mainModule: 'example.com/app' };
  assert.equal(isOwnFrame(f('example.com/app/store.Put', 'example.com/app@v0.0.0/store/db.go'), own), true);
  assert.equal(isOwnFrame(f('example.com/application.Put', '/build/x.go'), own), false);
  assert.equal(isOwnFrame(f('github.com/lib/x.Parse', '/build/app/x.go'), own), false);
  assert.equal(isOwnFrame(f('main.main', '/build/app/main.go'), own), true);
});

test("mainModuleOf: the module path, else a real main package path, never GOPATH's _/dir", () => {
  assert.equal(mainModuleOf({ main: { path: 'example.com/app' }, path: 'example.com/app/cmd/app' }), 'example.com/app');
  assert.equal(mainModuleOf({ path: '_/work/examples/map-leak' }), undefined);
  assert.equal(mainModuleOf({ path: 'command-line-arguments' }), undefined);
  assert.equal(mainModuleOf(undefined), undefined);
});
