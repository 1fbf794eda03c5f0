// The shape of one series over a window: robust slope against work and time, monotonicity, plateau,
// return to baseline, and whether growth follows the rate of traffic instead of the amount of work.
// The verdict module decides with these numbers; this module only measures.
//
// The non-obvious decision: a leak is memory that grows with the *amount* of work done, while in-flight
// memory grows with the *rate* of work. Under a traffic ramp both rise with time, so when the work rate
// varies we fit the series against both and call the growth traffic-driven when the rate explains it
// clearly better. With a steady rate the rate carries no information and the test stays silent.

import type { TrendStats } from './findings.js';
import { capPoints, mad, mannKendall, median, prefixL1Costs, quantile, theilSen, theilSenInterval, type XY, maxOf } from './robust-stats.js';
import {
  RETURN_MIN_P,
  RETURN_MIN_POINTS,
  RETURN_MIN_RISE_NOISES,
  RETURN_MIN_RISE_SHARE,
  RETURN_TAIL_MIN_POINTS,
  RETURN_TOLERANCE_NOISES,
  RETURN_TOLERANCE_SHARE,
  GROWS_WITH_WORK_MIN_T,
  TRACKS_TRAFFIC_MAX_T_WORK,
  TRACKS_TRAFFIC_MIN_T_RATE,
  TRAFFIC_MIN_RATE_SPREAD,
  PLATEAU_TAIL_P,
  SATURATION_CHI2,
  SATURATION_MAX_PACE,
  STEP_FIT_SHARE,
  STEP_LEVEL_P,
  STEP_MIN_NOISE,
  STEP_MIN_POINTS,
} from './decision-rules.js';

export interface SeriesPoint {
  /** Position on the work axis (or time/order when no work axis exists). */
  x: number;
  /** Unix ms, when known. */
  t?: number;
  y: number;
}

export interface TrendOptions {
  /** Share of the x range dropped at the start as warm-up (only when enough points remain). */
  warmupFraction?: number;
}

export interface Trend extends TrendStats {
  /** The first third's own rise exceeded 3× the noise: only then is its pace a yardstick. */
  firstThirdRoseClearly: boolean;
  /** The points actually fitted (after warm-up), for callers that need spans. */
  fitted: SeriesPoint[];
  /** x span and time span of the fitted points. */
  xSpan: number;
  /** Upper bound (one-sided 95%) of the growth over the window: what "flat" must be judged on. */
  growthUpper: number;
  /** Lower bound (one-sided 95%) of the growth over the window: what a leak's size is judged on. */
  growthLower: number;
  /**
   * Growth and its upper bound over the base of the series: the points that are not bursts (more than
   * 3 noise widths above the fit). Equal to growth/growthUpper when there are no bursts to set aside.
   */
  baseGrowth: number;
  baseGrowthUpper: number;
  seconds?: number;
  /** A single step between two level stretches (see stepShape), when the series is one. */
  step?: StepShape;
  /**
   * A saturating curve (an exponential approach to a bound) fits clearly better than a straight line and
   * has slowed materially, on the work axis and (when timed) on the clock: see saturationFit.
   */
  decelerating: boolean;
}

/**
 * One step between two level stretches: a buffer allocated once, a table loaded, a burst kept. Not a
 * trend: growth comes from a single moment, not from the work done.
 */
export interface StepShape {
  /** The step's size (median after − median before). */
  size: number;
  /** Level after the step (median). */
  level: number;
  /** Points after the step, and the seconds they span (from the first of them to the last). */
  afterPoints: number;
  afterSeconds?: number;
  /** Upper end of the after stretch's own growth (one-sided 95 %): it must be level. */
  afterGrowthUpper: number;
}

const MIN_AFTER_WARMUP = 6;
/** Points in each end segment whose slopes are compared (deceleration): the fewest with a slope to speak of. */
export const SHAPE_SEGMENT_POINTS = 3;
/**
 * A plateau is judged on the slope of the last third, or of this many last points when the third is
 * shorter (and they are at most half the window): fewer points give no usable interval, and with 3–5
 * heap-at-GC points at ±1 MiB noise a steady leak "stopped" by chance on live map-leak and
 * syncmap-leak runs.
 */
