#!/usr/bin/env node
// Bundles the CLI into one CommonJS file, dist/bin/heapsight.cjs (the package's `bin`). Node start-up is
// most of `heapsight top small.pb.gz`; loading ~25 ESM modules, each resolved, stat'ed and read
// asynchronously, added ~30 ms to it, and the synchronous CommonJS loader on one file is the cheapest
// (measured: a split ESM bundle saved about half as much). Lazily imported modules become lazily
// initialised sections of the file, so a command still runs only the code it needs.
// dist/src/cli/main.js from tsc stays and behaves the same; tests spawn either.
// The non-obvious part: modules that find files next to themselves (import.meta.url: the HTML client
// assets, examples/) must not see the bundle's location. Each module's import.meta.url is rewritten to
// the URL its tsc output has under dist/src/…, computed from the bundle's own directory at run time, so
// the package can still be moved as a whole.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bin');
const outfile = join(outdir, 'heapsight.cjs');
// Two bundles of the same CLI, each with its own V8 code cache: the whole one, and one holding only what
// `heapsight top` needs (the loader picks it for `top` without help). The 0.2 MB `top` is the run whose
// start-up counts most against pprof (issue 13), and reading, deserialising and initialising half the
// source and a third of the cache took ~5 ms CPU less (25 interleaved pairs, bench/README.md, start-up).
const BUNDLES = {
  full: { name: 'heapsight-bundle', only: undefined },
  top: { name: 'heapsight-top-bundle', only: 'top' },
};
for (const b of Object.values(BUNDLES)) {
  b.file = join(outdir, `${b.name}.cjs`);
  b.cacheFile = join(outdir, `${b.name}.v8cache`);
}

const importMetaUrlAsInDist = {
  name: 'import-meta-url-as-in-dist',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      let contents = await readFile(args.path, 'utf8');
      if (contents.includes('import.meta.url')) {
        const compiled = join(root, 'dist', relative(root, args.path)).replace(/\.ts$/, '.js');
        const rel = relative(outdir, compiled).split('\\').join('/');
        // A helper from the banner: a module may bind its own `require` (createRequire) in scope.
        contents = contents.replaceAll('import.meta.url', `__heapsightModuleUrl(${JSON.stringify(rel)})`);
      }
      return { contents, loader: 'ts' };
    });
  },
};

// commander requires node:child_process at load time, for executable subcommands heapsight does not
// have; loading it (and net, dgram, stream with it) was ~10 ms CPU of a 0.2 MB `top` (issue 13,
// bench/README.md). In the bundle that require becomes a getter run on first use of spawn.
const commanderLazyChildProcess = {
  name: 'commander-lazy-child-process',
  setup(b) {
    b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, async (args) => {
      const contents = await readFile(args.path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      if (!contents.includes(eager)) throw new Error(`bundle-cli: ${args.path} no longer has \`${eager}\`; update commanderLazyChildProcess`);
      return { contents: contents.replace(eager, "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };"), loader: 'js' };
    });
  },
};

