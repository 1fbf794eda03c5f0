/* heapsight report page: draws the verdict, charts (uPlot), culprits, growth view and advice from the
 * JSON data element #heapsight-data. Used by the saved report and by the live page (watch --ui).
 *
 * The non-obvious decision: every string that came from a profile or a target reaches the page through
 * textContent or an attribute set with setAttribute on an element we created — never through innerHTML
 * or markup — so a function named `<img src=x onerror=…>` is only ever text. */
var HeapsightReport = (function () {
  'use strict';

  var SVGNS = 'http://www.w3.org/2000/svg';
  var state = { data: null, xMode: 'time', charts: [], syncing: false, flameRoot: 0, statusEl: null };

  // ---- DOM helpers: children that are strings become text nodes. --------------------------------
  function add(el, children) {
    if (children === undefined || children === null || children === false) return el;
    if (!Array.isArray(children)) children = [children];
    for (var i = 0; i < children.length; i++) {
      var c = children[i];
      if (c === undefined || c === null || c === false) continue;
      if (Array.isArray(c)) add(el, c);
      else if (typeof c === 'string' || typeof c === 'number') el.appendChild(document.createTextNode(String(c)));
      else el.appendChild(c);
    }
    return el;
  }
  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    if (attrs) for (var k in attrs) if (attrs[k] !== undefined && attrs[k] !== null && attrs[k] !== false) el.setAttribute(k, String(attrs[k]));
    return add(el, children);
  }

  /** A table with a header row; a column given as { num: label } is numeric (right-aligned). */
  function dataTable(cls, columns, rows) {
    var ths = columns.map(function (c) {
      return typeof c === 'string' ? h('th', null, c) : h('th', { class: 'num' }, c.num);
    });
    return h('table', { class: cls }, [h('thead', null, h('tr', null, ths)), h('tbody', null, rows)]);
  }

  function svg(tag, attrs, children) {
    var el = document.createElementNS(SVGNS, tag);
    if (attrs) for (var k in attrs) if (attrs[k] !== undefined && attrs[k] !== null) el.setAttribute(k, String(attrs[k]));
    return add(el, children);
  }

  // ---- Units, the same way the terminal report writes them. --------------------------------------
  var UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  function fmtBytes(b) {
    if (b === null || b === undefined || !isFinite(b)) return '–';
    var neg = b < 0,
      v = Math.abs(b),
      u = 0;
    while (v >= 1024 && u < UNITS.length - 1) {
      v /= 1024;
      u++;
    }
    var d = u === 0 ? 0 : v >= 100 ? 0 : v >= 10 ? 1 : 2;
    return (neg ? '-' : '') + v.toFixed(d) + ' ' + UNITS[u];
  }
  /** Tick labels: whole binary units where possible ("64 MiB", not "64.0 MiB"). */
  function fmtBytesTick(b) {
    return fmtBytes(b).replace(/\.0+ /, ' ');
  }
  // Tick steps that land on round binary sizes: 1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64 … of each unit.
  var BYTE_INCRS = (function () {
    var out = [];
    [1, 1024, 1048576, 1073741824, 1099511627776].forEach(function (u) {
      [1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 200, 256, 500, 512].forEach(function (m) {
        out.push(m * u);
      });
    });
    return out
      .sort(function (a, b) {
        return a - b;
      })
      .filter(function (v, i, a) {
        return i === 0 || v !== a[i - 1];
      });
  })();
  function fmtBytesDelta(b) {
    return (b >= 0 ? '+' : '') + fmtBytes(b);
  }
  function fmtCount(n) {
    if (n === null || n === undefined || !isFinite(n)) return '–';
    var r = Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 10) / 10;
    return r.toLocaleString('en-US');
  }
  function fmtDur(s) {
    if (s === null || s === undefined || !isFinite(s)) return '–';
    s = Math.round(s);
    if (s < 120) return s + ' s';
    if (s < 7200) {
      var m = Math.floor(s / 60),
        r = s % 60;
      return r ? m + ' min ' + r + ' s' : m + ' min';
    }
    var hh = Math.floor(s / 3600),
      mm = Math.round((s % 3600) / 60);
    return mm ? hh + ' h ' + mm + ' min' : hh + ' h';
  }
  function fmtElapsed(s) {
    if (s === null || s === undefined || !isFinite(s)) return '';
    var neg = s < 0;
    s = Math.abs(s);
    var m = Math.floor(s / 60),
      sec = Math.round(s - m * 60);
    if (sec === 60) {
      m++;
      sec = 0;
    }
    if (m >= 60) return (neg ? '-' : '') + Math.floor(m / 60) + 'h' + String(m % 60).padStart(2, '0');
    return (neg ? '-' : '') + m + ':' + String(sec).padStart(2, '0');
  }
  function fmtPct(x) {
    return x === undefined || x === null || !isFinite(x) ? '–' : Math.round(x * 100) + '%';
  }
  function shortFn(name) {
    var slash = name.lastIndexOf('/');
    return slash >= 0 ? name.slice(slash + 1) : name;
  }
  function frameText(f) {
    return f ? f.function + (f.file ? ' — ' + f.file + (f.line ? ':' + f.line : '') : '') : '';
  }

  var VERDICT = {
    'heap-leak': { title: 'Heap leak', cls: 'bad', line: 'The live heap keeps growing: something holds on to memory.' },
    'goroutine-leak': { title: 'Goroutine leak', cls: 'bad', line: 'Goroutines pile up and never finish.' },
    'off-heap-growth': { title: 'Growth outside the Go heap', cls: 'bad', line: 'RSS grows while the memory Go maps stays flat: cgo, mmap or a C library.' },
    'no-leak': { title: 'No leak', cls: 'good', line: 'The live heap is stable; what looks like growth is memory the runtime holds or a bounded working set.' },
    inconclusive: { title: 'Inconclusive — keep watching', cls: 'warn', line: 'Not enough data for a verdict yet.' },
  };

  // ---- Sections ----------------------------------------------------------------------------------
  function header(d) {
    var f = d.findings;
    var meta = [];
    if (d.target && d.target !== d.title) meta.push('target ' + d.target);
    if (d.note && d.note !== d.title) meta.push(d.note);
    if (f.goVersion) meta.push(f.goVersion);
    meta.push(
      (d.live ? 'updated ' : 'generated ') +
        new Date(d.generatedAt)
          .toISOString()
          .replace('T', ' ')
          .replace(/\.\d+Z$/, ' UTC'),
    );
    var status = d.live ? h('span', { class: 'live-status', id: 'live-status' }, [h('span', { class: 'dot' }), 'live']) : null;
    state.statusEl = status;
    return h('header', { class: 'top' }, [
      h('div', { class: 'brand' }, ['heapsight', status]),
      h('h1', { class: 'title' }, d.title),
      h('div', { class: 'meta' }, meta.join(' · ')),
    ]);
  }

  function keyNumbers(d) {
    var f = d.findings,
      ev = f.evidence,
      r = ev.rates,
      o = f.observed,
      cards = [];
    function card(label, value, sub, cls) {
      cards.push(
        h('div', { class: 'kn' + (cls ? ' ' + cls : '') }, [
          h('div', { class: 'kn-label' }, label),
          h('div', { class: 'kn-value' }, value),
          sub ? h('div', { class: 'kn-sub' }, sub) : null,
        ]),
      );
    }
    card(
      'observed',
      o.seconds !== undefined ? fmtDur(o.seconds) : o.samples + ' samples',
      o.samples + ' samples · ' + o.gcCycles + ' GC cycles · ' + o.heapProfiles + ' heap profiles',
    );
    // The trend's medians (first third → last third) rather than the first and last point, which can
    // sit on a burst and contradict a no-leak verdict.
    var lt = ev.liveHeap;
    if (lt || f.liveHeap.first !== undefined)
      card(
        'live heap' + (lt ? ' (typical, start → end)' : ''),
        lt ? fmtBytes(lt.baseline) + ' → ' + fmtBytes(lt.latest) : fmtBytes(f.liveHeap.first) + ' → ' + fmtBytes(f.liveHeap.last),
        r.liveHeapBytesPerMinute !== undefined
          ? fmtBytesDelta(r.liveHeapBytesPerMinute) +
              '/min' +
              (r.liveHeapBytesPerGiBAllocated !== undefined ? ' · ' + fmtBytesDelta(r.liveHeapBytesPerGiBAllocated) + ' per GiB allocated' : '') +
              (r.liveHeapBytesPer1000Work !== undefined ? ' · ' + fmtBytesDelta(r.liveHeapBytesPer1000Work) + ' per 1,000 ' + (o.workMetric || 'work') : '')
          : 'source: ' + (f.liveHeap.source || 'unknown'),
        f.verdict === 'heap-leak' ? 'hot' : '',
      );
    var b = f.breakdown;
    if (b && b.rss !== undefined) card('RSS', fmtBytes(b.rss), r.rssBytesPerMinute !== undefined ? fmtBytesDelta(r.rssBytesPerMinute) + '/min' : '');
    if (b) {
      var ret = (b.parts || []).filter(function (p) {
        return p.id === 'heap-free-retained';
      })[0];
      if (ret)
        card(
          'freed, retained by Go',
          fmtBytes(ret.bytes),
          fmtPct(ret.share) + ' of RSS · returned to the OS lazily',
          f.verdict === 'no-leak' && ret.share > 0.2 ? 'cool' : '',
        );
      var ng = (b.parts || []).filter(function (p) {
        return p.id === 'non-go';
      })[0];
      if (ng && (f.verdict === 'off-heap-growth' || ng.share > 0.1))
        card(
          'outside the Go runtime',
          fmtBytes(ng.bytes),
          r.nonGoBytesPerMinute !== undefined ? fmtBytesDelta(r.nonGoBytesPerMinute) + '/min' : '',
          f.verdict === 'off-heap-growth' ? 'hot' : '',
        );
    }
    if (ev.goroutines)
      card(
        'goroutines',
        fmtCount(ev.goroutines.baseline) + ' → ' + fmtCount(ev.goroutines.latest),
        r.goroutinesPerMinute !== undefined ? (r.goroutinesPerMinute >= 0 ? '+' : '') + fmtCount(r.goroutinesPerMinute) + '/min' : '',
        f.verdict === 'goroutine-leak' ? 'hot' : '',
      );
    if (ev.heapHeldByGoroutines) card('heap held by leaked goroutines', fmtBytes(ev.heapHeldByGoroutines), '');
    return h('div', { class: 'key-numbers' }, cards);
  }

  function banner(d) {
    var f = d.findings,
      v = VERDICT[f.verdict] || { title: f.verdict, cls: 'warn', line: '' };
    var top = f.culprits[0];
    return h('section', { class: 'verdict ' + v.cls, id: 'verdict' }, [
      h('div', { class: 'verdict-head' }, [
        h('div', null, [
          h('div', { class: 'verdict-kicker' }, 'verdict'),
          h('div', { class: 'verdict-title', 'data-verdict': f.verdict }, v.title),
          h('div', { class: 'verdict-line' }, v.line),
        ]),
        h('div', { class: 'confidence' }, [
          h('div', { class: 'conf-label' }, 'confidence'),
          h('div', { class: 'conf-value' }, fmtPct(f.confidence)),
          h('div', { class: 'conf-bar' }, h('div', { class: 'conf-fill', style: 'width:' + Math.round(Math.max(0, Math.min(1, f.confidence)) * 100) + '%' })),
        ]),
      ]),
      h('p', { class: 'summary' }, f.summary),
      top
        ? h('p', { class: 'top-culprit' }, [
            h('span', { class: 'muted' }, 'top culprit: '),
            h('code', { id: 'top-culprit' }, top.function),
            top.pattern ? h('span', { class: 'badge' }, top.pattern) : null,
            top.fix ? h('span', { class: 'muted' }, ' — ' + top.fix) : null,
          ])
        : null,
      f.observeMore
        ? h(
            'p',
            { class: 'observe-more' },
            'Observe ' +
              (f.observeMore.seconds !== undefined ? 'about ' + fmtDur(f.observeMore.seconds) + ' more' : 'longer') +
              ': ' +
              f.observeMore.reason +
              '.',
          )
        : null,
      keyNumbers(d),
    ]);
  }

  function section(id, title, intro, body) {
    return h('section', { class: 'card', id: id }, [h('h2', null, title), intro ? h('p', { class: 'intro' }, intro) : null, body]);
  }

  function sparkline(values, w, hgt, cls) {
    w = w || 120;
    hgt = hgt || 28;
    var el = svg('svg', { class: 'spark ' + (cls || ''), width: w, height: hgt, viewBox: '0 0 ' + w + ' ' + hgt, role: 'img' });
    var vs = (values || []).filter(function (v) {
      return v !== null && isFinite(v);
    });
    if (vs.length < 1) return el;
    var min = Math.min.apply(null, vs),
      max = Math.max.apply(null, vs),
      span = max - min || 1,
      n = values.length;
    var dpath = '',
      area = '';
    values.forEach(function (v, i) {
      if (v === null || !isFinite(v)) return;
      var x = n === 1 ? w / 2 : 2 + (i * (w - 4)) / (n - 1),
        y = hgt - 3 - ((v - min) / span) * (hgt - 6);
      dpath += (dpath ? 'L' : 'M') + x.toFixed(1) + ' ' + y.toFixed(1);
    });
    area = dpath + 'L' + (w - 2) + ' ' + hgt + 'L2 ' + hgt + 'Z';
    add(el, [svg('path', { d: area, class: 'spark-area' }), svg('path', { d: dpath, class: 'spark-line' })]);
    return el;
  }

  function shareBar(share) {
    return h('div', { class: 'share' }, [
      h('div', { class: 'share-bar' }, h('div', { class: 'share-fill', style: 'width:' + Math.round(Math.max(0, Math.min(1, share || 0)) * 100) + '%' })),
      h('span', null, fmtPct(share)),
    ]);
  }

  function stackList(stack) {
    return h(
      'ol',
      { class: 'stack' },
      (stack || []).map(function (f) {
        return h('li', null, [h('code', null, f.function), f.file ? h('span', { class: 'file' }, f.file + (f.line ? ':' + f.line : '')) : null]);
      }),
    );
  }

  function culpritsSection(d) {
    var f = d.findings;
    if (!f.culprits.length) return section('culprits', 'Culprits', 'No call site grew across the profiles.', null);
    var rows = f.culprits.slice(0, 30).map(function (c, i) {
      var g = c.growth;
      var delta = g.unit === 'bytes' ? fmtBytesDelta(g.delta) : (g.delta >= 0 ? '+' : '') + fmtCount(g.delta) + ' ' + g.unit;
      var rate =
        g.perMinute !== undefined ? (g.unit === 'bytes' ? fmtBytesDelta(g.perMinute) : (g.perMinute >= 0 ? '+' : '') + fmtCount(g.perMinute)) + '/min' : '';
      var detail = h('details', { class: 'culprit-details' }, [
        h('summary', null, [h('code', { class: 'fn' }, c.function), h('div', { class: 'file' }, c.file + (c.line ? ':' + c.line : ''))]),
        c.fix ? h('p', { class: 'fix' }, c.fix) : null,
        c.state || c.createdBy
          ? h('p', { class: 'muted' }, [c.state ? 'state: ' + c.state + '. ' : '', c.createdBy ? 'created by ' + frameText(c.createdBy) : ''])
          : null,
        c.avgObjectBytes !== undefined ? h('p', { class: 'muted' }, 'average live object ' + fmtBytes(c.avgObjectBytes)) : null,
        h('div', { class: 'muted' }, 'full stack, leaf first:'),
        stackList(c.stack),
      ]);
      return h('tr', { class: 'culprit-row' }, [
        h('td', { class: 'num' }, String(i + 1)),
        h('td', { class: 'site' }, detail),
        h('td', null, [h('span', { class: 'badge kind-' + c.kind }, c.kind), c.pattern ? h('span', { class: 'badge' }, c.pattern) : null]),
        h('td', { class: 'num' }, [h('div', null, delta), h('div', { class: 'muted' }, rate)]),
        h('td', null, shareBar(g.share)),
        h('td', null, sparkline(g.series, 120, 28, c.kind === 'heap' ? 'red' : 'violet')),
      ]);
    });
    var table = dataTable('culprits', ['#', 'call site (click for the full stack)', 'kind', { num: 'growth' }, 'share of growth', 'across profiles'], rows);
    return section(
      'culprits',
      'Culprits',
      'Call sites whose in-use memory or goroutine count grew between profiles, ranked by slope × monotonicity. The sparkline is one point per profile.',
      table,
    );
  }

  function provenSection(d) {
    if (!d.proven) return null;
    var items = d.proven.sites.map(function (site) {
      return h('li', { class: 'proven-site' }, [
        h('details', null, [
          h('summary', null, [h('code', { class: 'proven-head' }, site.head)]),
          h('div', { class: 'muted' }, 'stack, leaf first:'),
          h(
            'ol',
            { class: 'stack' },
            site.stack.map(function (fr) {
              return h('li', null, h('code', null, fr));
            }),
          ),
        ]),
        site.startedBy ? h('p', { class: 'started-by' }, site.startedBy) : null,
      ]);
    });
    return section(
      'proven-leaks',
      'Goroutines proven leaked by the runtime (' + fmtCount(d.proven.total) + ')',
      "The Go runtime's leak-detection GC (goroutineleak profile) proved these goroutines can never wake: proof, not a trend.",
      h('ul', { class: 'proven-list' }, items),
    );
  }

  function buildSection(d) {
    if (!d.build) return null;
    var rows = d.build.map(function (r) {
      return h('tr', null, [h('th', null, r.label), h('td', null, h('code', null, r.value))]);
    });
    return section(
      'build',
      'Build',
      "Read from the target binary's embedded build info (as go version -m prints it).",
      h('table', { class: 'build-info' }, h('tbody', null, rows)),
    );
  }

  function adviceSection(d) {
    var f = d.findings;
    var items = f.advice.map(function (a) {
      return h('li', { class: 'advice' }, [
        h('p', null, a.text),
        a.basedOn && a.basedOn.length
          ? h(
              'div',
              { class: 'based-on' },
              [h('span', { class: 'muted' }, 'based on: ')].concat(
                a.basedOn.map(function (b) {
                  return h('code', { class: 'chip' }, b);
                }),
              ),
            )
          : null,
      ]);
    });
    return section('advice', 'Advice', null, items.length ? h('ul', { class: 'advice-list' }, items) : h('p', { class: 'muted' }, 'No advice.'));
  }

  function evidenceSection(d) {
    var f = d.findings;
    var list = h(
      'ul',
      { class: 'reasons' },
      f.evidence.reasons.map(function (r) {
        return h('li', null, r);
      }),
    );
    var extra = [];
    var notes = f.notes.concat(f.breakdown ? f.breakdown.notes : []);
    if (notes.length)
      extra.push(
        h('h3', null, 'Notes'),
        h(
          'ul',
          { class: 'notes' },
          notes.map(function (n) {
            return h('li', null, n);
          }),
        ),
      );
    return section('evidence', 'Evidence', null, [list].concat(extra));
  }

  function breakdownSection(d) {
    var b = d.findings.breakdown;
    if (!b) return null;
    var rows = b.parts.map(function (p) {
      return h('tr', null, [
        h('td', null, [h('span', { class: 'swatch sw-' + p.id }), p.label]),
        h('td', { class: 'num' }, fmtBytes(p.bytes)),
        h('td', null, shareBar(p.share)),
        h('td', { class: 'num muted' }, p.delta !== undefined ? fmtBytesDelta(p.delta) : ''),
      ]);
    });
    var head = [];
    if (b.rss !== undefined) head.push('RSS ' + fmtBytes(b.rss));
    if (b.goMapped !== undefined) head.push('Go-mapped (Sys − HeapReleased) ' + fmtBytes(b.goMapped));
    if (b.heapReleased !== undefined) head.push('released to the OS ' + fmtBytes(b.heapReleased));
    return section(
      'breakdown',
      'Where the memory is now',
      head.join(' · ') + (b.t ? ' — at ' + new Date(b.t).toISOString().slice(11, 19) + ' UTC' : ''),
      dataTable('breakdown', ['part', { num: 'bytes' }, 'share', { num: 'since start' }], rows),
    );
  }

  function containerSection(d) {
    var c = d.container;
    if (!c) return null;
    var intro = [];
    if (c.limit !== undefined) intro.push('limit ' + fmtBytes(c.limit));
    if (c.headroom !== undefined) intro.push('headroom ' + fmtBytes(c.headroom));
    if (c.secondsToLimit !== undefined) intro.push('limit reached in ~' + fmtDur(c.secondsToLimit) + ' at the measured rate');
    if (c.growingLayer) intro.push('growing layer: ' + c.growingLayer);
    var body = [];
    if (c.layers.length) {
      var rows = c.layers.map(function (l) {
        return h('tr', { class: 'layer', 'data-layer': l.id }, [
          h('td', { title: l.detail, style: 'padding-left:' + (0.5 + 1.25 * l.depth) + 'em' }, (l.depth ? '↳ ' : '') + l.label),
          h('td', { class: 'num' }, fmtBytes(l.bytes)),
          h('td', null, shareBar(l.share)),
          h('td', { class: 'num muted' }, l.delta !== undefined ? fmtBytesDelta(l.delta) : ''),
        ]);
      });
      body.push(
        dataTable('breakdown waterfall', ['layer', { num: 'bytes' }, c.limit !== undefined ? 'of the limit' : 'of usage', { num: 'since start' }], rows),
      );
    }
    if (c.oomSummary) body.push(h('p', { class: 'oom-summary' }, c.oomSummary.charAt(0).toUpperCase() + c.oomSummary.slice(1) + '.'));
    if (c.restarts.length) {
      var rrows = c.restarts.map(function (r) {
        return h('tr', { class: 'restart-row', 'data-cause': r.cause }, [
          h('td', null, r.t ? new Date(r.t).toISOString().slice(11, 23) + ' UTC' : '–'),
          h('td', null, r.cause),
          h('td', { class: 'num' }, r.memoryBefore !== undefined ? fmtBytes(r.memoryBefore) + ' (' + r.memoryWhat + ')' : '–'),
          h('td', { class: 'num' }, r.limit !== undefined ? fmtBytes(r.limit) : '–'),
          h('td', null, r.reason),
        ]);
      });
      body.push(h('h3', null, 'Restarts'), dataTable('restarts', ['time', 'cause', { num: 'memory before' }, { num: 'limit' }, 'detail'], rrows));
    }
    return section('container', c.heading, intro.join(' · '), body);
  }

  function goroutineSection(d) {
    var gg = d.goroutineGroups;
    if (!gg || !gg.groups.length) return null;
    var rows = gg.groups.map(function (g) {
      var first = g.counts[0],
        last = g.counts[g.counts.length - 1];
      return h('tr', null, [
        h(
          'td',
          null,
          g.stack.length
            ? h('details', null, [h('summary', null, [h('code', { class: 'fn' }, g.creator)]), stackList(g.stack)])
            : h('span', { class: 'muted' }, '(no stack)'),
        ),
        h('td', null, h('code', null, g.waitSite)),
        h('td', null, g.state || ''),
        h('td', { class: 'num' }, fmtCount(last)),
        h('td', { class: 'num' + (last > first ? ' up' : '') }, (last - first >= 0 ? '+' : '') + fmtCount(last - first)),
        h('td', null, sparkline(g.counts, 110, 24, 'violet')),
      ]);
    });
    return section(
      'goroutines',
      'Goroutine groups',
      'By creation site and wait site, counted in each of ' + gg.x.length + ' goroutine profiles.',
      dataTable('groups', ['created by / entry', 'waiting in', 'state', { num: 'now' }, { num: 'change' }, 'over time'], rows),
    );
  }

  // ---- Growth view: icicle of the heap diff, growth red, shrinkage blue. ------------------------
  function flameSection(d) {
    var fl = d.flame;
    if (!fl) return null;
    var holder = h('div', { class: 'flame-holder' });
    var crumbs = h('div', { class: 'flame-crumbs' });
    var span = fl.fromT !== undefined && fl.toT !== undefined ? ' over ' + fmtDur((fl.toT - fl.fromT) / 1000) : '';
    var intro =
      'In-use memory (' +
      fl.sampleType +
      ') by call path, first heap profile against the last' +
      span +
      ': ' +
      fmtBytes(fl.totalBefore) +
      ' → ' +
      fmtBytes(fl.totalAfter) +
      ' (' +
      fmtBytesDelta(fl.totalAfter - fl.totalBefore) +
      '). Width is before + after; red grew, blue shrank. Click a frame to zoom in.';
    function draw() {
      holder.textContent = '';
      holder.appendChild(
        flameSvg(fl, state.flameRoot, function (i) {
          state.flameRoot = i;
          draw();
        }),
      );
      crumbs.textContent = '';
      if (state.flameRoot)
        add(crumbs, h('button', { class: 'btn', type: 'button' }, 'reset zoom')).firstChild.addEventListener('click', function () {
          state.flameRoot = 0;
          draw();
        });
    }
    draw();
    return section('growth', 'Growth view', intro, [
      h('div', { class: 'legend-inline' }, [
        h('span', { class: 'swatch grow' }),
        'grew',
        h('span', { class: 'swatch shrink' }),
        'shrank',
        h('span', { class: 'swatch same' }),
        'unchanged',
      ]),
      crumbs,
      holder,
    ]);
  }

  function flameSvg(fl, rootIdx, onPick) {
    var n = fl.nodes.length,
      children = [],
      i;
    for (i = 0; i < n; i++) children.push([]);
    for (i = 1; i < n; i++) if (fl.nodes[i][1] >= 0) children[fl.nodes[i][1]].push(i);
    var W = 1000,
      RH = 18,
      MAXD = 48;
    var root = fl.nodes[rootIdx] || fl.nodes[0];
    var total = root[2] + root[3] || 1;
    var rects = [],
      maxDepth = 0;
    function place(idx, x, depth) {
      var nd = fl.nodes[idx],
        w = ((nd[2] + nd[3]) / total) * W;
      if (w < 1.5 || depth > MAXD) return;
      rects.push({ idx: idx, x: x, w: w, depth: depth });
      if (depth > maxDepth) maxDepth = depth;
      var cx = x;
      children[idx].forEach(function (c) {
        place(c, cx, depth + 1);
        cx += ((fl.nodes[c][2] + fl.nodes[c][3]) / total) * W;
      });
    }
    place(rootIdx, 0, 0);
    var H = (maxDepth + 1) * RH;
    // Uniform scaling (no preserveAspectRatio=none) so labels keep their shape at any page width.
    var el = svg('svg', { class: 'flame', viewBox: '0 0 ' + W + ' ' + H, width: '100%' });
    rects.forEach(function (r) {
      var nd = fl.nodes[r.idx],
        before = nd[2],
        after = nd[3],
        delta = after - before;
      var rel = Math.max(before, after) ? delta / Math.max(before, after) : 0;
      var fill;
      if (Math.abs(rel) < 0.02) fill = 'hsl(215, 16%, 86%)';
      else if (rel > 0) fill = 'hsl(0, ' + Math.round(45 + 40 * rel) + '%, ' + Math.round(88 - 30 * rel) + '%)';
      else fill = 'hsl(214, ' + Math.round(45 - 40 * rel) + '%, ' + Math.round(88 + 30 * rel) + '%)';
      var name = r.idx === 0 ? 'all stacks' : fl.names[nd[0]];
      var g = svg('g', { class: 'fnode' }, [
        svg('title', null, name + '\n' + fmtBytes(before) + ' → ' + fmtBytes(after) + ' (' + fmtBytesDelta(delta) + ')'),
        svg('rect', { x: r.x.toFixed(2), y: r.depth * RH, width: Math.max(0.5, r.w - 0.6).toFixed(2), height: RH - 1, fill: fill, rx: 2 }),
      ]);
      if (r.w > 36) {
        var label = shortFn(name),
          maxChars = Math.floor((r.w - 6) / 6.2);
        if (label.length > maxChars) label = label.slice(0, Math.max(1, maxChars - 1)) + '…';
        g.appendChild(svg('text', { x: (r.x + 3).toFixed(2), y: r.depth * RH + 12.5, class: 'flabel' }, label));
      }
      g.addEventListener('click', function () {
        onPick(r.idx === rootIdx ? 0 : r.idx);
      });
      el.appendChild(g);
    });
    return el;
  }

  // ---- Charts ------------------------------------------------------------------------------------
  var COLORS = {
    live: '#c2410c',
    heapNotLive: '#fdba74',
    retained: '#7dd3fc',
    stacks: '#c4b5fd',
    metadata: '#cbd5e1',
    nonGo: '#86efac',
    lazyFree: '#bae6fd',
    released: '#f1f5f9',
    rss: '#0f172a',
  };
  var LAYERS = [
    ['live', 'live heap'],
    ['heapNotLive', 'heap in use, not live (garbage, span slack)'],
    ['retained', 'freed, retained by the runtime'],
    ['stacks', 'stacks'],
    ['metadata', 'runtime metadata'],
    ['nonGo', 'outside the Go runtime'],
    ['lazyFree', 'released with MADV_FREE, still in RSS'],
    ['released', 'released to the OS (not in RSS)'],
  ];

  /** Legend values: at the cursor, or the last value when the cursor is off the chart (screenshots, print). */
  function legendVal(fmt) {
    return function (u, v, si, idx) {
      if (idx === null || idx === undefined) {
        var col = u.data[si] || [];
        for (var i = col.length - 1; i >= 0; i--)
          if (col[i] !== null && col[i] !== undefined) {
            v = col[i];
            break;
          }
      }
      return v === null || v === undefined ? '–' : fmt(v);
    };
  }

  function workMap(d) {
    // Seconds → work, by linear interpolation over the samples that carry work.
    if (!d.work) return null;
    var xs = [],
      ws = [];
    d.x.forEach(function (x, i) {
      var w = d.work.values[i];
      if (w !== null && w !== undefined) {
        xs.push(x);
        ws.push(w);
      }
    });
    if (xs.length < 2) return null;
    return function (x) {
      if (x <= xs[0]) return ws[0];
      if (x >= xs[xs.length - 1]) return ws[ws.length - 1];
      var lo = 0,
        hi = xs.length - 1;
      while (hi - lo > 1) {
        var m = (lo + hi) >> 1;
        if (xs[m] <= x) lo = m;
        else hi = m;
      }
      return xs[hi] === xs[lo] ? ws[lo] : ws[lo] + ((ws[hi] - ws[lo]) * (x - xs[lo])) / (xs[hi] - xs[lo]);
    };
  }

  /** Align a chart's arrays to the current x mode: in work mode drop points without work and map x. */
  function alignX(d, xs, cols, toWork) {
    if (state.xMode !== 'work' || !toWork) return [xs].concat(cols);
    var keep = [],
      outX = [],
      last = -Infinity;
    xs.forEach(function (x, i) {
      var w = toWork(x);
      if (w !== null && w !== undefined && w >= last) {
        keep.push(i);
        outX.push(w);
        last = w;
      }
    });
    return [outX].concat(
      cols.map(function (c) {
        return keep.map(function (i) {
          return c[i];
        });
      }),
    );
  }

  function fmtXVal(v) {
    var d = state.data;
    if (state.xMode === 'work' && d.work) return d.work.unit === 'bytes' ? fmtBytes(v) : fmtCount(v);
    return fmtElapsed(v);
  }

  /** Axis ticks: seconds for short spans (with a decimal when ticks are closer than 1 s), else m:ss. */
  function fmtXSplits(splits) {
    var d = state.data;
    if (state.xMode === 'work' && d.work) return splits.map(fmtXVal);
    var step = splits.length > 1 ? Math.abs(splits[1] - splits[0]) : 1;
    var range = splits.length ? Math.abs(splits[splits.length - 1] - splits[0]) : 0;
    if (range < 120)
      return splits.map(function (v) {
        return v.toFixed(step < 1 ? 1 : 0) + ' s';
      });
    return splits.map(fmtElapsed);
  }

  function markerHook(d, toWork) {
    return function (u) {
      var ctx = u.ctx,
        bb = u.bbox,
        m = d.markers;
      var X = function (x) {
        return state.xMode === 'work' && toWork ? toWork(x) : x;
      };
      ctx.save();
      ctx.setLineDash([]);
      ctx.beginPath();
      ctx.rect(bb.left, bb.top, bb.width, bb.height);
      ctx.clip();
      (m.gaps || []).forEach(function (g) {
        var a = u.valToPos(X(g.x - g.seconds), 'x', true),
          b = u.valToPos(X(g.x), 'x', true);
        ctx.fillStyle = 'rgba(250, 204, 21, 0.18)';
        ctx.fillRect(Math.min(a, b), bb.top, Math.max(2, Math.abs(b - a)), bb.height);
      });
      if (m.gc.length && m.gc.length <= 600) {
        ctx.strokeStyle = 'rgba(100, 116, 139, 0.22)';
        ctx.lineWidth = 1;
        m.gc.forEach(function (x) {
          var px = Math.round(u.valToPos(X(x), 'x', true)) + 0.5;
          ctx.beginPath();
          ctx.moveTo(px, bb.top);
          ctx.lineTo(px, bb.top + bb.height);
          ctx.stroke();
        });
      }
      (m.restarts || []).forEach(function (r) {
        var px = Math.round(u.valToPos(X(r.x), 'x', true)) + 0.5;
        ctx.strokeStyle = '#dc2626';
        ctx.lineWidth = 2 * devicePixelRatio;
        ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
        ctx.beginPath();
        ctx.moveTo(px, bb.top);
        ctx.lineTo(px, bb.top + bb.height);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = '#dc2626';
        ctx.font = 'bold ' + 11 * devicePixelRatio + 'px system-ui, sans-serif';
        ctx.fillText('restart', px + 4 * devicePixelRatio, bb.top + 12 * devicePixelRatio);
      });
      ctx.restore();
    };
  }

  function zoomSync(u, key) {
    if (key !== 'x' || state.syncing) return;
    state.syncing = true;
    var min = u.scales.x.min,
      max = u.scales.x.max;
    state.charts.forEach(function (c) {
      if (c.u !== u && c.u.scales.x && (c.u.scales.x.min !== min || c.u.scales.x.max !== max)) c.u.setScale('x', { min: min, max: max });
    });
    state.syncing = false;
  }

  function baseOpts(d, title, width, toWork, yFmt) {
    return {
      title: undefined,
      width: width,
      height: 250,
      cursor: { sync: { key: 'heapsight', setSeries: false }, drag: { x: true, y: false, setScale: true }, points: { size: 6 } },
      select: { show: true },
      legend: { live: true },
      scales: { x: { time: false } },
      axes: [
        {
          values: function (u, splits) {
            return fmtXSplits(splits);
          },
          stroke: '#475569',
          grid: { stroke: '#eef2f7' },
          ticks: { stroke: '#e2e8f0' },
        },
        {
          values: function (u, splits) {
            return splits.map(yFmt || fmtBytesTick);
          },
          incrs: yFmt ? undefined : BYTE_INCRS,
          size: 72,
          stroke: '#475569',
          grid: { stroke: '#eef2f7' },
          ticks: { stroke: '#e2e8f0' },
        },
      ],
      hooks: { setScale: [zoomSync], draw: [markerHook(d, toWork)] },
      series: [
        {
          label: state.xMode === 'work' && d.work ? d.work.label : 'elapsed',
          value: function (u, v, si, idx) {
            if (idx === null || idx === undefined) {
              var xs = u.data[0];
              return xs.length ? 'at end, ' + fmtXVal(xs[xs.length - 1]) : '';
            }
            return v === null || v === undefined ? '' : fmtXVal(v);
          },
        },
      ],
    };
  }

  function chartSpecs(d) {
    var toWork = workMap(d),
      specs = [];
    // (a) memory breakdown, stacked; layers drawn top first so each lower one paints over, RSS on top.
    var present = LAYERS.filter(function (l) {
      return d.mem[l[0]].some(function (v) {
        return v !== null && v > 0;
      });
    });
    if (present.length) {
      var cum = [],
        running = d.x.map(function () {
          return 0;
        });
      present.forEach(function (l) {
        running = running.map(function (r, i) {
          return r + (d.mem[l[0]][i] || 0);
        });
        cum.push(running.slice());
      });
      var order = present
        .map(function (_, i) {
          return i;
        })
        .reverse();
      var cols = order.map(function (i) {
        return cum[i];
      });
      var hasRss = d.mem.rss.some(function (v) {
        return v !== null;
      });
      if (hasRss) cols.push(d.mem.rss);
      specs.push({
        id: 'chart-memory',
        title: 'Memory: what RSS is made of',
        caption:
          'Stacked parts of the process memory, RSS as the black line. A heap leak raises the dark bottom band (live heap); growth outside Go raises the green band; memory the runtime merely holds shows in the blue and orange bands and leaves the live heap flat.',
        data: function () {
          return alignX(d, d.x, cols, toWork);
        },
        opts: function (w) {
          var o = baseOpts(d, 'memory', w, toWork);
          order.forEach(function (i) {
            var key = present[i][0];
            o.series.push({
              label: present[i][1],
              stroke: key === 'released' ? '#94a3b8' : COLORS[key],
              fill: COLORS[key],
              width: key === 'released' ? 1 : 0,
              dash: key === 'released' ? [4, 3] : undefined,
              points: { show: false },
              value: function (u, v, si, idx) {
                if (idx === null || idx === undefined) {
                  idx = u.data[0].length - 1;
                  v = u.data[si][idx];
                }
                var raw = state.xMode === 'work' ? null : d.mem[key][idx];
                return raw === null ? (v === null ? '–' : '≤ ' + fmtBytes(v)) : fmtBytes(raw);
              },
            });
          });
          if (hasRss) o.series.push({ label: 'RSS', stroke: COLORS.rss, width: 2, points: { show: false }, value: legendVal(fmtBytes) });
          return o;
        },
      });
    }
    // (b) live heap with trend and plateau.
    if (d.liveHeap.x.length) {
      var lh = d.liveHeap,
        trend = lh.trend;
      var trendCol = lh.x.map(function (x) {
        return trend && x >= trend.x0 - 1e-9 && x <= trend.x1 + 1e-9 ? trend.y0 + ((trend.y1 - trend.y0) * (x - trend.x0)) / (trend.x1 - trend.x0 || 1) : null;
      });
      var plateauCol = lh.x.map(function () {
        return lh.plateau !== undefined ? lh.plateau : null;
      });
      var lcols = [lh.bytes];
      if (trend) lcols.push(trendCol);
      if (lh.plateau !== undefined) lcols.push(plateauCol);
      specs.push({
        id: 'chart-live',
        title: 'Live heap (after GC)',
        caption:
          'Estimated from ' +
          (lh.source || 'the samples') +
          '. The dashed line is the robust (Theil–Sen) trend the verdict rests on' +
          (lh.plateau !== undefined ? '; the dotted line is the plateau it levelled off at.' : '.'),
        data: function () {
          return alignX(d, lh.x, lcols, toWork);
        },
        opts: function (w) {
          var o = baseOpts(d, 'live', w, toWork);
          o.series.push({
            label: 'live heap',
            stroke: COLORS.live,
            width: 2,
            fill: 'rgba(194, 65, 12, 0.08)',
            points: { show: lh.x.length < 120, size: 5 },
            value: legendVal(fmtBytes),
          });
          if (trend) o.series.push({ label: 'trend', stroke: '#1e293b', width: 1.5, dash: [8, 5], points: { show: false }, value: legendVal(fmtBytes) });
          if (lh.plateau !== undefined)
            o.series.push({ label: 'plateau', stroke: '#0891b2', width: 1.5, dash: [2, 4], points: { show: false }, value: legendVal(fmtBytes) });
          return o;
        },
      });
    }
    // (c) goroutines.
    if (
      d.goroutines.some(function (v) {
        return v !== null;
      })
    ) {
      specs.push({
        id: 'chart-goroutines',
        title: 'Goroutines',
        caption: 'Count at each sample. A leak climbs and never comes back down.',
        data: function () {
          return alignX(d, d.x, [d.goroutines], toWork);
        },
        opts: function (w) {
          var o = baseOpts(d, 'goroutines', w, toWork, fmtCount);
          o.series.push({
            label: 'goroutines',
            stroke: '#7c3aed',
            width: 2,
            fill: 'rgba(124, 58, 237, 0.08)',
            points: { show: false },
            value: legendVal(fmtCount),
          });
          return o;
        },
      });
    }
    // (d) GC cycles and heap goal.
    var hasGoal = d.gc.heapGoal.some(function (v) {
        return v !== null;
      }),
      hasNum = d.gc.numGC.some(function (v) {
        return v !== null;
      });
    if (hasGoal || hasNum) {
      var gcols = [];
      if (hasGoal) gcols.push(d.gc.heapGoal);
      if (hasNum) gcols.push(d.gc.numGC);
      specs.push({
        id: 'chart-gc',
        title: 'GC cycles and heap goal',
        caption: 'Heap goal (when the next GC starts) and completed GC cycles. Thin vertical lines mark GCs; red dashed lines mark restarts.',
        data: function () {
          return alignX(d, d.x, gcols, toWork);
        },
        opts: function (w) {
          var o = baseOpts(d, 'gc', w, toWork);
          if (hasGoal) o.series.push({ label: 'heap goal', stroke: '#0369a1', width: 2, points: { show: false }, value: legendVal(fmtBytes) });
          if (hasNum) {
            o.scales.n = { auto: true };
            o.axes.push({
              scale: 'n',
              side: 1,
              size: 56,
              grid: { show: false },
              stroke: '#64748b',
              values: function (u, s) {
                return s.map(fmtCount);
              },
            });
            o.series.push({ label: 'GC cycles', scale: 'n', stroke: '#64748b', width: 1.5, dash: [3, 3], points: { show: false }, value: legendVal(fmtCount) });
          }
          return o;
        },
      });
    }
    // (e) the container: what the cgroup is charged with against its limit.
    var cs = d.container && d.container.series;
    if (
      cs &&
      cs.usage.some(function (v) {
        return v !== null;
      })
    ) {
      var keys = [
        ['usage', 'charged to the cgroup', '#0f172a'],
        ['workingSet', 'working set', '#dc2626'],
        ['anon', 'anonymous', '#c2410c'],
        ['pageCache', 'page cache', '#0891b2'],
        ['limit', 'limit', '#7f1d1d'],
      ].filter(function (k) {
        return cs[k[0]].some(function (v) {
          return v !== null;
        });
      });
      specs.push({
        id: 'chart-container',
        title: 'Container (cgroup) memory',
        caption:
          'What the cgroup is charged with, the working set the kubelet and kubectl top show, its anonymous memory and page cache, and the limit (solid dark red) at which the OOM killer acts. Red dashed lines mark restarts.',
        data: function () {
          return alignX(
            d,
            d.x,
            keys.map(function (k) {
              return cs[k[0]];
            }),
            toWork,
          );
        },
        opts: function (w) {
          var o = baseOpts(d, 'container', w, toWork);
          keys.forEach(function (k) {
            o.series.push({
              label: k[1],
              stroke: k[2],
              width: k[0] === 'limit' ? 2.5 : 2,
              dash: k[0] === 'pageCache' ? [4, 3] : undefined,
              points: { show: false },
              value: legendVal(fmtBytes),
            });
          });
          return o;
        },
      });
    }
    return specs;
  }

  function chartsSection(d) {
    var grid = h('div', { class: 'charts' });
    var controls = h('div', { class: 'chart-controls' }, [h('span', { class: 'muted' }, 'Drag across a chart to zoom all charts; double-click to reset.')]);
    if (d.work && workMap(d)) {
      var sel = h('select', { id: 'x-mode', 'aria-label': 'x axis' }, [
        h('option', { value: 'time' }, 'x axis: time'),
        h('option', { value: 'work' }, 'x axis: ' + d.work.label),
      ]);
      sel.value = state.xMode;
      sel.addEventListener('change', function () {
        state.xMode = sel.value;
        drawCharts(state.data, grid, true);
      });
      controls.insertBefore(sel, controls.firstChild);
    }
    var sec = section('charts', 'Over time', null, [controls, grid]);
    return { el: sec, grid: grid };
  }

  function drawCharts(d, grid, rebuild) {
    var specs = chartSpecs(d);
    var sameShape =
      !rebuild &&
      state.charts.length === specs.length &&
      state.charts.every(function (c, i) {
        return c.id === specs[i].id && c.u.series.length === specs[i].data().length;
      });
    if (sameShape) {
      state.charts.forEach(function (c, i) {
        var zoomed = c.zoomed;
        c.spec = specs[i];
        c.u.setData(specs[i].data(), !zoomed);
      });
      return;
    }
    state.charts.forEach(function (c) {
      c.u.destroy();
    });
    state.charts = [];
    grid.textContent = '';
    specs.forEach(function (spec) {
      var box = h('div', { class: 'chart', id: spec.id }, [h('h3', null, spec.title), h('p', { class: 'caption' }, spec.caption)]);
      var plot = h('div', { class: 'plot' });
      box.appendChild(plot);
      grid.appendChild(box);
      var width = Math.max(320, Math.floor(plot.getBoundingClientRect().width || grid.getBoundingClientRect().width || 900));
      var u = new uPlot(spec.opts(width), spec.data(), plot);
      state.charts.push({ id: spec.id, u: u, plot: plot, spec: spec, zoomed: false });
    });
  }

  /** The page, top to bottom, around the charts element: the same order for the report and each live update. */
  function pageSections(d, chartsEl, footerNote) {
    return [
      header(d),
      banner(d),
      chartsEl,
      evidenceSection(d),
      culpritsSection(d),
      provenSection(d),
      flameSection(d),
      goroutineSection(d),
      breakdownSection(d),
      containerSection(d),
      adviceSection(d),
      buildSection(d),
      h('footer', null, 'heapsight · ' + d.sampleCount + ' samples · ' + footerNote),
    ];
  }

  function render(d) {
    state.data = d;
    var app = document.getElementById('app');
    app.textContent = '';
    var charts = chartsSection(d);
    add(app, pageSections(d, charts.el, d.live ? 'live page' : 'self-contained report: no network access needed'));
    state.charts.forEach(function (c) {
      c.u.destroy();
    });
    state.charts = [];
    drawCharts(d, charts.grid, true);
    state.grid = charts.grid;
  }

  /** Live page: replace everything except the charts, which take the new data in place (zoom kept). */
  function update(d) {
    if (!state.data || !state.grid) return render(d);
    state.data = d;
    var app = document.getElementById('app');
    var keep = document.getElementById('charts');
    var scrollY = window.scrollY;
    var sections = pageSections(d, keep, 'live page');
    Array.prototype.slice.call(app.childNodes).forEach(function (n) {
      if (n !== keep) app.removeChild(n);
    });
    sections.forEach(function (s) {
      if (s) app.appendChild(s);
    });
    drawCharts(d, state.grid, false);
    window.scrollTo(0, scrollY);
  }

  function onResize() {
    state.charts.forEach(function (c) {
      var w = Math.max(320, Math.floor(c.plot.getBoundingClientRect().width));
      if (Math.abs(w - c.u.width) > 4) c.u.setSize({ width: w, height: c.u.height });
    });
  }

  function boot(el) {
    var d = JSON.parse(el.textContent);
    render(d);
    window.addEventListener('resize', onResize);
    // A zoom the user made is kept across live updates; a double-click reset clears it.
    document.addEventListener('mouseup', function () {
      setTimeout(markZoom, 0);
    });
    document.addEventListener('dblclick', function () {
      setTimeout(markZoom, 0);
    });
    // Time from navigation start to a drawn page, for the load-time budget (tests read it).
    document.documentElement.setAttribute('data-ready-ms', String(Math.round(performance.now())));
    document.documentElement.setAttribute('data-ready', '1');
    if (d.live) connect();
  }

  function markZoom() {
    state.charts.forEach(function (c) {
      var xs = c.u.data[0];
      c.zoomed = xs.length > 1 && (c.u.scales.x.min > xs[0] + 1e-9 || c.u.scales.x.max < xs[xs.length - 1] - 1e-9);
    });
  }

  function connect() {
    var es = new EventSource('events');
    var updates = 0;
    es.addEventListener('report', function (ev) {
      var d = JSON.parse(ev.data);
      if (!d || d.schema !== 'heapsight-report/1') return;
      updates++;
      update(d);
      document.documentElement.setAttribute('data-updates', String(updates));
      var st = document.getElementById('live-status');
      if (st) st.className = 'live-status';
    });
    es.addEventListener('end', function () {
      es.close();
      var st = document.getElementById('live-status');
      if (st) {
        st.className = 'live-status ended';
        st.lastChild.textContent = 'watch ended';
      }
      document.documentElement.setAttribute('data-ended', '1');
    });
    es.onerror = function () {
      if (es.readyState === EventSource.CLOSED) return;
      var st = document.getElementById('live-status');
      if (st) {
        st.className = 'live-status down';
        st.lastChild.textContent = 'disconnected, retrying';
      }
    };
  }

  /** The charts' x ranges and point counts, for tests and for anyone debugging a report. */
  function scales() {
    return state.charts.map(function (c) {
      return { id: c.id, min: c.u.scales.x.min, max: c.u.scales.x.max, points: c.u.data[0].length };
    });
  }

  return { boot: boot, render: render, update: update, scales: scales };
})();
