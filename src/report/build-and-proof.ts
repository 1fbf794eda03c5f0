// The rows every report format shows for the target's build info and for the goroutines the runtime
// proved leaked: computed once here so the terminal, Markdown and HTML reports say the same thing,
// each rendering (and escaping) them its own way.
//
// The non-obvious decision: the build rows pick what matters for memory (version, module, -race,
// CGO, GOEXPERIMENT, DefaultGODEBUG, what the build means for tickers, GC and GOMAXPROCS) and keep the
// rest (compiler flags, GOAMD64) to the JSON, which has the whole build info.

import { buildFacts } from '../analysis/build-advice.js';
import type { GoroutineProof } from '../analysis/goroutine-proof.js';
import type { BuildInfo } from '../model/buildinfo.js';

export interface ReportRow {
  label: string;
  value: string;
}

/** Dependencies listed by name before the rest are counted. */
const MAX_DEPS_LISTED = 8;
const SETTINGS_SHOWN = ['-race', '-buildmode', 'CGO_ENABLED', 'GOEXPERIMENT', 'GOOS', 'GOARCH', 'vcs.revision', 'vcs.modified'];

export function buildInfoRows(info: BuildInfo): ReportRow[] {
  const rows: ReportRow[] = [{ label: 'Go', value: info.goVersion }];
  if (info.path !== undefined) rows.push({ label: 'main package', value: info.path });
  rows.push({ label: 'main module', value: info.main ? `${info.main.path} ${info.main.version}` : 'none (GOPATH mode)' });
  const settings = SETTINGS_SHOWN.flatMap((k) => info.settings.filter((s) => s.key === k).map((s) => `${s.key}=${s.value}`));
  if (settings.length) rows.push({ label: 'build', value: settings.join(' ') });
  const godebug = info.settings.find((s) => s.key === 'DefaultGODEBUG')?.value;
  rows.push({ label: 'DefaultGODEBUG', value: godebug || 'none' });
  if (info.deps.length) {
    const shown = info.deps
      .slice(0, MAX_DEPS_LISTED)
      .map((d) => `${d.path} ${d.replace ? `=> ${d.replace.path}${d.replace.version ? ` ${d.replace.version}` : ''}` : d.version}`);
    const more = info.deps.length - shown.length;
    rows.push({ label: `dependencies (${info.deps.length})`, value: shown.join(', ') + (more > 0 ? `, … ${more} more` : '') });
  }
  const facts = buildFacts(info);
  if (facts.length) rows.push({ label: 'for memory', value: facts.join('; ') });
  if (info.origin) rows.push({ label: 'read from', value: info.origin });
  return rows;
}

export interface ProofSiteText {
  /** `50 goroutines blocked in chan receive at main.awaitReply (main.go:31)`. */
  head: string;
  /** `started by main.leakAtStart (main.go:20)` or `started by main.f (from the closure's name)`; undefined when unknown. */
  startedBy?: string;
  /** Leaf first: `function  file:line`. */
  stack: string[];
}

export function proofSites(p: GoroutineProof): ProofSiteText[] {
  return p.sites.map((s) => {
    const sb = s.startedBy;
    const where = sb?.file ? ` (${sb.file}${sb.line ? `:${sb.line}` : ''})` : '';
    const labels =
      s.labels && Object.keys(s.labels).length
        ? ` {${Object.entries(s.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')}}`
        : '';
    return {
      head: `${s.count} goroutine${s.count === 1 ? '' : 's'} blocked${s.state ? ` in ${s.state}` : ''} at ${s.function} (${s.file}:${s.line})${labels}`,
      startedBy: sb ? `started by ${sb.function}${where}${sb.from === 'closure-name' ? " (from the closure's name)" : ''}` : undefined,
      stack: s.stack.map((f) => `${f.function}  ${f.file}:${f.line}`),
    };
  });
}
