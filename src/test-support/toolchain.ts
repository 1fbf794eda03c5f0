// Test-only: make sure an external program (Go, Prometheus, Chromium) is present, installing Debian's
// package when running as root, and failing loudly otherwise. Tests never skip for a missing tool:
// a skipped check counted as a pass is a defect.

import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
let aptUpdated = false;

function onPath(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function aptInstall(debPackages: string[]): void {
  if (!aptUpdated) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    aptUpdated = true;
  }
  execFileSync('apt-get', ['install', '-y', '-qq', ...debPackages], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** Return the path of `cmd`, installing the Debian packages if it is missing and we are root. */
export function requireTool(cmd: string, debPackages: string[]): string {
  const found = onPath(cmd);
  if (found) return found;
  if (process.getuid?.() !== 0) {
    throw new Error(`${cmd} is required by this test and missing; install Debian packages: ${debPackages.join(' ')}`);
  }
  aptInstall(debPackages);
  const after = onPath(cmd);
  if (!after) throw new Error(`${cmd} still missing after apt-get install ${debPackages.join(' ')}`);
  return after;
}

/**
 * The Go runtimes the tests build with: bookworm's Go 1.19 (`go` on PATH) and Go 1.27 from
 * trixie-backports under /usr/lib/go-1.27 (scripts/apt-backports.sh adds that suite, pinned low).
 * Why both: users run 1.25–1.27, and 1.19 is the oldest runtime whose formats we still read.
 */
export type GoVersion = '1.19' | '1.27';
export const goVersions: readonly GoVersion[] = ['1.19', '1.27'];

/** Return the `go` binary of the given runtime (default 1.19), installing it when missing and root. */
export function requireGo(version: GoVersion = '1.19'): string {
  if (version === '1.19') return requireTool('go', ['golang-go']);
  const bin = `/usr/lib/go-${version}/bin/go`;
  if (existsSync(bin)) return bin;
  if (process.getuid?.() !== 0) {
    throw new Error(`Go ${version} is required by this test and missing; run scripts/setup.sh as root`);
  }
  execFileSync('bash', [join(repoRoot, 'scripts', 'apt-backports.sh')], { stdio: 'ignore' });
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  aptUpdated = true;
  execFileSync('apt-get', ['install', '-y', '-qq', '-t', 'trixie-backports', `golang-${version}-go`], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (!existsSync(bin)) throw new Error(`Go ${version} still missing at ${bin} after apt-get install`);
  return bin;
}

/** client_golang for examples exposing /metrics; Debian ships it as GOPATH source. */
export function requireClientGolang(): void {
  requireGo();
  const dir = '/usr/share/gocode/src/github.com/prometheus/client_golang/prometheus';
  if (existsSync(dir)) return;
  if (process.getuid?.() !== 0) {
    throw new Error('client_golang is required by this test and missing; install golang-github-prometheus-client-golang-dev');
  }
  aptInstall(['golang-github-prometheus-client-golang-dev']);
  if (!existsSync(dir)) throw new Error(`client_golang still missing at ${dir} after apt-get install`);
}

const buildCacheDir = join(repoRoot, '.cache', 'go-bin');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(p) : st.mtimeMs);
  }
  return newest;
}

/**
 * Build the Go program in `dir` (relative to the repo root, e.g. `examples/map-leak`) with Debian's
 * toolchain, GOPATH mode (no module proxy is reachable), and return the binary path. Rebuilds only
 * when a source file is newer than the binary.
 */
/**
 * A GOPATH holding trixie's client_golang 1.21 and what it imports, unpacked by
 * scripts/client-golang-trixie.sh; bookworm's 1.14 stays in /usr/share/gocode. Why both: the metric
 * names and the default runtime/metrics set differ between them, and users run either.
 */