export const PLATEAU_MIN_POINTS = 6;
/** The tail rises at under this share of the first third's pace, at the upper end of its interval. */
const PLATEAU_PACE_SHARE = 0.35;

export function seriesTrend(input: SeriesPoint[], opts: TrendOptions = {}): Trend {
  let pts = input.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const warm = opts.warmupFraction ?? 0.1;
  if (pts.length > 0 && warm > 0) {
    const x0 = pts[0].x;
    const cut = x0 + warm * (pts[pts.length - 1].x - x0);
    const kept = pts.filter((p) => p.x >= cut);
    if (kept.length >= MIN_AFTER_WARMUP) pts = kept;
  }
  const n = pts.length;
  const empty: Trend = {
    points: n,
    growth: 0,
    baseline: n ? pts[0].y : 0,
    latest: n ? pts[n - 1].y : 0,
    relativeGrowth: 0,
    noise: 0,
    tau: 0,
    pRising: 1,
    plateau: false,
    returnedToBaseline: false,
    firstThirdRoseClearly: false,
    fitted: pts,
    xSpan: n ? pts[n - 1].x - pts[0].x : 0,
    growthUpper: Number.POSITIVE_INFINITY,
    growthLower: Number.NEGATIVE_INFINITY,
    baseGrowth: 0,
    baseGrowthUpper: Number.POSITIVE_INFINITY,
    decelerating: false,
  };
  if (n < 3) return empty;

  const xy: XY[] = pts.map((p) => ({ x: p.x, y: p.y }));
  const fit = theilSen(xy);
  const xSpan = pts[n - 1].x - pts[0].x;
  const growth = fit.slope * xSpan;
  const third = Math.max(1, Math.floor(n / 3));
  // The end's shape (deceleration) needs a slope at each end, and a slope needs SHAPE_SEGMENT_POINTS:
  // from twice that many points on, the first and last segments are the thirds or, while a third is
  // shorter, that many points (the halves of six points). A leak is only called with a shape to judge.
  const segment = n >= 2 * SHAPE_SEGMENT_POINTS ? Math.max(third, SHAPE_SEGMENT_POINTS) : third;
  const first = pts.slice(0, segment);
  const last = pts.slice(n - segment);
  const baseline = median(first.map((p) => p.y));
  const latest = median(last.map((p) => p.y));
  const noise = mad(xy.map((p) => p.y - (fit.intercept + fit.slope * p.x)));
  const mk = mannKendall(pts.map((p) => p.y));

  // The last segment's pace is read without its bursts (points more than 3 noise widths above the
  // fit, while at most a third of it): one reading taken mid-burst at the very end of a filled cache's
  // window tilts a four-point slope upwards (the corpus's lru-fill-40s, called a leak at 65 s).
  const isBurst = (p: SeriesPoint) => p.y - (fit.intercept + fit.slope * p.x) > 3 * noise;
  const lastBase = last.filter((p) => !isBurst(p));
  const lastShape = lastBase.length >= SHAPE_SEGMENT_POINTS && 3 * (last.length - lastBase.length) <= last.length ? lastBase : last;
  let lastThirdSlopeRatio: number | undefined;
  let plateau = false;
  let firstThirdRoseClearly = false;
  if (segment >= SHAPE_SEGMENT_POINTS) {
    // Deceleration is judged against work and, when timed, against time as well: a leak whose
    // allocation per request grows (a map rehashing ever larger tables) slows against bytes allocated
    // but not against the clock, while a cache that is full has stopped on both.
    const ratioOn = (xOf: (p: SeriesPoint) => number): number | undefined => {
      const s1 = theilSen(first.map((p) => ({ x: xOf(p), y: p.y }))).slope;
      const s3 = theilSen(lastShape.map((p) => ({ x: xOf(p), y: p.y }))).slope;
      return s1 > 0 ? s3 / s1 : undefined;
    };
    const rWork = ratioOn((p) => p.x);
    const timedThirds = first.every((p) => p.t !== undefined) && last.every((p) => p.t !== undefined);
    const rTime = timedThirds ? ratioOn((p) => p.t! / 60000) : undefined;
    const ratios = [rWork, rTime].filter((r): r is number => r !== undefined);
    if (ratios.length) {
      lastThirdSlopeRatio = maxOf(ratios);
      const s3 = theilSen(last.map((p) => ({ x: p.x, y: p.y }))).slope;
      const lastGrowth = s3 * (last[last.length - 1].x - last[0].x);
      const mkLast = mannKendall(last.map((p) => p.y));
      // Growth that has all but stopped: the last third rises at under a quarter of the first third's
      // pace (on every axis) and what it still rises is lost in the noise or not consistent.
      // And the first third must have risen clearly: a slow rise inside the noise has no measurable
      // pace to compare with, so it cannot be said to have stopped.
      const s1 = theilSen(first.map((p) => ({ x: p.x, y: p.y }))).slope;
      // Against the point-to-point noise, not the scatter about one straight line: a cache that fills
      // and then stays level is a bend, and a line through a bend leaves large residuals that are shape,
      // not noise (issue 9 class 1: a filled cache whose first third "did not rise clearly").
      firstThirdRoseClearly = s1 * (first[first.length - 1].x - first[0].x) >= 3 * Math.min(noise, localNoise(xy, fit));
      // Stopped, with evidence: even the upper end of the tail's slope interval is well under the
      // first third's pace, on the work axis and (when timed) on the clock. A point estimate of the
      // last third's slope is not enough — a constant-rate leak sampled in a few noisy points shows a
      // flat last third by chance. The yardstick is the first third's pace, and only when that third
      // rose significantly (the lower end of its interval above zero).
      const tailSeg = pts.slice(n - Math.max(third, PLATEAU_MIN_POINTS));
      const stoppedOn = (xOf: (p: SeriesPoint) => number): boolean => {
        const head = first.map((p) => ({ x: xOf(p), y: p.y }));
        const pace = theilSenInterval(head).lo > 0 ? theilSen(head).slope : 0;
        const hi = theilSenInterval(tailSeg.map((p) => ({ x: xOf(p), y: p.y }))).hi;
        // And the tail must be long enough that growth at that pace would have risen well out of its
        // own noise: a level seen for 25 s of a leak that adds one noise-width per 30 s is no evidence.
        const tailFit = theilSen(tailSeg.map((p) => ({ x: xOf(p), y: p.y })));
        const tailNoise = mad(tailSeg.map((p) => p.y - (tailFit.intercept + tailFit.slope * xOf(p))));
        const tailSpan = xOf(tailSeg[tailSeg.length - 1]) - xOf(tailSeg[0]);
        return pace > 0 && hi < PLATEAU_PACE_SHARE * pace && pace * tailSpan >= 4 * tailNoise;
      };
      plateau =
        firstThirdRoseClearly &&
        2 * tailSeg.length <= n &&
        lastThirdSlopeRatio < 0.25 &&
        stoppedOn((p) => p.x) &&
        (!timedThirds || stoppedOn((p) => p.t! / 60000)) &&
        (lastGrowth < 2 * noise || mkLast.pRising > 0.05) &&
        // And the very end does not climb consistently (PLATEAU_TAIL_P): a third that spans a drop
        // reads as level while what follows the drop still climbs.
        (n < 4 * PLATEAU_MIN_POINTS || mannKendall(pts.slice(n - 2 * PLATEAU_MIN_POINTS).map((p) => p.y)).pRising > PLATEAU_TAIL_P);
    } else if (fit.slope > 0) {
      lastThirdSlopeRatio = theilSen(last.map((p) => ({ x: p.x, y: p.y }))).slope / fit.slope;
    }
  }

  // Back to where it started: the final points sit near the first third's level although the series
  // rose in between (bursts that were given back).
  // Judged only on enough points that the tail is more than one lucky low GC.
  const tailN = Math.max(RETURN_TAIL_MIN_POINTS, Math.floor(n / 10));
  const tail = median(pts.slice(n - tailN).map((p) => p.y));
  const peak = maxOf(pts.map((p) => p.y));
  const tolerance = Math.max(RETURN_TOLERANCE_NOISES * noise, RETURN_TOLERANCE_SHARE * Math.abs(baseline));
  // The rise must stand out from the noise, or every flat series would "return" from its own jitter.
  // And the series as a whole must show no rising tendency: with noise of a third of the growth, a
  // steady leak's last few points land within 2 noise widths of its start by chance.
  // And the peak must come after the first third: a high reading among the first ones (a start-up
  // spike, an estimate taken mid-burst) lifts the first third's median, and a level series then seems
  // to have come back down to it (the corpus's map-100k-per-min, a leak, read as bounded at 80 s).
  const peakIndex = pts.findIndex((p) => p.y === peak);
  const returnedToBaseline =
    n >= RETURN_MIN_POINTS &&
    peakIndex >= segment &&
    peak - baseline > Math.max(RETURN_MIN_RISE_NOISES * noise, RETURN_MIN_RISE_SHARE * Math.abs(baseline)) &&
    tail - baseline <= tolerance &&
    mk.pRising > RETURN_MIN_P;

  // The base under the bursts: a service that serves bursts holds their data while a burst runs, and a
  // GC that lands mid-burst sees it live. Those points say nothing about what stays; the base does. Only
  // points far above the fit are set aside, and only while they are a minority, so a leak's own noise
  // (symmetric about its rising line) is left whole.
  const interval = theilSenInterval(xy);
  const growthUpper = interval.hi * xSpan;
  const growthLower = interval.lo * xSpan;
  let baseGrowth = growth;
  let baseGrowthUpper = growthUpper;
  const base = xy.filter((p) => p.y - (fit.intercept + fit.slope * p.x) <= 3 * noise);
  if (base.length < n && base.length >= Math.max(8, n / 2)) {
    const baseSpan = base[base.length - 1].x - base[0].x;
    baseGrowth = theilSen(base).slope * baseSpan;
    baseGrowthUpper = theilSenInterval(base).hi * baseSpan;
  }

  const floor = quantile(
    last.map((p) => p.y),
    0.1,
  );
  const timed = pts.every((p) => p.t !== undefined);
  let slopePerMinute: number | undefined;
  let seconds: number | undefined;
  if (timed && pts[n - 1].t! > pts[0].t!) {
    slopePerMinute = theilSen(pts.map((p) => ({ x: p.t! / 60000, y: p.y }))).slope;
    seconds = (pts[n - 1].t! - pts[0].t!) / 1000;
  }

  const traffic: TrafficFit = timed ? trafficFit(pts) : { varies: false };
  const step = stepShape(pts, noise);
  const decelOn = (xOf: (p: SeriesPoint) => number) => {
    const sat = saturationFit(pts.map((p) => ({ x: xOf(p), y: p.y })));
    return sat !== undefined && sat.chi2 > SATURATION_CHI2;
  };
  // On the work axis and, when timed, on the clock: a cache's fill slows against both (its hit rate
  // rises with time and with requests), while a leak whose allocation per retained byte grows (a map
  // doubling its buckets) slows against bytes allocated only, and one under idle gaps against the clock only.
  const decelerating = decelOn((p) => p.x) && (!timed || decelOn((p) => p.t! / 60000));
  return {
    points: n,
    slopePerWork: fit.slope,
    slopePerMinute,
    growth,
    baseline,
    latest,
    relativeGrowth: baseline > 0 ? growth / baseline : growth > 0 ? Number.POSITIVE_INFINITY : 0,
    noise,
    tau: mk.tau,
    pRising: mk.pRising,
    lastThirdSlopeRatio,
    plateau,
    returnedToBaseline,
    floor,
    // Between the two thresholds neither is claimed: the window cannot tell amount from rate yet.
    ...trafficReading(traffic),
    firstThirdRoseClearly,
    fitted: pts,
    xSpan,
    growthUpper,
    growthLower,
    baseGrowth,
    baseGrowthUpper,
    seconds,
    step,
    decelerating,
  };
}

