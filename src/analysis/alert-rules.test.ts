import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promtool } from '../test-support/prometheus-server.js';
import { alertDescription, alertSummary, generateRules, RULE_NAMES } from './alert-rules.js';

const MiB = 1024 * 1024;
const MINUTES = 8 * 60;

/** One value per minute for 8 hours, from f(minute). */
function values(f: (min: number) => number): string {
  return Array.from({ length: MINUTES + 1 }, (_, i) => String(Math.round(f(i)))).join(' ');
}

/** HeapAlloc under GOGC=100: from the live heap up to twice it, a GC every 3 minutes. */
const sawtooth = (live: number, min: number) => live * (1 + (min % 3) / 3);

interface Instance {
  instance: string;
  series: Record<string, (min: number) => number>;
}

// Each instance's behaviour is defined here; which alert should fire follows from it.
const leaking: Instance = {
  instance: 'leaking:8080',
  series: {
    go_memstats_heap_alloc_bytes: (m) => sawtooth(50 * MiB + (12 * MiB * m) / 60, m),
    go_goroutines: (m) => 30 + (m % 5),
    process_start_time_seconds: () => 1_000,
    process_resident_memory_bytes: (m) => 130 * MiB + (25 * MiB * m) / 60,
  },
};
// Retaining: a 400 MiB burst at 1 h, then the live heap is back at 50 MiB while RSS and HeapIdle stay high.
const burst = (m: number) => (m >= 60 && m < 70 ? 400 * MiB : 0);
const retaining: Instance = {
  instance: 'retaining:8080',
  series: {
    go_memstats_heap_alloc_bytes: (m) => sawtooth(50 * MiB + burst(m), m),
    go_memstats_heap_idle_bytes: (m) => (m < 60 ? 60 * MiB : 760 * MiB),
    go_memstats_heap_released_bytes: (m) => (m < 60 ? 10 * MiB : 30 * MiB + m * 10_000),
    process_resident_memory_bytes: (m) => (m < 60 ? 120 * MiB : 850 * MiB - m * 10_000),
    go_goroutines: (m) => 30 + (m % 5),
    process_start_time_seconds: () => 1_000,
  },
};
// Runtime-metrics names only (new client_golang): the goroutine count leaks, the heap does not.
const goroutineLeak: Instance = {
  instance: 'goroutines:8080',
  series: {
    go_gc_heap_live_bytes: (m) => 40 * MiB + (m % 7) * 100_000,
    go_memory_classes_heap_objects_bytes: (m) => sawtooth(40 * MiB, m),
    go_sched_goroutines_goroutines: (m) => 40 + 2 * m,
    process_start_time_seconds: () => 1_000,
  },
};
// Same leak as `leaking`, but restarted at 5 h: the window has a restart, so no page (yet).
const restarted: Instance = {
  instance: 'restarted:8080',
  series: {
    go_memstats_heap_alloc_bytes: (m) => sawtooth(50 * MiB + (12 * MiB * (m < 300 ? m : m - 300)) / 60, m),
    go_memstats_alloc_bytes_total: (m) => (m < 300 ? m : m - 300) * 100 * MiB,
    go_goroutines: (m) => 30 + (m % 5),
    process_start_time_seconds: (m) => (m < 300 ? 1_000 : 1_000 + 300 * 60),
  },
};
// A cache that fills for 3 h (+200 MiB) and then stays full.
const plateau: Instance = {
  instance: 'cache:8080',
  series: {
    go_memstats_heap_alloc_bytes: (m) => sawtooth(50 * MiB + 200 * MiB * Math.min(1, m / 180), m),
    go_goroutines: (m) => 30 + (m % 5),
    process_start_time_seconds: () => 1_000,
  },
};

function unitTest(rulesFile: string, instances: Instance[]): string {
  const lines = [`rule_files: [${JSON.stringify(rulesFile)}]`, 'evaluation_interval: 1m', 'tests:', '  - interval: 1m', '    input_series:'];
  for (const inst of instances) {
    for (const [name, f] of Object.entries(inst.series)) {
      lines.push(`      - series: '${name}{job="api",instance="${inst.instance}"}'`, `        values: '${values(f)}'`);
    }
  }
  const render = (tmpl: string, inst: string) => tmpl.replaceAll('{{ $labels.instance }}', inst).replaceAll('{{ $labels.job }}', 'api');
  const expect = (alert: string, kind: 'heap' | 'goroutine', at: string, firing: Instance[]) => {
    lines.push(`      - eval_time: ${at}`, `        alertname: ${alert}`, '        exp_alerts:' + (firing.length ? '' : ' []'));
    for (const f of firing) {
      lines.push(
        `          - exp_labels: {severity: warning, job: api, instance: ${JSON.stringify(f.instance)}}`,
        '            exp_annotations:',
        `              summary: ${JSON.stringify(render(alertSummary(kind, 6 * 3600), f.instance))}`,
        `              description: ${JSON.stringify(render(alertDescription(kind), f.instance))}`,
      );
    }
  };
  lines.push('    alert_rule_test:');
  // Before a full window of history nothing may fire; at 8 h exactly the leakers do.
  expect(RULE_NAMES.heapAlert, 'heap', '5h', []);
  expect(RULE_NAMES.goroutineAlert, 'goroutine', '5h', []);
  expect(
    RULE_NAMES.heapAlert,
    'heap',
    '8h',
    instances.filter((i) => i === leaking),
  );
  expect(
    RULE_NAMES.goroutineAlert,
    'goroutine',
    '8h',
    instances.filter((i) => i === goroutineLeak),
  );
  return lines.join('\n') + '\n';
}

test('generated rules load in promtool check rules', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-rules-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const selector of ['job="api"', '', 'job=~"api|web",env!="dev"']) {
    const file = join(dir, 'rules.yml');
    writeFileSync(file, generateRules({ selector }));
    const out = promtool(['check', 'rules', file]);
    assert.match(out.stdout, /SUCCESS: 5 rules found/);
  }
});

test('promtool test rules: fires on a leaking heap and a goroutine leak, not on retained memory, a restart or a plateau', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-rules-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'rules.yml'), generateRules({ selector: 'job="api"' }));
  writeFileSync(join(dir, 'test.yml'), unitTest('rules.yml', [leaking, retaining, goroutineLeak, restarted, plateau]));
  const out = promtool(['test', 'rules', 'test.yml'], { cwd: dir });
  assert.match(out.stdout, /SUCCESS/);
});

test('promtool test rules fails when the retaining service is expected to page (the test can fail)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'heapsight-rules-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'rules.yml'), generateRules({ selector: 'job="api"' }));
  // Claim the retaining instance leaks: promtool must reject that expectation.
  const text = unitTest('rules.yml', [leaking, retaining]).replace(`instance: "leaking:8080"}`, `instance: "retaining:8080"}`);
  writeFileSync(join(dir, 'test.yml'), text);
  assert.throws(() => promtool(['test', 'rules', 'test.yml'], { cwd: dir }), /FAILED|got:/);
});
