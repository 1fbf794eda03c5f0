// Go release parsing for version-gated advice ("madvdontneed=1 is already the default on 1.16+").
// Accepts what runtime.Version() and go_info print: go1.19.8, go1.21rc2, devel go1.23-abc123 ...

export interface GoRelease {
  major: number;
  minor: number;
  patch: number;
}

export function parseGoVersion(v: string | undefined): GoRelease | undefined {
  if (!v) return undefined;
  const m = /go(\d+)\.(\d+)(?:\.(\d+))?/.exec(v);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: m[3] ? Number(m[3]) : 0 };
}

/** True when `v` is at least 1.`minor` (Go 1 only; a future Go 2 counts as newer). */
export function atLeast(v: GoRelease | undefined, minor: number): boolean {
  if (!v) return false;
  return v.major > 1 || (v.major === 1 && v.minor >= minor);
}
