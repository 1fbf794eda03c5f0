// The verdict while a watch runs: re-analyses the in-memory recording after samples arrive and says
// when it has become confident enough to stop (`watch --until-verdict`, `check --until-verdict`).
//
// The non-obvious decisions: "confident" means the same non-inconclusive verdict at or above the
// confidence threshold in `stableEvaluations` consecutive evaluations (default 2), because one
// evaluation can cross the threshold on a lucky sample and the next fall back. And the re-analysis is
// throttled by its own measured cost: an evaluation is skipped while less than `costFactor` times the
// last one's duration has passed, so the watcher never spends more than ~1/costFactor of a core on
// it however long the recording gets (at 5 s intervals analysis is far cheaper than that anyway).

import type { Findings, Verdict } from '../analysis/findings.js';
import type { Recording } from '../model/recording.js';

export interface RunningVerdictOptions {
  /** Confidence at or above which a non-inconclusive verdict counts (0..1). */
  confidence: number;
  /** Consecutive confident evaluations with the same verdict needed to call it stable. */
  stableEvaluations?: number;
  /** Minimum time between evaluations as a multiple of the last evaluation's duration. */
  costFactor?: number;
  now?: () => number;
}

export interface RunningState {
  verdict: Verdict;
  confidence: number;
  /** How many consecutive evaluations have been confident with this verdict. */
  streak: number;
  /** The verdict is confident and stable: a watch with --until-verdict stops. */
  stable: boolean;
  /** Seconds more the analysis asks for, when inconclusive. */
  observeMoreSeconds?: number;
  evaluations: number;
  /** Duration of the last evaluation, ms. */
  lastCostMs: number;
  findings: Findings;
}

export class RunningVerdict {
  private readonly stableNeeded: number;
  private readonly costFactor: number;
  private readonly now: () => number;
  private lastEnd = -Infinity;
  private state?: RunningState;
  /** Total time spent analysing, ms (reported by the watch for overhead accounting). */
  totalCostMs = 0;

  constructor(
    private readonly analyze: (rec: Recording) => Findings,
    private readonly opts: RunningVerdictOptions,
  ) {
    if (!(opts.confidence >= 0 && opts.confidence <= 1)) throw new RangeError(`confidence must be in [0, 1], got ${opts.confidence}`);
    this.stableNeeded = Math.max(1, opts.stableEvaluations ?? 2);
    this.costFactor = opts.costFactor ?? 5;
    this.now = opts.now ?? (() => performance.now());
  }

  get current(): RunningState | undefined {
    return this.state;
  }

  /** Analyse `rec` unless the last evaluation was too recent (then the previous state is returned). */
  evaluate(rec: Recording, force = false): RunningState | undefined {
    const start = this.now();
    const last = this.state;
    if (!force && last && start - this.lastEnd < this.costFactor * last.lastCostMs) return last;
    const findings = this.analyze(rec);
    const end = this.now();
    this.lastEnd = end;
    this.totalCostMs += end - start;
    const confident = findings.verdict !== 'inconclusive' && findings.confidence >= this.opts.confidence;
    const streak = confident ? (last && last.verdict === findings.verdict && last.streak > 0 ? last.streak + 1 : 1) : 0;
    this.state = {
      verdict: findings.verdict,
      confidence: findings.confidence,
      streak,
      stable: streak >= this.stableNeeded,
      observeMoreSeconds: findings.observeMore?.seconds,
      evaluations: (last?.evaluations ?? 0) + 1,
      lastCostMs: end - start,
      findings,
    };
    return this.state;
  }
}
