import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { requireTool } from '../test-support/toolchain.js';
import { escapeXml, renderJunit, xmlSafe, type JunitSuite } from './junit.js';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => name === 'testcase' || name === 'property' });

// Text a real report carries: Go names with pointer receivers and generics, file paths, quotes from
// service output, and bytes a crashing service can print (NUL, ESC, a lone surrogate from a torn UTF-16 pair).
const nasty = `main.(*cache[...]).put <-chan "x" & 'y' > z \u0000\u001b[31m\uD800 ok é 😀`;

const suite: JunitSuite = {
  name: 'heapsight check',
  timestamp: '2026-11-26T04:00:00Z',
  time: 93.25,
  hostname: 'ci-runner',
  properties: { url: 'http://127.0.0.1:8080', recording: '/tmp/rec & more' },
  cases: [
    {
      name: 'verdict',
      classname: 'heapsight.check',
      failure: { type: 'heap-leak', message: `heap-leak; culprit ${nasty}`, text: `line 1\n${nasty}` },
      systemOut: 'summary',
    },
    { name: 'heap growth', classname: 'heapsight.check', failure: { type: 'heap-leak', message: '2.7 MiB/min exceeds --max-heap-growth 1 MiB/min' } },
    { name: 'goroutine growth', classname: 'heapsight.check', systemOut: 'measured 0/min; verdict heap-leak' },
    { name: 'skipped one', classname: 'heapsight.check', skipped: { message: 'inconclusive' } },
    { name: 'error one', classname: 'heapsight.check', error: { type: 'unreadable', message: 'connection refused' } },
  ],
};

test('the JUnit report is valid XML with one suite, counts that match its cases, and the text intact', () => {
  const xml = renderJunit(suite);
  assert.equal(XMLValidator.validate(xml), true);
  const doc = parser.parse(xml);
  const root = doc.testsuites;
  assert.equal(root['@tests'], '5');
  assert.equal(root['@failures'], '2');
  const ts = root.testsuite;
  assert.ok(!Array.isArray(ts), 'exactly one testsuite');
  assert.equal(ts['@name'], 'heapsight check');
  assert.equal(ts['@tests'], '5');
  assert.equal(ts['@failures'], '2');
  assert.equal(ts['@errors'], '1');
  assert.equal(ts['@skipped'], '1');
  assert.equal(ts['@time'], '93.25');
  assert.equal(ts['@timestamp'], '2026-11-26T04:00:00Z');
  assert.deepEqual(
    ts.properties.property.map((p: Record<string, string>) => [p['@name'], p['@value']]),
    [
      ['url', 'http://127.0.0.1:8080'],
      ['recording', '/tmp/rec & more'],
    ],
  );
  const cases = ts.testcase;
  assert.deepEqual(
    cases.map((c: Record<string, string>) => c['@name']),
    ['verdict', 'heap growth', 'goroutine growth', 'skipped one', 'error one'],
  );
  const failure = cases[0].failure;
  const expected = xmlSafe(nasty);
  assert.equal(failure['@message'], `heap-leak; culprit ${expected}`);
  assert.equal(failure['@type'], 'heap-leak');
  assert.equal(failure['#text'], `line 1\n${expected}`);
  assert.ok(cases[2]['system-out']);
  assert.equal(cases[3].skipped['@message'], 'inconclusive');
  assert.equal(cases[4].error['@type'], 'unreadable');
  assert.equal(cases[2].failure, undefined);
});

test('characters XML cannot hold are dropped, markup characters escaped', () => {
  assert.equal(xmlSafe('a\u0000b\u0008c\td\ne\rf\u001fg\uFFFEh'), 'abc\td\ne\rfgh');
  assert.equal(xmlSafe('x\uD800y\uDC00z😀'), 'xyz😀');
  assert.equal(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
});

// fast-xml-parser is lenient about characters XML forbids; expat (what many CI tools' parsers are
// built on) is strict, so the report must also pass it, and the raw text must not.
test('a strict XML parser (expat) accepts the report and refuses the unfiltered text', () => {
  const python = requireTool('python3', ['python3']);
  const strict = (xml: string) =>
    spawnSync(python, ['-c', 'import sys, xml.dom.minidom as m; m.parseString(sys.stdin.buffer.read())'], { input: xml, encoding: 'utf8' });
  const ok = strict(renderJunit(suite));
  assert.equal(ok.status, 0, ok.stderr);
  const bad = strict(`<?xml version="1.0"?><r m="${nasty.replace(/[&<>"']/g, '')}"/>`);
  assert.notEqual(bad.status, 0, 'expat refuses NUL and ESC');
  assert.match(bad.stderr, /not well-formed|invalid token/);
});
