// Where the resident memory goes: RSS split into what the Go runtime has mapped (Sys − HeapReleased)
// and what it has not (cgo, mmap, the binary's pages). The Go part is split by MemStats identities:
//
//   Sys − HeapReleased = HeapAlloc                    (live heap + dead objects not yet collected)
//                      + (HeapInuse − HeapAlloc)      (unused space in spans)
//                      + (HeapIdle − HeapReleased)    (freed, retained, could be returned)
//                      + StackSys + MSpanSys + MCacheSys + BuckHashSys + GCSys + OtherSys
//
// The non-obvious decision: under MADV_FREE (Go 1.12–1.15, or GODEBUG=madvdontneed=0) released pages
// stay in RSS until the kernel needs them; smaps_rollup's LazyFree counts them, so they get their own
// part and are not blamed on non-Go memory. A negative remainder (RSS below Go-mapped) is normal —
// parts of Sys were never touched — and is reported as a note with the remainder clamped to zero.

import type { MemorySample } from '../model/memory.js';
import type { BreakdownPart, ContainerWaterfall, MemoryBreakdown, WaterfallLayer } from './findings.js';

const MiB = 1024 * 1024;

export function goMapped(s: MemorySample): number | undefined {
  return s.sys !== undefined && s.heapReleased !== undefined ? s.sys - s.heapReleased : undefined;
}

function metadata(s: MemorySample): number | undefined {
  const parts = [s.mspanSys, s.mcacheSys, s.buckHashSys, s.gcSys, s.otherSys];
  if (parts.every((p) => p === undefined)) return undefined;
  return parts.reduce<number>((a, p) => a + (p ?? 0), 0);
}

/** Non-Go resident memory: RSS − Go-mapped − LazyFree; negative when parts of Sys are not resident. */
export function nonGoBytes(s: MemorySample): number | undefined {
  const g = goMapped(s);
  if (s.rss === undefined || g === undefined) return undefined;
  return s.rss - g - (s.lazyFree ?? 0);
}

/**
 * Break down one sample. `liveHeap` is the best live-heap estimate for that moment (from the live-heap
 * series); without it HeapAlloc is shown whole. `first` (same process) gives each part a delta.
 */
export function memoryBreakdown(s: MemorySample, liveHeap?: number, first?: MemorySample, firstLiveHeap?: number): MemoryBreakdown {
  const notes: string[] = [];
  const g = goMapped(s);
  const total = s.rss ?? g;
  const parts: BreakdownPart[] = [];
  const add = (id: BreakdownPart['id'], label: string, bytes: number | undefined, before?: number) => {
    if (bytes === undefined || !Number.isFinite(bytes)) return;
    parts.push({
      id,
      label,
      bytes,
      share: total && total > 0 ? bytes / total : 0,
      delta: before !== undefined && Number.isFinite(before) ? bytes - before : undefined,
    });
  };
  const partsOf = (x: MemorySample, live?: number) => {
    const heapAlloc = x.heapAlloc;
    const liveClamped = live !== undefined && heapAlloc !== undefined ? Math.min(live, heapAlloc) : live;
    return {
      live: heapAlloc === undefined ? undefined : (liveClamped ?? heapAlloc),
      dead: heapAlloc !== undefined && liveClamped !== undefined ? heapAlloc - liveClamped : undefined,
      unused: x.heapInuse !== undefined && heapAlloc !== undefined ? x.heapInuse - heapAlloc : undefined,
      retained: x.heapIdle !== undefined && x.heapReleased !== undefined ? x.heapIdle - x.heapReleased : undefined,
      stacks: x.stackSys ?? x.stackInuse,
      meta: metadata(x),
      lazy: x.lazyFree,
      nonGo: nonGoBytes(x),
    };
  };
  const now = partsOf(s, liveHeap);
  const was = first ? partsOf(first, firstLiveHeap) : undefined;

  add('live-heap', liveHeap !== undefined ? 'live heap (after GC)' : 'heap objects (HeapAlloc, live + not yet collected)', now.live, was?.live);
  add('dead-not-yet-collected', 'dead objects not yet collected (HeapAlloc − live)', now.dead, was?.dead);
  add('heap-unused-in-spans', 'unused space in heap spans (HeapInuse − HeapAlloc)', now.unused, was?.unused);
  add('heap-free-retained', 'freed heap kept by the runtime (HeapIdle − HeapReleased)', now.retained, was?.retained);
  add('stacks', 'goroutine and thread stacks (StackSys)', now.stacks, was?.stacks);
  add('runtime-metadata', 'runtime metadata (MSpan, MCache, BuckHash, GC, Other)', now.meta, was?.meta);
  if (now.lazy !== undefined && now.lazy > 0) {
    add('lazy-free', 'released with MADV_FREE, still counted in RSS (LazyFree)', now.lazy, was?.lazy);
    notes.push(
      `${mib(now.lazy)} of RSS is LazyFree: pages the runtime released with MADV_FREE that the kernel has not reclaimed yet; they are free under memory pressure`,
    );
  }
  if (now.nonGo !== undefined) {
    if (now.nonGo < 0) {
      notes.push(
        `RSS is ${mib(-now.nonGo)} below Go-mapped memory (Sys − HeapReleased): parts of what the runtime mapped were never touched and are not resident; non-Go memory shown as 0`,
      );
    }
    add('non-go', 'not mapped by the Go runtime (cgo, mmap, binary)', Math.max(0, now.nonGo), was?.nonGo !== undefined ? Math.max(0, was.nonGo) : undefined);
  } else if (s.rss === undefined) {
    notes.push('no RSS in the samples (no /proc or process_* metrics): shares are of Go-mapped memory, and non-Go memory is unknown');
  }
  if (liveHeap === undefined && s.heapAlloc !== undefined)
    notes.push('no live-heap estimate for this sample: HeapAlloc includes dead objects not yet collected');
  if (g === undefined) notes.push('Sys or HeapReleased missing: Go-mapped memory unknown');
  return { t: s.t, rss: s.rss, goMapped: g, sys: s.sys, heapReleased: s.heapReleased, parts, notes };
}