export interface SaturationFit {
  /**
   * The straight line's squared residuals minus those of the best saturating curve that has slowed to at
   * most SATURATION_MAX_PACE, in noise variances: above zero, such a curve explains the data better.
   */
  chi2: number;
  /** That curve's slope at the end of the span over its slope at the start (e^(−span/τ)). */
  pace: number;
}

/** Rates (span/τ) tried for the saturating curve: paces e^(−k) from SATURATION_MAX_PACE down to e^(−12). */
const SATURATION_RATES = Array.from({ length: 40 }, (_, i) => -Math.log(SATURATION_MAX_PACE) * Math.pow(12 / -Math.log(SATURATION_MAX_PACE), i / 39));

/**
 * The straight line against y = c + A·(1 − e^(−k·u)) (u the position in the span, 0..1, A > 0, k on a
 * grid of curves that have slowed materially), both by least squares. The noise is the point-to-point
 * spread about the line (localNoise: the bend itself barely enters it), floored by the readings'
 * resolution (whole-MiB gctrace values tie, and a resolution of q is noise of q/√12). Undefined with too
 * few points or no spread.
 */
export function saturationFit(input: XY[]): SaturationFit | undefined {
  // Least squares on the points that are not spikes: a GC that lands mid-burst (or a reading far under
  // the rest) is one point far from its neighbours, and squared residuals let it decide the shape (a map
  // leak with four mid-burst readings "bent" by 93 noise variances). A spike is judged against the
  // median of its neighbours, not against a line, so the ends of a real bend are never set aside.
  const near = input.map((p, i) => p.y - median(input.slice(Math.max(0, i - 2), i + 3).map((q) => q.y)));
  const spread = mad(near);
  const kept = input.filter((_, i) => Math.abs(near[i]) <= 4 * spread);
  const xy = spread > 0 && 2 * kept.length >= input.length ? kept : input;
  const n = xy.length;
  if (n < 2 * SHAPE_SEGMENT_POINTS) return undefined;
  const x0 = xy[0].x;
  const span = xy[n - 1].x - x0;
  if (!(span > 0)) return undefined;
  const u = xy.map((p) => (p.x - x0) / span);
  const ys = xy.map((p) => p.y);
  const ols = (f: number[]): { sse: number; b: number } => {
    const mf = f.reduce((a, v) => a + v, 0) / n;
    const my = ys.reduce((a, v) => a + v, 0) / n;
    let sff = 0;
    let sfy = 0;
    for (let i = 0; i < n; i++) {
      sff += (f[i] - mf) ** 2;
      sfy += (f[i] - mf) * (ys[i] - my);
    }
    const b = sff > 0 ? sfy / sff : 0;
    let sse = 0;
    for (let i = 0; i < n; i++) sse += (ys[i] - my - b * (f[i] - mf)) ** 2;
    return { sse, b };
  };
  const line = ols(u);
  let best: { sse: number; k: number } | undefined;
  for (const k of SATURATION_RATES) {
    const fit = ols(u.map((v) => 1 - Math.exp(-k * v)));
    if (fit.b > 0 && (!best || fit.sse < best.sse)) best = { sse: fit.sse, k };
  }
  if (!best || !(line.b > 0)) return undefined;
  const sorted = [...new Set(ys)].sort((a, b) => a - b);
  let q = Number.POSITIVE_INFINITY;
  for (let i = 1; i < sorted.length; i++) q = Math.min(q, sorted[i] - sorted[i - 1]);
  const lineFit = { slope: line.b / span, intercept: 0 };
  const local = localNoise(xy, { slope: lineFit.slope, intercept: ys[0] - lineFit.slope * x0 });
  const variance = Math.max(local * local, Number.isFinite(q) ? (q * q) / 12 : 0);
  if (!(variance > 0)) return undefined;
  return { chi2: (line.sse - best.sse) / variance, pace: Math.exp(-best.k) };
}

