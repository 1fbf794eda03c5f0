// Fleet findings as one JSON document (`heapsight fleet --json`), schema 'heapsight-fleet/1': the
// FleetFindings object of analysis/fleet.ts, with the same number rules as `analyze --json`
// (non-finite numbers become null).

import type { FleetFindings } from '../analysis/fleet.js';
import { toJsonText } from './json.js';

export function renderFleetJson(f: FleetFindings): string {
  return toJsonText(f);
}