function mib(b: number): string {
  return `${(b / MiB).toFixed(1)} MiB`;
}

/**
 * The container waterfall: from what the cgroup is charged with down to the live heap. The working
 * set is the kubelet's (usage − inactive_file). Page cache is the file LRU (active + inactive file
 * pages); tmpfs/shmem is listed apart because, though the kernel counts it as "file", it sits on the
 * anon LRU and cannot be reclaimed without swap. Below the cgroup's anon come the process's RSS, what
 * the Go runtime maps, and the live heap. Undefined when the sample has no cgroup reading.
 */
export function containerWaterfall(s: MemorySample, liveHeap?: number, first?: MemorySample, firstLiveHeap?: number): ContainerWaterfall | undefined {
  const c = s.cgroup;
  if (!c) return undefined;
  const layersOf = (x: MemorySample, live?: number): Partial<Record<WaterfallLayer['id'], number>> => {
    const g = x.cgroup;
    const pageCache =
      g?.activeFile !== undefined && g.inactiveFile !== undefined ? g.activeFile + g.inactiveFile : g?.file !== undefined ? g.file - (g.shmem ?? 0) : undefined;
    return {
      'cgroup-usage': g?.usage,
      'working-set': g?.workingSet,
      'page-cache': pageCache,
      'page-cache-inactive': g?.inactiveFile,
      tmpfs: g?.shmem,
      kernel: g?.kernel,
      'cgroup-anon': g?.anon,
      rss: x.rss,
      'go-mapped': goMapped(x),
      'live-heap': live ?? x.liveHeap,
    };
  };
  const labels: [WaterfallLayer['id'], string][] = [
    ['cgroup-usage', `charged to the cgroup (${c.version === 2 ? 'memory.current' : 'memory.usage_in_bytes'})`],
    ['working-set', 'working set (usage − inactive_file; what kubectl top and the kubelet show)'],
    ['page-cache', 'page cache of files read and written (reclaimable)'],
    ['page-cache-inactive', 'of which inactive (reclaimed first; not in the working set)'],
    ['tmpfs', 'tmpfs and shared memory (not reclaimable without swap)'],
    ['kernel', 'kernel memory charged to the cgroup'],
    ['cgroup-anon', 'anonymous memory of all processes in the cgroup'],
    ['rss', 'RSS of the target process'],
    ['go-mapped', 'mapped by the Go runtime (Sys − HeapReleased)'],
    ['live-heap', 'live heap'],
  ];
  const now = layersOf(s, liveHeap);
  const was = first?.cgroup ? layersOf(first, firstLiveHeap) : undefined;
  const layers: WaterfallLayer[] = [];
  for (const [id, label] of labels) {
    const bytes = now[id];
    if (bytes === undefined || !Number.isFinite(bytes)) continue;
    const before = was?.[id];
    layers.push({ id, label, bytes, delta: before !== undefined ? bytes - before : undefined });
  }
  return { t: s.t, cgroupVersion: c.version, limit: c.limit, layers };
}
