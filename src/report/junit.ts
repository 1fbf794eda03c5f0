// JUnit XML for `heapsight check --junit FILE`: one <testsuite> inside <testsuites>, one <testcase> per
// check (verdict, heap growth, goroutine growth), so CI systems (GitLab, Jenkins, GitHub test
// reporters) show a failed memory check next to the unit tests.
//
// The non-obvious decision: text is made XML-safe in two steps, escaping the five markup characters AND
// dropping characters XML 1.0 cannot contain at all (NUL and the other C0 controls but tab/newline/CR,
// lone surrogates, U+FFFE/U+FFFF). Messages quote Go function names, file paths and service output,
// and a single stray control byte would make the whole report unparseable to the CI system.

export interface JunitCase {
  name: string;
  classname: string;
  /** Seconds. */
  time?: number;
  failure?: { message: string; type: string; text?: string };
  error?: { message: string; type: string; text?: string };
  skipped?: { message: string };
  systemOut?: string;
}

export interface JunitSuite {
  name: string;
  /** ISO 8601 start time. */
  timestamp: string;
  /** Seconds. */
  time: number;
  hostname?: string;
  properties?: Record<string, string>;
  cases: JunitCase[];
}

/** Remove code points XML 1.0 does not allow anywhere (even escaped). */
export function xmlSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');
}

export function escapeXml(text: string): string {
  return xmlSafe(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function attrs(a: Record<string, string | number | undefined>): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : v!)}"`)
    .join('');
}

function element(tag: string, a: Record<string, string | number | undefined>, text: string | undefined, indent: string): string {
  if (text === undefined || text === '') return `${indent}<${tag}${attrs(a)}/>\n`;
  return `${indent}<${tag}${attrs(a)}>${escapeXml(text)}</${tag}>\n`;
}

export function renderJunit(suite: JunitSuite): string {
  const failures = suite.cases.filter((c) => c.failure).length;
  const errors = suite.cases.filter((c) => c.error).length;
  const skipped = suite.cases.filter((c) => c.skipped).length;
  const counts = { tests: suite.cases.length, failures, errors, skipped };
  let xml = '<?xml version="1.0" encoding="UTF-8"?>\n';
  xml += `<testsuites${attrs({ name: suite.name, ...counts, time: suite.time })}>\n`;
  xml += `  <testsuite${attrs({ name: suite.name, ...counts, time: suite.time, timestamp: suite.timestamp, hostname: suite.hostname })}>\n`;
  const props = Object.entries(suite.properties ?? {});
  if (props.length) {
    xml += '    <properties>\n';
    for (const [name, value] of props) xml += `      <property${attrs({ name, value })}/>\n`;
    xml += '    </properties>\n';
  }
  for (const c of suite.cases) {
    const head = `    <testcase${attrs({ name: c.name, classname: c.classname, time: c.time ?? 0 })}`;
    const body: string[] = [];
    if (c.failure) body.push(element('failure', { message: c.failure.message, type: c.failure.type }, c.failure.text, '      '));
    if (c.error) body.push(element('error', { message: c.error.message, type: c.error.type }, c.error.text, '      '));
    if (c.skipped) body.push(element('skipped', { message: c.skipped.message }, undefined, '      '));
    if (c.systemOut) body.push(element('system-out', {}, c.systemOut, '      '));
    xml += body.length ? `${head}>\n${body.join('')}    </testcase>\n` : `${head}/>\n`;
  }
  xml += '  </testsuite>\n</testsuites>\n';
  return xml;
}
