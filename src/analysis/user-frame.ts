// Which frame of a stack is "the user's code": the place a culprit is named after.
//
// The non-obvious decision: a package is the Go distribution's (standard library, runtime,
// golang.org/x/…) when its import path is one of the standard library's top-level directories or
// starts with golang.org/x/ — not merely when its first path element has no dot. GOPATH-mode programs
// (like our examples) and modules named `myservice` have dotless import paths too, and they are user
// code. golang.org/x/… is treated as part of Go because its frames (http2, errgroup, sync/singleflight)
// sit between the user's call and the runtime exactly like net/http's do; third-party modules
// (github.com/…) count as user code because from a profile we cannot tell the user's own module from
// its dependencies, and a dependency that leaks is still worth naming.

import type { Frame } from '../model/frame.js';

/**
 * Top-level directories of the standard library (GOROOT/src), across Go 1.0–1.27. A dotless import
 * path starting with anything else is a user package.
 */
const STD_TOP_LEVEL = new Set([
  'archive',
  'arena',
  'bufio',
  'builtin',
  'bytes',
  'cmd',
  'cmp',
  'compress',
  'container',
  'context',
  'crypto',
  'database',
  'debug',
  'embed',
  'encoding',
  'errors',
  'expvar',
  'flag',
  'fmt',
  'go',
  'hash',
  'html',
  'image',
  'index',
  'internal',
  'io',
  'iter',
  'log',
  'maps',
  'math',
  'mime',
  'net',
  'os',
  'path',
  'plugin',
  'reflect',
  'regexp',
  'runtime',
  'slices',
  'sort',
  'strconv',
  'strings',
  'structs',
  'sync',
  'syscall',
  'testing',
  'text',
  'time',
  'unicode',
  'unique',
  'unsafe',
  'weak',
  'vendor',
]);

/**
 * The import path of the package a Go function name belongs to, with a vendor prefix removed:
 * `net/http.(*Transport).dialConn` → `net/http`, `main.f[...]` → `main`,
 * `example.com/app/vendor/github.com/x/y.F` → `github.com/x/y`, `vendor/golang.org/x/net/http2.F`
 * → `golang.org/x/net/http2`.
 */
export function packagePath(fn: string): string {
  // Type arguments (`[...]` in Go 1.18–1.20, full types such as `[go.shape.int,example.com/t.T]`
  // later) may contain dots and slashes that belong to other packages.
  let name = fn;
  const bracket = name.indexOf('[');
  if (bracket >= 0) name = name.slice(0, bracket);
  const slash = name.lastIndexOf('/');
  const dot = name.indexOf('.', slash + 1);
  let path = dot >= 0 ? name.slice(0, dot) : name;
  const vendored = path.lastIndexOf('/vendor/');
  if (vendored >= 0) path = path.slice(vendored + '/vendor/'.length);
  else if (path.startsWith('vendor/')) path = path.slice('vendor/'.length);
  return path;
}

/** True for the runtime, the standard library and golang.org/x/…; false for `main` and everything else. */
export function isGoDistributionPackage(path: string): boolean {
  if (path === 'main') return false;
  if (path.startsWith('golang.org/x/')) return true;
  const first = path.split('/', 1)[0];
  if (first.includes('.')) return false;
  return STD_TOP_LEVEL.has(first);
}

// Profiles repeat the same few thousand function names across tens of thousands of stacks.
const userFunctionMemo = new Map<string, boolean>();
const MEMO_LIMIT = 100_000;

/** True when the frame is the user's code (see the module comment for what counts). */
export function isUserFrame(frame: Frame): boolean {
  let user = userFunctionMemo.get(frame.function);
  if (user === undefined) {
    user = frame.function !== '' && !isGoDistributionPackage(packagePath(frame.function));
    if (userFunctionMemo.size >= MEMO_LIMIT) userFunctionMemo.clear();
    userFunctionMemo.set(frame.function, user);
  }
  return user;
}

export function isRuntimeFrame(frame: Frame): boolean {
  const path = packagePath(frame.function);
  return path === 'runtime' || path.startsWith('runtime/') || path.startsWith('internal/runtime');
}

/** First frame, leaf first, that is the user's code; undefined when the whole stack is Go's own. */
export function firstUserFrame(stack: Frame[]): Frame | undefined {
  return stack.find(isUserFrame);
}

/** Outermost user frame: for a goroutine, the function it was started with (or the nearest user caller). */
export function lastUserFrame(stack: Frame[]): Frame | undefined {
  for (let i = stack.length - 1; i >= 0; i--) if (isUserFrame(stack[i])) return stack[i];
  return undefined;
}

/**
 * Packages whose functions only hand out buffers and containers for their caller: naming one of them
 * (`bufio.NewWriterSize`) says nothing about who keeps the memory, so a stack with no user frame is
 * named after the first frame outside them (`net/http.(*Transport).dialConn`).
 */
const HELPER_PACKAGES = new Set([
  'bufio',
  'bytes',
  'strings',
  'io',
  'sync',
  'sort',
  'strconv',
  'fmt',
  'errors',
  'reflect',
  'context',
  'unicode/utf8',
  'unicode/utf16',
  'container/list',
  'container/heap',
  'container/ring',
  'slices',
  'maps',
]);

/**
 * The frame a culprit is named after: the first user frame; failing that, the first frame outside
 * the runtime and the buffer/container helpers; failing that, the first frame outside the runtime;
 * failing that, the leaf.
 */
export function siteFrame(stack: Frame[]): Frame | undefined {
  const user = firstUserFrame(stack);
  if (user) return user;
  const meaningful = stack.find((f) => !isRuntimeFrame(f) && !HELPER_PACKAGES.has(packagePath(f.function)) && !packagePath(f.function).startsWith('internal/'));
  return meaningful ?? stack.find((f) => !isRuntimeFrame(f)) ?? stack[0];
}

/**
 * What is known about the program's own code: the main module's path from its build info
 * (`findings.buildInfo.main.path`, or `path` for the main package), when known.
 */
export interface OwnCode {
  mainModule?: string;
}

/** A Go module cache path (`…/pkg/mod/github.com/x/y@v1.2.3/…`, or `-trimpath`'s `github.com/x/y@v1.2.3/…`) or a vendor tree. */
const DEPENDENCY_FILE = /\/pkg\/mod\/|@v\d|(^|\/)vendor\//;

/**
 * True when the frame is the program's own code, not a dependency's: `main`, and with the main
 * module known, its packages. Without build info the file tells: dependencies compile from the
 * module cache (`/pkg/mod/…@vX`, or `…@vX/` under -trimpath) or a vendor tree; everything else
 * outside Go's own packages was built from the program's source tree. A GOPATH-mode program has no
 * module cache, so there every user frame counts as its own.
 */
export function isOwnFrame(frame: Frame, own: OwnCode = {}): boolean {
  if (!isUserFrame(frame)) return false;
  const path = packagePath(frame.function);
  if (path === 'main') return true;
  if (own.mainModule) return path === own.mainModule || path.startsWith(`${own.mainModule}/`);
  return !DEPENDENCY_FILE.test(frame.file);
}

/** The main module's path from build info: the module, else the main package's path (not GOPATH's `_/dir`). */
export function mainModuleOf(info: { path?: string; main?: { path: string } } | undefined): string | undefined {
  if (info?.main?.path) return info.main.path;
  if (info?.path && !info.path.startsWith('_/') && info.path !== 'command-line-arguments') return info.path;
  return undefined;
}
