// Advice that depends on how the binary was built, read from its build info (sources/buildinfo.ts):
// the toolchain version and DefaultGODEBUG, which is where the main module's `go` line shows (cmd/go
// writes there every GODEBUG default that line implies; GOPATH mode counts as an old go line).
//
// The non-obvious decision: whether unstopped tickers and timers are collected is decided from
// DefaultGODEBUG's asynctimerchan, not from a go line: build info has no go line, and the runtime
// itself decides from that setting (Go 1.23–1.26). A GODEBUG environment variable at run time can still
// override it; heapsight cannot see the target's environment through HTTP, so the advice says so.

import type { BuildInfo } from '../model/buildinfo.js';
import type { MemorySample } from '../model/memory.js';
import type { Advice, Findings } from './findings.js';
import { atLeast, parseGoVersion } from './go-version.js';
import { formatBytes, formatBytesDelta } from './units.js';

/** Go release from which unreferenced, unstopped tickers and timers can be collected (go.dev/doc/go1.23). */
export const TIMERS_COLLECTED_FROM_MINOR = 23;
/** Go release that removed asynctimerchan: collected whatever the go line says (go.dev/doc/go1.27). */
export const TIMERS_ALWAYS_COLLECTED_FROM_MINOR = 27;
/** Go release whose GOMAXPROCS follows the cgroup CPU limit when the go line is 1.25+ (go.dev/doc/go1.25). */
export const CGROUP_GOMAXPROCS_FROM_MINOR = 25;

/** Go release whose GC is Green Tea unless built with GOEXPERIMENT=nogreenteagc (go.dev/doc/go1.26). */
export const GREEN_TEA_DEFAULT_FROM_MINOR = 26;
/** Go release that raised the profilers' stack depth from 32 to 128 frames (go.dev/doc/go1.23). */
export const DEEP_PROFILE_STACKS_FROM_MINOR = 23;
/**
 * Growth of the profiling buckets (BuckHashSys, /memory/classes/profiling/buckets:bytes) over the window
 * that earns the profstackdepth advice. Buckets are never freed; a service past its warm-up adds a few
 * KiB as rare stacks show up, while golang/go#69590 reports GiBs. 1 MiB is far above the first and a
 * measurable share of the metadata that breakdown.ts already reports.
 */
export const PROFILING_BUCKETS_GROWTH_BYTES = 1024 * 1024;

