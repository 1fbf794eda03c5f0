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
import { chmodSync, cpSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bin');
const outfile = join(outdir, 'heapsight.cjs');

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

// Written to a temporary name and renamed: `npm pack` (prepack) rebuilds the bundle while tests may be
// running the old one, and a reader must see either the old file or the new one, never half of one.
const result = await build({
  // main.ts runs itself only when it is the executed file; in the bundle it sees its dist/src path, so
  // this entry starts it.
  stdin: {
    contents: "import { main } from './src/cli/main.ts';\nvoid main();\n",
    resolveDir: root,
    sourcefile: 'heapsight-entry.ts',
    loader: 'ts',
  },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outfile,
  write: false,
  banner: {
    js: "#!/usr/bin/env node\nconst __heapsightModuleUrl = (rel) => require('node:url').pathToFileURL(require('node:path').join(__dirname, rel)).href;",
  },
  plugins: [importMetaUrlAsInDist],
  logLevel: 'warning',
});
mkdirSync(outdir, { recursive: true });
const [output] = result.outputFiles;
const partial = `${outfile}.${process.pid}.tmp`;
writeFileSync(partial, output.contents);
chmodSync(partial, 0o755);
renameSync(partial, outfile);

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
