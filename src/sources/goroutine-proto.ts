// The goroutine profile in protobuf form (/debug/pprof/goroutine, debug=0) as a GoroutineSnapshot.
// The proto carries stacks, counts and labels but no wait states, wait times or creators, so the
// groups leave those fields unset rather than guessing them.
//
// The non-obvious decision: frames are kept exactly as the profile has them, including the leading
// runtime.gopark/… frames and the trailing runtime.goexit that debug=1 hides; analysis skips runtime
// frames itself, and trimming here would make the proto disagree with the profile a user opens in pprof.

import { InputError } from './input-error.js';
import type { Frame } from '../model/frame.js';
import type { GoroutineGroup, GoroutineSnapshot } from '../model/goroutines.js';
import type { Profile } from '../model/profile.js';

/**
 * Build a snapshot from a parsed goroutine profile (see parsePprof in ./pprof/decode.ts), or from a
 * goroutineleak profile (Go 1.26+, sample type `goroutineleak/count`): the same layout, holding only
 * goroutines the leak-detection GC proved can never wake, so its groups are marked `leaked`.
 */
export function goroutineSnapshotFromProfile(profile: Profile, origin = 'goroutine profile'): GoroutineSnapshot {
  let idx = profile.sampleTypes.findIndex((t) => t.type === 'goroutine' && t.unit === 'count');
  const leakIdx = profile.sampleTypes.findIndex((t) => t.type === 'goroutineleak' && t.unit === 'count');
  const leakProfile = idx < 0 && leakIdx >= 0;
  if (leakProfile) idx = leakIdx;
  if (idx < 0) {
    const found = profile.sampleTypes.map((t) => `${t.type}/${t.unit}`).join(', ') || 'no sample types';
    throw new InputError(origin, `expected a goroutine profile (sample type goroutine/count or goroutineleak/count), got a profile with ${found}`);
  }
  // One Frame array per location, shared by every sample that uses it.
  const locFrames: Frame[][] = profile.locations.map((loc) =>
    loc.lines.length > 0 ? loc.lines : [{ function: `0x${loc.address.toString(16)}`, file: '', line: 0 }],
  );
  const groups = new Map<string, GoroutineGroup>();
  let total = 0;
  for (const s of profile.samples) {
    const count = s.values[idx];
    if (count === 0) continue;
    const stack: Frame[] = [];
    let key = '';
    for (const li of s.locations) {
      const frames = locFrames[li];
      if (!frames) throw new InputError(origin, `sample refers to location index ${li}, but the profile has ${profile.locations.length} locations`);
      for (const f of frames) stack.push(f);
      key += li + ',';
    }
    const labels = s.labels && Object.keys(s.labels).length > 0 ? s.labels : undefined;
    if (labels)
      key += JSON.stringify(
        Object.keys(labels)
          .sort()
          .map((k) => [k, labels[k]]),
      );
    const g = groups.get(key);
    if (g) g.count += count;
    else {
      const group: GoroutineGroup = { count, stack };
      if (labels) group.labels = { ...labels };
      if (leakProfile) group.leaked = true;
      groups.set(key, group);
    }
    total += count;
  }
  const snapshot: GoroutineSnapshot = { kind: 'proto', total, groups: [...groups.values()] };
  if (leakProfile) snapshot.profile = 'goroutineleak';
  if (profile.timeNanos > 0n) snapshot.t = Number(profile.timeNanos / 1_000_000n);
  return snapshot;
}