/** `DefaultGODEBUG=a=1,b=0` as a map: the GODEBUG defaults the main module's go line implies. */
export function godebugDefaults(info: BuildInfo): Map<string, string> {
  const out = new Map<string, string>();
  const v = info.settings.find((s) => s.key === 'DefaultGODEBUG')?.value ?? '';
  for (const kv of v.split(',')) {
    const eq = kv.indexOf('=');
    if (eq > 0) out.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  return out;
}

export interface TimerCollection {
  collected: boolean;
  /** One sentence: why, from this binary's build info. */
  why: string;
  basedOn: string[];
}

/** Whether this binary's runtime collects tickers and timers nobody stopped once they are unreferenced. */
export function unstoppedTimersCollected(info: BuildInfo): TimerCollection | undefined {
  const v = parseGoVersion(info.goVersion);
  if (!v) return undefined;
  const basedOn = [`binary built with ${info.goVersion}`];
  if (!atLeast(v, TIMERS_COLLECTED_FROM_MINOR)) {
    return {
      collected: false,
      why: `This binary was built with ${info.goVersion}: before Go 1.23 the runtime never collects a ticker or timer that was not stopped, referenced or not.`,
      basedOn,
    };
  }
  if (atLeast(v, TIMERS_ALWAYS_COLLECTED_FROM_MINOR)) {
    return {
      collected: true,
      why: `This binary was built with ${info.goVersion}, which collects unreferenced tickers and timers even when nobody stopped them (Go 1.27 removed the asynctimerchan setting).`,
      basedOn,
    };
  }
  const async = godebugDefaults(info).get('asynctimerchan');
  basedOn.push(`DefaultGODEBUG asynctimerchan = ${async ?? 'unset'}`);
  if (async === '1') {
    return {
      collected: false,
      why: `This binary was built with ${info.goVersion} but its main module's go line is older than 1.23 (or a //go:debug asks for it): DefaultGODEBUG has asynctimerchan=1, so unstopped tickers and timers are never collected. Raising the go line to 1.23+ changes that.`,
      basedOn,
    };
  }
  return {
    collected: true,
    why: `This binary was built with ${info.goVersion} with a go 1.23+ main module (no asynctimerchan=1 in DefaultGODEBUG), so unreferenced tickers and timers are collected, unless the service runs with GODEBUG=asynctimerchan=1.`,
    basedOn,
  };
}

/** The GOEXPERIMENT build setting as a set (`a,b,noc`). */
function experiments(info: BuildInfo): Set<string> {
  const v = info.settings.find((s) => s.key === 'GOEXPERIMENT')?.value ?? '';
  return new Set(
    v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );
}

/** Which garbage collector this binary runs: Green Tea (default 1.26+, an experiment on 1.25) or the classic one. */
export function greenTeaGC(info: BuildInfo): boolean | undefined {
  const v = parseGoVersion(info.goVersion);
  if (!v) return undefined;
  const x = experiments(info);
  if (atLeast(v, GREEN_TEA_DEFAULT_FROM_MINOR)) return !x.has('nogreenteagc');
  return x.has('greenteagc');
}

/** Whether GOMAXPROCS follows the container's CPU limit: Go 1.25+ with a go 1.25+ main module (containermaxprocs unset). */
export function gomaxprocsFollowsCgroup(info: BuildInfo): boolean | undefined {
  const v = parseGoVersion(info.goVersion);
  if (!v) return undefined;
  return atLeast(v, CGROUP_GOMAXPROCS_FROM_MINOR) && godebugDefaults(info).get('containermaxprocs') !== '0';
}

/** The short facts the report shows next to the build info: what this build means for memory. */
export function buildFacts(info: BuildInfo): string[] {
  const out: string[] = [];
  const timers = unstoppedTimersCollected(info);
  if (timers) out.push(timers.collected ? 'unstopped tickers/timers: collected once unreferenced' : 'unstopped tickers/timers: never collected');
  const gt = greenTeaGC(info);
  if (gt !== undefined) out.push(gt ? 'GC: Green Tea' : 'GC: classic (not Green Tea)');
  const procs = gomaxprocsFollowsCgroup(info);
  if (procs !== undefined) out.push(procs ? 'GOMAXPROCS: follows the cgroup CPU limit' : 'GOMAXPROCS: CPU count, ignores the cgroup CPU limit');
  return out;
}

/**
 * Profiling-bucket growth on Go 1.23+: the deeper stacks make each distinct allocation stack's bucket
 * bigger, and buckets are never freed. Needs only the version, so it works without build info too.
 */
export function profilingBucketsAdvice(goVersion: string | undefined, first: MemorySample | undefined, last: MemorySample | undefined): Advice | undefined {
  const v = parseGoVersion(goVersion);
  if (!v || !atLeast(v, DEEP_PROFILE_STACKS_FROM_MINOR)) return undefined;
  if (first?.buckHashSys === undefined || last?.buckHashSys === undefined || first === last) return undefined;
  const growth = last.buckHashSys - first.buckHashSys;
  if (growth < PROFILING_BUCKETS_GROWTH_BYTES) return undefined;
  return {
    id: 'profstackdepth',
    text: `Profiling buckets grew by ${formatBytesDelta(growth)} (now ${formatBytes(last.buckHashSys)}): since Go 1.23 the heap and block profilers keep up to 128 frames per stack, and a bucket per distinct stack is never freed. Run with GODEBUG=profstackdepth=32 (the pre-1.23 depth; golang/go#69590 saw the growth halve) or a coarser runtime.MemProfileRate.`,
    basedOn: [`go version = ${goVersion}`, `BuckHashSys ${formatBytes(first.buckHashSys)} → ${formatBytes(last.buckHashSys)}`],
  };
}

/** Build-info advice for the findings (and the profiling-bucket advice, which needs only the version). */
export function buildAdvice(f: Findings, first?: MemorySample, last?: MemorySample): Advice[] {
  const out: Advice[] = [];
  const buckets = profilingBucketsAdvice(f.buildInfo?.goVersion ?? f.goVersion, first, last);
  if (buckets) out.push(buckets);
  const info = f.buildInfo;
  if (!info) return out;
  const ticker = f.culprits.find((c) => c.pattern === 'unstopped-ticker');
  const timers = unstoppedTimersCollected(info);
  if (ticker && timers) {
    out.push({
      id: timers.collected ? 'ticker-still-referenced' : 'ticker-never-collected',
      text: timers.collected
        ? `${ticker.function} grows at time.NewTicker/NewTimer, yet this runtime collects unstopped ones: they must still be referenced (kept in a map, a struct that lives on, or a goroutine selecting on them). ${timers.why} Stop them and drop the reference.`
        : `${ticker.function}: ${timers.why} Every ticker started there stays in memory until Stop is called.`,
      basedOn: timers.basedOn,
    });
  }
  const v = parseGoVersion(info.goVersion);
  const race = info.settings.find((s) => s.key === '-race')?.value === 'true';
  if (race) {
    out.push({
      id: 'race-build',
      text: 'This binary is built with -race: the race detector multiplies memory use (typically 5–10×) and keeps shadow memory outside the Go heap. Judge memory on a build without -race.',
      basedOn: ['build setting -race = true'],
    });
  }
  if (v && atLeast(v, GREEN_TEA_DEFAULT_FROM_MINOR) && experiments(info).has('nogreenteagc')) {
    out.push({
      id: 'green-tea-opted-out',
      text: `This binary (${info.goVersion}) is built with GOEXPERIMENT=nogreenteagc: it runs the old collector instead of Green Tea, the default since Go 1.26, which spends 10–40% less CPU marking. Memory accounting is the same either way; the opt-out is expected to go away.`,
      basedOn: [`binary built with ${info.goVersion}`, 'build setting GOEXPERIMENT includes nogreenteagc'],
    });
  }
  // Only for a target seen inside a cgroup: outside a container the CPU count is the right GOMAXPROCS.
  if (v && !atLeast(v, CGROUP_GOMAXPROCS_FROM_MINOR) && f.container) {
    out.push({
      id: 'gomaxprocs-ignores-cgroup',
      text: `This binary (${info.goVersion}) sets GOMAXPROCS to the machine's CPU count whatever the container's CPU limit: only Go 1.25+ with a go 1.25+ main module follows the cgroup. In a CPU-limited container that means more GC workers and per-P caches than the CPU quota can run; set GOMAXPROCS or build with Go 1.25+.`,
      basedOn: [`binary built with ${info.goVersion}`, 'target runs in a cgroup'],
    });
  }
  if (v && atLeast(v, CGROUP_GOMAXPROCS_FROM_MINOR) && godebugDefaults(info).get('containermaxprocs') === '0' && f.container) {
    out.push({
      id: 'gomaxprocs-ignores-cgroup',
      text: `This binary (${info.goVersion}) ignores the container's CPU limit for GOMAXPROCS: its main module's go line is older than 1.25 (DefaultGODEBUG containermaxprocs=0). In a CPU-limited container that means more GC workers and per-P caches than the CPU quota can run; raise the go line to 1.25+ or set GOMAXPROCS.`,
      basedOn: [`binary built with ${info.goVersion}`, 'DefaultGODEBUG containermaxprocs = 0'],
    });
  }
  return out;
}
