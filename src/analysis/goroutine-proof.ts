// Goroutine leaks the runtime proved: Go 1.26+'s leak-detection GC (the goroutineleak profile, and
// `(leaked)` goroutines in its debug=2 dump) marks goroutines blocked on a channel, select, Mutex,
// WaitGroup or Cond that nothing reachable can release. That is a proof, not a trend: a goroutine-leak
// finding stands on it even when the goroutine count never changes (all of them leaked at start).
//
// The non-obvious decisions:
// - Only the latest snapshot that carries leak marks counts. Leaked goroutines stay leaked (the
//   runtime keeps them as roots), so an earlier snapshot adds nothing the latest lacks, and a site
//   absent from the latest one is gone (its process restarted, or the snapshot is of another process).
// - The proto and debug=1 forms have no `created by` frame. The starter is taken, in that order, from
//   the debug=2 form of the same stack (the goroutineleak debug=2 dump, or a plain goroutine dump whose
//   group has the same user frame), else from a closure's name (`main.leakSends.func1` is a closure
//   defined in, and started by code in, `main.leakSends`), else it is left unknown.

import type { Findings } from './findings.js';
import type { Frame } from '../model/frame.js';
import type { GoroutineGroup, GoroutineSnapshot } from '../model/goroutines.js';
import { firstUserFrame, isRuntimeFrame, isUserFrame } from './user-frame.js';

export interface ProvenGoroutineLeak {
  /** Goroutines at this site in the latest leak snapshot. */
  count: number;
  /** The frame they are blocked in (first user frame, leaf first), by which the site is named. */
  function: string;
  file: string;
  line: number;
  /** Wait reason, when a debug=2 dump says it (`chan send`, `select`, `sync.WaitGroup.Wait`, ...). */
  state?: string;
  /** The function whose `go` statement started them, and how that is known. */
  startedBy?: { function: string; file?: string; line?: number; from: 'created-by' | 'closure-name' };
  /** Leaf first, runtime frames dropped. */
  stack: Frame[];
  labels?: Record<string, string>;
}

export interface GoroutineProof {
  /** Unix ms of the snapshot the proof comes from. */
  t?: number;
  /** Total proven-leaked goroutines in it. */
  total: number;
  sites: ProvenGoroutineLeak[];
}

const CLOSURE_SUFFIX = /\.(?:func|gowrap)\d+(?:\.\d+)*$/;

/** `main.leakSends.func1` → `main.leakSends`; undefined for a function that is not a closure. */
export function enclosingFunction(fn: string): string | undefined {
  const outer = fn.replace(CLOSURE_SUFFIX, '');
  return outer !== fn && outer !== '' ? outer : undefined;
}

function siteKey(f: Frame | undefined): string {
  return f ? `${f.function}\u0000${f.file}\u0000${f.line}` : '';
}

function hasLeakMarks(s: GoroutineSnapshot): boolean {
  return s.groups.some((g) => g.leaked);
}

/**
 * The runtime's proof from the snapshots (goroutineleak profiles and goroutine dumps, any order), or
 * undefined when no snapshot marks any goroutine leaked. `plain` are ordinary goroutine snapshots,
 * used only to find who created a proven site.
 */
export function goroutineProof(leakSnapshots: GoroutineSnapshot[], plain: GoroutineSnapshot[] = []): GoroutineProof | undefined {
  const marked = [...leakSnapshots, ...plain].filter(hasLeakMarks);
  if (marked.length === 0) return undefined;
  const latestT = Math.max(...marked.map((s) => s.t ?? -Infinity));
  // Of the snapshots taken last (a proto and its debug=2 twin may share a time), the first one.
  const latest = marked.find((s) => (s.t ?? -Infinity) === latestT)!;

  // Creators by blocked user frame, from any debug=2 group (leaked or not: the stack is the same).
  const creators = new Map<string, Frame>();
  for (const s of [...leakSnapshots, ...plain]) {
    for (const g of s.groups) {
      if (!g.createdBy || !isUserFrame(g.createdBy)) continue;
      const k = siteKey(firstUserFrame(g.stack));
      if (k && !creators.has(k)) creators.set(k, g.createdBy);
    }
  }

  const bySite = new Map<string, ProvenGoroutineLeak>();
  for (const g of latest.groups.filter((x) => x.leaked)) {
    const site = firstUserFrame(g.stack) ?? g.stack.find((f) => !isRuntimeFrame(f)) ?? g.stack[0];
    if (!site) continue;
    const k = siteKey(site) + '\u0000' + (g.state ?? '');
    const prev = bySite.get(k);
    if (prev) {
      prev.count += g.count;
      continue;
    }
    bySite.set(k, describe(g, site, g.createdBy ?? creators.get(siteKey(site))));
  }
  const sites = [...bySite.values()].sort((a, b) => b.count - a.count || a.function.localeCompare(b.function));
  return { t: latest.t, total: sites.reduce((n, s) => n + s.count, 0), sites };
}

