// `heapsight rules`: print Prometheus recording and alerting rules that run heapsight's leak test
// inside Prometheus (see analysis/alert-rules.ts), ready for `promtool check rules` and a rule_files
// entry. The non-obvious decision: the output is plain YAML on stdout (or --out FILE) with the
// selector baked in, so a team keeps one generated file per service and regenerates it on upgrade.

import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { parseSeconds } from '../flags.js';

interface RulesFlags {
  selector?: string;
  window: string;
  envelope: string;
  for: string;
  severity: string;
  out?: string;
}

export async function runRules(flags: RulesFlags): Promise<void> {
  const [{ generateRules }, { parseSelector }] = await Promise.all([import('../../analysis/alert-rules.js'), import('../../sources/prometheus-api.js')]);
  const text = generateRules({
    selector: parseSelector(flags.selector),
    windowSeconds: Math.round(parseSeconds('--window', flags.window)),
    envelopeSeconds: Math.round(parseSeconds('--envelope', flags.envelope)),
    forSeconds: Math.round(parseSeconds('--for', flags.for)),
    severity: flags.severity,
  });
  if (flags.out) writeFileSync(flags.out, text);
  else process.stdout.write(text);
}

export function registerRules(program: Command): void {
  program
    .command('rules')
    .description('print Prometheus recording + alerting rules implementing the leak test (for promtool / rule_files)')
    .option('--selector <matchers>', 'label matchers choosing the services, e.g. \'{job="api"}\'')
    .option('--window <duration>', 'how long growth must be steady, without a restart, to alert', '6h')
    .option('--envelope <duration>', 'min_over_time window of the live-heap and goroutine envelopes', '10m')
    .option('--for <duration>', 'how long the condition must hold before firing', '30m')
    .option('--severity <label>', 'severity label of the alerts', 'warning')
    .option('--out <file>', 'write to FILE instead of stdout')
    .action(async (flags: RulesFlags) => {
      await runRules(flags);
    });
}
