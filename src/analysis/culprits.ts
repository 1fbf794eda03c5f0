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
//
// Three consequences of how Go writes a heap profile shape the heap side. It is a picture as of the
// last completed GC (go-memory-facts §7.2): two profiles with no GC between them are the same picture,
// so a repeated picture is dropped rather than counted as a step where nothing rose. A site is a
// function, not a line: a leak's bytes are usually split over several lines of the function that
// keeps them (`s := &T{…}` and `m[k] = s`, §8), and a site must still rise over the later half of
// the profiles, so a cache that filled up and then plateaued is not named.

import type { Frame } from '../model/frame.js';
import type { GoroutineGroup, GoroutineSnapshot } from '../model/goroutines.js';
import type { Profile } from '../model/profile.js';
import type { TimedProfile } from '../model/recording.js';
import type { Culprit, CulpritGrowth } from './findings.js';
import { heapPattern, goroutinePattern, type HeapSiteEvidence, type PatternOptions } from './patterns.js';
import { mad, theilSen } from './robust-stats.js';
import { firstUserFrame, isOwnFrame, isRuntimeFrame, isUserFrame, lastUserFrame, siteFrame, type OwnCode } from './user-frame.js';
import { CUMULATIVE_DETAIL_SITES, CUMULATIVE_MIN_SHARE } from './culprit-rules.js';

export interface HeapCulpritOptions extends PatternOptions {
  /** Smallest share of the total inuse_space growth a site must explain (default 0.05). */
  minShare?: number;
  /** Smallest fraction of rising steps (default 0.5). */
  minMonotonicity?: number;
  /** How many sampling-noise standard deviations the slope must exceed (default 2.5). */
  noiseZ?: number;
  /**
   * The slope over the later half of the profiles (from six profiles on) must exceed this fraction of
   * the whole run's slope (default 0.25): a cache that filled and then plateaued is not a leak.
   */
  minLaterHalfSlope?: number;
  /** At most this many culprits (default 10). */
  limit?: number;
  /** What is known about the program's own code (its main module), for the cumulative culprit. */
  own?: OwnCode;
  /** Smallest share of the growth the cumulative culprit's subtree must explain (default CUMULATIVE_MIN_SHARE). */
  cumulativeMinShare?: number;
}

export interface GoroutineCulpritOptions extends PatternOptions {
  /** Smallest share of the total goroutine growth (default 0.05). */
  minShare?: number;
  /** Smallest fraction of rising steps (default 0.5). */
  minMonotonicity?: number;
  /** Smallest growth in goroutines (default 3): a handful more can be ordinary concurrency. */
  minDelta?: number;
  limit?: number;
  /** What is known about the program's own code, for naming goroutines whose stacks have none. */
  own?: OwnCode;
}

const DEFAULT_RATE = 512 * 1024;

/**
 * Frames of the observer's own requests: the profile, expvar and /metrics handlers allocate while
 * heapsight polls them, and what they hold depends on when the last GC fell during a poll.
 */
function isObserverFrame(f: Frame): boolean {
  return (
    f.function.startsWith('runtime/pprof.') ||
    f.function.startsWith('net/http/pprof.') ||
    f.function.startsWith('expvar.') ||
    f.function.startsWith('github.com/prometheus/client_golang/prometheus/promhttp.')
  );
}

function siteKey(f: Frame): string {
  return `${f.function}\u0000${f.file}\u0000${f.line}`;
}

