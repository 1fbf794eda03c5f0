// Test-only: every byte under a directory as one string, gzip members inflated, for tests that prove a
// secret (a header value, a token in a URL) was written nowhere in a recording or report.
//
// The non-obvious decision: latin1, not UTF-8: every byte maps to one character, so a binary profile
// cannot hide a match behind an invalid UTF-8 sequence.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export function allText(dir: string): string {
  let text = '';
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) text += allText(p);
    else {
      const raw = readFileSync(p);
      text += raw.toString('latin1');
      if (raw[0] === 0x1f && raw[1] === 0x8b) text += gunzipSync(raw).toString('latin1');
    }
  }
  return text;
}
