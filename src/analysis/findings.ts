// What analysis concludes, as plain data: the contract between analysis (which decides) and the
// renderers (which only show). `heapsight analyze --json` is this object serialised, so field names
// here are the documented JSON schema.

import type { Frame } from '../model/frame.js';

export type Verdict = 'heap-leak' | 'goroutine-leak' | 'off-heap-growth' | 'no-leak' | 'inconclusive';

/** Known leak shapes that come with a named fix. */
export type PatternId =
  | 'unbounded-map'
  | 'unbounded-sync-map'
  | 'blocked-channel'
  | 'unclosed-response-body'
  | 'transport-per-request'
  | 'unstopped-ticker'
  | 'subslice-retention'
  | 'off-heap-cgo';

export interface CulpritGrowth {
  /** Growth between the first and last profile that saw the site (bytes for heap, goroutines for goroutine). */
  delta: number;
  unit: 'bytes' | 'objects' | 'goroutines';
  /** Per minute of wall time, when profiles have times. */
  perMinute?: number;
  /** Fraction of consecutive profile pairs in which the value rose, 0..1. */
  monotonicity: number;
  /** Share of the total live-heap (or goroutine) growth this site explains, 0..1. */
  share: number;
  /** The value in each profile, oldest first, for sparklines. */
  series: number[];
}

export interface Culprit {
  /** First frame that is the user's code (outside runtime and the standard library). */
  function: string;
  file: string;
  line: number;
  kind: 'heap' | 'goroutine';
  pattern?: PatternId;
  /** One sentence naming the fix, when a pattern is recognised. */
  fix?: string;
  growth: CulpritGrowth;
  /** Full stack, leaf first, for evidence. */
  stack: Frame[];
  /** Goroutine culprits: wait state and creation site. */
  state?: string;
  createdBy?: Frame;
  /** Score used for ranking (slope × monotonicity), higher first. */
  score: number;
}
