// Findings as JSON (`heapsight analyze --json`); the schema is docs/analyze-json.md.
//
// The non-obvious decision: numbers that JSON cannot hold (Infinity from a growth relative to a zero
// baseline, NaN from an empty series) become null instead of the invalid tokens some encoders emit,
// and bigints (none today, but model types allow them) become exact decimal integers.

import type { Findings } from '../analysis/findings.js';

export function renderJson(f: Findings): string {
  return toJsonText(f);
}

/** Any findings-shaped value (e.g. the demo's array of findings) with the same number rules. */
export function toJsonText(value: unknown): string {
  const raw = JSON.stringify(
    value,
    (_key, value: unknown) => {
      if (typeof value === 'number' && !Number.isFinite(value)) return null;
      if (typeof value === 'bigint') return `__bigint__${value.toString()}`;
      return value;
    },
    2,
  );
  // Exact integers for bigints: the placeholder string loses its quotes.
  return raw.replace(/"__bigint__(-?\d+)"/g, '$1') + '\n';
}
