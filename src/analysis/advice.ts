// Advice that fits the verdict, the Go version and the numbers. Each item names the numbers it rests on
// (basedOn), and no item may be contradicted by the data: no "set madvdontneed=1" on Go ≥ 1.16 where it
// is already the default unless LazyFree shows MADV_FREE in use, no GOMEMLIMIT before Go 1.19, no
// GOMEMLIMIT as the fix for a real leak (it only turns the leak into a GC death spiral).
//
// The non-obvious decision: when the Go version is unknown we still give version-gated advice, but say
// which version it needs, instead of guessing the version.

import type { MemorySample } from '../model/memory.js';
import type { Advice, Findings } from './findings.js';
import { atLeast, parseGoVersion } from './go-version.js';
import { offHeapPattern } from './patterns.js';
import { buildAdvice } from './build-advice.js';
import { formatBytes, formatBytesDelta, formatCount, formatDuration, formatPercent } from './units.js';

const MiB = 1024 * 1024;

export function adviseFor(f: Findings, last: MemorySample | undefined, first?: MemorySample): Advice[] {
  const out: Advice[] = [];
  const v = parseGoVersion(f.goVersion);
  const goLabel = f.goVersion ? `go version = ${f.goVersion}` : 'go version = unknown';
  const lt = f.evidence.liveHeap;
  const b = f.breakdown;
  const part = (id: string) => b?.parts.find((p) => p.id === id);
  const leak = f.verdict === 'heap-leak' || f.verdict === 'goroutine-leak';

  // 1. Fix the culprits that match a known pattern (their fix text is already version-aware).
  for (const c of f.culprits.filter((c) => c.fix).slice(0, 3)) {
    const g = c.growth;
    const delta = g.unit === 'bytes' ? formatBytesDelta(g.delta) : `+${formatCount(g.delta)} ${g.unit}`;
    out.push({
      id: `fix-${c.pattern ?? 'site'}`,
      text: `${c.function} (${c.file}:${c.line}): ${c.fix}`,
      basedOn: [
        `growth = ${delta} across ${g.series.length} profiles`,
        `monotonicity = ${formatPercent(g.monotonicity)}`,
        `share of growth = ${formatPercent(g.share)}`,
        ...(g.perMinute !== undefined ? [`rate = ${g.unit === 'bytes' ? formatBytesDelta(g.perMinute) : formatCount(g.perMinute)}/min`] : []),
        goLabel,
      ],
    });
  }

  // A leak whose top site matches no known pattern: still point at it, with its numbers.
  const topHeap = f.culprits.find((c) => c.kind === 'heap');
  if (f.verdict === 'heap-leak' && topHeap && !topHeap.fix) {
    const g = topHeap.growth;
    out.push({
      id: 'inspect-top-site',
      text: `Start at ${topHeap.function} (${topHeap.file}:${topHeap.line}): memory allocated there is still reachable and keeps growing. Find what keeps it — a map, slice, cache or channel that only ever gains entries, or a long-lived object holding a small part of a large one — and bound it (evict, delete, expire) or copy out what must be kept.`,
      basedOn: [
        `growth = ${formatBytesDelta(g.delta)} across ${g.series.length} profiles`,
        `share of growth = ${formatPercent(g.share)}`,
        `monotonicity = ${formatPercent(g.monotonicity)}`,
        ...(g.perMinute !== undefined ? [`rate = ${formatBytesDelta(g.perMinute)}/min`] : []),
      ],
    });
  }

  // 2. A leak without the profiles that would name it.
  if (f.verdict === 'heap-leak' && !f.culprits.some((c) => c.kind === 'heap')) {
    out.push({
      id: 'collect-heap-profiles',
      text:
        f.observed.heapProfiles < 2
          ? 'Fetch /debug/pprof/heap?gc=1 twice, several minutes apart (or record with `heapsight watch`), and run `heapsight diff old.pb.gz new.pb.gz`: the call sites whose inuse_space grows are the leak.'
          : 'The heap profiles did not single out a growing site: the leak may be spread over many small allocations that the default MemProfileRate (512 KiB) undersamples; take profiles further apart, or set runtime.MemProfileRate lower early in main while investigating.',
      basedOn: [`heap profiles = ${f.observed.heapProfiles}`, ...(lt ? [`live heap growth = ${formatBytesDelta(lt.growth)}`] : [])],
    });
  }
  // The generic goroutine advice only when no goroutine culprit already came with its specific fix.
  if (f.verdict === 'goroutine-leak' && !f.culprits.some((c) => c.kind === 'goroutine' && c.fix)) {
    const gt = f.evidence.goroutines;
    const top = f.culprits.find((c) => c.kind === 'goroutine');
    out.push({
      id: 'goroutine-exit-path',
      text: `Every goroutine needs a guaranteed way to finish: a receive or send that can also take <-ctx.Done(), a channel that the producer closes, a buffered reply channel when the caller may have gone away, and resp.Body.Close() (after draining it) for every HTTP response.${
        top?.state ? ` Most leaked goroutines wait in "${top.state}" at ${top.function}.` : ''
      }${f.observed.goroutineProfiles === 0 ? ' Fetch /debug/pprof/goroutine?debug=2 to see where they wait.' : ''}${
        atLeast(v, 26)
          ? ' Go 1.27 (1.26 with GOEXPERIMENT=goroutineleakprofile) also serves /debug/pprof/goroutineleak, which lists goroutines blocked on unreachable channels.'
          : ''
      }`,
      basedOn: [
        ...(gt ? [`goroutines = ${formatCount(gt.baseline)} → ${formatCount(gt.latest)}`] : []),
        ...(f.evidence.rates.goroutinesPerMinute !== undefined ? [`rate = ${formatCount(f.evidence.rates.goroutinesPerMinute)}/min`] : []),
        goLabel,
      ],
    });
  }

  // 3. GOMEMLIMIT: a ceiling for healthy services, never a fix for a leak.
  if (leak && lt) {
    // A goroutine leak whose heap did not measurably rise (a proven leak of constant size) must not be
    // told its live heap grows: what grows with it is what every further leaked goroutine holds.
    const heapGrows = f.verdict === 'heap-leak' || f.evidence.heapHeldByGoroutines !== undefined;
    const why = heapGrows
      ? 'the live heap itself is growing'
      : 'leaked goroutines and everything they reference stay live, so the heap grows with every one that leaks';
    out.push({
      id: 'gomemlimit-is-not-a-fix',
      text:
        atLeast(v, 19) || !v
          ? `Do not rely on GOMEMLIMIT${v ? '' : ' (Go 1.19+)'} to contain this: ${why}, so as it approaches the limit the GC runs almost continuously (up to its ~50% CPU cap) before memory runs out anyway — a GC death spiral. Fix the leak; a limit only buys time.`
          : 'GOGC or a memory limit cannot contain a growing live heap; fix the leak.',
      basedOn: [
        `live heap = ${formatBytes(lt.baseline)} → ${formatBytes(lt.latest)}`,
        ...(f.evidence.rates.liveHeapBytesPerMinute !== undefined ? [`rate = ${formatBytesDelta(f.evidence.rates.liveHeapBytesPerMinute)}/min`] : []),
        goLabel,
      ],
    });
  }

  // Ratios use the live heap of the same moment as the other numbers (a burst raises both together).
  const liveNow = part('live-heap')?.bytes;
  if (f.verdict === 'no-leak' && b?.goMapped !== undefined && liveNow !== undefined && liveNow > 0) {
    const overhead = b.goMapped / liveNow;
    // GOGC=100 alone makes Go-mapped memory about twice the live heap; only more than that is news.
    if (overhead >= 3 && b.goMapped >= 64 * MiB) {
      const limit = last?.memoryLimitBytes;
      const limitSet = limit !== undefined && limit < 2 ** 62;
      if (limitSet) {
        out.push({
          id: 'gomemlimit-in-effect',
          text: `A memory limit of ${formatBytes(limit!)} is set: the runtime lets the heap grow toward it before collecting, so Go-mapped memory near the limit is by design, not a leak. Keep 5–10% of the container limit above it for memory the runtime does not count (non-Go ${part('non-go') ? formatBytes(part('non-go')!.bytes) : 'unknown'}).`,
          basedOn: [`GOMEMLIMIT = ${formatBytes(limit!)}`, `Go-mapped = ${formatBytes(b.goMapped)}`, `live heap = ${formatBytes(liveNow)}`, goLabel],
        });
      } else {
        out.push({
          id: 'gomemlimit-ceiling',
          text:
            atLeast(v, 19) || !v
              ? `Go-mapped memory is ${overhead.toFixed(1)}× the live heap. If the container limit is the worry, set GOMEMLIMIT${v ? '' : ' (Go 1.19 or later)'} to about 90–95% of it: the GC then collects harder as memory nears the limit instead of letting the heap goal decide. Leave headroom for memory Go does not count (non-Go now ${part('non-go') ? formatBytes(part('non-go')!.bytes) : 'unknown'}).`
              : `Go-mapped memory is ${overhead.toFixed(1)}× the live heap. A soft memory limit (GOMEMLIMIT) needs Go 1.19 or later${v ? ` (this is ${f.goVersion})` : ''}; until then lower GOGC to trade CPU for memory.`,
          basedOn: [`Go-mapped = ${formatBytes(b.goMapped)}`, `live heap = ${formatBytes(liveNow)}`, goLabel],
        });
      }
    }
  }

  // 4. GOGC: a heap goal far above the live heap.
  const goal = last?.nextGC ?? last?.heapGoal;
  const gogc = last?.gogcPercent;
  if (!leak && goal !== undefined && liveNow !== undefined && liveNow >= 4 * MiB && goal / liveNow >= 3) {
    out.push({
      id: 'gogc-tradeoff',
      text: `The heap goal (${formatBytes(goal)}) is ${(goal / liveNow).toFixed(1)}× the live heap${gogc !== undefined ? ` (GOGC=${gogc})` : ', which suggests GOGC above 100 or a generous memory limit'}: the heap sawtooths up to the goal between collections. Lowering GOGC shrinks the peak at the cost of more GC CPU; raising it does the opposite. This is a tuning choice, not a leak.`,
      basedOn: [`NextGC = ${formatBytes(goal)}`, `live heap = ${formatBytes(liveNow)}`, ...(gogc !== undefined ? [`GOGC = ${gogc}`] : [])],
    });
  }

  // A goal below what GOGC alone would give: a memory limit is setting it — but only a limit that is set
  // can (math.MaxInt64, the default, means none); a heap still filling since its last GC gives the same
  // ratio, so with the limit unknown it is only a possibility.
  const limitNow = last?.memoryLimitBytes;
  const noLimit = limitNow !== undefined && limitNow >= 2 ** 62;
  if (
    !noLimit &&
    goal !== undefined &&
    liveNow !== undefined &&
    liveNow >= 8 * MiB &&
    goal / liveNow < 1 + 0.8 * ((gogc ?? 100) / 100) &&
    (atLeast(v, 19) || !v)
  ) {
    out.push({
      id: 'memory-limit-binding',
      text: `The heap goal (${formatBytes(goal)}) is only ${(goal / liveNow).toFixed(2)}× the live heap, less than GOGC=${gogc ?? 100} alone would give (${(1 + (gogc ?? 100) / 100).toFixed(1)}×): ${limitNow === undefined ? 'a memory limit (GOMEMLIMIT) may be setting it (the recording does not show the limit), or the live heap grew since the last collection' : 'a memory limit (GOMEMLIMIT) is setting it'}. With a stable live heap that is the limit doing its job; the cost is more frequent GC, and if the live heap ever grows toward the limit, GC CPU climbs steeply — keep the limit well above the live heap.`,
      basedOn: [
        `NextGC = ${formatBytes(goal)}`,
        `live heap = ${formatBytes(liveNow)}`,
        ...(gogc !== undefined ? [`GOGC = ${gogc}`] : ['GOGC = 100 (assumed)']),
        goLabel,
      ],
    });
  }

  // 5. Retained freed heap and MADV_FREE.
  const retained = part('heap-free-retained');
  const lazy = part('lazy-free');
  if (lazy && lazy.bytes >= 4 * MiB) {
    out.push({
      id: 'madv-free',
      text: !v
        ? `${formatBytes(lazy.bytes)} of RSS is LazyFree: memory the runtime already released with MADV_FREE, which the kernel reclaims only under memory pressure. On Go 1.16 or later that means the process runs with GODEBUG=madvdontneed=0 — remove it; on Go 1.12–1.15 MADV_FREE is the default — set GODEBUG=madvdontneed=1 or upgrade. Either way, judge memory by RSS − LazyFree.`
        : atLeast(v, 16)
          ? `${formatBytes(lazy.bytes)} of RSS is LazyFree: memory the runtime already released with MADV_FREE, which the kernel reclaims only under memory pressure. Go ${f.goVersion ?? '≥ 1.16'} uses MADV_DONTNEED by default, so the process probably runs with GODEBUG=madvdontneed=0; remove it if RSS-based alerts or OOM decisions matter, or judge memory by RSS − LazyFree.`
          : `${formatBytes(lazy.bytes)} of RSS is LazyFree: released with MADV_FREE${v ? ` (the default on Go ${f.goVersion})` : ''}, reclaimed by the kernel only under pressure. Set GODEBUG=madvdontneed=1 (or upgrade to Go 1.16+, where it is the default) to make RSS drop when memory is released.`,
      basedOn: [`LazyFree = ${formatBytes(lazy.bytes)}`, ...(b?.rss !== undefined ? [`RSS = ${formatBytes(b.rss)}`] : []), goLabel],
    });
  } else if (v && v.major === 1 && v.minor >= 12 && v.minor <= 15 && b?.heapReleased !== undefined && b.heapReleased >= 16 * MiB) {
    out.push({
      id: 'madv-free',
      text: `Go ${f.goVersion} releases memory with MADV_FREE: the ${formatBytes(b.heapReleased)} the runtime returned (HeapReleased) may still count in RSS until the kernel is under memory pressure. GODEBUG=madvdontneed=1 (the default from Go 1.16) makes RSS drop at release.`,
      basedOn: [`HeapReleased = ${formatBytes(b.heapReleased)}`, goLabel],
    });
  }
  if (!leak && retained && b?.rss && retained.bytes >= 16 * MiB && retained.bytes >= 0.2 * b.rss) {
    out.push({
      id: 'retained-heap',
      text: `${formatBytes(retained.bytes)} of RSS is freed heap the runtime keeps for reuse (HeapIdle − HeapReleased); the background scavenger returns it gradually. To confirm it is reclaimable, call debug.FreeOSMemory() once (it is not deprecated: it forces a GC and returns what it can) and watch RSS fall — not in a loop, it stops the world.`,
      basedOn: [`HeapIdle − HeapReleased = ${formatBytes(retained.bytes)}`, `RSS = ${formatBytes(b.rss)}`],
    });
  }

  // Bursts: the live heap spikes and comes back; RSS follows the spikes, not a leak.
  const peak = f.liveHeap.max;
  const floor = lt?.floor;
  if (f.verdict === 'no-leak' && peak !== undefined && floor !== undefined && floor > 0 && peak >= 4 * floor && peak - floor >= 32 * MiB) {
    out.push({
      id: 'burst-peaks',
      text: `The live heap jumps to about ${formatBytes(peak)} in bursts and falls back to about ${formatBytes(floor)} after them, so RSS follows the bursts${b?.rss !== undefined ? ` (now ${formatBytes(b.rss)})` : ''}: the runtime grows the heap for a burst and returns the memory gradually afterwards. To lower the peaks, bound what one burst allocates (stream or chunk instead of buffering whole payloads)${atLeast(v, 19) || !v ? ', or cap the heap with GOMEMLIMIT so the GC works harder during bursts' : ''}.`,
      basedOn: [
        `live heap peak = ${formatBytes(peak)}`,
        `live heap floor = ${formatBytes(floor)}`,
        ...(b?.rss !== undefined ? [`RSS = ${formatBytes(b.rss)}`] : []),
      ],
    });
  }

  // 6. Off-heap growth.
  if (f.verdict === 'off-heap-growth') {
    const nt = f.evidence.nonGo;
    out.push({
      id: 'off-heap-sources',
      text: `${offHeapPattern().fix} GOMEMLIMIT does not count this memory either${atLeast(v, 19) || !v ? '; if you set one, leave room for it below the container limit' : ''}.`,
      basedOn: [
        ...(nt ? [`non-Go RSS growth = ${formatBytesDelta(nt.growth)}`] : []),
        ...(f.evidence.rates.nonGoBytesPerMinute !== undefined ? [`rate = ${formatBytesDelta(f.evidence.rates.nonGoBytesPerMinute)}/min`] : []),
        ...(f.evidence.goMapped ? [`Go-mapped change = ${formatBytesDelta(f.evidence.goMapped.growth)}`] : []),
      ],
    });
  }

  // 7. Restart cycles.
  if (f.restarts.length && leak) {
    const peaks = f.restarts.map((r) => r.peakRssBefore).filter((p): p is number => p !== undefined);
    out.push({
      id: 'restart-cycle',
      text: 'The service restarted during the recording; if these are OOM kills, they are the leak running into the memory limit. Restarts hide a leak from dashboards but not from the users whose requests die with the process.',
      basedOn: [`restarts = ${f.restarts.length}`, ...(peaks.length ? [`peak RSS before restarts = ${peaks.map(formatBytes).join(', ')}`] : [])],
    });
  }

  // 8. Not enough data.
  if (f.verdict === 'inconclusive' && f.observeMore) {
    out.push({
      id: 'observe-longer',
      text: `Keep recording${f.observeMore.seconds !== undefined ? ` for about ${formatDuration(f.observeMore.seconds)} more` : ''} under normal traffic: ${f.observeMore.reason}.${
        f.observed.samples === 0 ? ' Sampled runtime stats (/debug/vars or /metrics) make the verdict much sharper than profiles alone.' : ''
      }`,
      basedOn: [
        `observed = ${f.observed.seconds !== undefined ? formatDuration(f.observed.seconds) : 'untimed'}`,
        `GC cycles = ${f.observed.gcCycles}`,
        `samples = ${f.observed.samples}`,
      ],
    });
  }
  // What the binary's build says (ticker collection by its Go version and go line, -race, GOMAXPROCS).
  out.push(...buildAdvice(f, first, last));
  return out;
}
