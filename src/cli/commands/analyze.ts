// Placeholder until the command is built; registering it keeps `heapsight --help` honest about what is planned.
import type { Command } from 'commander';

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new Error('analyze is not built yet');
    });
}
