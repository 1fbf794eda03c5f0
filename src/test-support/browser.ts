// Test-only: open report pages in Debian's headless Chromium through playwright-core and record what a
// reviewer would check by hand: console errors, page errors, dialogs, every network request, and
// whether the chart canvases and SVG paths actually have something drawn in them.
//
// The non-obvious decision: requests are counted from `page.on('request')`, which sees every fetch the
// renderer attempts (images, scripts, EventSource, prefetch) before any policy blocks it, so "zero
// requests" means the page never even tried.

import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { requireTool } from './toolchain.js';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface OpenBrowser {
  browser: Browser;
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<OpenBrowser> {
  const executablePath = requireTool('chromium', ['chromium']);
  // launch() (not launchPersistentContext) runs Chromium on a fresh temporary profile it deletes on close.
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: 60_000 });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  return {
    browser,
    context,
    async close() {
      await browser.close();
    },
  };
}

export interface PageWatch {
  page: Page;
  consoleErrors: string[];
  pageErrors: string[];
  dialogs: string[];
  /** URLs of every request the page made. */
  requests: string[];
}

export async function watchPage(context: BrowserContext): Promise<PageWatch> {
  const page = await context.newPage();
  const w: PageWatch = { page, consoleErrors: [], pageErrors: [], dialogs: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') w.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => w.pageErrors.push(e.message));
  page.on('dialog', (d) => {
    w.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on('request', (r) => w.requests.push(r.url()));
  return w;
}

export interface DrawnCharts {
  /** Per uPlot canvas: its chart id and how many pixels are not fully transparent. */
  canvases: { chart: string; width: number; height: number; inkPixels: number }[];
  /** SVG <path> elements with a non-empty `d` (sparklines) and flame-graph rects. */
  svgPaths: number;
  flameRects: number;
}

// Runs in the page; a string because this project compiles without the DOM library.
const DRAWN_CHARTS_JS = `(() => {
  const canvases = [...document.querySelectorAll('.chart canvas')].map((c) => {
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) ink++;
    const chart = c.closest('.chart');
    return { chart: chart ? chart.id : '?', width: c.width, height: c.height, inkPixels: ink };
  });
  const svgPaths = [...document.querySelectorAll('svg path')].filter((p) => (p.getAttribute('d') || '').length > 2).length;
  const flameRects = document.querySelectorAll('svg.flame rect').length;
  return { canvases, svgPaths, flameRects };
})()`;

export async function drawnCharts(page: Page): Promise<DrawnCharts> {
  return (await page.evaluate(DRAWN_CHARTS_JS)) as DrawnCharts;
}
