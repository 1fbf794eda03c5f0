// The goroutine count from net/http/pprof's index page (/debug/pprof/), whose table lists each
// profile's count: `<tr><td>N</td><td><a href='goroutine?debug=1'>goroutine</a></td></tr>` (the same
// line from Go 1.19 to 1.27). For a service without /metrics, whose polls have no goroutine count,
// this is one at the cost of a page of HTML: the goroutine profile's count is runtime.NumGoroutine,
// while fetching the profile itself costs the target a stack walk and ~870 KB of gzip allocation.

const GOROUTINE_ROW = /<td>(\d+)<\/td>\s*<td><a href=['"]?goroutine\?debug=1['"]?>goroutine<\/a>/;

/** The goroutine count on a pprof index page, or undefined when the page has no such row. */
export function goroutineCountFromPprofIndex(html: string): number | undefined {
  const m = GOROUTINE_ROW.exec(html);
  return m ? Number(m[1]) : undefined;
}