/**
 * Is the series one step between two level stretches? The best split into two constant levels
 * (medians), each of at least STEP_MIN_POINTS points, must leave residuals at most STEP_FIT_SHARE of
 * the straight line's (a steady rise is fitted better by the line, a step by the two levels), the
 * step must stand STEP_MIN_NOISE of those residuals' widths out, and neither stretch may rise by
 * itself (Mann–Kendall p above STEP_LEVEL_P): a staircase or a leak after a step is not one step.
 */
export function stepShape(pts: SeriesPoint[], lineNoise: number): StepShape | undefined {
  const n = pts.length;
  if (n < 2 * STEP_MIN_POINTS) return undefined;
  const ys = pts.map((p) => p.y);
  // The cost of a split at k is the two stretches' L1 deviations about their own medians: read off the
  // prefix costs of the series and of the series reversed, O(n log n) for all k (a median per k was
  // O(n²): minutes on 200,000 gctrace cycles).
  const head = prefixL1Costs(ys);
  const tail = prefixL1Costs(ys.slice().reverse());
  let best: { k: number; cost: number } | undefined;
  for (let k = STEP_MIN_POINTS; k <= n - STEP_MIN_POINTS; k++) {
    const cost = head[k] + tail[n - k];
    if (!best || cost < best.cost) best = { k, cost };
  }
  if (!best) return undefined;
  const before = ys.slice(0, best.k);
  const after = ys.slice(best.k);
  const m1 = median(before);
  const m2 = median(after);
  const resid = ys.map((y, i) => y - (i < best!.k ? m1 : m2));
  const noise2 = mad(resid);
  const size = m2 - m1;
  if (!(size > 0) || noise2 > STEP_FIT_SHARE * lineNoise || size < STEP_MIN_NOISE * noise2) return undefined;
  // The stretches' own levels are judged without the point on each side of the split: a GC that lands
  // while the step is being allocated sees part of it, and at the end of a stretch that reads as a rise.
  if (mannKendall(before.slice(0, -1)).pRising <= STEP_LEVEL_P || mannKendall(after.slice(1)).pRising <= STEP_LEVEL_P) return undefined;
  const afterPts = pts.slice(best.k);
  const xy = afterPts.map((p) => ({ x: p.x, y: p.y }));
  const span = afterPts[afterPts.length - 1].x - afterPts[0].x;
  const hi = theilSenInterval(xy).hi;
  const t0 = afterPts[0].t;
  const t1 = afterPts[afterPts.length - 1].t;
  return {
    size,
    level: m2,
    afterPoints: afterPts.length,
    afterSeconds: t0 !== undefined && t1 !== undefined ? (t1 - t0) / 1000 : undefined,
    afterGrowthUpper: Math.max(0, hi * span),
  };
}

