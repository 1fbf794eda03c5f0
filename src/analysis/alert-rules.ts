// Prometheus recording and alerting rules that implement heapsight's leak test inside Prometheus, so a
// team is paged without running heapsight (`heapsight rules`). Pure: options in, rules YAML text out.
//
// The test, per (job, instance), mirrors verdict.ts with what PromQL can do:
//   - never trend raw HeapAlloc: record its lower envelope over ENVELOPE (min_over_time), or the exact
//     live heap where Go ≥ 1.21 exports go_gc_heap_live_bytes; the goroutine count likewise;
//   - growth over the window must be large against the starting level (relative) and absolutely;
//   - it must be steady: rising (deriv > 0) in each half of the window, and still going in its last
//     third at ≥ 0.35 of the whole window's rate (a cache that fills and stops is not a leak);
//   - no process restart inside the window (the drop at a restart would hide a leak, the refill after
//     it would fake one): process_start_time_seconds changes, or the allocation counter resets.
// The non-obvious decision: the thresholds live in the alert expressions, not in recorded series, so a
// team can tune one alert without re-deriving the recordings; the recordings are only the envelopes,
// their slopes and the restart count, which are also what a dashboard wants.

export interface RulesOptions {
  /** Label matchers without braces, e.g. job="api". */
  selector: string;
  /** Window over which growth must be steady, seconds (default 6 h). */
  windowSeconds?: number;
  /** Envelope window for min_over_time, seconds (default 10 min: many GC cycles, several scrapes). */
  envelopeSeconds?: number;
  /** How long the condition must hold before the alert fires (default 30 min). */
  forSeconds?: number;
  /** Minimum growth over the window: bytes of live heap, goroutines (defaults 8 MiB, 10). */
  minHeapGrowthBytes?: number;
  minGoroutineGrowth?: number;
  /** Growth relative to the level at the window's start (defaults 0.2 heap, 0.25 goroutines, as verdict.ts). */
  minHeapRelative?: number;
  minGoroutineRelative?: number;
  severity?: string;
  /** Rule evaluation interval (default 1m). */
  evaluationInterval?: string;
}

export const RULE_NAMES = {
  heapEnvelope: 'heapsight:go_live_heap_envelope_bytes',
  goroutineEnvelope: 'heapsight:go_goroutines_envelope',
  restarts: 'heapsight:process_restarts',
  heapAlert: 'GoLiveHeapLeak',
  goroutineAlert: 'GoGoroutineLeak',
} as const;

export function duration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

function sel(name: string, matchers: string): string {
  return `${name}{${matchers}}`;
}

/** The summary annotation an alert carries (labels only, so a unit test can predict it). */
export function alertSummary(kind: 'heap' | 'goroutine', windowSeconds: number): string {
  const what = kind === 'heap' ? 'Live heap (lower envelope of HeapAlloc)' : 'Goroutine count';
  return `${what} of {{ $labels.instance }} ({{ $labels.job }}) has grown steadily for ${duration(windowSeconds)} without a restart`;
}

export function alertDescription(kind: 'heap' | 'goroutine'): string {
  return kind === 'heap'
    ? 'Memory the GC cannot free keeps rising with no sign of levelling off: a leak, not the runtime retaining freed spans. Run `heapsight watch http://{{ $labels.instance }}` for culprits.'
    : 'Goroutines are created faster than they end, and keep rising: a goroutine leak. Run `heapsight watch http://{{ $labels.instance }}` for where they wait.';
}

export function generateRules(opts: RulesOptions): string {
  const m = opts.selector;
  const W = opts.windowSeconds ?? 6 * 3600;
  const E = opts.envelopeSeconds ?? 600;
  const half = Math.round(W / 2);
  const third = Math.round(W / 3);
  const by = 'by (job, instance)';
  const heapEnv = RULE_NAMES.heapEnvelope;
  const gEnv = RULE_NAMES.goroutineEnvelope;

  const envelope = (names: string[]) => names.map((n) => `min ${by} (min_over_time(${sel(n, m)}[${duration(E)}]))`).join('\n  or\n  ');
  const heapExpr = envelope(['go_gc_heap_live_bytes', 'go_memstats_heap_alloc_bytes', 'go_memory_classes_heap_objects_bytes']);
  const gExpr = envelope(['go_goroutines', 'go_sched_goroutines_goroutines']);
  const restartsExpr = [
    `max ${by} (changes(${sel('process_start_time_seconds', m)}[${duration(W)}]))`,
    `max ${by} (resets(${sel('go_memstats_alloc_bytes_total', m)}[${duration(W)}]))`,
    `max ${by} (resets(${sel('go_gc_heap_allocs_bytes_total', m)}[${duration(W)}]))`,
  ].join('\n  or\n  ');

  const steady = (rec: string, minAbs: number, minRel: number) =>
    [
      `(${rec} - ${rec} offset ${duration(W)}) > ${minAbs}`,
      `(${rec} - ${rec} offset ${duration(W)}) > ${minRel} * (${rec} offset ${duration(W)})`,
      `deriv(${rec}[${duration(half)}]) > 0`,
      `deriv(${rec}[${duration(half)}] offset ${duration(half)}) > 0`,
      `deriv(${rec}[${duration(third)}]) > 0.35 * deriv(${rec}[${duration(W)}])`,
    ].join('\n  and\n  ') + `\n  unless on (job, instance)\n  ${RULE_NAMES.restarts} > 0`;

  const heapAlert = steady(heapEnv, opts.minHeapGrowthBytes ?? 8 * 1024 * 1024, opts.minHeapRelative ?? 0.2);
  const gAlert = steady(gEnv, opts.minGoroutineGrowth ?? 10, opts.minGoroutineRelative ?? 0.25);
  const severity = opts.severity ?? 'warning';
  const forDur = duration(opts.forSeconds ?? 1800);
  const interval = opts.evaluationInterval ?? '1m';

  const block = (expr: string, indent: string) =>
    expr
      .split('\n')
      .map((l) => `${indent}${l}`)
      .join('\n');
  const lines = [
    '# Generated by `heapsight rules`: the leak test of `heapsight analyze/fleet` as Prometheus rules.',
    `# Selector: {${m}}; steady-growth window ${duration(W)}; envelope ${duration(E)}.`,
    'groups:',
    '  - name: heapsight-recording',
    `    interval: ${interval}`,
    '    rules:',
    `      - record: ${heapEnv}`,
    '        expr: |',
    block(heapExpr, '          '),
    `      - record: ${gEnv}`,
    '        expr: |',
    block(gExpr, '          '),
    `      - record: ${RULE_NAMES.restarts}`,
    '        expr: |',
    block(restartsExpr, '          '),
    '  - name: heapsight-alerts',
    `    interval: ${interval}`,
    '    rules:',
    `      - alert: ${RULE_NAMES.heapAlert}`,
    '        expr: |',
    block(heapAlert, '          '),
    `        for: ${forDur}`,
    '        labels:',
    `          severity: ${JSON.stringify(severity)}`,
    '        annotations:',
    `          summary: ${JSON.stringify(alertSummary('heap', W))}`,
    `          description: ${JSON.stringify(alertDescription('heap'))}`,
    `      - alert: ${RULE_NAMES.goroutineAlert}`,
    '        expr: |',
    block(gAlert, '          '),
    `        for: ${forDur}`,
    '        labels:',
    `          severity: ${JSON.stringify(severity)}`,
    '        annotations:',
    `          summary: ${JSON.stringify(alertSummary('goroutine', W))}`,
    `          description: ${JSON.stringify(alertDescription('goroutine'))}`,
  ];
  return lines.join('\n') + '\n';
}
