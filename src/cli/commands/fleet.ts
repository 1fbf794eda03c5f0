// `heapsight fleet --prometheus URL`: rank every Go instance a Prometheus-compatible server (Prometheus,
// Thanos Query, Mimir) knows by leak likelihood, with server-side PromQL so that kilobytes per
// instance cross the network, and tell the stories the --group-by labels reveal.
//
// The non-obvious decision: secrets come from the environment (--bearer-token-env VAR), never from a
// flag value, so they stay out of shell history and process listings; --header is for the rest
// (tenant ids such as X-Scope-OrgID) and is never echoed either.

import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { UsageError } from '../usage-error.js';
import { parseHeaders, parseSeconds, parseTime, requestOptions } from '../flags.js';

export interface FleetFlags {
  prometheus?: string;
  selector?: string;
  range: string;
  step: string;
  end?: string;
  groupBy?: string;
  json?: boolean;
  md?: string;
  html?: string;
  header: string[];
  bearerTokenEnv?: string;
  pathPrefix?: string;
  timeout: string;
  insecure?: boolean;
  workMetric?: string;
  joinLabels?: string;
  top: string;
}

export async function runFleet(flags: FleetFlags): Promise<void> {
  if (!flags.prometheus) throw new UsageError('fleet needs --prometheus URL (Prometheus, Thanos Query or Mimir)');
  const [{ PrometheusClient, parseSelector }, { readFleet }, { analyzeFleet }] = await Promise.all([
    import('../../sources/prometheus-api.js'),
    import('../../sources/prometheus-fleet.js'),
    import('../../analysis/fleet.js'),
  ]);
  const headers = parseHeaders(flags.header);
  let bearerToken: string | undefined;
  if (flags.bearerTokenEnv) {
    bearerToken = process.env[flags.bearerTokenEnv];
    if (!bearerToken) throw new UsageError(`--bearer-token-env ${flags.bearerTokenEnv}: that environment variable is empty or unset`);
  }
  const rangeSeconds = Math.round(parseSeconds('--range', flags.range));
  const stepSeconds = flags.step === 'auto' ? undefined : Math.max(1, Math.round(parseSeconds('--step', flags.step)));
  const end = flags.end ? parseTime('--end', flags.end) : Date.now() / 1000;
  const groupBy = (flags.groupBy ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const g of groupBy)
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(g)) throw new UsageError(`--group-by expects label names separated by commas, got ${JSON.stringify(g)}`);
  const joinLabels =
    flags.joinLabels === undefined
      ? undefined
      : flags.joinLabels
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  for (const l of joinLabels ?? [])
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(l)) throw new UsageError(`--join-labels expects label names separated by commas, got ${JSON.stringify(l)}`);
  const top = Number(flags.top);
  if (!Number.isInteger(top) || top < 0) throw new UsageError(`--top expects a whole number, got ${JSON.stringify(flags.top)}`);

  const client = new PrometheusClient({
    url: flags.prometheus,
    pathPrefix: flags.pathPrefix,
    headers,
    bearerToken,
    timeoutMs: parseSeconds('--timeout', flags.timeout) * 1000,
    insecure: flags.insecure,
  });
  const data = await readFleet(client, {
    selector: parseSelector(flags.selector),
    end,
    rangeSeconds,
    stepSeconds,
    groupBy,
    workMetric: flags.workMetric,
    joinLabels,
  });
  const findings = analyzeFleet(data, { topSuspects: top });
  if (flags.md) {
    const { renderFleetMarkdown } = await import('../../report/fleet-markdown.js');
    writeFileSync(flags.md, renderFleetMarkdown(findings));
  }
  if (flags.html) {
    const { renderFleetHtml } = await import('../../report/fleet-html.js');
    writeFileSync(flags.html, renderFleetHtml(findings));
  }
  if (flags.json) {
    const { renderFleetJson } = await import('../../report/fleet-json.js');
    process.stdout.write(renderFleetJson(findings));
  } else {
    const { renderFleetTerminal } = await import('../../report/fleet-terminal.js');
    process.stdout.write(renderFleetTerminal(findings, { color: process.stdout.isTTY && !process.env.NO_COLOR }));
  }
}

export function registerFleet(program: Command): void {
  requestOptions(program.command('fleet'), { timeout: '60s' })
    .description('rank every Go instance in Prometheus, Thanos or Mimir by leak likelihood (server-side PromQL)')
    .option('--prometheus <url>', 'Prometheus-compatible server, e.g. http://prometheus:9090')
    .option('--selector <matchers>', 'label matchers choosing the services, e.g. \'{job="api"}\'')
    .option('--range <duration>', 'how far back to look', '7d')
    .option('--step <duration>', 'query resolution ("auto": about 120 points per instance)', 'auto')
    .option('--end <time>', 'end of the window (RFC 3339 or Unix seconds; default now)')
    .option('--group-by <labels>', 'labels whose values tell a story, e.g. job,version')
    .option('--json', 'print the fleet findings as JSON (schema heapsight-fleet/1)')
    .option('--md <file>', 'also write a Markdown report to FILE')
    .option('--html <file>', 'also write a self-contained HTML report to FILE')
    .option('--bearer-token-env <var>', 'send "Authorization: Bearer $VAR"')
    .option('--path-prefix <path>', 'API path prefix (e.g. /prometheus for Mimir, or a --web.route-prefix)')
    .option('--work-metric <name>', 'request counter to normalise growth by (default: bytes allocated)')
    .option(
      '--join-labels <labels>',
      'labels joining Go series to the pod\'s cAdvisor/kube-state-metrics series (default namespace,pod,container; "" to turn off)',
    )
    .option('--top <n>', 'print watch/pprof commands for this many top suspects', '5')
    .action(async (flags: FleetFlags) => {
      await runFleet(flags);
    });
}