function functionKey(f: Frame): string {
  return `${f.function}\u0000${f.file}`;
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
  /** Average object sizes of the records allocated right at a user line of the site, live or not (map doubling shows here). */
  objectSizes: Set<number>;
  /** Bytes per line of the site in the first and last profile: the line named is the one that grew most. */
  lines: Map<number, { first: number; last: number }>;
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

/** Sums that change whenever a GC published new profile data: equal sums mean the same picture. */
function pictureOf(p: Profile): string {
  const idx = ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space'].map((t) => sampleIndex(p, t)).filter((i) => i >= 0);
  const sums = idx.map(() => 0);
  // Records of stacks first seen since that GC are written with all values 0: they change nothing.
  let records = 0;
  for (const s of p.samples) {
    if (idx.some((vi) => s.values[vi] !== 0)) records++;
    idx.forEach((vi, k) => (sums[k] += s.values[vi]));
  }
  return `${records}:${sums.join(',')}`;
}

/** Profiles in order without the ones that repeat the previous picture (no GC happened in between). */
function distinctPictures(profiles: TimedProfile[]): TimedProfile[] {
  const out: TimedProfile[] = [];
  let prev: string | undefined;
  for (const tp of profiles) {
    const pic = pictureOf(tp.profile);
    if (pic !== prev) out.push(tp);
    prev = pic;
  }
  return out;
}

/** Theil–Sen slope over the later half of the points (at least three). */
function laterHalfSlope(series: number[], x: number[]): number {
  const from = Math.min(Math.floor(series.length / 2), series.length - 3);
  return theilSen(series.slice(from).map((y, i) => ({ x: x[from + i], y }))).slope;
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
  const minLate = opts.minLaterHalfSlope ?? 0.25;
  let usable = profiles.filter((p) => sampleIndex(p.profile, 'inuse_space') >= 0);
  if (usable.every((p) => p.t !== undefined)) usable = [...usable].sort((a, b) => a.t! - b.t!);
  usable = distinctPictures(usable);
  const n = usable.length;
  if (n < 2) return [];

  const sites = new Map<string, HeapSite>();
  // Profiles number their locations independently, and a big one has ~10^5 stacks: resolve sites
  // through per-location memos (most stacks reach a user frame within a few locations), and build
  // stack keys (interned location ids) only for the first and last profile, which pick the evidence.
  const locationIds = new Map<string, number>();
  const siteOf = (frame: Frame): HeapSite => {
    const key = functionKey(frame);
    let site = sites.get(key);
    if (!site) {
      site = {
        frame,
        bytes: new Array(n).fill(0),
        objects: new Array(n).fill(0),
        variance: new Array(n).fill(0),
        stacks: new Map(),
        objectSizes: new Set(),
        lines: new Map(),
      };
      sites.set(key, site);
    }
    return site;
  };
  // Cumulative in-use bytes per function of the program's own code (each sample counted once per
  // function, however often the function recurs on its stack): the call-path view of class 6.
  const ownFrames = new Map<string, OwnFrameGrowth>();
  const own = opts.own ?? {};
  let sampleSeq = 0;
  usable.forEach((tp, i) => {
    const p = tp.profile;
    // Per location: the own-code functions among its frames (innermost first).
    const ownAt: (OwnFrameGrowth[] | undefined)[] = new Array(p.locations.length);
    const ownOf = (li: number): OwnFrameGrowth[] => {
      let hit = ownAt[li];
      if (hit === undefined) {
        hit = [];
        for (const f of p.locations[li]?.lines ?? []) {
          if (!isOwnFrame(f, own)) continue;
          const key = functionKey(f);
          let g = ownFrames.get(key);
          if (!g) ownFrames.set(key, (g = { frame: f, bytes: new Array(n).fill(0), variance: new Array(n).fill(0), height: 0, seenAt: -1 }));
          hit.push(g);
        }
        ownAt[li] = hit;
      }
      return hit;
    };
    const spaceIdx = sampleIndex(p, 'inuse_space');
    const objIdx = sampleIndex(p, 'inuse_objects');
    const allocObjIdx = sampleIndex(p, 'alloc_objects');
    const rate = p.periodType?.type === 'space' && p.period > 0 ? p.period : DEFAULT_RATE;
    // Per location: the site of its first user frame, that frame's line and whether it is the
    // location's innermost frame; null when the location has no user frame.
    const userSite: ({ site: HeapSite; line: number; innermost: boolean } | null | undefined)[] = new Array(p.locations.length);
    const locId: (number | undefined)[] = new Array(p.locations.length);
    const observerLoc: (boolean | undefined)[] = new Array(p.locations.length);
    const byObserver = (locations: number[]): boolean => locations.some((li) => (observerLoc[li] ??= (p.locations[li]?.lines ?? []).some(isObserverFrame)));
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
    // `leaf`: the user line allocated the object itself. Heap stacks are trimmed of their leading
    // runtime frames (go-memory-facts §7.2), so make/new/append/m[k]=v leave the user line as the leaf.
    const resolve = (locations: number[]): { site: HeapSite; line: number; leaf: boolean } | undefined => {
      for (const li of locations) {
        let hit = userSite[li];
        if (hit === undefined) {
          const lines = p.locations[li]?.lines ?? [];
          const k = lines.findIndex(isUserFrame);
          userSite[li] = hit = k >= 0 ? { site: siteOf(lines[k]), line: lines[k].line, innermost: k === 0 } : null;
        }
        if (hit) return { site: hit.site, line: hit.line, leaf: hit.innermost && li === locations[0] };
      }
      const frame = siteFrame(sampleStack(p, locations));
      return frame ? { site: siteOf(frame), line: frame.line, leaf: false } : undefined;
    };
    for (const s of p.samples) {
      const space = s.values[spaceIdx];
      const objects = objIdx >= 0 ? s.values[objIdx] : 0;
      const everAllocated = allocObjIdx >= 0 ? s.values[allocObjIdx] > 0 : space > 0;
      if (space <= 0 && !everAllocated) continue;
      if (byObserver(s.locations)) continue;
      const hit = resolve(s.locations);
      if (!hit) continue;
      const { site } = hit;
      const avg = s.numLabels?.bytes ?? (objects > 0 ? space / objects : 0);
      if (avg > 0 && hit.leaf) site.objectSizes.add(avg);
      if (space <= 0) continue;
      site.bytes[i] += space;
      if (i === 0 || i === n - 1) {
        let ln = site.lines.get(hit.line);
        if (!ln) site.lines.set(hit.line, (ln = { first: 0, last: 0 }));
        if (i === 0) ln.first += space;
        else ln.last += space;
      }
      site.objects[i] += objects;
      let variance = 0;
      if (rate > 1 && avg > 0) {
        const w = avg / -Math.expm1(-avg / rate);
        variance = space * w * Math.exp(-avg / rate);
        site.variance[i] += variance;
      }
      // Every own-code function on the stack gets the sample once; `height` is how far from the leaf
      // it sits (frames, at most), so that of two functions explaining the same bytes the one nearer
      // the allocations (the deeper one in the call tree) can be preferred.
      const seq = sampleSeq++;
      let height = 0;
      for (const li of s.locations) {
        for (const g of ownOf(li)) {
          if (g.seenAt === seq) continue;
          g.seenAt = seq;
          g.bytes[i] += space;
          g.variance[i] += variance;
          if (i === n - 1) g.height = Math.max(g.height, s.locations.length - height);
        }
        height++;
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
  // The growth to share out is what the growing sites added, not the change of the whole heap: the
  // first profile of a fresh process can still count start-up garbage as in use (the picture is as of
  // the last GC), and its disappearance must not hide what grew.
  let totalDelta = 0;
  for (const site of sites.values()) totalDelta += Math.max(0, site.bytes[n - 1] - site.bytes[0]);
  const xMean = x.reduce((a, b) => a + b, 0) / n;
  const sxx = x.reduce((a, xi) => a + (xi - xMean) ** 2, 0);
  const out: Culprit[] = [];
  for (const site of sites.values()) {
    const delta = site.bytes[n - 1] - site.bytes[0];
    if (delta <= 0) continue;
    const { growth, slope } = growthOf(site.bytes, x, timed, totalDelta, 'bytes');
    if (growth.share < minShare) continue;
    // Standard deviation of a least-squares slope through points with these variances: the sampling
    // variance, or the scatter around the fitted line when that is larger (the profile's view of the
    // heap also moves with GC timing, which sampling does not model). Still rising at the end: a
    // cache that filled and then plateaued has a flat later half.
    if (!grows(site.bytes, site.variance, slope, growth.monotonicity)) continue;
    let line = site.frame.line;
    let lineGrowth = -Infinity;
    for (const [l, v] of site.lines) if (v.last - v.first > lineGrowth) [line, lineGrowth] = [l, v.last - v.first];
    const frame: Frame = { ...site.frame, line };
    let best: { stack: Frame[]; first: number; last: number } | undefined;
    for (const st of site.stacks.values()) {
      if (!best || st.last - st.first > best.last - best.first) best = st;
    }
    const lastObjects = site.objects[n - 1];
    const culprit: Culprit = {
      function: frame.function,
      file: frame.file,
      line: frame.line,
      kind: 'heap',
      growth,
      stack: best?.stack ?? [frame],
      score: slope * growth.monotonicity,
    };
    if (lastObjects > 0) culprit.avgObjectBytes = Math.round(site.bytes[n - 1] / lastObjects);
    const evidence: HeapSiteEvidence = {
      frame,
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
  const cumulative = cumulativeCulprit(ownFrames, sites, { x, timed, totalDelta, minShare: opts.cumulativeMinShare ?? CUMULATIVE_MIN_SHARE, grows });
  if (cumulative) {
    // The own-code frame whose subtree explains most of the growth comes first; a flat site of the
    // same function is that culprit already (its own sites are the detail).
    const same = out.findIndex((c) => c.function === cumulative.function && c.file === cumulative.file);
    if (same >= 0) {
      const [flat] = out.splice(same, 1);
      if (cumulative.growth.delta <= flat.growth.delta * (1 + 1e-9)) out.unshift({ ...flat, sites: cumulative.sites });
      else out.unshift({ ...cumulative, pattern: flat.pattern, fix: flat.fix, avgObjectBytes: flat.avgObjectBytes });
    } else out.unshift(cumulative);
  }
  return out.slice(0, opts.limit ?? 10);

  /** The growth tests every named site passes: rising steps, out of the sampling noise, still rising at the end. */
  function grows(series: number[], variance: number[], slope: number, monotonicity: number): boolean {
    if (monotonicity < minMono || slope <= 0) return false;
    const residualVar = n >= 4 ? residualVariance(series, x, slope) : 0;
    const slopeSd = Math.sqrt(x.reduce((a, xi, i) => a + (xi - xMean) ** 2 * Math.max(variance[i], residualVar), 0)) / sxx;
    if (slope <= z * slopeSd) return false;
    return !(n >= 6 && !(laterHalfSlope(series, x) > minLate * slope));
  }
}

interface OwnFrameGrowth {
  frame: Frame;
  bytes: number[];
  variance: number[];
  /** Largest distance from the outermost frame, over the last profile's stacks: depth in the call tree. */
  height: number;
  /** Sample sequence number that last counted it, so a recursive function counts a sample once. */
  seenAt: number;
}

/**
 * Growth spread thin over many small sites: the frame of the program's own code whose subtree (all
 * bytes allocated under it) explains at least `minShare` of what the growing sites added and passes
 * the same growth tests as a site. Of those, the tightest: the one explaining the least (an ancestor
 * explains at least what its callee does), and of equals the deepest, nearest the allocations. The
 * flat sites under it, by growth, are its detail.
 */
function cumulativeCulprit(
  frames: Map<string, OwnFrameGrowth>,
  sites: Map<string, HeapSite>,
  ctx: {
    x: number[];
    timed: boolean;
    totalDelta: number;
    minShare: number;
    grows: (series: number[], variance: number[], slope: number, monotonicity: number) => boolean;
  },
): Culprit | undefined {
  if (!(ctx.totalDelta > 0)) return undefined;
  let best: { g: OwnFrameGrowth; growth: CulpritGrowth; slope: number } | undefined;
  for (const g of frames.values()) {
    const n = g.bytes.length;
    const delta = g.bytes[n - 1] - g.bytes[0];
    if (delta < ctx.minShare * ctx.totalDelta) continue;
    const { growth, slope } = growthOf(g.bytes, ctx.x, ctx.timed, ctx.totalDelta, 'bytes');
    if (!ctx.grows(g.bytes, g.variance, slope, growth.monotonicity)) continue;
    if (!best || delta < best.growth.delta || (delta === best.growth.delta && g.height > best.g.height)) best = { g, growth, slope };
  }
  if (!best) return undefined;
  const fn = best.g.frame;
  // Detail: the flat sites whose evidence stacks pass through the frame, by growth between the
  // first and last profile; the line of the frame named is the one on the path that grew most.
  const detail: { site: HeapSite; delta: number; line: number; stack: Frame[] }[] = [];
  for (const site of sites.values()) {
    let delta = 0;
    let top: { stack: Frame[]; d: number; line: number } | undefined;
    for (const st of site.stacks.values()) {
      const at = st.stack.find((f) => f.function === fn.function && f.file === fn.file);
      if (!at) continue;
      const d = st.last - st.first;
      delta += d;
      if (!top || d > top.d) top = { stack: st.stack, d, line: at.line };
    }
    if (top && delta > 0) detail.push({ site, delta, line: top.line, stack: top.stack });
  }
  detail.sort((a, b) => b.delta - a.delta);
  const lead = detail[0];
  const culprit: Culprit = {
    function: fn.function,
    file: fn.file,
    line: lead?.line ?? fn.line,
    kind: 'heap',
    growth: best.growth,
    stack: lead?.stack ?? [fn],
    score: best.slope * best.growth.monotonicity,
    sites: detail.slice(0, CUMULATIVE_DETAIL_SITES).map((d) => ({
      function: d.site.frame.function,
      file: d.site.frame.file,
      line: d.site.frame.line,
      delta: d.delta,
      share: Math.min(1, d.delta / ctx.totalDelta),
    })),
  };
  return culprit;
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
      const key = [siteKey(wait), g.state ?? '', g.createdBy ? siteKey(g.createdBy) : (creator?.function ?? '')].join('\u0001');
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
    if (!isUserFrame(site.wait)) nameByCreator(culprit, site.group, opts.own ?? {});
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

/**
 * Goroutines whose stacks are all Go's own are named after the program's code on the path that
 * created them: the `created by` frame when it is the program's, else (Go 1.21+, `created by X in
 * goroutine N`) the first own frame of the creating goroutine's stack when that goroutine is alive in
 * the dump (an accept loop's `net/http.(*Server).Serve` under `main.serve`). Their stack stays as it is.
 */
function nameByCreator(c: Culprit, group: GoroutineGroup | undefined, own: OwnCode): void {
  const first = (stack: Frame[]) => stack.find((f) => isOwnFrame(f, own)) ?? firstUserFrame(stack);
  const by = c.createdBy && isUserFrame(c.createdBy) ? c.createdBy : undefined;
  const up = group?.creatorCreatedBy && isUserFrame(group.creatorCreatedBy) ? group.creatorCreatedBy : undefined;
  const via = by ? undefined : ((group?.creatorStack && first(group.creatorStack)) ?? up);
  const name = by ?? via;
  if (!name) return;
  const stdlib = c.function;
  Object.assign(c, { function: name.function, file: name.file, line: name.line });
  c.attribution = by
    ? `The goroutines (${stdlib}) have no frame of the program's own code; named after ${name.function}, which started them`
    : `The goroutines (${stdlib}) have no frame of the program's own code; they were created by ${c.createdBy?.function ?? 'a goroutine'} in a goroutine ${name === up ? 'started by' : 'whose stack reaches'} ${name.function}`;
}

/** Where the program itself calls net/http's client: the entry points of a request. */
function isHttpClientFrame(fn: string): boolean {
  return /^net\/http\.(?:\(\*Client\)\.|\(\*Transport\)\.|Get$|Post$|Head$|PostForm$|NewRequest)/.test(fn);
}

export interface HttpRequester {
  /** The program's own frame that calls into net/http's client (its line is the call). */
  frame: Frame;
  /** What showed it, best first: its requests' in-use bytes grew, it allocated through the client, or goroutines were caught in its requests. */
  evidence: 'heap-growth' | 'heap-allocations' | 'goroutine-stacks';
}

/** The own-code frame just outside the outermost net/http client frame of a leaf-first stack. */
function requesterOf(stack: Frame[], own: OwnCode): Frame | undefined {
  let outer = -1;
  for (let i = 0; i < stack.length; i++) if (isHttpClientFrame(stack[i].function)) outer = i;
  if (outer < 0) return undefined;
  for (let i = outer + 1; i < stack.length; i++) if (isOwnFrame(stack[i], own)) return stack[i];
  for (let i = outer + 1; i < stack.length; i++) if (isUserFrame(stack[i])) return stack[i];
  return undefined;
}

/**
 * The program's own function that makes the HTTP requests whose connections pile up. Connection
 * goroutines and buffers are created in a dial goroutine of the Transport's (no user frame, and the
 * dial goroutine is gone by the time of the dump), so the path that creates them is found where the
 * program calls the client: on heap allocation stacks (request, transport and header objects are
 * allocated on the caller's stack) and on goroutines caught inside a request. Ranked by what the
 * requests keep (in-use growth between the first and last profile), then by what they allocated
 * (alloc_space, cumulative: a service with one leaking caller among healthy ones is told by the
 * first), then by goroutines caught in them.
 */
export function httpRequester(profiles: TimedProfile[], snapshots: GoroutineSnapshot[], own: OwnCode = {}): HttpRequester | undefined {
  const usable = distinctPictures(profiles.filter((p) => sampleIndex(p.profile, 'inuse_space') >= 0));
  const byKey = new Map<string, { frame: Frame; inuse: number[]; alloc: number; goroutines: number }>();
  const entry = (f: Frame) => {
    const key = functionKey(f);
    let e = byKey.get(key);
    if (!e) byKey.set(key, (e = { frame: f, inuse: new Array(usable.length).fill(0), alloc: 0, goroutines: 0 }));
    return e;
  };
  usable.forEach((tp, i) => {
    const p = tp.profile;
    const spaceIdx = sampleIndex(p, 'inuse_space');
    const allocIdx = sampleIndex(p, 'alloc_space');
    // Only stacks through a client frame matter; look at those cheaply first.
    const clientLoc: (boolean | undefined)[] = new Array(p.locations.length);
    for (const s of p.samples) {
      if (!s.locations.some((li) => (clientLoc[li] ??= (p.locations[li]?.lines ?? []).some((f) => isHttpClientFrame(f.function))))) continue;
      const f = requesterOf(sampleStack(p, s.locations), own);
      if (!f) continue;
      const e = entry(f);
      e.inuse[i] += s.values[spaceIdx];
      if (i === usable.length - 1 && allocIdx >= 0) e.alloc += s.values[allocIdx];
    }
  });
  for (const snap of snapshots) {
    for (const g of snap.groups) {
      const f = requesterOf(g.stack, own);
      if (f) entry(f).goroutines += g.count;
    }
  }
  const all = [...byKey.values()];
  const pick = (score: (e: (typeof all)[number]) => number): Frame | undefined => {
    let best: (typeof all)[number] | undefined;
    for (const e of all) if (score(e) > 0 && (!best || score(e) > score(best))) best = e;
    return best?.frame;
  };
  const n = usable.length;
  const grown = n >= 2 ? pick((e) => e.inuse[n - 1] - e.inuse[0]) : undefined;
  if (grown) return { frame: grown, evidence: 'heap-growth' };
  const allocated = pick((e) => e.alloc);
  if (allocated) return { frame: allocated, evidence: 'heap-allocations' };
  const caught = pick((e) => e.goroutines);
  return caught ? { frame: caught, evidence: 'goroutine-stacks' } : undefined;
}