export function requireClientGolangNew(): string {
  const dest = '/opt/heapsight/gopath-trixie';
  if (existsSync(join(dest, 'src/github.com/prometheus/client_golang/prometheus'))) return dest;
  if (process.getuid?.() !== 0) {
    throw new Error('client_golang 1.21 is required by this test and missing; run scripts/setup.sh as root');
  }
  execFileSync('bash', [join(repoRoot, 'scripts', 'client-golang-trixie.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  return dest;
}

export type ClientGolang = '1.14' | '1.21';

export function buildGoProgram(
  dir: string,
  opts: {
    cgo?: boolean;
    go?: GoVersion;
    clientGolang?: ClientGolang;
    /** Build in module mode with a go.mod of this `go` line (standard library imports only). */
    goLine?: string;
    /**
     * Build the program as this GOPATH import path (through a symlink in a GOPATH of its own) instead
     * of GOPATH mode's "_/<absolute directory>": the binary's build info then names a package path, not
     * this machine's directories, and a recording of it can be committed.
     */
    importPath?: string;
  } = {},
): string {
  const version = opts.go ?? '1.19';
  let gopath = opts.clientGolang === '1.21' ? requireClientGolangNew() : '/usr/share/gocode';
  const go = requireGo(version);
  let src = resolve(repoRoot, dir);
  const realSrc = src;
  mkdirSync(buildCacheDir, { recursive: true });
  const out = join(
    buildCacheDir,
    dir.replace(/[\\/]/g, '__') +
      (version === '1.19' ? '' : `@go${version}`) +
      (opts.clientGolang === '1.21' ? '+cg1.21' : '') +
      (opts.goLine ? `+mod${opts.goLine}` : '') +
      (opts.importPath ? '+gopath' : ''),
  );
  if (existsSync(out) && statSync(out).mtimeMs >= newestMtime(realSrc)) return out;
  let modDirToRemove: string | undefined;
  if (opts.goLine) {
    // Module mode with a go line: what GODEBUG defaults (tracebacklabels, asynctimerchan, ...) follow.
    // The package's .go files are copied next to a go.mod of their own; standard library imports only.
    // Per process: the test lanes (scripts/run-tests.mjs) may build the same program at the same time.
    const modDir = join(repoRoot, '.cache', 'go-mod-src', `${basename(out)}.${process.pid}`);
    rmSync(modDir, { recursive: true, force: true });
    mkdirSync(modDir, { recursive: true });
    for (const name of readdirSync(src)) if (name.endsWith('.go')) copyFileSync(join(src, name), join(modDir, name));
    writeFileSync(join(modDir, 'go.mod'), `module heapsight.test/${basename(src)}\n\ngo ${opts.goLine}\n`);
    src = modDir;
    modDirToRemove = modDir;
  } else if (opts.importPath) {
    const ownGopath = join(repoRoot, '.cache', 'gopath');
    const link = join(ownGopath, 'src', opts.importPath);
    mkdirSync(dirname(link), { recursive: true });
    try {
      symlinkSync(realSrc, link);
    } catch (e) {
      // Made before, or by the other test lane at the same moment: either way it points at the source.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    gopath = `${ownGopath}:${gopath}`;
    src = link;
  }
  // Built under a name of this process's own, then renamed: two test lanes building the same program
  // at once each rename a whole binary into place, and a binary already running is never overwritten.
  const tmpOut = `${out}.tmp-${process.pid}`;
  const r = spawnSync(go, ['build', '-buildvcs=false', '-o', tmpOut, '.'], {
    cwd: src,
    encoding: 'utf8',
    env: {
      ...process.env,
      // The go command takes its directory from $PWD when it names the same directory as getcwd, which
      // keeps the symlinked GOPATH path (and so the import path) instead of the resolved one.
      PWD: src,
      GO111MODULE: opts.goLine ? 'on' : 'off',
      GOPROXY: 'off',
      GOPATH: gopath,
      CGO_ENABLED: opts.cgo ? '1' : (process.env.CGO_ENABLED ?? '1'),
      GOCACHE: join(repoRoot, '.cache', version === '1.19' ? 'go-build-cache' : `go-build-cache-${version}`),
      // GOPATH mode on 1.27 too; GOTOOLCHAIN=local so it never tries to download another toolchain.
      GOTOOLCHAIN: 'local',
      GOFLAGS: '',
    },
  });
  if (modDirToRemove) rmSync(modDirToRemove, { recursive: true, force: true });
  if (r.status !== 0) {
    rmSync(tmpOut, { force: true });
    throw new Error(`go build ${dir} failed:\n${r.stderr}`);
  }
  renameSync(tmpOut, out);
  return out;
}