/**
 * Noise from neighbouring points: the robust spread of successive differences of the residuals about
 * the fit, divided by √2 (the difference of two independent errors has √2 times their spread). Shape
 * that a straight line misses (a bend) changes residuals slowly and barely enters it.
 */
export function localNoise(xy: XY[], fit: { slope: number; intercept: number }): number {
  if (xy.length < 3) return 0;
  const r = xy.map((p) => p.y - (fit.intercept + fit.slope * p.x));
  const d: number[] = [];
  for (let i = 1; i < r.length; i++) d.push(r[i] - r[i - 1]);
  return mad(d) / Math.SQRT2;
}

/**
 * What the traffic fit says of the series (undefined when the rate did not vary): it tracks the traffic
 * (TRACKS_TRAFFIC_MIN_T_RATE and TRACKS_TRAFFIC_MAX_T_WORK), and it grows with the work done
 * (GROWS_WITH_WORK_MIN_T). Between the two thresholds neither is claimed.
 */
export function trafficReading(traffic: TrafficFit): { tracksTraffic?: boolean; growsWithWork?: boolean } {
  if (!traffic.varies) return { tracksTraffic: undefined, growsWithWork: undefined };
  const tWork = traffic.tWork ?? 0;
  return {
    tracksTraffic: (traffic.tRate ?? 0) >= TRACKS_TRAFFIC_MIN_T_RATE && tWork < TRACKS_TRAFFIC_MAX_T_WORK,
    growsWithWork: tWork >= GROWS_WITH_WORK_MIN_T,
  };
}

