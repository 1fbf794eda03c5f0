// `heapsight top PROFILE`: the functions holding (or allocating) the most, as `go tool pprof -top`
// prints them, from a file or a URL. Heavy modules are imported inside the action to keep start-up fast.
import type { Command } from 'commander';
import { requestOptions } from '../flags.js';
import { DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT } from '../profile-input.js';
import { UsageError } from '../usage-error.js';
import { readingInput } from '../report-error.js';
import { writeStdout } from '../stdout.js';

export interface TopOptions {
  sampleIndex?: string;
  nodes?: string;
  cum?: boolean;
  json?: boolean;
  header?: string[];
  timeout: string;
  maxBytes: string;
}

/** --nodes: text defaults to 80 rows as pprof; JSON to all rows; 0 means all. */
export function nodesOption(opts: TopOptions): number | undefined {
  if (opts.nodes === undefined) return opts.json ? undefined : 80;
  if (!/^\d+$/.test(opts.nodes)) throw new UsageError(`--nodes expects a whole number, got ${JSON.stringify(opts.nodes)}`);
  const n = Number(opts.nodes);
  return n === 0 ? undefined : n;
}

export function addProfileOptions(cmd: Command): Command {
  return requestOptions(cmd, { timeout: DEFAULT_TIMEOUT, timeoutHelp: 'HTTP timeout for URL inputs', insecure: false })
    .option(
      '--sample-index <type>',
      'sample type by name (inuse_space, inuse_objects, alloc_space, alloc_objects, …) or number; default as pprof: default_sample_type, else the last',
    )
    .option('--nodes <n>', 'rows to show (default 80 in the terminal, all with --json; 0 = all)')
    .option('--cum', 'sort by cumulative value')
    .option('--json', 'JSON with exact integers')
    .option('--max-bytes <size>', 'cap on download and inflated size', DEFAULT_MAX_BYTES);
}

export function registerTop(program: Command): void {
  addProfileOptions(
    program
      .command('top')
      .description('Top functions of a pprof profile (file or http(s) URL), like go tool pprof -top')
      .argument('<profile>', 'profile file (gzip or raw protobuf) or http(s) URL'),
  ).action(async (profile: string, opts: TopOptions) => {
    const nodes = nodesOption(opts);
    const [{ loadInput }, { aggregatePprof }, { topTable }, { renderTopJson, renderTopText }] = await Promise.all([
      import('../profile-input.js'),
      import('../../sources/pprof/aggregate.js'),
      import('../../analysis/top-table.js'),
      import('../../report/top-table.js'),
    ]);
    const input = await loadInput(profile, opts);
    const table = await readingInput(input.origin, () => {
      const agg = aggregatePprof(input.bytes, input.origin, { maxBytes: input.maxBytes, sampleIndex: opts.sampleIndex ?? '' });
      // Aggregated for the one type -sample_index (or the default) names: accumulated[0].
      return topTable(agg, agg.accumulated[0], opts.cum === true);
    });
    writeStdout(opts.json ? renderTopJson(table, { nodes }) : renderTopText(table, { nodes, title: [`Profile: ${input.origin}`] }));
  });
}
