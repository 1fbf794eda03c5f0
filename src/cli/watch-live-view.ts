// The live view of `heapsight watch` on a terminal: a small block redrawn in place after every sample
// (elapsed and remaining time, current numbers, sparklines of the recent window, the running verdict,
// what happened), instead of a scrolling log.
//
// The non-obvious decision: the view draws no trend line of its own. A slope over a sawtoothing
// HeapAlloc is exactly the misreading heapsight exists to prevent, so the only judgement shown is the
// running verdict from analysis (with its confidence, and how much longer it asks for while
// inconclusive). "Retained free" (HeapIdle − HeapReleased) is shown because it is the number that
// explains most "my Go service never gives memory back" worries.

import type { Verdict } from '../analysis/findings.js';
import type { MemorySample } from '../model/memory.js';
import type { RecordingEvent } from '../model/recording.js';
import { formatBytes } from '../analysis/units.js';
import { sparkline } from '../report/terminal.js';

export interface LiveViewState {
  target: string;
  out: string;
  pid?: number;
  elapsedMs: number;
  /** Planned duration (--duration), for the remaining time and the progress bar. */
  durationMs?: number;
  /** Confidence threshold when the watch stops on a confident verdict (--until-verdict). */
  untilVerdict?: number;
  /** The running verdict, once analysis has run. */
  verdict?: { verdict: Verdict; confidence: number; observeMoreSeconds?: number; streak: number };
  /** Recent samples, oldest first (the caller keeps a bounded window). */
  window: MemorySample[];
  sampleCount: number;
  profileCount: number;
  goroutineTotal?: number;
  events: RecordingEvent[];
  missing: string[];
  startedAt: number;
}

/** Elapsed time as m:ss or h:mm:ss. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

function series(window: MemorySample[], pick: (s: MemorySample) => number | undefined): number[] {
  return window.map(pick).filter((v): v is number => v !== undefined);
}

function row(label: string, value: string, values: number[], width: number): string {
  const head = `  ${label.padEnd(14)}${value.padStart(11)}  `;
  const room = Math.max(0, width - head.length);
  return head + sparkline(values.slice(-room));
}

/** `[#####-----]` for a fraction 0..1 in `width` columns including the brackets. */
export function progressBar(fraction: number, width: number): string {
  const inner = Math.max(1, width - 2);
  const done = Math.round(Math.min(1, Math.max(0, fraction)) * inner);
  return `[${'#'.repeat(done)}${'-'.repeat(inner - done)}]`;
}

function verdictLine(state: LiveViewState): string {
  const v = state.verdict;
  const stop = state.untilVerdict !== undefined ? ` · stops at ≥ ${state.untilVerdict} twice` : '';
  if (!v) return `  verdict so far: not yet analysed${stop}`;
  const more = v.verdict === 'inconclusive' && v.observeMoreSeconds !== undefined ? `, wants ~${clock(v.observeMoreSeconds * 1000)} more` : '';
  return `  verdict so far: ${v.verdict}, confidence ${v.confidence.toFixed(2)}${more}${stop}`;
}

/** The block of lines to draw, at most `width` columns each. */
export function renderLiveView(state: LiveViewState, width = 80): string[] {
  const w = state.window;
  const last = w.at(-1);
  const lines: string[] = [];
  lines.push(`heapsight watch ${state.target}${state.pid !== undefined ? `  pid ${state.pid}` : ''}`);
  lines.push(`  ${clock(state.elapsedMs)} elapsed · ${state.sampleCount} samples · ${state.profileCount} profiles · recording to ${state.out}/`);
  if (state.durationMs !== undefined) {
    const remaining = Math.max(0, state.durationMs - state.elapsedMs);
    const label = `${clock(remaining)} left`;
    const room = Math.max(10, Math.min(50, width - label.length - 6));
    lines.push(`  ${progressBar(state.elapsedMs / state.durationMs, room)} ${label}`);
  }
  lines.push(verdictLine(state));
  lines.push('');
  const bytes = (n: number | undefined) => (n === undefined ? '?' : formatBytes(n));
  lines.push(
    row(
      'heap in use',
      bytes(last?.heapAlloc),
      series(w, (s) => s.heapAlloc),
      width,
    ),
  );
  const retained = (s: MemorySample) => (s.heapIdle !== undefined && s.heapReleased !== undefined ? s.heapIdle - s.heapReleased : undefined);
  lines.push(row('retained free', bytes(last ? retained(last) : undefined), series(w, retained), width));
  lines.push(
    row(
      'RSS',
      bytes(last?.rss),
      series(w, (s) => s.rss),
      width,
    ),
  );
  const g = last?.goroutines ?? state.goroutineTotal;
  lines.push(
    row(
      'goroutines',
      g === undefined ? '?' : String(g),
      series(w, (s) => s.goroutines),
      width,
    ),
  );
  lines.push('');
  const count = (k: RecordingEvent['kind']) => state.events.filter((e) => e.kind === k).length;
  const gaps = count('gap');
  const restarts = count('restart');
  lines.push(
    `  ${restarts} restart${restarts === 1 ? '' : 's'} · ${gaps} gap${gaps === 1 ? '' : 's'}${state.missing.length ? ` · missing: ${state.missing.join(', ')}` : ''}`,
  );
  const lastEvent = [...state.events].reverse().find((e) => e.kind !== 'endpoint-missing');
  if (lastEvent) lines.push(`  last: [${clock(lastEvent.t - state.startedAt)}] ${lastEvent.kind}: ${lastEvent.detail}`);
  lines.push('  Ctrl-C stops, keeps the recording and prints the verdict');
  return lines.map((l) => (l.length > width ? l.slice(0, width - 1) + '…' : l.trimEnd()));
}

/** Redraws a block in place: cursor up over the previous block, clear to the end of the screen, draw. */
export class LiveView {
  private drawn = 0;

  constructor(private readonly write: (text: string) => void) {}

  draw(lines: string[]): void {
    const up = this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[J` : '';
    this.write(up + lines.join('\n') + '\n');
    this.drawn = lines.length;
  }
}
