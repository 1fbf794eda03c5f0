// renderHtmlReport: one self-contained HTML file (uPlot, our page script and styles inlined; data as
// JSON) that opens offline and makes no network request.
//
// The non-obvious decision: nothing from a profile or a target is ever written into HTML markup. The
// data travels as JSON inside <script type="application/json"> with <, >, &, U+2028 and U+2029 escaped,
// and the page builds its DOM with textContent. A Content-Security-Policy with the hashes of our own
// scripts is the second wall: even if markup were injected, no inline handler or other script could
// run and nothing could be fetched (default-src 'none').

import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildReportData, type ReportData, type ReportInput } from './report-data.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The client assets live in src/report/html/client; when running from dist/, find them in the package's src/. */
function clientDir(): string {
  const candidates = [join(here, 'client'), resolve(here, '..', '..', '..', '..', 'src', 'report', 'html', 'client')];
  const found = candidates.find((d) => existsSync(join(d, 'report.js')));
  if (!found) throw new Error(`heapsight report assets not found (looked in ${candidates.join(', ')})`);
  return found;
}

interface Assets {
  uplotJs: string;
  uplotCss: string;
  clientJs: string;
  clientCss: string;
}

let cached: Assets | undefined;

export function reportAssets(): Assets {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const uplotDir = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
  const dir = clientDir();
  cached = {
    uplotJs: readFileSync(join(uplotDir, 'uPlot.iife.min.js'), 'utf8'),
    uplotCss: readFileSync(join(uplotDir, 'uPlot.min.css'), 'utf8'),
    clientJs: readFileSync(join(dir, 'report.js'), 'utf8'),
    clientCss: readFileSync(join(dir, 'report.css'), 'utf8'),
  };
  return cached;
}

/** JSON that is safe inside any <script> element: no `</script>`, `<!--`, or line separators survive. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Text for HTML element content or attribute values (only our own strings use this: the title). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function sha256(s: string): string {
  return `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
}

/** Inline-script-only code: a `</script` inside would end the element early. */
function assertScriptSafe(name: string, code: string): void {
  if (/<\/script|<!--/i.test(code)) throw new Error(`${name} contains </script or <!-- and cannot be inlined`);
}

export interface PageOptions {
  /** Extra CSP sources for connect-src (the live page's own origin for EventSource). */
  connectSelf?: boolean;
  /** Inline boot code run after the client script (e.g. start the live stream). */
  boot?: string;
}

export function renderPage(data: ReportData, opts: PageOptions = {}): string {
  const a = reportAssets();
  assertScriptSafe('uPlot', a.uplotJs);
  assertScriptSafe('report.js', a.clientJs);
  const boot = opts.boot ?? 'HeapsightReport.boot(document.getElementById("heapsight-data"));';
  const css = `${a.uplotCss}\n${a.clientCss}`;
  // Styles may be inline (uPlot sets style attributes; styles cannot run code and default-src 'none'
  // stops any url() from loading); scripts stay hash-locked.
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(a.uplotJs)} ${sha256(a.clientJs)} ${sha256(boot)}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    opts.connectSelf ? "connect-src 'self'" : '',
    "base-uri 'none'",
    "form-action 'none'",
  ]
    .filter(Boolean)
    .join('; ');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(`heapsight: ${data.findings.verdict} — ${data.title}`)}</title>`,
    `<style>${css}</style>`,
    '</head>',
    '<body>',
    '<main id="app"><noscript>This report draws its charts with JavaScript; the verdict and evidence are in the JSON below.</noscript></main>',
    `<script type="application/json" id="heapsight-data">${jsonForScript(data)}</script>`,
    `<script>${a.uplotJs}</script>`,
    `<script>${a.clientJs}</script>`,
    `<script>${boot}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The self-contained HTML report of an analysed recording. */
export function renderHtmlReport(input: ReportInput): string {
  return renderPage(buildReportData(input));
}
