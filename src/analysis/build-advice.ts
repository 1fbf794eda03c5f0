// Advice that depends on how the binary was built, read from its build info (sources/buildinfo.ts):
// the toolchain version and DefaultGODEBUG, which is where the main module's `go` line shows (cmd/go
// writes there every GODEBUG default that line implies; GOPATH mode counts as an old go line).
//
// The non-obvious decision: whether unstopped tickers and timers are collected is decided from
// DefaultGODEBUG's asynctimerchan, not from a go line: build info has no go line, and the runtime
// itself decides from that setting (Go 1.23–1.26). A GODEBUG environment variable at run time can still
// override it; heapsight cannot see the target's environment through HTTP, so the advice says so.

import type { BuildInfo } from '../model/buildinfo.js';
import type { Advice, Findings } from './findings.js';
import { atLeast, parseGoVersion } from './go-version.js';

/** Go release from which unreferenced, unstopped tickers and timers can be collected (go.dev/doc/go1.23). */
export const TIMERS_COLLECTED_FROM_MINOR = 23;
/** Go release that removed asynctimerchan: collected whatever the go line says (go.dev/doc/go1.27). */
export const TIMERS_ALWAYS_COLLECTED_FROM_MINOR = 27;
/** Go release whose GOMAXPROCS follows the cgroup CPU limit when the go line is 1.25+ (go.dev/doc/go1.25). */
export const CGROUP_GOMAXPROCS_FROM_MINOR = 25;

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
    return { collected: false, why: `This binary was built with ${info.goVersion}: before Go 1.23 the runtime never collects a ticker or timer that was not stopped, referenced or not.`, basedOn };
  }
  if (atLeast(v, TIMERS_ALWAYS_COLLECTED_FROM_MINOR)) {
    return { collected: true, why: `This binary was built with ${info.goVersion}, which collects unreferenced tickers and timers even when nobody stopped them (Go 1.27 removed the asynctimerchan setting).`, basedOn };
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

/** Build-info advice for the findings; empty without build info. */
export function buildAdvice(f: Findings): Advice[] {
  const info = f.buildInfo;
  if (!info) return [];
  const out: Advice[] = [];
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
  if (v && atLeast(v, CGROUP_GOMAXPROCS_FROM_MINOR) && godebugDefaults(info).get('containermaxprocs') === '0') {
    out.push({
      id: 'gomaxprocs-ignores-cgroup',
      text: `This binary (${info.goVersion}) ignores the container's CPU limit for GOMAXPROCS: its main module's go line is older than 1.25 (DefaultGODEBUG containermaxprocs=0). In a CPU-limited container that means more GC workers and per-P caches than the CPU quota can run; raise the go line to 1.25+ or set GOMAXPROCS.`,
      basedOn: [`binary built with ${info.goVersion}`, 'DefaultGODEBUG containermaxprocs = 0'],
    });
  }
  return out;
}
