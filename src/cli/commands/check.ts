// Placeholder until the command is built; registering it keeps `heapsight --help` honest about what is planned.
import type { Command } from 'commander';

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new Error('check is not built yet');
    });
}
