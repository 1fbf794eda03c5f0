// Placeholder until the command is built; registering it keeps `heapsight --help` honest about what is planned.
import type { Command } from 'commander';

export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new Error('diff is not built yet');
    });
}
