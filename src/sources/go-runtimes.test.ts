// The readers on what today's runtimes and client_golang versions serve, next to what Go 1.19 serves:
// the same capture program (testdata/capture/exposition) built with Go 1.19 + client_golang 1.14
// (bookworm), Go 1.27 + client_golang 1.14, and Go 1.27 + client_golang 1.21 (trixie, private GOPATH).
// Each test states one difference between the runtimes that a reader must handle, on live captures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memorySampleFromExposition, parseExposition } from './prometheus-text.js';
import { parseExpvar } from './expvar.js';
import type { MemorySample } from '../model/memory.js';
import { buildGoProgram, requireClientGolang, type ClientGolang, type GoVersion } from '../test-support/toolchain.js';

interface Capture {
  go: GoVersion;
  clientGolang: ClientGolang;
  collector: 'default' | 'runtime-metrics';
  text: Buffer;
  openMetrics: Buffer;
  vars: Buffer;
}

const combos: { go: GoVersion; clientGolang: ClientGolang }[] = [
  { go: '1.19', clientGolang: '1.14' },
  { go: '1.27', clientGolang: '1.14' },
  { go: '1.27', clientGolang: '1.21' },
];

let captures: Capture[] | undefined;
/** Build and run each combination once; every test reads the same captures. */
function allCaptures(): Capture[] {
  if (captures) return captures;
  requireClientGolang();
  const out: Capture[] = [];
  for (const combo of combos) {
    const bin = buildGoProgram('src/sources/testdata/capture/exposition', combo);
    for (const collector of ['default', 'runtime-metrics'] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'heapsight-runtimes-'));
      try {
        execFileSync(bin, ['-out', dir, '-collector', collector], { timeout: 60_000 });
        out.push({
          ...combo,
          collector,
          text: readFileSync(join(dir, 'metrics.txt')),
          openMetrics: readFileSync(join(dir, 'metrics.openmetrics.txt')),
          vars: readFileSync(join(dir, 'vars.json')),
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  captures = out;
  return out;
}

const label = (c: Capture) => `go${c.go}+client_golang${c.clientGolang}/${c.collector}`;
const has = (body: Buffer, name: string) => new RegExp(`^${name}[ {]`, 'm').test(body.toString('utf8'));

function assertIdentities(s: MemorySample, where: string): void {
  assert.equal(s.heapSys, s.heapIdle! + s.heapInuse!, where);
  assert.ok(s.heapReleased! <= s.heapIdle!, where);
  assert.ok(s.heapAlloc! <= s.heapInuse!, where);
  // The capture program keeps 12 MiB + 12 × 64 KiB live across a forced GC.
  assert.ok(s.heapAlloc! >= 12 * 2 ** 20, `${where}: heapAlloc ${s.heapAlloc}`);
}

test('every runtime × client_golang × collector: text and OpenMetrics both map to a consistent sample', () => {
  for (const c of allCaptures()) {
    const t = memorySampleFromExposition(c.text, label(c), { workMetric: 'capture_requests' });
    const om = memorySampleFromExposition(c.openMetrics, label(c), { workMetric: 'capture_requests' });
    assertIdentities(t, label(c));
    assert.equal(t.work, 300, label(c));
    // The OpenMetrics body is a second scrape, so its numbers move on; the identities must hold in both.
    assertIdentities(om, `${label(c)} (OpenMetrics)`);
    assert.equal(om.work, 300, label(c));
    assert.equal(t.goVersion?.startsWith(`go${c.go}`), true, `${label(c)}: go_info version ${t.goVersion}`);
  }
});

test('the live heap series (go_gc_heap_live_bytes) exists from Go 1.21 on, opt-in set only, and bounds HeapAlloc', () => {
  for (const c of allCaptures()) {
    const s = memorySampleFromExposition(c.text, label(c));
    const expected = c.go !== '1.19' && c.collector === 'runtime-metrics';
    assert.equal(has(c.text, 'go_gc_heap_live_bytes'), expected, label(c));
    if (expected) {
      // Marked at the last (forced) GC, after which the program allocates only its HTTP round trips.
      assert.ok(s.liveHeap! >= 12 * 2 ** 20 && s.liveHeap! <= s.heapAlloc!, `${label(c)}: live ${s.liveHeap} alloc ${s.heapAlloc}`);
    } else {
      assert.equal(s.liveHeap, undefined, label(c));
    }
  }
});

test('client_golang 1.21 adds GOGC and GOMEMLIMIT to the default set; 1.14 has them only in the opt-in set on Go 1.21+', () => {
  for (const c of allCaptures()) {
    const s = memorySampleFromExposition(c.text, label(c));
    const expected = c.go !== '1.19' && (c.clientGolang === '1.21' || c.collector === 'runtime-metrics');
    assert.equal(has(c.text, 'go_gc_gogc_percent'), expected, label(c));
    if (expected) {
      assert.equal(s.gogcPercent, 100, label(c));
      // No limit set: the runtime reports math.MaxInt64.
      assert.ok(s.memoryLimitBytes! >= 2 ** 62, `${label(c)}: ${s.memoryLimitBytes}`);
    } else {
      assert.equal(s.gogcPercent, undefined, label(c));
    }
  }
});

test('client_golang 1.21 negotiates name escaping in the content type; both parse as the same formats', () => {
  for (const c of allCaptures()) {
    assert.equal(
      parseExposition(c.text, label(c), {
        contentType: c.clientGolang === '1.21' ? 'text/plain; version=0.0.4; charset=utf-8; escaping=underscores' : 'text/plain; version=0.0.4; charset=utf-8',
      }).format,
      'text-0.0.4',
    );
    assert.equal(
      parseExposition(c.openMetrics, label(c), {
        contentType: `application/openmetrics-text; version=0.0.1; charset=utf-8${c.clientGolang === '1.21' ? '; escaping=underscores' : ''}`,
      }).format,
      'openmetrics-1.0',
    );
  }
});

test('expvar memstats from every runtime keep the same identities', () => {
  for (const c of allCaptures().filter((x) => x.collector === 'default')) {
    const s = parseExpvar(c.vars, label(c), { workMetric: 'requests' });
    assert.equal(s.work, 300, label(c));
    assert.equal(s.heapObjects, s.mallocs! - s.frees!, label(c));
    assertIdentities(s, label(c));
  }
});
