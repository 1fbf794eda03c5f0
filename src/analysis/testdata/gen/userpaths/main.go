// userpaths: real Go programs in miniature whose culprit is a function of the program's own code that
// is not on the growing stacks' leaf (issue 9, classes 5 and 6). It runs `-steps` steps and after each
// one forces a GC and writes heap-<i>.pb.gz, goroutine-<i>.pb.gz (debug=0) and goroutine2-<i>.txt
// (debug=2) into `-out`. Everything is deterministic: fixed counts, no randomness, loopback only.
//
//	-case fetch   main.pollUpstream → main.fetchUpstream GETs an in-process upstream (no IdleTimeout)
//	              and never closes the bodies: client readLoop/writeLoop and the upstream's conn.serve
//	              goroutines pile up, all net/http; main.fetchUpstream is the culprit.
//	-case spread  main.ingestBatch parses lines into label sets, interned strings and stored samples:
//	              a dozen small allocation sites, none large alone, all under main.ingestBatch.
//
// Built GOPATH-mode with the standard library only, for Go 1.19 and 1.27 alike.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

func main() {
	which := flag.String("case", "spread", "fetch or spread")
	steps := flag.Int("steps", 6, "steps (profiles written)")
	out := flag.String("out", "", "output directory")
	// The default rate, as real services run: the culprit must show without a finer profile.
	rate := flag.Int("rate", 512*1024, "runtime.MemProfileRate")
	flag.Parse()
	runtime.MemProfileRate = *rate
	if *out == "" {
		fail(fmt.Errorf("-out is required"))
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	var step func(i int)
	switch *which {
	case "fetch":
		step = startFetch()
	case "spread":
		step = runSpread
	default:
		fail(fmt.Errorf("unknown case %q", *which))
	}
	for i := 0; i < *steps; i++ {
		step(i)
		snapshot(*out, i)
	}
}

// ---- fetch ----

var upstream string

func startUpstream() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	body := strings.Repeat("x", 2048)
	upstream = "http://" + ln.Addr().String()
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, body)
	}))
}

// fetchUpstream is the leak: the response body is neither read nor closed.
//
//go:noinline
func fetchUpstream(path string) int {
	resp, err := http.Get(upstream + path) // CULPRIT: fetchUpstream
	if err != nil {
		fail(err)
	}
	return resp.StatusCode
}

// pollUpstream runs in a goroutine of its own, as a background refresher would: each tick of `todo`
// makes that many requests and reports back when they are done.
func pollUpstream(todo <-chan int, done chan<- struct{}) {
	for n := range todo {
		for j := 0; j < n; j++ {
			if s := fetchUpstream("/data?i=" + strconv.Itoa(j)); s != 200 {
				fail(fmt.Errorf("status %d", s))
			}
		}
		done <- struct{}{}
	}
}

func startFetch() func(int) {
	startUpstream()
	todo := make(chan int)
	done := make(chan struct{})
	go pollUpstream(todo, done)
	return func(int) {
		todo <- 150
		<-done
	}
}

// ---- spread ----

type sample struct {
	ts    int64
	value float64
	tags  []string
}

type series struct {
	labels  map[string]string
	key     string
	samples []*sample
	note    *string
}

var (
	store    = map[string]*series{}
	interned = map[string]string{}
	garbage  []byte
)

//go:noinline
func splitFields(line string) []string { return strings.Split(line, " ") }

//go:noinline
func parseValue(s string) float64 {
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

//go:noinline
func parseLine(line string) (name string, pairs []string, v float64) {
	f := splitFields(line)
	// Scratch that is thrown away: churn, not growth.
	garbage = make([]byte, 256)
	return f[0], f[1 : len(f)-1], parseValue(f[len(f)-1])
}

//go:noinline
func intern(s string) string {
	if v, ok := interned[s]; ok {
		return v
	}
	c := strings.Clone(s)
	interned[c] = c
	return c
}

//go:noinline
func newLabels(pairs []string) map[string]string {
	// The identifying pairs only (the rest are in the key): a small map, one site among many.
	m := make(map[string]string, 2)
	for _, p := range pairs[:2] {
		k, v, _ := strings.Cut(p, "=")
		m[intern(k)] = intern(v)
	}
	return m
}

//go:noinline
func labelKey(name string, pairs []string) string {
	return name + "{" + strings.Join(pairs, ",") + "}"
}

//go:noinline
func newSample(ts int64, v float64) *sample {
	return &sample{ts: ts, value: v, tags: make([]string, 0, 8)}
}

//go:noinline
func describe(key string) *string {
	s := fmt.Sprintf("series %s first seen in this process; kept for the series listing page", key)
	return &s
}

//go:noinline
func addSample(s *series, smp *sample) { s.samples = append(s.samples, smp) }

// ingestBatch is the culprit: every line names a new series (a new label value per batch), and
// every part of what it parses stays reachable from the store.
//
//go:noinline
func ingestBatch(batch int, lines []string) { // CULPRIT: ingestBatch
	for i, line := range lines {
		name, pairs, v := parseLine(line)
		key := labelKey(name, pairs)
		s := store[key]
		if s == nil {
			s = &series{labels: newLabels(pairs), key: key, note: describe(key)}
			store[key] = s
		}
		addSample(s, newSample(int64(batch*1000+i), v))
	}
}

func runSpread(step int) {
	for b := 0; b < 40; b++ {
		batch := step*40 + b
		lines := make([]string, 0, 200)
		for i := 0; i < 200; i++ {
			lines = append(lines, fmt.Sprintf("requests_total method=GET code=%d path=/api/v%d/items/%d batch=%d %d.5", 200+i%5, i%3, i, batch, i))
		}
		ingestBatch(batch, lines)
	}
}

// ---- output ----

// settle waits (bounded: 1,000 looks, ~10 s) until no goroutine but the caller is runnable or running.
// The upstream's connection goroutines finish their last response just after the client has its
// answer; a dump taken in that moment catches some of them mid-write, and a CI run under load saw
// one such stack named as a culprit of its own.
func settle() {
	for i := 0; i < 1000; i++ {
		var buf bytes.Buffer
		pprof.Lookup("goroutine").WriteTo(&buf, 2)
		busy := false
		for _, b := range bytes.Split(buf.Bytes(), []byte("\n\n"))[1:] { // the first block is this goroutine
			if bytes.Contains(b, []byte("[runnable")) || bytes.Contains(b, []byte("[running")) {
				busy = true
				break
			}
		}
		if !busy {
			return
		}
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond)
	}
}

func snapshot(dir string, i int) {
	settle()
	runtime.GC()
	write(filepath.Join(dir, fmt.Sprintf("heap-%d.pb.gz", i)), func(f *os.File) error { return pprof.Lookup("heap").WriteTo(f, 0) })
	write(filepath.Join(dir, fmt.Sprintf("goroutine-%d.pb.gz", i)), func(f *os.File) error { return pprof.Lookup("goroutine").WriteTo(f, 0) })
	write(filepath.Join(dir, fmt.Sprintf("goroutine2-%d.txt", i)), func(f *os.File) error { return pprof.Lookup("goroutine").WriteTo(f, 2) })
}

func write(path string, fn func(*os.File) error) {
	f, err := os.Create(path)
	if err != nil {
		fail(err)
	}
	if err := fn(f); err != nil {
		fail(err)
	}
	if err := f.Close(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "userpaths:", err)
	os.Exit(1)
}
