// The live page of `heapsight watch --ui`: a small node:http server that serves the same page as the
// HTML report and pushes fresh report data over Server-Sent Events as samples arrive.
//
// The non-obvious decisions: it binds 127.0.0.1 unless the caller passes a host explicitly (the CLI's
// --ui-host), and then warns, because the page shows the target's code paths and numbers with no
// authentication. On loopback it also refuses requests whose Host header is not a loopback name, so a
// web page the user visits cannot read it through DNS rebinding. Report data is rebuilt at most every
// `minIntervalMs` and only while a page is connected, so a fast poll costs the watcher nothing extra.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Findings } from '../../analysis/findings.js';
import type { GoroutineSnapshot } from '../../model/goroutines.js';
import type { MemorySample } from '../../model/memory.js';
import { emptyRecording, type Recording, type RecordingEvent, type TimedProfile } from '../../model/recording.js';
import { buildReportData, type ReportInput } from '../html/report-data.js';
import { renderPage } from '../html/render.js';

export interface LiveUiOptions {
  /** Interface to bind; default 127.0.0.1. Anything else needs `hostExplicit`. */
  host?: string;
  /** The host came from the user (--ui-host): binding beyond loopback is then allowed, with a warning. */
  hostExplicit?: boolean;
  /** 0 (default) picks a free port. */
  port?: number;
  title?: string;
  /** Where the beyond-loopback warning goes; default stderr. */
  warn?: (message: string) => void;
  /** Minimum time between two pushes to the page, ms (default 500). */
  minIntervalMs?: number;
}

export interface LivePush {
  sample?: MemorySample;
  event?: RecordingEvent;
  heapProfile?: TimedProfile;
  goroutineSnapshot?: GoroutineSnapshot;
  findings?: Findings;
}

export interface LiveUi {
  /** http://host:port/ to open in a browser. */
  url: string;
  /** Set when bound beyond loopback (also passed to `warn`). */
  warning?: string;
  /** Replace everything shown (e.g. the watcher's in-memory recording and running verdict). */
  update(input: ReportInput): void;
  /** Add one observation and/or a new verdict to what is shown. */
  push(item: LivePush): void;
  /** Pages currently connected. */
  clients(): number;
  close(): Promise<void>;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Shown until the first verdict arrives; a placeholder, not a judgement. */
function waitingFindings(): Findings {
  return {
    schema: 'heapsight-findings/1',
    verdict: 'inconclusive',
    confidence: 0,
    summary: 'Waiting for the first samples and the first running verdict…',
    observed: { samples: 0, gcCycles: 0, heapProfiles: 0, goroutineProfiles: 0, workAxis: 'time' },
    evidence: { reasons: [], rates: {} },
    liveHeap: { points: 0, series: [] },
    culprits: [],
    advice: [],
    restarts: [],
    notes: [],
  };
}

const BOOT = 'HeapsightReport.boot(document.getElementById("heapsight-data"));';

export async function startLiveUi(opts: LiveUiOptions = {}): Promise<LiveUi> {
  const host = opts.host ?? '127.0.0.1';
  const loopback = isLoopbackHost(host);
  if (!loopback && !opts.hostExplicit) {
    throw new Error(`refusing to serve the live page on ${host}: binding beyond loopback needs --ui-host given explicitly`);
  }
  const minIntervalMs = opts.minIntervalMs ?? 500;
  let recording: Recording = emptyRecording();
  let findings: Findings = waitingFindings();
  const title = opts.title;
  const streams = new Set<ServerResponse>();
  let lastPush = 0;
  let timer: NodeJS.Timeout | undefined;
  let dirty = false;

  const payload = (): string =>
    JSON.stringify(buildReportData({ findings, recording, title }, { live: true }), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));

  const flush = () => {
    timer = undefined;
    if (!dirty || streams.size === 0) return;
    dirty = false;
    lastPush = Date.now();
    let data: string;
    try {
      data = payload();
    } catch (err) {
      // The page is advisory: a rendering bug must not end the watch.
      data = JSON.stringify({ error: (err as Error).message });
    }
    for (const res of streams) res.write(`event: report\ndata: ${data}\n\n`);
  };
  const changed = () => {
    dirty = true;
    if (timer || streams.size === 0) return;
    timer = setTimeout(flush, Math.max(0, lastPush + minIntervalMs - Date.now()));
  };

  const allowedHost = (req: IncomingMessage): boolean => {
    if (!loopback) return true;
    const h = req.headers.host ?? '';
    const name = h.startsWith('[') ? h.slice(0, h.indexOf(']') + 1) : h.split(':')[0];
    return isLoopbackHost(name);
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (!allowedHost(req)) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('heapsight: this page only answers to a loopback Host\n');
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    const common = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };
    if (path === '/') {
      const data = buildReportData({ findings, recording, title }, { live: true });
      res.writeHead(200, { ...common, 'content-type': 'text/html; charset=utf-8', 'x-frame-options': 'DENY' });
      res.end(renderPage(data, { connectSelf: true, boot: BOOT }));
      return;
    }
    if (path === '/events') {
      res.writeHead(200, { ...common, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
      res.write('retry: 2000\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      // The page embedded the state at load time; whatever changed since goes out now.
      dirty = true;
      changed();
      return;
    }
    res.writeHead(404, { ...common, 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
  });
  // SSE keeps a response open; a comment every 15 s stops proxies and idle timers from closing it.
  const heartbeat = setInterval(() => {
    for (const res of streams) res.write(': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const urlHost = addr.family === 'IPv6' || addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  const url = `http://${urlHost}:${addr.port}/`;
  let warning: string | undefined;
  if (!loopback) {
    warning = `warning: the live page is served on ${url} beyond loopback, without authentication; anyone who can reach it sees the target's function names, files and memory numbers`;
    (opts.warn ?? ((m) => process.stderr.write(`heapsight: ${m}\n`)))(warning);
  }

  return {
    url,
    warning,
    update(input: ReportInput) {
      recording = input.recording;
      findings = input.findings;
      changed();
    },
    push(item: LivePush) {
      // Copy-on-write: the recording handed to update() may be the caller's; never mutate it.
      recording = { ...recording };
      if (item.sample) recording.samples = [...recording.samples, item.sample];
      if (item.event) recording.events = [...recording.events, item.event];
      if (item.heapProfile) recording.heapProfiles = [...recording.heapProfiles, item.heapProfile];
      if (item.goroutineSnapshot) recording.goroutineSnapshots = [...recording.goroutineSnapshots, item.goroutineSnapshot];
      if (item.findings) findings = item.findings;
      changed();
    },
    clients: () => streams.size,
    async close() {
      clearInterval(heartbeat);
      if (timer) clearTimeout(timer);
      // Tell open pages the watch is over, so they stop reconnecting and say so.
      for (const res of streams) res.end('event: end\ndata: {}\n\n');
      streams.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
