// Culprits: the call sites whose live heap, or whose goroutines, keep growing across profiles taken
// over time, ranked, each with the share of the total growth it explains and the pattern it matches.
//
// The non-obvious decision is how sampling noise is told apart from growth. A Go heap profile is a
// sample: at MemProfileRate r an object of size a is recorded with probability p = 1−e^(−a/r) and
// then scaled up by 1/p, so each recorded object stands for w = a/p bytes. Each object's estimate is
// 0 or w, with variance a·w·(1−p); summed over a site worth V bytes that is V·w·e^(−a/r). A site
// counts as growing only when its Theil–Sen slope exceeds `noiseZ` (2.5) standard deviations of a
// least-squares slope through points with those variances — or with the robust scatter of the points
// around the line, when that is larger: the profile's view of the heap also moves with GC timing,
// which the sampling model does not know (measured: a full cache swinging ±8% at rate 4096 where
// sampling predicts ±4%). All profiles count as evidence, not only the first and last, so a cache that
// fills once and then stays flat is not named. Objects much larger than the rate are always recorded.

import type { Frame } from '../model/frame.js';
import type { GoroutineGroup, GoroutineSnapshot } from '../model/goroutines.js';
import type { Profile } from '../model/profile.js';
import type { TimedProfile } from '../model/recording.js';
import type { Culprit, CulpritGrowth } from './findings.js';
import { heapPattern, goroutinePattern, type HeapSiteEvidence, type PatternOptions } from './patterns.js';
import { mad, theilSen } from './robust-stats.js';
import { firstUserFrame, isRuntimeFrame, isUserFrame, lastUserFrame, siteFrame } from './user-frame.js';

export interface HeapCulpritOptions extends PatternOptions {
  /** Smallest share of the total inuse_space growth a site must explain (default 0.05). */
  minShare?: number;
  /** Smallest fraction of rising steps (default 0.5). */
  minMonotonicity?: number;
  /** How many sampling-noise standard deviations the slope must exceed (default 2.5). */
  noiseZ?: number;
  /** At most this many culprits (default 10). */
  limit?: number;
}

export interface GoroutineCulpritOptions extends PatternOptions {
  /** Smallest share of the total goroutine growth (default 0.05). */
  minShare?: number;
  /** Smallest fraction of rising steps (default 0.5). */
  minMonotonicity?: number;
  /** Smallest growth in goroutines (default 3): a handful more can be ordinary concurrency. */
  minDelta?: number;
  limit?: number;
}

const DEFAULT_RATE = 512 * 1024;

function siteKey(f: Frame): string {
  return `${f.function}\u0000${f.file}\u0000${f.line}`;
}

/** Frames of a sample, leaf first, with inlined frames expanded (innermost first, as in the proto). */
export function sampleStack(profile: Profile, locations: number[]): Frame[] {
  const stack: Frame[] = [];
  for (const li of locations) {
    const loc = profile.locations[li];
    if (!loc) continue;
    if (loc.lines.length === 0) stack.push({ function: `0x${loc.address.toString(16)}`, file: '', line: 0 });
    else for (const f of loc.lines) stack.push(f);
  }
  return stack;
}

interface HeapSite {
  frame: Frame;
  bytes: number[];
  objects: number[];
  /** Poisson variance of the bytes estimate, per profile. */
  variance: number[];
  /** Each distinct stack at the site with its bytes in the first and last profile: the evidence. */
  stacks: Map<string, { stack: Frame[]; first: number; last: number }>;
  /** Average object sizes of every record at the site, live or not (map doubling shows here). */
  objectSizes: Set<number>;
}

/** x axis for slopes: minutes when every point has a time and they differ, else the index. */
function axis(times: (number | undefined)[]): { x: number[]; timed: boolean } {
  const timed = times.length > 1 && times.every((t) => t !== undefined) && times[times.length - 1]! > times[0]!;
  if (!timed) return { x: times.map((_, i) => i), timed: false };
  const t0 = times[0]!;
  return { x: times.map((t) => (t! - t0) / 60_000), timed: true };
}