export interface TrafficFit {
  /** The work rate varied enough (robust spread ≥ TRAFFIC_MIN_RATE_SPREAD of its median) to test against. */
  varies: boolean;
  /** t statistics of the cumulative-work and the rate coefficient in y = a + b·work + c·rate. */
  tWork?: number;
  tRate?: number;
}

/**
 * How the series relates to the work rate (dx/dt) versus the cumulative work x, by a least-squares fit
 * y = a + b·x + c·rate. Only meaningful when the rate varies (a ramp, bursts); with a steady rate the two
 * cannot be told apart and `varies` is false.
 */
export function trafficFit(pts: SeriesPoint[]): TrafficFit {
  if (pts.length < 10) return { varies: false };
  const rated: { rate: number; x: number; y: number }[] = [];
  // The rate over a few neighbours on each side: one poll's worth of requests is too lumpy a measure.
  const h = Math.max(1, Math.floor(pts.length / 10));
  for (let i = h; i < pts.length - h; i++) {
    const dt = pts[i + h].t! - pts[i - h].t!;
    if (dt <= 0) continue;
    rated.push({ rate: (pts[i + h].x - pts[i - h].x) / dt, x: pts[i].x, y: pts[i].y });
  }
  if (rated.length < 8) return { varies: false };
  const rates = rated.map((r) => r.rate);
  const mr = median(rates);
  if (!(mr > 0) || mad(rates) / mr < TRAFFIC_MIN_RATE_SPREAD) return { varies: false };
  const fit = ols2(capPoints(rated, 400));
  if (!fit) return { varies: true };
  return { varies: true, tWork: fit.tWork, tRate: fit.tRate };
}

