// A fleet as read from a Prometheus-compatible server: per instance, a short downsampled series of
// memory samples (computed server-side) plus a few whole-window facts. The contract between the
// Prometheus API reader (sources/prometheus-fleet.ts) and the fleet analysis (analysis/fleet.ts).

import type { MemorySample } from './memory.js';

/** Which metric names an instance exports: client_golang's MemStats collector, runtime/metrics, or both. */
export type MetricGeneration = 'memstats' | 'runtime-metrics' | 'both' | 'unknown';

export interface FleetInstance {
  /** Identity (job, instance) plus the --group-by labels. */
  labels: Record<string, string>;
  /** One sample per query step (source 'prometheus-api'), oldest first; fields absent where the series is. */
  samples: MemorySample[];
  generation: MetricGeneration;
  /** Process start-time changes over the whole window (PromQL changes()), when process_start_time_seconds exists. */
  startTimeChanges?: number;
  /** Raw samples of the goroutine series for this instance, estimated from the last hour's scrapes (what was not transferred). */
  rawSamples?: number;
  /** Set when this instance was re-read at a finer step than the fleet's (it restarts often). */
  stepSeconds?: number;
  /** The pod's container over the window (cAdvisor and kube-state-metrics), when joined. */
  container?: { oomKills: number; restarts?: number; limit?: number };
  /** Quantities no series was found for (e.g. "rss"). */
  missing: string[];
}

export interface FleetQueryWindow {
  /** Unix seconds. */
  start: number;
  end: number;
  stepSeconds: number;
  /** Range-vector window of the envelope functions (min_over_time), seconds. */
  windowSeconds: number;
}

export interface FleetData {
  /** The API root (no credentials) and the selector used. */
  source: string;
  selector: string;
  window: FleetQueryWindow;
  groupBy: string[];
  workMetric?: string;
  instances: FleetInstance[];
  transfer: {
    requests: number;
    wireBytes: number;
    bodyBytes: number;
    /** Wall time of all queries, ms. */
    elapsedMs: number;
  };
  /** Splits, warnings, missing series: one line each. */
  notes: string[];
}