function monotonicity(series: number[]): number {
  if (series.length < 2) return 0;
  let rising = 0;
  for (let i = 1; i < series.length; i++) if (series[i] > series[i - 1]) rising++;
  return rising / (series.length - 1);
}

function growthOf(series: number[], x: number[], timed: boolean, totalDelta: number, unit: CulpritGrowth['unit']): { growth: CulpritGrowth; slope: number } {
  const delta = series[series.length - 1] - series[0];
  const slope = theilSen(series.map((y, i) => ({ x: x[i], y }))).slope;
  const growth: CulpritGrowth = {
    delta,
    unit,
    monotonicity: monotonicity(series),
    share: totalDelta > 0 ? Math.min(1, Math.max(0, delta / totalDelta)) : 0,
    series,
  };
  if (timed) growth.perMinute = slope;
  return { growth, slope };
}

/** Robust (MAD-based) variance of the points around the line with the given slope. */
function residualVariance(series: number[], x: number[], slope: number): number {
  const r = series.map((y, i) => y - slope * x[i]);
  const sd = mad(r);
  return Number.isFinite(sd) ? sd * sd : 0;
}

function sampleIndex(profile: Profile, type: string): number {
  return profile.sampleTypes.findIndex((t) => t.type === type);
}

/**
 * Call sites whose inuse_space grows across heap profiles (oldest first by time when all have one,
 * else in the order given). Profiles without an inuse_space sample type are ignored; fewer than two
 * usable profiles give no culprits. A site is the first user frame of the allocation stack (see
 * user-frame.ts), so allocations reached through different callers of the same line add up.
 */
