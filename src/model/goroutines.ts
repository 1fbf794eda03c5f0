// Goroutines grouped by what they run: the shape shared by the proto profile (debug=0), the grouped
// text dump (debug=1) and the per-goroutine dump (debug=2). Only debug=2 knows states and wait times,
// so those fields are optional; a group from debug=2 is all goroutines with the same state, stack and
// creator, which is what a reader wants to see ("417 goroutines in chan receive at main.worker").

import type { Frame } from './frame.js';

export interface GoroutineGroup {
  count: number;
  /** Leaf first. For debug=1, leading runtime.* frames are already hidden by the runtime. */
  stack: Frame[];
  /** Wait reason or status from debug=2 (`chan receive`, `select`, `IO wait`, `running`, ...). */
  state?: string;
  /** Minutes waited, from debug=2's `, N minutes`; min and max over the group's goroutines. */
  waitMinutesMin?: number;
  waitMinutesMax?: number;
  /** The `created by` frame (debug=2). */
  createdBy?: Frame;
  /**
   * The stack of the goroutine that created these, when the dump names it (Go 1.21+: `created by X in
   * goroutine N`) and it is still alive in the same dump (a server's accept loop, a poller); leaf first.
   */
  creatorStack?: Frame[];
  /** That creating goroutine's own `created by` frame (`go http.Serve(…)` started by main.startUpstream). */
  creatorCreatedBy?: Frame;
  /** pprof labels, when present. */
  labels?: Record<string, string>;
  /**
   * The runtime proved these goroutines can never wake (Go 1.26+ leak-detection GC): every group of a
   * goroutineleak profile, and the `(leaked)` goroutines of its debug=2 dump.
   */
  leaked?: boolean;
}

export type GoroutineDumpKind = 'proto' | 'debug1' | 'debug2';

export interface GoroutineSnapshot {
  kind: GoroutineDumpKind;
  /**
   * Which profile it came from. A goroutineleak profile (proto `goroutineleak/count`, debug=1
   * `goroutineleak profile: total N`) holds only proven-leaked goroutines; its debug=2 form is a dump
   * of all goroutines with the leaked ones marked. Absent means the plain goroutine profile.
   */
  profile?: 'goroutine' | 'goroutineleak';
  /** Unix milliseconds, when the source says (proto time_nanos) or the collector knows. */
  t?: number;
  total: number;
  groups: GoroutineGroup[];
}
