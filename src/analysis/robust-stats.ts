// Outlier-resistant statistics for memory series: Theil–Sen slope, Mann–Kendall monotonicity, median
// and MAD. Memory series are sawtooths with occasional spikes (a burst, a forced GC); least squares
// would let one spike decide a verdict, a median of pairwise slopes does not.
//
// The non-obvious decision: every function here caps its input at MAX_POINTS by even subsampling,
// because both estimators are O(n²) and a day-long recording at 1 s has 86,400 points. The cap keeps the
// first and last point so that the window the evidence names is the window that was fitted.

export interface XY {
  x: number;
  y: number;
}

const MAX_POINTS = 600;

/**
 * Largest and smallest of a list without spreading it into Math.max/min: a spread passes every value
 * as an argument, and V8's stack holds about 100,000 (200,000 gctrace cycles overflowed it).
 */
export function maxOf(values: readonly number[]): number {
  let m = -Infinity;
  for (const v of values) if (v > m || Number.isNaN(v)) m = v;
  return m;
}
export function minOf(values: readonly number[]): number {
  let m = Infinity;
  for (const v of values) if (v < m || Number.isNaN(v)) m = v;
  return m;
}

export function median(values: readonly number[] | Float64Array): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  // Selection instead of a sort: Theil–Sen takes the median of ~180,000 pairwise slopes.
  const a = Float64Array.from(values);
  const mid = n >> 1;
  const hi = select(a, mid);
  if (n % 2 === 1) return hi;
  let lo = a[0];
  for (let i = 1; i < mid; i++) if (a[i] > lo) lo = a[i];
  return (lo + hi) / 2;
}

/** Hoare's quickselect: puts the k-th smallest at a[k] with smaller values before it; returns it. */
function select(a: Float64Array, k: number): number {
  let left = 0;
  let right = a.length - 1;
  while (right > left) {
    const pivot = a[(left + right) >> 1];
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return a[k];
}

/**
 * For every prefix of `values` (k = 0..n), the sum of absolute deviations about its median:
 * out[k] = Σ_{i<k} |values[i] − median(values[0..k))|. The L1 deviation about a median is the sum of the
 * larger half minus the sum of the smaller half (the middle value of an odd count adds 0, and with an
 * even count any point between the two middles gives the same sum), so each prefix needs only the sum
 * of its ⌊k/2⌋ smallest values: a Fenwick tree over the values' ranks gives it in O(log n). O(n log n)
 * in all, where taking each prefix's median anew is O(n²) (trend.ts stepShape on 200,000 gctrace
 * cycles ran for minutes).
 */
export function prefixL1Costs(values: readonly number[]): Float64Array {
  const n = values.length;
  const out = new Float64Array(n + 1);
  if (n === 0) return out;
  // Unique ranks 1..n (ties by position): each rank's count is 0 or 1, so the descent below finds the
  // sum of exactly j smallest values.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b] || a - b);
  const rank = new Int32Array(n);
  for (let r = 0; r < n; r++) rank[order[r]] = r + 1;
  const cnt = new Int32Array(n + 1);
  const sum = new Float64Array(n + 1);
  let top = 1;
  while (top * 2 <= n) top *= 2;
  const smallest = (j: number): number => {
    let pos = 0;
    let acc = 0;
    for (let step = top; step > 0; step >>= 1) {
      const next = pos + step;
      if (next <= n && cnt[next] <= j) {
        pos = next;
        j -= cnt[next];
        acc += sum[next];
      }
    }
    return acc;
  };
  let total = 0;
  for (let k = 1; k <= n; k++) {
    const v = values[k - 1];
    for (let i = rank[k - 1]; i <= n; i += i & -i) {
      cnt[i]++;
      sum[i] += v;
    }
    total += v;
    const half = k >> 1;
    out[k] = total - smallest(k - half) - smallest(half);
  }
  return out;
}

/** Median absolute deviation scaled to estimate a standard deviation under normal noise. */
export function mad(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const m = median(values);
  return 1.4826 * median(values.map((v) => Math.abs(v - m)));
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = Math.min(s.length - 1, Math.max(0, q * (s.length - 1)));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Even subsample keeping the first and the last element. */
export function capPoints<T>(points: readonly T[], max = MAX_POINTS): T[] {
  if (points.length <= max) return [...points];
  const out: T[] = [];
  const step = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * step)]);
  return out;
}

export interface LineFit {
  slope: number;
  intercept: number;
}

/** The slopes between every two points in order, pairs with equal x left out (x and y read into arrays once). */
function pairwiseSlopes(pts: readonly XY[]): Float64Array {
  const n = pts.length;
  const xs = Float64Array.from(pts, (p) => p.x);
  const ys = Float64Array.from(pts, (p) => p.y);
  const slopes = new Float64Array((n * (n - 1)) / 2);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const xi = xs[i];
    const yi = ys[i];
    for (let j = i + 1; j < n; j++) {
      const dx = xs[j] - xi;
      if (dx !== 0) slopes[m++] = (ys[j] - yi) / dx;
    }
  }
  return slopes.subarray(0, m);
}