export function heapCulprits(profiles: TimedProfile[], opts: HeapCulpritOptions = {}): Culprit[] {
  const minShare = opts.minShare ?? 0.05;
  const minMono = opts.minMonotonicity ?? 0.5;
  const z = opts.noiseZ ?? 2.5;
  let usable = profiles.filter((p) => sampleIndex(p.profile, 'inuse_space') >= 0);
  if (usable.every((p) => p.t !== undefined)) usable = [...usable].sort((a, b) => a.t! - b.t!);
  const n = usable.length;
  if (n < 2) return [];

  const sites = new Map<string, HeapSite>();
  const totals = new Array<number>(n).fill(0);
  // Profiles number their locations independently, and a big one has ~10^5 stacks: resolve sites
  // through per-location memos (most stacks reach a user frame within a few locations), and build
  // stack keys (interned location ids) only for the first and last profile, which pick the evidence.
  const locationIds = new Map<string, number>();
  const siteOf = (frame: Frame): HeapSite => {
    const key = siteKey(frame);
    let site = sites.get(key);
    if (!site) {
      site = { frame, bytes: new Array(n).fill(0), objects: new Array(n).fill(0), variance: new Array(n).fill(0), stacks: new Map(), objectSizes: new Set() };
      sites.set(key, site);
    }
    return site;
  };
  usable.forEach((tp, i) => {
    const p = tp.profile;
    const spaceIdx = sampleIndex(p, 'inuse_space');
    const objIdx = sampleIndex(p, 'inuse_objects');
    const allocObjIdx = sampleIndex(p, 'alloc_objects');
    const rate = p.periodType?.type === 'space' && p.period > 0 ? p.period : DEFAULT_RATE;
    // Per location: the site of its first user frame, or null when it has none.
    const userSite: (HeapSite | null | undefined)[] = new Array(p.locations.length);
    const locId: (number | undefined)[] = new Array(p.locations.length);
    const idOf = (li: number): number => {
      let id = locId[li];
      if (id === undefined) {
        const loc = p.locations[li];
        const key = loc ? loc.lines.map(siteKey).join('\u0002') || `0x${loc.address.toString(16)}` : '?';
        id = locationIds.get(key);
        if (id === undefined) locationIds.set(key, (id = locationIds.size));
        locId[li] = id;
      }
      return id;
    };
    const resolve = (locations: number[]): HeapSite | undefined => {
      for (const li of locations) {
        let site = userSite[li];
        if (site === undefined) {
          const user = p.locations[li]?.lines.find(isUserFrame);
          userSite[li] = site = user ? siteOf(user) : null;
        }
        if (site) return site;
      }
      const frame = siteFrame(sampleStack(p, locations));
      return frame ? siteOf(frame) : undefined;
    };
    for (const s of p.samples) {
      const space = s.values[spaceIdx];
      const objects = objIdx >= 0 ? s.values[objIdx] : 0;
      const everAllocated = allocObjIdx >= 0 ? s.values[allocObjIdx] > 0 : space > 0;
      if (space <= 0 && !everAllocated) continue;
      const site = resolve(s.locations);
      if (!site) continue;
      const avg = s.numLabels?.bytes ?? (objects > 0 ? space / objects : 0);
      if (avg > 0) site.objectSizes.add(avg);
      if (space <= 0) continue;
      totals[i] += space;
      site.bytes[i] += space;
      site.objects[i] += objects;
      if (rate > 1 && avg > 0) {
        const w = avg / -Math.expm1(-avg / rate);
        site.variance[i] += space * w * Math.exp(-avg / rate);
      }
      // Per stack only the first and last profile matter: they pick the evidence stack.
      if (i === 0 || i === n - 1) {
        const stackKey = s.locations.map(idOf).join(',');
        let st = site.stacks.get(stackKey);
        if (!st) site.stacks.set(stackKey, (st = { stack: sampleStack(p, s.locations), first: 0, last: 0 }));
        if (i === 0) st.first += space;
        else st.last += space;
      }
    }
  });

  const { x, timed } = axis(usable.map((p) => p.t));
  const totalDelta = totals[n - 1] - totals[0];
  const xMean = x.reduce((a, b) => a + b, 0) / n;
  const sxx = x.reduce((a, xi) => a + (xi - xMean) ** 2, 0);
  const out: Culprit[] = [];
  for (const site of sites.values()) {
    const delta = site.bytes[n - 1] - site.bytes[0];
    if (delta <= 0) continue;
    const { growth, slope } = growthOf(site.bytes, x, timed, totalDelta, 'bytes');
    if (growth.monotonicity < minMono || growth.share < minShare || slope <= 0) continue;
    // Standard deviation of a least-squares slope through points with these variances: the sampling
    // variance, or the scatter around the fitted line when that is larger (the profile's view of the
    // heap also moves with GC timing, which sampling does not model).
    const residualVar = n >= 4 ? residualVariance(site.bytes, x, slope) : 0;
    const slopeSd = Math.sqrt(x.reduce((a, xi, i) => a + (xi - xMean) ** 2 * Math.max(site.variance[i], residualVar), 0)) / sxx;
    if (slope <= z * slopeSd) continue;
    let best: { stack: Frame[]; first: number; last: number } | undefined;
    for (const st of site.stacks.values()) {
      if (!best || st.last - st.first > best.last - best.first) best = st;
    }
    const lastObjects = site.objects[n - 1];
    const culprit: Culprit = {
      function: site.frame.function,
      file: site.frame.file,
      line: site.frame.line,
      kind: 'heap',
      growth,
      stack: best?.stack ?? [site.frame],
      score: slope * growth.monotonicity,
    };
    if (lastObjects > 0) culprit.avgObjectBytes = Math.round(site.bytes[n - 1] / lastObjects);
    const evidence: HeapSiteEvidence = {
      frame: site.frame,
      stacks: [...site.stacks.values()].map((s) => s.stack),
      objectSizes: [...site.objectSizes].sort((a, b) => a - b),
      avgObjectBytes: culprit.avgObjectBytes,
      objectsDelta: site.objects[n - 1] - site.objects[0],
    };
    const pattern = heapPattern(evidence, opts);
    if (pattern) {
      culprit.pattern = pattern.pattern;
      culprit.fix = pattern.fix;
    }
    out.push(culprit);
  }
  out.sort((a, b) => b.score - a.score);
  return out.slice(0, opts.limit ?? 10);
}

