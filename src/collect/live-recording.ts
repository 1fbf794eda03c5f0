// The recording being written, mirrored in memory while a watch runs, so that the running verdict can
// be recomputed after every sample without re-reading and re-parsing every profile from disk.
//
// The non-obvious decision: it must equal what `readRecordingDir` would return for the same directory
// at that moment (same profile times, same snapshot kinds, same event list), because `watch
// --until-verdict` stops on this verdict and a later `analyze DIR` must agree with it. So profiles are
// parsed with the same readers and timed the same way (profile time_nanos, else the fetch time), and a
// body that does not parse is skipped (and listed in `problems`). Beyond `maxProfiles` per kind (two
// hours at the default 30 s) the older half is thinned to bound memory; the reader thins too, with a
// slightly different spacing, which matters only for watches of many hours.

import type { GcCycle, MemorySample, ScavengeReport } from '../model/memory.js';
import type { GctraceBatch } from './gctrace-capture.js';
import { emptyRecording, type Recording, type RecordingEvent, type RecordingMeta } from '../model/recording.js';
import { goroutineSnapshotFromProfile } from '../sources/goroutine-proto.js';
import { readGoroutineDebug2 } from '../sources/goroutine-text.js';
import { parsePprof } from '../sources/pprof/decode.js';
import { placeGcCycles } from '../sources/recording.js';
import type { ProfileFetched } from './poller.js';

export class LiveRecording {
  private readonly rec: Recording = emptyRecording();
  /** Profiles that did not parse: the reader would refuse the directory, so the running verdict says so. */
  readonly problems: string[] = [];
  private pending: Promise<void>[] = [];
  /** gctrace records as parsed: placed on the clock at each snapshot, as the reader places them. */
  private readonly gcCycles: GcCycle[] = [];
  private readonly scavenges: ScavengeReport[] = [];

  constructor(
    meta?: RecordingMeta,
    private readonly maxProfiles = 240,
  ) {
    this.rec.meta = meta;
  }

  setMeta(meta: RecordingMeta): void {
    this.rec.meta = meta;
  }

  addSample(sample: MemorySample): void {
    this.rec.samples.push(sample);
  }

  /** Trace records copied into the recording's gctrace.log (see gctrace-capture.ts). */
  addGctrace(batch: GctraceBatch): void {
    // Without a spread: the first batch of a long --gctrace-log holds every cycle so far (issue 11).
    for (const c of batch.gcCycles) this.gcCycles.push(c);
    for (const s of batch.scavenges) this.scavenges.push(s);
  }

  addEvent(event: RecordingEvent): void {
    this.rec.events.push(event);
  }

  addProfile(p: ProfileFetched): void {
    const origin = p.path ?? `${p.kind} profile at ${p.t}`;
    try {
      if (p.kind === 'heap') {
        const profile = parsePprof(p.body, origin);
        const t = profile.timeNanos > 0n ? Number(profile.timeNanos / 1_000_000n) : p.t;
        this.rec.heapProfiles.push({ t, origin, profile });
        this.thin(this.rec.heapProfiles);
      } else if (p.kind === 'goroutine') {
        const snap = goroutineSnapshotFromProfile(parsePprof(p.body, origin), origin);
        this.rec.goroutineSnapshots.push({ ...snap, t: snap.t ?? p.t });
        this.thinSnapshots();
      } else if (p.kind === 'goroutineleak') {
        // Fetched rarely (a few per hour), so never thinned.
        const snap = goroutineSnapshotFromProfile(parsePprof(p.body, origin), origin);
        (this.rec.goroutineLeakSnapshots ??= []).push({ ...snap, t: snap.t ?? p.t });
      } else {
        // debug=2 dumps are read as a stream; the recording is complete once `settled()` resolves.
        this.pending.push(
          readGoroutineDebug2(p.body, origin)
            .then((snap) => {
              this.rec.goroutineSnapshots.push({ ...snap, t: snap.t ?? p.t });
              this.thinSnapshots();
            })
            .catch((err: unknown) => {
              this.problems.push((err as Error).message.split('\n')[0]);
            }),
        );
      }
    } catch (err) {
      this.problems.push((err as Error).message.split('\n')[0]);
    }
  }

  /** Wait for dumps still being parsed. */
  async settled(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    await Promise.all(pending);
  }

  /** The recording as `readRecordingDir` would return it now (arrays sorted by time, shared not copied). */
  snapshot(): Recording {
    const byTime = <T extends { t?: number }>(items: T[]) => {
      for (let i = 1; i < items.length; i++) {
        if ((items[i].t ?? -Infinity) < (items[i - 1].t ?? -Infinity)) return [...items].sort((a, b) => (a.t ?? -Infinity) - (b.t ?? -Infinity));
      }
      return items;
    };
    const samples = byTime(this.rec.samples);
    const events = byTime(this.rec.events);
    return {
      meta: this.rec.meta,
      samples,
      gcCycles: this.gcCycles.length ? placeGcCycles(this.gcCycles, samples, events) : [],
      scavenges: this.scavenges,
      heapProfiles: byTime(this.rec.heapProfiles),
      goroutineSnapshots: byTime(this.rec.goroutineSnapshots),
      goroutineLeakSnapshots: this.rec.goroutineLeakSnapshots ? byTime(this.rec.goroutineLeakSnapshots) : undefined,
      events,
    };
  }

  get sampleCount(): number {
    return this.rec.samples.length;
  }

  private thin<T>(items: T[]): void {
    if (items.length <= this.maxProfiles) return;
    // Drop every other item of the older half: the spacing stays even enough for a trend, and the
    // newest profiles (what changed most recently) keep full resolution.
    const half = Math.floor((items.length - 1) / 2);
    const kept = items.slice(0, half).filter((_, i) => i % 2 === 0);
    items.splice(0, half, ...kept);
  }

  private thinSnapshots(): void {
    // Proto profiles and debug=2 dumps are thinned separately, as the reader does per file kind.
    const snaps = this.rec.goroutineSnapshots;
    const proto = snaps.filter((s) => s.kind !== 'debug2');
    const dumps = snaps.filter((s) => s.kind === 'debug2');
    if (proto.length <= this.maxProfiles && dumps.length <= this.maxProfiles) return;
    this.thin(proto);
    this.thin(dumps);
    snaps.splice(0, snaps.length, ...proto, ...dumps);
  }
}
