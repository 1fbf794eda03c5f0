// Human units for the sentences analysis writes (evidence, summary, advice) and the reports that show
// them: bytes in binary units (the runtime's MiB), durations in s/min/h, rates with a sign.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const neg = bytes < 0;
  let v = Math.abs(bytes);
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const digits = u === 0 ? 0 : v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${neg ? '-' : ''}${v.toFixed(digits)} ${UNITS[u]}`;
}

/** "+1.20 MiB" / "-3.0 KiB": for changes. */
export function formatBytesDelta(bytes: number): string {
  return `${bytes >= 0 ? '+' : ''}${formatBytes(bytes)}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  const s = Math.round(seconds);
  if (s < 120) return `${s} s`;
  if (s < 7200) {
    const m = Math.floor(s / 60);
    const r = s % 60;
    return r ? `${m} min ${r} s` : `${m} min`;
  }
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  return m ? `${h} h ${m} min` : `${h} h`;
}

/**
 * 1234567 → "1,234,567"; below 100, one decimal (12.5). The separators are put in by hand: the first
 * toLocaleString() call sets up ICU, 14–20 ms of every `analyze` (measured, bench/README.md Start-up).
 */
export function formatCount(n: number): string {
  const r = Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 10) / 10;
  if (!Number.isFinite(r)) return String(r);
  const [int, frac] = String(Math.abs(r)).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+$)/g, ',');
  return `${r < 0 ? '-' : ''}${grouped}${frac ? `.${frac}` : ''}`;
}

export function formatPercent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

/** p-values as people read them: "p < 1e-6", "p = 0.003". */
export function formatP(p: number): string {
  if (p < 1e-6) return 'p < 1e-6';
  if (p < 0.001) return `p = ${p.toExponential(0)}`;
  return `p = ${p.toFixed(3)}`;
}