/** The debug=2 dumps when there are at least two, else the proto, else debug=1: never a mix. */
function chooseKind(snapshots: GoroutineSnapshot[]): GoroutineSnapshot[] {
  for (const kind of ['debug2', 'proto', 'debug1'] as const) {
    const of = snapshots.filter((s) => s.kind === kind);
    if (of.length >= 2) return of;
  }
  return [];
}

/** The goroutine's start function: the outermost frame outside the runtime (runtime.goexit, main). */
function entryFrame(stack: Frame[]): Frame | undefined {
  for (let i = stack.length - 1; i >= 0; i--) if (!isRuntimeFrame(stack[i])) return stack[i];
  return stack[stack.length - 1];
}

interface GoroutineSite {
  wait: Frame;
  state?: string;
  createdBy?: Frame;
  counts: number[];
  /** Largest group in the latest snapshot that has one: the evidence stack. */
  group?: GoroutineGroup;
  groupAt: number;
}

/**
 * Goroutine stacks whose counts grow across snapshots, grouped by where they wait (first user frame,
 * else the goroutine's start function), their state (debug=2) and where they were created (debug=2's
 * `created by`; for proto and debug=1, which have no creator, the outermost user frame, which is
 * the function the goroutine was started with or its nearest user caller).
 */
export function goroutineCulprits(snapshots: GoroutineSnapshot[], opts: GoroutineCulpritOptions = {}): Culprit[] {
  const minShare = opts.minShare ?? 0.05;
  const minMono = opts.minMonotonicity ?? 0.5;
  const minDelta = opts.minDelta ?? 3;
  let snaps = chooseKind(snapshots);
  if (snaps.every((s) => s.t !== undefined)) snaps = [...snaps].sort((a, b) => a.t! - b.t!);
  const n = snaps.length;
  if (n < 2) return [];

  const sites = new Map<string, GoroutineSite>();
  snaps.forEach((snap, i) => {
    for (const g of snap.groups) {
      const wait = firstUserFrame(g.stack) ?? entryFrame(g.stack);
      if (!wait) continue;
      const creator = g.createdBy ?? lastUserFrame(g.stack) ?? entryFrame(g.stack);
      const key = [siteKey(wait), g.state ?? '', g.createdBy ? siteKey(g.createdBy) : creator?.function ?? ''].join('\u0001');
      let site = sites.get(key);
      if (!site) {
        site = { wait, state: g.state, createdBy: g.createdBy, counts: new Array(n).fill(0), groupAt: -1 };
        sites.set(key, site);
      }
      site.counts[i] += g.count;
      if (i > site.groupAt || (i === site.groupAt && g.count > (site.group?.count ?? 0))) {
        site.group = g;
        site.groupAt = i;
      }
    }
  });

  const { x, timed } = axis(snaps.map((s) => s.t));
  const totalDelta = snaps[n - 1].total - snaps[0].total;
  const out: Culprit[] = [];
  for (const site of sites.values()) {
    const delta = site.counts[n - 1] - site.counts[0];
    if (delta < minDelta) continue;
    const { growth, slope } = growthOf(site.counts, x, timed, totalDelta, 'goroutines');
    if (growth.monotonicity < minMono || growth.share < minShare || slope <= 0) continue;
    const culprit: Culprit = {
      function: site.wait.function,
      file: site.wait.file,
      line: site.wait.line,
      kind: 'goroutine',
      growth,
      stack: site.group?.stack ?? [site.wait],
      score: slope * growth.monotonicity,
    };
    if (site.state !== undefined) culprit.state = site.state;
    if (site.createdBy) culprit.createdBy = site.createdBy;
    out.push(culprit);
  }
  // Patterns look at the whole set: a writeLoop pile-up is named after its readLoop sibling.
  for (const c of out) {
    const p = goroutinePattern(c, out, opts);
    if (p) {
      c.pattern = p.pattern;
      c.fix = p.fix;
    }
  }
  out.sort((a, b) => b.score - a.score);
  return out.slice(0, opts.limit ?? 10);
}
