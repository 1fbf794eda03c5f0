// `heapsight diff BASE NEW`: per-function change NEW − BASE, as `go tool pprof -top -diff_base BASE NEW`,
// growth first. Inputs are read one after the other (NEW first: it decides the sample type) so that only one inflated
// profile is alive at a time.
import type { Command } from 'commander';
import { addProfileOptions, nodesOption, type TopOptions } from './top.js';
import { readingInput } from '../report-error.js';
import { writeStdout } from '../stdout.js';

export function registerDiff(program: Command): void {
  addProfileOptions(
    program
      .command('diff')
      .description('Per-function change between two pprof profiles (NEW − BASE), largest growth first')
      .argument('<base>', 'earlier profile (file or http(s) URL)')
      .argument('<new>', 'later profile (file or http(s) URL)'),
  ).action(async (base: string, next: string, opts: TopOptions) => {
    const nodes = nodesOption(opts);
    const [{ loadInput }, { aggregatePprof, matchingType }, { diffTable }, { renderTopJson, renderTopText }] = await Promise.all([
      import('../profile-input.js'),
      import('../../sources/pprof/aggregate.js'),
      import('../../analysis/top-table.js'),
      import('../../report/top-table.js'),
    ]);
    const aggregate = async (arg: string, sampleIndex: string) => {
      const input = await loadInput(arg, opts);
      return {
        origin: input.origin,
        agg: await readingInput(input.origin, () => aggregatePprof(input.bytes, input.origin, { maxBytes: input.maxBytes, sampleIndex })),
      };
    };
    // NEW decides the sample type (as pprof does); BASE is then aggregated for that type by name.
    const n = await aggregate(next, opts.sampleIndex ?? '');
    const chosen = n.agg.sampleTypes[n.agg.accumulated[0]].type;
    const b = await aggregate(base, chosen);
    const tn = n.agg.accumulated[0];
    const table = diffTable(b.agg, n.agg, tn, matchingType(b.agg, n.agg, tn, b.origin), opts.cum === true);
    const title = [`Base: ${b.origin}`, `New:  ${n.origin}`];
    writeStdout(opts.json ? renderTopJson(table, { nodes }) : renderTopText(table, { nodes, title }));
  });
}
