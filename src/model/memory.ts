// Memory samples over time: the runtime's own numbers, one point per observation.
// Every field is optional because each source sees a different subset (gctrace has no RSS, /proc has
// no heap); analysis must ask for what it needs and say what is missing. Byte counts are plain numbers:
// exact up to 8 PiB, which no heap reaches. Nanosecond timestamps, which do exceed 2^53, stay bigint.

/** Where a sample's numbers came from. */
export type SampleSource = 'expvar' | 'prometheus' | 'gctrace' | 'proc' | 'prometheus-api' | 'manual';

export interface MemorySample {
  /** Wall-clock time of the observation, Unix milliseconds; absent for loose snapshots. */
  t?: number;
  source: SampleSource;
  /** Identity of the process, to detect restarts: start time (Unix seconds), pid, cmdline. */
  processStartSeconds?: number;
  pid?: number;
  cmdline?: string[];
  goVersion?: string;

  // runtime.MemStats (or the equivalent go_memstats_* / runtime/metrics series), bytes unless noted.
  heapAlloc?: number;
  heapSys?: number;
  heapIdle?: number;
  heapInuse?: number;
  heapReleased?: number;
  heapObjects?: number;
  stackInuse?: number;
  stackSys?: number;
  mspanInuse?: number;
  mspanSys?: number;
  mcacheInuse?: number;
  mcacheSys?: number;
  buckHashSys?: number;
  gcSys?: number;
  otherSys?: number;
  sys?: number;
  /** Cumulative bytes allocated: the default "work done" axis. */
  totalAlloc?: number;
  mallocs?: number;
  frees?: number;
  nextGC?: number;
  numGC?: number;
  numForcedGC?: number;
  /** End of the last GC, Unix nanoseconds (exceeds 2^53: kept exact). */
  lastGCUnixNanos?: bigint;
  pauseTotalNs?: number;
  /** MemStats.GCCPUFraction: GC CPU share since process start (a lifetime average, 0..1). */
  gcCpuFraction?: number;

  /** Exact live heap where a source gives it: /gc/heap/live:bytes (Go 1.21+) or gctrace's marked bytes. */
  liveHeap?: number;
  /** Heap goal (/gc/heap/goal:bytes); same as nextGC. */
  heapGoal?: number;
  gogcPercent?: number;
  memoryLimitBytes?: number;

  goroutines?: number;
  threads?: number;

  // Process view, from /proc or process_* series, bytes.
  rss?: number;
  rssAnon?: number;
  rssFile?: number;
  rssShmem?: number;
  /** Pages released with MADV_FREE that the kernel has not reclaimed yet (smaps_rollup LazyFree). */
  lazyFree?: number;
  vmSize?: number;
  vmHWM?: number;
  swap?: number;
  openFds?: number;
  cpuSeconds?: number;

  /** The user's own work counter (--work-metric), e.g. requests served; cumulative. */
  work?: number;

  /** The target's memory cgroup (local targets), read beside /proc; see sources/cgroup.ts. */
  cgroup?: CgroupMemory;
  /** The target's largest open files on tmpfs (path, size in bytes), when its cgroup's shmem is nonzero. */
  tmpfsFiles?: { path: string; bytes: number }[];
}

/**
 * One reading of a memory cgroup, bytes unless noted. v1 and v2 names are mapped to one set: anon is
 * v2 `anon` / v1 `rss`, file is v2 `file` / v1 `cache` (page cache, tmpfs included).
 */
export interface CgroupMemory {
  version: 1 | 2;
  /** 'cadvisor': from Prometheus's container_memory_* series, not the cgroup's files (version is then nominal). */
  source?: 'cadvisor';
  /** memory.current (v2) / memory.usage_in_bytes (v1): everything charged to the group. */
  usage: number;
  /** memory.max / memory.limit_in_bytes; undefined when there is no limit. */
  limit?: number;
  /** memory.high (v2 only): throttling threshold; undefined when "max". */
  high?: number;
  anon?: number;
  file?: number;
  activeFile?: number;
  inactiveFile?: number;
  /** tmpfs and shared memory: counted in file (page cache) but not reclaimable without swap. */
  shmem?: number;
  /** v2 memory.stat kernel (5.18+): kernel memory charged to the group. */
  kernel?: number;
  sock?: number;
  mappedFile?: number;
  /** usage − inactive_file, floored at 0: container_memory_working_set_bytes as the kubelet computes it. */
  workingSet?: number;
  /** Cumulative OOM kills in the group (v2 memory.events oom_kill, v1 memory.oom_control oom_kill). */
  oomKills?: number;
  /** v2 memory.events oom / high / max counters. */
  oomEvents?: number;
  highEvents?: number;
  maxEvents?: number;
  /** v1 memory.failcnt: times usage hit the limit. */
  failcnt?: number;
  /** v1 memory.oom_control under_oom. */
  underOom?: boolean;
}

/** One GC cycle as printed by GODEBUG=gctrace=1. MB values there are MiB truncated; kept as bytes here. */
export interface GcCycle {
  /** Cycle number (NumGC after this cycle). */
  n: number;
  /** Seconds since process start (the `@t s` field). */
  atSeconds: number;
  /** Lifetime GC CPU percent (truncated). */
  cpuPercent: number;
  /** Heap at GC start, at mark termination, and marked live (A->B->C MB), in bytes (MiB × 2^20). */
  heapStartBytes: number;
  heapEndBytes: number;
  liveHeapBytes: number;
  goalBytes: number;
  stacksBytes?: number;
  globalsBytes?: number;
  procs: number;
  forced: boolean;
  /** Wall-clock phase durations in ms (3 phases since ~1.7, 5 in 1.5–1.6). */
  clockMs: number[];
  /** Line number in the log it came from, for error messages and ordering. */
  lineNo?: number;
}

/** One scavenger report line (GODEBUG=scavtrace=1). */
export interface ScavengeReport {
  /** Bytes returned to the OS since the previous report (bg + eager on newer Go). */
  releasedBytes: number;
  /** HeapReleased at print time, bytes. */
  totalReleasedBytes: number;
  /** In-use share of RAM-backed heap, percent. */
  utilPercent: number;
  forced: boolean;
  lineNo?: number;
}
