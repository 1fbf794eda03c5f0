// The decision of `heapsight check`: findings (and the user's allowances) in, an exit code and one
// JUnit test case per check out. Pure, so that every rule below is tested without a service.
//
// The rules (the README's "check" section says the same):
// - The verdict decides. heap-leak, goroutine-leak and off-heap-growth fail the check (exit 1);
//   no-leak passes (exit 0); inconclusive exits 3 (or --inconclusive-exit N).
// - --max-heap-growth and --max-goroutine-growth are ALLOWANCES for leak verdicts, not extra alarms: a
//   leak verdict whose measured rate is at or below the allowance passes, with a note. heap-leak is
//   measured by the live heap's rate, off-heap-growth by the non-Go RSS rate (both against
//   --max-heap-growth: memory the process keeps), goroutine-leak by goroutines/min. A leak verdict with
//   no measured rate cannot be shown to be within an allowance and fails.
// - A no-leak verdict passes whatever the rates: the analysis found the growth bounded (warm-up, a
//   cache filling up, memory returning to its baseline), which a rate over a short window cannot tell.
//   The rates are still reported in the growth test cases.

import type { Findings, Verdict } from '../analysis/findings.js';
import { formatBytes } from '../analysis/units.js';
import type { JunitCase } from '../report/junit.js';
import { EXIT_INCONCLUSIVE, EXIT_LEAK, EXIT_OK } from './exit-codes.js';

export interface Allowances {
  /** Bytes per minute. */
  heapBytesPerMinute?: number;
  goroutinesPerMinute?: number;
}

export type CheckOutcome = 'pass' | 'leak' | 'inconclusive';

export interface GateResult {
  outcome: CheckOutcome;
  exitCode: number;
  /** One line for the log: PASS/FAIL and why. */
  headline: string;
  /** Extra lines: the culprit, a leak within its allowance. */
  details: string[];
  cases: JunitCase[];
}

function bytesRate(v: number | undefined): string {
  return v === undefined ? 'not measured' : `${v < 0 ? '-' : ''}${formatBytes(Math.abs(v))}/min`;
}

function countRate(v: number | undefined): string {
  return v === undefined ? 'not measured' : `${Math.round(v * 10) / 10}/min`;
}

export function culpritLine(f: Findings): string | undefined {
  const c = f.culprits[0];
  if (!c) return undefined;
  const rate = c.growth.perMinute !== undefined ? (c.growth.unit === 'bytes' ? bytesRate(c.growth.perMinute) : countRate(c.growth.perMinute)) : undefined;
  const where = c.file ? ` (${c.file}:${c.line})` : '';
  const pattern = c.pattern ? `, ${c.pattern}` : '';
  return `culprit: ${c.function}${where}${rate ? `, ${rate}` : ''}${pattern}${c.fix ? ` — ${c.fix}` : ''}`;
}

