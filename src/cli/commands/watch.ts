// Placeholder until the command is built; registering it keeps `heapsight --help` honest about what is planned.
import type { Command } from 'commander';

export function registerWatch(program: Command): void {
  program
    .command('watch')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new Error('watch is not built yet');
    });
}