/** Theil–Sen: median of pairwise slopes (pairs with equal x skipped), intercept = median(y − slope·x). */
export function theilSen(input: readonly XY[]): LineFit {
  const pts = capPoints(input);
  const slopes = pairwiseSlopes(pts);
  const m = slopes.length;
  if (m === 0) return { slope: 0, intercept: median(pts.map((p) => p.y)) };
  const slope = median(slopes);
  return { slope, intercept: median(pts.map((p) => p.y - slope * p.x)) };
}

export interface MannKendall {
  /** Sum of signs over ordered pairs. */
  s: number;
  /** Kendall's tau: s over the number of pairs, −1..1 (1 = every later point is higher). */
  tau: number;
  /** Normal approximation with tie correction; positive = rising. */
  z: number;
  /** One-sided p-value for "rising". */
  pRising: number;
}

/** Mann–Kendall trend test on y in the given order (the caller orders by time or work). */
export function mannKendall(input: readonly number[]): MannKendall {
  const y = capPoints(input);
  const n = y.length;
  if (n < 3) return { s: 0, tau: 0, z: 0, pRising: 1 };
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) s += Math.sign(y[j] - y[i]);
  // Ties are common (gctrace prints whole MiB, goroutine counts are integers): correct the variance.
  const counts = new Map<number, number>();
  for (const v of y) counts.set(v, (counts.get(v) ?? 0) + 1);
  let tieTerm = 0;
  for (const c of counts.values()) if (c > 1) tieTerm += c * (c - 1) * (2 * c + 5);
  const variance = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  const z = variance > 0 ? (s - Math.sign(s)) / Math.sqrt(variance) : 0;
  // Few GC cycles are common (light traffic, high GOGC); there the normal approximation is too
  // conservative (7 rising points: 0.0013 instead of the exact 1/5040), so use the exact law when
  // there are no ties.
  const pRising = n <= EXACT_MAX_N && tieTerm === 0 ? exactPRising(n, s) : 1 - normalCdf(z);
  return { s, tau: s / ((n * (n - 1)) / 2), z, pRising };
}

const EXACT_MAX_N = 12;

/** P(S ≥ s) under no trend: S = pairs − 2·inversions, inversions of a random permutation (Mahonian). */
function exactPRising(n: number, s: number): number {
  const pairs = (n * (n - 1)) / 2;
  let counts = [1];
  for (let k = 2; k <= n; k++) {
    const next = new Array<number>(counts.length + k - 1).fill(0);
    for (let i = 0; i < counts.length; i++) for (let j = 0; j < k; j++) next[i + j] += counts[i];
    counts = next;
  }
  const total = counts.reduce((a, b) => a + b, 0);
  const maxInv = Math.floor((pairs - s) / 2);
  let tail = 0;
  for (let i = 0; i <= maxInv && i < counts.length; i++) tail += counts[i];
  return tail / total;
}

/** Standard normal CDF (Abramowitz–Stegun 26.2.17, |error| < 7.5e-8). */
export function normalCdf(z: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(z));
  const d = 0.3989422804014327 * Math.exp((-z * z) / 2);
  const p = d * t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return z > 0 ? 1 - p : p;
}

export function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/**
 * Sen's distribution-free confidence interval for the Theil–Sen slope: the ranks of the pairwise
 * slopes that bound it come from the Mann–Kendall variance. z = 1.645 gives a two-sided 90% interval
 * (each bound one-sided 95%). With few or noisy points the interval is wide, which is the point: a
 * slope is only "about zero" or "still as steep" when the data can say so.
 */
export function theilSenInterval(input: readonly XY[], z = 1.645): { lo: number; hi: number } {
  const pts = capPoints(input, 300);
  const slopes = pairwiseSlopes(pts);
  const m = slopes.length;
  const n = pts.length;
  if (m === 0 || n < 3) return { lo: Number.NEGATIVE_INFINITY, hi: Number.POSITIVE_INFINITY };
  const c = z * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18);
  const lower = Math.floor((m - c) / 2);
  const upper = Math.ceil((m + c) / 2);
  // Two order statistics by selection, not a sort of all ~45,000 slopes: a fleet judges thousands of series.
  // Selecting `lower` leaves every larger slope after it, so `upper` is selected within that part.
  const a = slopes;
  const lo = lower >= 0 ? select(a, lower) : Number.NEGATIVE_INFINITY;
  const hi = upper < m ? (lower >= 0 ? select(a.subarray(lower), upper - lower) : select(a, upper)) : Number.POSITIVE_INFINITY;
  return { lo, hi };
}
