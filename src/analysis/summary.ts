// The words of a verdict: evidence sentences (each with its numbers) and the one-paragraph summary.
// Written here, not in the renderers, so that the terminal, JSON, Markdown and HTML reports say the
// same thing and a report never has to decide what a number means.
//
// The non-obvious decision: every sentence quotes the statistic it rests on (points, GC cycles, τ,
// p-value, rate), because the reader must be able to disagree with the verdict using our own numbers.

import type { SegmentAnalysis } from './analyze-recording.js';
import type { Findings, MemoryBreakdown, ObservedWindow, Verdict } from './findings.js';
import type { Trend } from './trend.js';
import { provenSummary } from './goroutine-proof.js';
import { formatBytes, formatBytesDelta, formatCount, formatDuration, formatP, formatPercent } from './units.js';
import { maxOf, minOf } from './robust-stats.js';

const SOURCE_WORDS: Record<string, string> = {
  'runtime-metric': '/gc/heap/live',
  gctrace: "gctrace's marked heap",
  'heapalloc-at-gc': 'HeapAlloc less what was allocated since the last GC',
  'heapalloc-envelope': 'lower envelope of HeapAlloc',
  'heap-profile': 'heap profile inuse_space totals',
  'heap-goal': 'heap goal (NextGC) scaled to the marked heap',
};

function over(tr: Trend): string {
  return tr.seconds !== undefined ? ` over ${formatDuration(tr.seconds)}` : '';
}

function stats(tr: Trend): string {
  return `τ = ${tr.tau.toFixed(2)}, ${formatP(tr.pRising)}, ${tr.points} points`;
}

function perWork(seg: SegmentAnalysis, slope: number | undefined, x: string, unit: 'bytes' | 'goroutines', observed: ObservedWindow): string {
  if (slope === undefined || x !== 'work') return '';
  const fmt = (v: number) => (unit === 'bytes' ? formatBytesDelta(v) : `${v >= 0 ? '+' : ''}${formatCount(v)}`);
  if (seg.axis === 'bytes-allocated') return `, ${fmt(slope * 1024 ** 3)} per GiB allocated`;
  if (seg.axis === 'work-metric') return `, ${fmt(slope * 1000)} per 1,000 ${observed.workMetric ?? 'work units'}`;
  if (seg.axis === 'objects-allocated') return `, ${fmt(slope * 1e6)} per million objects allocated`;
  return '';
}

function perMinute(tr: Trend, unit: 'bytes' | 'goroutines'): string {
  if (tr.slopePerMinute === undefined) return '';
  return unit === 'bytes' ? `${formatBytesDelta(tr.slopePerMinute)}/min` : `${tr.slopePerMinute >= 0 ? '+' : ''}${formatCount(tr.slopePerMinute)}/min`;
}