// In the bundle for one command, main.ts's lazy imports of the other commands resolve to a module that
// throws: the loader sends every run that could register them (another command, help) to the full bundle.
function onlyCommand(command) {
  return {
    name: 'only-command',
    setup(b) {
      b.onResolve({ filter: /^\.\/commands\/[a-z-]+\.js$/ }, (args) => {
        if (!/[\\/]src[\\/]cli[\\/]main\.ts$/.test(args.importer) || args.path === `./commands/${command}.js`) return undefined;
        return { path: args.path, namespace: 'not-in-this-bundle' };
      });
      b.onLoad({ filter: /.*/, namespace: 'not-in-this-bundle' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`heapsight: ${args.path} is not in the ${command}-only bundle (scripts/bundle-cli.mjs)`)});`,
        loader: 'js',
      }));
    },
  };
}

async function bundle({ only }) {
  // The build id ties the shipped V8 code cache to this very bundle (see the loader below).
  const buildId = randomBytes(8).toString('hex');
  const result = await build({
    // The loader (below) calls main(); main.ts runs itself only when it is the executed file.
    stdin: {
      contents: "export { main } from './src/cli/main.ts';\n",
      resolveDir: root,
      sourcefile: 'heapsight-entry.ts',
      loader: 'ts',
    },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outfile: join(outdir, 'bundle.cjs'),
    write: false,
    banner: {
      js: `//heapsight-build:${buildId}\nconst __heapsightModuleUrl = (rel) => require('node:url').pathToFileURL(require('node:path').join(__dirname, rel)).href;`,
    },
    plugins: [...(only ? [onlyCommand(only)] : []), importMetaUrlAsInDist, commanderLazyChildProcess],
    logLevel: 'warning',
  });
  // V8 holds a source with even one non-ASCII character as a two-byte string (twice the bytes to decode,
  // hash and scan for each function compiled lazily). esbuild escapes non-ASCII in strings, regular
  // expressions and names (its default ascii charset) but keeps comments as written: the rest is escaped
  // here, where \uXXXX means the same character in code and is only text in a comment.
  const bundleSource = result.outputFiles[0].text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  // The loader compiles the bundle with vm.Script; a dynamic import() there would need a module loader
  // callback that a code-cached script cannot have, so the bundle must have none left (esbuild turns ours
  // into lazily initialised sections).
  // Strings and block comments are set aside first: a dependency's JSDoc (re2js: `@param {import('…').RE2JS}`)
  // names import() without calling it.
  if (/\bimport\(/.test(bundleSource.replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, '').replace(/\/\*[\s\S]*?\*\//g, '')))
    throw new Error('bundle-cli: the bundle still contains import(); the vm.Script loader cannot run it');
  return { buildId, source: bundleSource };
}
const built = {};
for (const [key, b] of Object.entries(BUNDLES)) built[key] = await bundle(b);

// The `bin`. Start-up is most of `heapsight top small.pb.gz` (issue 13: measured 0.2 MB top, ~20 ms of
// ~150 ms CPU was compiling the bundle and its lazily compiled functions); a V8 code cache made at build
// time removes that: the bundle is compiled with vm.Script and the cache's bytecode, which V8 accepts
// only from the same V8 version and flags and rejects otherwise (then it compiles as usual, correct
// but without the gain). V8 checks the source only by its length, so the loader uses the cache only when
// the bundle's first line carries the build id the cache was made with.
// V8's interrupt budget, which sets how much bytecode a function runs before V8 considers optimising it
// (default 67,584, Node 20). A 0.2 MB `top` is over in ~50 ms, too short for TurboFan to repay its
// compiles: at the default it spent ~40 ms CPU on them (issue 13: --no-opt was 0.80x the CPU time).
// ~30x the default lets short runs finish in the interpreter and Sparkplug. It is raised only when no
// argument is a file over TIER_UP_SMALL_INPUT_BYTES: on big profiles the late tier-up cost wall time
// (16 MB top 0.86x and diff 0.88x of the default's time, 87 MB top 0.94x, in 9 interleaved pairs each;
// bench/compare-builds.mjs, bench/README.md), which the start-up CPU measurement had not shown.
const TIER_UP_INTERRUPT_BUDGET = 2_000_000;
// A 0.2 MB profile's top (~50 ms of work) gains from the raised budget; a 1.7 MB one's (~0.1 s) already
// loses (1.05x the time of a build without the raise, 11 pairs; 0.97x with the default budget) and a
// 16 MB one's more. Directories and URLs keep the raised budget (their size is not known here).
const TIER_UP_SMALL_INPUT_BYTES = 1024 * 1024;

const loaderSource = `#!/usr/bin/env node
'use strict';
// heapsight's command-line entry, written by scripts/bundle-cli.mjs: runs one of the CLI's bundles with
// the V8 code cache made for it at build time: heapsight-top-bundle.cjs for \`top\` (without help),
// heapsight-bundle.cjs (the whole CLI) for everything else. See that script for why.
// HEAPSIGHT_STARTUP_TIMING=1 prints where start-up went (bench/README.md): wall ms of each phase, "node"
// being Node's own start-up before this file ran, and the process's CPU time.
const timing = process.env.HEAPSIGHT_STARTUP_TIMING ? [['node', performance.now()]] : undefined;
const { readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');
const { wrap } = require('node:module');
const BUNDLES = ${JSON.stringify(Object.fromEntries(Object.entries(BUNDLES).map(([k, b]) => [k, { name: b.name, buildId: built[k].buildId }])))};
function load(key) {
  const { name, buildId } = BUNDLES[key];
  const bundleFile = join(__dirname, name + '.cjs');
  const source = readFileSync(bundleFile, 'utf8');
  let cachedData;
  if (source.startsWith('//heapsight-build:' + buildId + '\\n') && !process.env.HEAPSIGHT_NO_CODE_CACHE) {
    try {
      cachedData = readFileSync(join(__dirname, name + '.v8cache'));
    } catch {
      cachedData = undefined; // a checkout built without it, or a package that lost it: compile as usual
    }
  }
  timing?.push(['read', performance.now()]);
  const script = new Script(wrap(source), { filename: bundleFile, cachedData });
  timing?.push(['compile', performance.now()]);
  const cache = () => (cachedData ? (script.cachedDataRejected ? 'rejected' : 'used') : 'none');
  const run = () => {
    const bundle = { exports: {} };
    script.runInThisContext()(bundle.exports, require, bundle, bundleFile, __dirname);
    return bundle.exports;
  };
  return { script, cache, run };
}
/** A regular file over the size where the raised interrupt budget stops paying (see scripts/bundle-cli.mjs). */
function bigFile(arg) {
  if (arg.startsWith('-')) return false;
  try {
    return (statSync(arg, { throwIfNoEntry: false })?.size ?? 0) > ${TIER_UP_SMALL_INPUT_BYTES};
  } catch {
    return false;
  }
}
if (require.main === module) {
  // The top-only bundle registers only top; src/cli/main.ts (buildProgram) registers only the named
  // command under the same condition, and every command for anything else.
  const args = process.argv.slice(2);
  const key = args[0] === 'top' && !args.includes('--help') && !args.includes('-h') ? 'top' : 'full';
  const bundle = load(key);
  // After the cache was checked (the flag is part of V8's flag hash, so the cache made by the build,
  // which requires this file, stays one made with Node's default flags).
  const budget = args.some(bigFile) ? 'default' : 'raised';
  if (budget === 'raised') require('node:v8').setFlagsFromString('--interrupt-budget=${TIER_UP_INTERRUPT_BUDGET}');
  const { main } = bundle.run();
  timing?.push(['evaluate', performance.now()]);
  if (timing) {
    process.on('exit', () => {
      timing.push(['run', performance.now()]);
      const cpu = process.cpuUsage();
      const parts = timing.map(([name, t], i) => name + ' ' + (t - (i ? timing[i - 1][1] : 0)).toFixed(1));
      process.stderr.write('heapsight start-up ms: ' + parts.join(' ') + ' | code cache ' + bundle.cache() + ' | cpu ' + ((cpu.user + cpu.system) / 1000).toFixed(1) + ' | bundle ' + key + ' | budget ' + budget + '\\n');
    });
  }
  void main();
} else module.exports = { load }; // scripts/bundle-cli.mjs, making the caches
`;

mkdirSync(outdir, { recursive: true });
// Each file is written to a temporary name and renamed: \`npm pack\` (prepack) rebuilds while tests may be
// running the old build, and a reader must see the old file or the new one, never half of one.
function writeAtomically(file, contents, mode = 0o644) {
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, contents);
  chmodSync(partial, mode);
  renameSync(partial, file);
}
for (const [key, b] of Object.entries(BUNDLES)) {
  rmSync(b.cacheFile, { force: true });
  writeAtomically(b.file, built[key].source);
}
writeAtomically(outfile, loaderSource, 0o755);

// The cache holds bytecode for the functions compiled by the time it is made, so it is made after
// running the commands whose start-up matters, in one process: top and diff of small profiles, analyze
// of a recording, demo. Output is discarded; a failing run fails the build. NODE_OPTIONS is cleared so
// the cache is made with Node's default flags, the ones an installed heapsight runs with.
const examplesDir = join(root, 'examples');
const recordings = readdirSync(examplesDir)
  .filter((n) => existsSync(join(examplesDir, n, 'recording', 'recording.json')))
  .sort();
const recording = join(examplesDir, recordings[0], 'recording');
const heaps = readdirSync(join(recording, 'profiles'))
  .filter((n) => /^heap-.*\.pb\.gz$/.test(n))
  .sort()
  .map((n) => join(recording, 'profiles', n));
const topRuns = [
  ['top', heaps[heaps.length - 1]],
  ['top', heaps[heaps.length - 1], '--json'],
];
const trainingRuns = { full: [...topRuns, ['diff', heaps[0], heaps[heaps.length - 1]], ['analyze', recording], ['demo'], ['--version']], top: topRuns };
const env = { ...process.env, NO_COLOR: '1' };
delete env.NODE_OPTIONS;
// One process per bundle: each is trained on the commands it serves.
for (const [key, b] of Object.entries(BUNDLES)) {
  const trainer = `
const { writeFileSync } = require('node:fs');
const bundle = require(${JSON.stringify(outfile)}).load(${JSON.stringify(key)});
const { main } = bundle.run();
(async () => {
  for (const args of ${JSON.stringify(trainingRuns[key])}) {
    process.argv = [process.execPath, ${JSON.stringify(outfile)}, ...args];
    await main();
    if (process.exitCode) throw new Error('training run failed: heapsight ' + args.join(' '));
  }
  writeFileSync(${JSON.stringify(b.cacheFile + '.tmp')}, bundle.script.createCachedData());
})().catch((err) => { console.error(err.message); process.exit(1); });
`;
  const trained = spawnSync(process.execPath, ['-e', trainer], { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (trained.status !== 0) throw new Error(`bundle-cli: making the code cache of ${b.name} failed:\n${trained.stderr}`);
  renameSync(b.cacheFile + '.tmp', b.cacheFile);
}

// What dist/ needs beside the bundle so that a package holding only dist/ (and the demo recordings) runs
// with no node_modules at all: esbuild inlines every JavaScript dependency, but the HTML report reads
// files at run time (src/report/html/render.ts): its page script and styles from next to its module
// (dist/src/report/html/client is the first place it looks), and uPlot's built script and styles through
// require.resolve('uplot/…') from that module, which finds dist/node_modules/uplot before the checkout's
// node_modules. Only those two uPlot files are copied, with its package.json (resolution) and LICENSE.
cpSync(join(root, 'src', 'report', 'html', 'client'), join(root, 'dist', 'src', 'report', 'html', 'client'), { recursive: true });
const uplotFrom = dirname(createRequire(import.meta.url).resolve('uplot/package.json'));
const uplotTo = join(root, 'dist', 'node_modules', 'uplot');
rmSync(uplotTo, { recursive: true, force: true });
mkdirSync(join(uplotTo, 'dist'), { recursive: true });
for (const f of ['package.json', 'LICENSE', 'dist/uPlot.iife.min.js', 'dist/uPlot.min.css']) cpSync(join(uplotFrom, f), join(uplotTo, f));