export function gate(f: Findings, allow: Allowances, opts: { inconclusiveExit?: number; classname?: string } = {}): GateResult {
  const inconclusiveExit = opts.inconclusiveExit ?? EXIT_INCONCLUSIVE;
  const classname = opts.classname ?? 'heapsight.check';
  const r = f.evidence.rates;
  const heapRate = r.liveHeapBytesPerMinute;
  const offHeapRate = r.nonGoBytesPerMinute ?? r.rssBytesPerMinute;
  const gRate = r.goroutinesPerMinute;
  const within = (rate: number | undefined, allowed: number | undefined) => allowed !== undefined && rate !== undefined && rate <= allowed;
  const details: string[] = [];
  const summary = f.summary;

  // What the verdict's own rate and allowance are.
  const leakKinds: Record<Exclude<Verdict, 'no-leak' | 'inconclusive'>, { rate?: number; allowed?: number; show: (v?: number) => string; flag: string }> = {
    'heap-leak': { rate: heapRate, allowed: allow.heapBytesPerMinute, show: bytesRate, flag: '--max-heap-growth' },
    'off-heap-growth': { rate: offHeapRate, allowed: allow.heapBytesPerMinute, show: bytesRate, flag: '--max-heap-growth' },
    'goroutine-leak': { rate: gRate, allowed: allow.goroutinesPerMinute, show: countRate, flag: '--max-goroutine-growth' },
  };
  const v = f.verdict;
  const leak = v === 'heap-leak' || v === 'off-heap-growth' || v === 'goroutine-leak' ? leakKinds[v] : undefined;
  const tolerated = leak !== undefined && within(leak.rate, leak.allowed);
  const failing = leak !== undefined && !tolerated;

  const verdictCase: JunitCase = { name: 'verdict', classname, systemOut: summary };
  if (failing) {
    const culprit = culpritLine(f);
    verdictCase.failure = {
      type: v,
      message: `${v} (confidence ${f.confidence.toFixed(2)})${leak!.allowed !== undefined ? `: ${leak!.show(leak!.rate)} exceeds ${leak!.flag} ${leak!.show(leak!.allowed)}` : ''}${culprit ? `; ${culprit}` : ''}`,
      text: [summary, ...f.culprits.slice(0, 3).map((c) => `${c.function} ${c.file}:${c.line}${c.pattern ? ` [${c.pattern}]` : ''}`)].join('\n'),
    };
    if (culprit) details.push(culprit);
  } else if (tolerated) {
    details.push(`${v} at ${leak!.show(leak!.rate)} is within ${leak!.flag} ${leak!.show(leak!.allowed)}: passes`);
    const culprit = culpritLine(f);
    if (culprit) details.push(culprit);
  } else if (v === 'inconclusive') {
    const more = f.observeMore
      ? ` — ${f.observeMore.reason}${f.observeMore.seconds !== undefined ? ` (observe ~${Math.ceil(f.observeMore.seconds)} s more)` : ''}`
      : '';
    if (inconclusiveExit !== EXIT_OK) verdictCase.failure = { type: 'inconclusive', message: `inconclusive (confidence ${f.confidence.toFixed(2)})${more}` };
    else verdictCase.skipped = { message: `inconclusive${more}` };
    if (more) details.push(more.slice(3));
  }

  const growthCase = (
    name: string,
    kinds: Verdict[],
    rate: number | undefined,
    show: (v?: number) => string,
    allowed: number | undefined,
    flag: string,
  ): JunitCase => {
    const c: JunitCase = { name, classname, systemOut: `measured ${show(rate)}${allowed !== undefined ? `, allowed ${show(allowed)}` : ''}; verdict ${v}` };
    if (v === 'inconclusive') c.skipped = { message: `not judged: the verdict is inconclusive (measured ${show(rate)})` };
    else if (kinds.includes(v) && failing) {
      c.failure = {
        type: v,
        message: `${show(rate)}${allowed !== undefined ? ` exceeds ${flag} ${show(allowed)}` : ` and the verdict is ${v} (no ${flag} allowance given)`}`,
      };
    }
    return c;
  };
  const cases = [
    verdictCase,
    growthCase(
      'heap growth',
      ['heap-leak', 'off-heap-growth'],
      v === 'off-heap-growth' ? offHeapRate : heapRate,
      bytesRate,
      allow.heapBytesPerMinute,
      '--max-heap-growth',
    ),
    growthCase('goroutine growth', ['goroutine-leak'], gRate, countRate, allow.goroutinesPerMinute, '--max-goroutine-growth'),
  ];

  if (failing) return { outcome: 'leak', exitCode: EXIT_LEAK, headline: `FAIL: ${v} (confidence ${f.confidence.toFixed(2)})`, details, cases };
  if (v === 'inconclusive') {
    return {
      outcome: 'inconclusive',
      exitCode: inconclusiveExit,
      headline: `INCONCLUSIVE (exit ${inconclusiveExit}): not enough data for a verdict`,
      details,
      cases,
    };
  }
  return {
    outcome: 'pass',
    exitCode: EXIT_OK,
    headline: `PASS: ${v}${tolerated ? ' within the allowance' : ''} (confidence ${f.confidence.toFixed(2)})`,
    details,
    cases,
  };
}