/** y = a + b·x + c·rate by least squares on standardised predictors; t statistics of b and c. */
function ols2(rows: { rate: number; x: number; y: number }[]): { tWork: number; tRate: number } | undefined {
  const n = rows.length;
  const mean = (f: (r: (typeof rows)[number]) => number) => rows.reduce((a, r) => a + f(r), 0) / n;
  const mx = mean((r) => r.x);
  const mr = mean((r) => r.rate);
  const my = mean((r) => r.y);
  let sxx = 0;
  let srr = 0;
  let sxr = 0;
  let sxy = 0;
  let sry = 0;
  for (const r of rows) {
    const dx = r.x - mx;
    const dr = r.rate - mr;
    const dy = r.y - my;
    sxx += dx * dx;
    srr += dr * dr;
    sxr += dx * dr;
    sxy += dx * dy;
    sry += dr * dy;
  }
  const det = sxx * srr - sxr * sxr;
  // Nearly collinear predictors: the data cannot separate work from rate.
  if (!(det > 1e-9 * sxx * srr)) return undefined;
  const b = (srr * sxy - sxr * sry) / det;
  const c = (sxx * sry - sxr * sxy) / det;
  let sse = 0;
  for (const r of rows) {
    const e = r.y - my - b * (r.x - mx) - c * (r.rate - mr);
    sse += e * e;
  }
  const s2 = sse / Math.max(1, n - 3);
  const seB = Math.sqrt((s2 * srr) / det);
  const seC = Math.sqrt((s2 * sxx) / det);
  return { tWork: seB > 0 ? b / seB : 0, tRate: seC > 0 ? c / seC : 0 };
}
