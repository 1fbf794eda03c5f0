// Placeholder until the command is built; registering it keeps `heapsight --help` honest about what is planned.
import type { Command } from 'commander';

export function registerTop(program: Command): void {
  program
    .command('top')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new Error('top is not built yet');
    });
}
