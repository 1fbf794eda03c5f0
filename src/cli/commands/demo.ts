// Placeholder until the command is built; registering it keeps `heapsight --help` honest about what is planned.
import type { Command } from 'commander';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new Error('demo is not built yet');
    });
}