function describeSeries(
  name: string,
  tr: Trend,
  unit: 'bytes' | 'goroutines',
  seg: SegmentAnalysis,
  x: string,
  observed: ObservedWindow,
  source?: string,
): string {
  const f = (v: number) => (unit === 'bytes' ? formatBytes(v) : formatCount(v));
  const what = source ? `${name} (${source})` : name;
  const rate = [perMinute(tr, unit)].filter(Boolean).join('') + perWork(seg, tr.slopePerWork, x, unit, observed);
  if (tr.plateau) {
    return `${what} rose from ${f(tr.baseline)} and levelled off at ${f(tr.latest)}${over(tr)}: the last third grew at ${formatPercent(Math.max(0, tr.lastThirdSlopeRatio ?? 0))} of the first third's pace (bounded, like a cache filling up or warm-up; ${stats(tr)}).`;
  }
  if (tr.returnedToBaseline) {
    const peak = maxOf(tr.fitted.map((p) => p.y));
    return `${what} rose to ${f(peak)} and came back to ${f(tr.latest)}, near its starting level of ${f(tr.baseline)}${over(tr)} (bursts that were given back).`;
  }
  if (tr.tracksTraffic) {
    return `${what} moved between ${f(tr.baseline)} and ${f(tr.latest)}${over(tr)} following the rate of work (traffic), not the amount of work done: memory in flight, not accumulated.`;
  }
  const change = unit === 'bytes' ? formatBytesDelta(tr.growth) : `${tr.growth >= 0 ? '+' : ''}${formatCount(tr.growth)}`;
  const level = Math.abs(tr.latest - tr.baseline) <= Math.max(2 * tr.noise, 0.05 * Math.abs(tr.baseline));
  const trend =
    tr.pRising < 0.001 && tr.tau >= 0.5 ? 'rose steadily' : tr.pRising < 0.01 ? 'rose slightly' : level ? 'stayed level' : 'moved without a consistent trend';
  if (trend === 'stayed level') {
    return `${what} stayed level at about ${f(tr.latest)}${over(tr)} (fitted change ${change}; noise ±${f(tr.noise)}; ${stats(tr)}).`;
  }
  if (trend === 'moved without a consistent trend') {
    const ys = tr.fitted.map((p) => p.y);
    return `${what} moved between ${f(minOf(ys))} and ${f(maxOf(ys))}${over(tr)} without a trend: its floor stayed at about ${f(tr.floor ?? tr.baseline)} (fitted change ${change}; ${stats(tr)}).`;
  }
  return `${what} ${trend} from ${f(tr.baseline)} to ${f(tr.latest)}${over(tr)} (fitted change ${change}${rate ? `, ${rate.replace(/^, /, '')}` : ''}; noise ±${f(tr.noise)}; ${stats(tr)}${
    tr.lastThirdSlopeRatio !== undefined ? `; last third at ${formatPercent(Math.max(0, tr.lastThirdSlopeRatio))} of the first third's pace` : ''
  }).`;
}

export function describeEvidence(verdict: Verdict, seg: SegmentAnalysis, breakdown: MemoryBreakdown | undefined, observed: ObservedWindow): string[] {
  const out: string[] = [];
  const lt = seg.liveTrend;
  const gt = seg.goroutineTrend;
  const heapLine = lt && describeSeries('Live heap', lt, 'bytes', seg, seg.liveX, observed, seg.live.source ? SOURCE_WORDS[seg.live.source] : undefined);
  const gLine = gt && describeSeries('Goroutines', gt, 'goroutines', seg, seg.goroutineX, observed);
  const offLine = (() => {
    const nt = seg.nonGoTrend;
    const gm = seg.goMappedTrend;
    const rt = seg.rssTrend;
    if (!nt || !gm) return undefined;
    return `RSS ${rt ? `went from ${formatBytes(rt.baseline)} to ${formatBytes(rt.latest)}` : 'changed'}${over(nt)}; memory outside the Go runtime's mappings changed by ${formatBytesDelta(nt.growth)} (${perMinute(nt, 'bytes') || 'no clock'}, ${stats(nt)}) while Go-mapped memory (Sys − HeapReleased) changed by ${formatBytesDelta(gm.growth)}.`;
  })();

  const order: (string | undefined)[] =
    verdict === 'goroutine-leak' ? [gLine, heapLine, offLine] : verdict === 'off-heap-growth' ? [offLine, heapLine, gLine] : [heapLine, gLine, offLine];
  for (const l of order) if (l) out.push(l);

  out.push(
    `Observed ${observed.seconds !== undefined ? formatDuration(observed.seconds) : 'an untimed series'}: ${observed.samples} samples, ${observed.gcCycles} GC cycles, ${observed.heapProfiles} heap profiles, ${observed.goroutineProfiles} goroutine profiles${
      observed.workDone !== undefined ? `; work done ${workText(observed)}` : ''
    }.`,
  );

  if (breakdown && breakdown.rss !== undefined && (verdict === 'no-leak' || verdict === 'inconclusive')) {
    const retained = breakdown.parts.find((p) => p.id === 'heap-free-retained');
    const lazy = breakdown.parts.find((p) => p.id === 'lazy-free');
    const live = breakdown.parts.find((p) => p.id === 'live-heap');
    const bits = [
      live ? `live heap ${formatBytes(live.bytes)}` : undefined,
      retained && retained.bytes > 0 ? `freed heap retained by the runtime ${formatBytes(retained.bytes)}` : undefined,
      lazy ? `LazyFree ${formatBytes(lazy.bytes)}` : undefined,
    ].filter(Boolean);
    if (bits.length) out.push(`RSS is ${formatBytes(breakdown.rss)}: ${bits.join(', ')}.`);
  }
  return out;
}

function workText(o: ObservedWindow): string {
  const w = o.workDone!;
  switch (o.workAxis) {
    case 'bytes-allocated':
      return `${formatBytes(w)} allocated`;
    case 'objects-allocated':
      return `${formatCount(w)} objects allocated`;
    case 'work-metric':
      return `${formatCount(w)} ${o.workMetric ?? 'work units'}`;
    default:
      return formatCount(w);
  }
}