function describe(g: GoroutineGroup, site: Frame, creator: Frame | undefined): ProvenGoroutineLeak {
  const out: ProvenGoroutineLeak = {
    count: g.count,
    function: site.function,
    file: site.file,
    line: site.line,
    stack: g.stack.filter((f) => !isRuntimeFrame(f)),
  };
  if (g.state) out.state = g.state;
  if (g.labels) out.labels = g.labels;
  if (creator) out.startedBy = { function: creator.function, file: creator.file, line: creator.line, from: 'created-by' };
  else {
    // The outermost user frame is the function the goroutine was started with; a closure names its definer.
    const entry = [...g.stack].reverse().find(isUserFrame) ?? site;
    const outer = enclosingFunction(entry.function);
    if (outer) out.startedBy = { function: outer, from: 'closure-name' };
  }
  return out;
}

/** One evidence sentence: what the runtime proved, with the count and the biggest site. */
export function describeProof(p: GoroutineProof): string {
  const top = p.sites[0];
  const starter = top.startedBy ? `, started by ${top.startedBy.function}` : '';
  const more = p.sites.length > 1 ? ` (and ${p.sites.length - 1} more site${p.sites.length > 2 ? 's' : ''})` : '';
  return (
    `the Go runtime's leak-detection GC proved ${p.total} goroutine${p.total === 1 ? '' : 's'} can never wake ` +
    `(goroutineleak profile): ${top.count} blocked${top.state ? ` in ${top.state}` : ''} at ${top.function} (${top.file}:${top.line})${starter}${more}. ` +
    `This is proof, not a trend: it holds even if their number never changes, and they stay in memory with all they reference.`
  );
}

/**
 * Put the proof into findings: a `goroutine-leak` verdict with full confidence where the trends said
 * nothing worse (a heap leak or off-heap growth is a second problem, so it keeps its verdict and
 * gains the proof as evidence), and the first evidence sentence either way.
 */
export function applyGoroutineProof(f: Findings, proof: GoroutineProof | undefined): void {
  if (!proof || proof.total === 0) return;
  f.provenGoroutineLeaks = proof;
  if (f.verdict === 'no-leak' || f.verdict === 'inconclusive' || f.verdict === 'goroutine-leak') {
    f.verdict = 'goroutine-leak';
    // The runtime's detector has no false positives by design (go.dev/blog/goroutine-leak-profiles).
    f.confidence = 1;
    f.observeMore = undefined;
    // The culprits were ranked for the trend verdict (heap first unless it was goroutine-leak): a
    // goroutine leak lists goroutine culprits first, the proven sites among them before the rest.
    const proven = new Set(proof.sites.map((x) => x.function));
    const rank = (c: Findings['culprits'][number]) => (c.kind !== 'goroutine' ? 2 : proven.has(c.function) ? 0 : 1);
    f.culprits = f.culprits
      .map((c, i) => ({ c, i }))
      .sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i)
      .map((x) => x.c);
  }
  f.evidence.reasons.unshift(describeProof(proof));
}

/** The summary paragraph of a goroutine-leak verdict that rests on the runtime's proof. */
export function provenSummary(p: GoroutineProof): string {
  const top = p.sites[0];
  const starter = top.startedBy ? `, started by ${top.startedBy.function}` : '';
  return (
    `Goroutines are leaking, proven by the Go runtime: its leak-detection GC found ${p.total} goroutine${p.total === 1 ? '' : 's'} ` +
    `blocked on something nothing reachable can ever release, so they and what they reference stay in memory for good. ` +
    `The largest site is ${top.function} (${top.file}:${top.line}) with ${top.count}${starter}. Confidence 100%.`
  );
}