export function summarize(f: Findings): string {
  const pct = `${Math.round(f.confidence * 100)}%`;
  const lt = f.evidence.liveHeap;
  const gt = f.evidence.goroutines;
  const top = f.culprits[0];
  const where = top
    ? ` The top suspect is ${top.function} (${shortFile(top.file)}:${top.line})${top.pattern ? `, which looks like ${top.pattern.replace(/-/g, ' ')}` : ''}.`
    : '';
  const window = f.observed.seconds !== undefined ? ` over ${formatDuration(f.observed.seconds)}` : '';
  switch (f.verdict) {
    case 'heap-leak': {
      const rate =
        f.evidence.rates.liveHeapBytesPerMinute !== undefined ? ` (about ${formatBytesDelta(f.evidence.rates.liveHeapBytesPerMinute)} per minute)` : '';
      const kills = f.container?.oomKills;
      const lines = kills
        ? ` ${capitalize(f.container!.reasons.find((r) => r.startsWith('killed by the OOM killer')) ?? `killed by the OOM killer ${kills.count} times`)}.`
        : f.restarts.length
          ? ` The process restarted ${f.restarts.length} time${f.restarts.length > 1 ? 's' : ''} during the recording.`
          : '';
      return `This is a real leak in the Go heap: the memory still reachable after garbage collection grew${lt ? ` from ${formatBytes(lt.baseline)} to ${formatBytes(lt.latest)}` : ''}${window}${rate} and was still growing at the end, across ${f.observed.gcCycles} GC cycles.${lines}${where} Confidence ${pct}.`;
    }
    case 'goroutine-leak': {
      if (f.provenGoroutineLeaks) return provenSummary(f.provenGoroutineLeaks);
      const held =
        f.evidence.heapHeldByGoroutines !== undefined
          ? ` The live heap grew ${formatBytesDelta(f.evidence.heapHeldByGoroutines)} alongside them: memory the stuck goroutines keep reachable.`
          : '';
      const state = top?.kind === 'goroutine' && top.state ? ` Most new goroutines wait in "${top.state}".` : '';
      return `Goroutines are leaking: their number grew${gt ? ` from ${formatCount(gt.baseline)} to ${formatCount(gt.latest)}` : ''}${window} and never came back down, so each leaked goroutine (and what it references) stays in memory for good.${state}${held}${where} Confidence ${pct}.`;
    }
    case 'off-heap-growth': {
      const nt = f.evidence.nonGo;
      const tmpfs = f.container?.growingLayer === 'tmpfs' ? f.container.waterfall?.layers.find((l) => l.id === 'tmpfs') : undefined;
      if (tmpfs)
        return `Memory is growing in tmpfs, outside the process: the container's tmpfs/shared memory grew${tmpfs.delta !== undefined ? ` by ${formatBytes(tmpfs.delta)}` : ''}${window} to ${formatBytes(tmpfs.bytes)} while the Go heap and RSS stayed flat. This is real growth: files in a tmpfs mount (/dev/shm, an emptyDir with medium Memory) are charged to the container and the kernel cannot reclaim them without swap, so they count toward the OOM kill.${f.container!.tmpfsFiles?.length ? ` Largest open tmpfs files: ${f.container!.tmpfsFiles.map((x) => `${x.path} (${formatBytes(x.bytes)})`).join(', ')}.` : ''} Confidence ${pct}.`;
      return `Memory is growing outside the Go heap: resident memory not mapped by the Go runtime grew${nt ? ` by ${formatBytes(nt.growth)}` : ''}${window} while the Go runtime's own memory stayed flat. Go's heap profiles cannot see this memory; it is typically C memory from cgo (malloc without free) or mmap'd regions that are never unmapped. Confidence ${pct}.`;
    }
    case 'no-leak': {
      const b = f.breakdown;
      const retained = b?.parts.find((p) => p.id === 'heap-free-retained');
      const lazy = b?.parts.find((p) => p.id === 'lazy-free');
      let why = '';
      if (lazy && b?.rss)
        why = ` RSS stays higher because ${formatBytes(lazy.bytes)} of it is memory the runtime already released with MADV_FREE, which the kernel reclaims only under pressure.`;
      else if (retained && b?.rss && retained.bytes > 0.2 * b.rss)
        why = ` RSS (${formatBytes(b.rss)}) is higher than the live heap because the runtime keeps ${formatBytes(retained.bytes)} of freed heap for reuse; that is retention, not a leak.`;
      const level = lt && Math.abs(lt.latest - lt.baseline) <= Math.max(2 * lt.noise, 0.05 * Math.abs(lt.baseline));
      const shape = lt?.plateau
        ? `grew and then levelled off at about ${formatBytes(lt.latest)}`
        : lt?.returnedToBaseline
          ? `returned to its baseline of about ${formatBytes(lt.baseline)} after each rise`
          : lt?.tracksTraffic
            ? 'followed traffic up and down'
            : level || !lt
              ? `stayed level${lt ? ` at about ${formatBytes(lt.latest)}` : ''}`
              : `did not keep growing (it moved with the load but kept coming back to about ${formatBytes(lt.floor ?? lt.baseline)})`;
      const pc = f.container?.growingLayer === 'page-cache' ? f.container.waterfall?.layers.find((l) => l.id === 'page-cache') : undefined;
      if (pc)
        why += ` The container's usage grows because its page cache grew${pc.delta !== undefined ? ` by ${formatBytes(pc.delta)}` : ''}: files the service writes or reads; the kernel reclaims it under pressure.`;
      return `No leak found: the memory still reachable after garbage collection ${shape}${window}, across ${f.observed.gcCycles} GC cycles${gt ? `, and the goroutine count did not keep growing` : ''}.${why} Confidence ${pct}.`;
    }
    case 'inconclusive': {
      const om = f.observeMore;
      const more = om
        ? ` ${capitalize(om.reason)}${om.seconds !== undefined ? `; observe about ${formatDuration(om.seconds)} more` : ''}${om.gcCycles ? ` (at least ${om.gcCycles} more GC cycles)` : ''}.`
        : '';
      return `Not enough evidence for a verdict yet${window} (${f.observed.gcCycles} GC cycles, ${f.observed.samples} samples).${more}`;
    }
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function shortFile(file: string): string {
  const parts = file.split('/');
  return parts.slice(-2).join('/');
}
