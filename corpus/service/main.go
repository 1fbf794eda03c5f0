// corpus/service: one Go program whose flags make it any scenario of the heapsight corpus (corpus/scenarios.json):
// a leak of one kind and rate, a cache of one kind and bound, garbage churn, a one-off step, bursts, and a
// choice of what it exposes (/debug/vars, client_golang's /metrics, always /debug/pprof). The load comes from
// outside (scripts/record-corpus.ts), as it would for a real service.
//
// Why one program with flags and not one program per scenario: a leak kind's code exists once, so the
// culprit a truth file names (main.rememberSession, main.fetchUpstream, ...) is the same function in every
// scenario that uses it, and a new scenario is a line in scenarios.json, not a new program to review.
//
// Every leak lives in its own named, non-inlined function of package main, so that the heap and goroutine
// profiles show it by name and the culprit can be scored.
package main

import (
	"bufio"
	"expvar"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var (
	leakKind    = flag.String("leak", "none", "what leaks per leak event: none|map|syncmap|slice|subslice|chan|mutex|waitgroup|select|body|transport|ticker|cgo|mmap|store|parser|series")
	leakBytes   = flag.Int("leak-bytes", 1024, "bytes retained per leak event (heap and off-heap leaks; payload held by a leaked goroutine)")
	leakEvery   = flag.Int("leak-every", 1, "one leak event every N work requests")
	cacheKind   = flag.String("cache", "none", "a bounded cache fed by every work request: none|lru|ttl|bytes|keyspace")
	cacheSize   = flag.Int("cache-entries", 0, "lru: entries kept; keyspace: distinct keys requests draw from")
	cacheValue  = flag.Int("cache-value", 1024, "bytes per cached value (bytes: the mean of a spread 1/2..3/2 of it)")
	cacheTTL    = flag.Duration("cache-ttl", 30*time.Second, "ttl: how long an entry lives")
	cacheBytes  = flag.Int("cache-bytes", 0, "bytes: total value bytes kept")
	churnBytes  = flag.Int("churn-bytes", 0, "garbage allocated and dropped per work request")
	stepAt      = flag.Duration("step-at", 0, "a one-off step: allocate -step-bytes once, this long after start, and keep it")
	stepBytes   = flag.Int("step-bytes", 4<<20, "size of the one-off step")
	burstBytes  = flag.Int("burst-bytes", 0, "/burst allocates this much in 64 KiB buffers, holds it for a second, drops it")
	withVars    = flag.Bool("vars", true, "serve /debug/vars")
	withMetrics = flag.Bool("metrics", false, "serve client_golang's default /metrics")
	profileRate = flag.Int("profile-rate", 512*1024, "runtime.MemProfileRate")
	upstreamRun = flag.Bool("upstream", false, "run as the upstream that body/transport scenarios call (internal)")
)

var (
	requests     = expvar.NewInt("requests")
	workRequests = prometheus.NewCounter(prometheus.CounterOpts{Name: "work_requests_total", Help: "Work requests served."})
	workCount    int64
	startedAt    = time.Now()
	upstream     string
)

func main() {
	flag.Parse()
	if *upstreamRun {
		runUpstream()
		return
	}
	if *profileRate != runtime.MemProfileRate {
		setMemProfileRate(*profileRate)
	}
	leak, err := leakFunc(*leakKind)
	if err != nil {
		log.Fatal(err)
	}
	cache, err := newCache(*cacheKind)
	if err != nil {
		log.Fatal(err)
	}
	if *leakKind == "body" || *leakKind == "transport" {
		upstream = startUpstream()
	}
	if *stepAt > 0 {
		time.AfterFunc(*stepAt, func() { oneOffStep(*stepBytes) })
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	if *withVars {
		mux.Handle("/debug/vars", expvar.Handler())
	}
	if *withMetrics {
		prometheus.MustRegister(workRequests)
		mux.Handle("/metrics", promhttp.Handler())
	}
	mux.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		n := atomic.AddInt64(&workCount, 1)
		requests.Add(1)
		workRequests.Inc()
		churn(*churnBytes)
		if cache != nil {
			cache.serve(n)
		}
		if leak != nil && n%int64(*leakEvery) == 0 {
			if err := leak(n); err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
		}
		fmt.Fprintf(w, "%d\n", n)
	})
	mux.HandleFunc("/burst", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%d\n", burst(*burstBytes))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("LISTENING http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, mux))
}

var churnSink []byte

// churn allocates garbage in 32 KiB pieces and touches each, as request handling that decodes and
// discards buffers does.
//
//go:noinline
func churn(n int) {
	for n > 0 {
		size := 32 << 10
		if n < size {
			size = n
		}
		b := make([]byte, size)
		b[0], b[size-1] = 1, 1
		churnSink = b
		n -= size
	}
	churnSink = nil
}

var stepHeld []byte

// oneOffStep is a single allocation that stays for the life of the process (a lookup table built on
// first use): a step in the heap, not a trend.
//
//go:noinline
func oneOffStep(n int) {
	b := make([]byte, n)
	for i := 0; i < n; i += 4096 {
		b[i] = 1
	}
	stepHeld = b
}

// burst allocates a transient working set (a report rendered, a batch decoded) that is dropped a
// second later: the heap returns to where it was, the runtime keeps the pages for a while.
//
//go:noinline
func burst(n int) int {
	var bufs [][]byte
	for done := 0; done < n; done += 64 << 10 {
		b := make([]byte, 64<<10)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		bufs = append(bufs, b)
	}
	time.Sleep(time.Second)
	runtime.KeepAlive(bufs)
	return len(bufs)
}

// setMemProfileRate sets the heap profile sampling rate. Each P's allocator drew its first sampling
// point from the default 512 KiB rate during runtime start-up, so the new rate only takes effect on a
// P after it has allocated past that point; a slow leak could go unsampled for minutes. Allocating
// and dropping 8 MiB on each of several goroutines spread over the Ps burns through it.
func setMemProfileRate(rate int) {
	runtime.MemProfileRate = rate
	var wg sync.WaitGroup
	for i := 0; i < 4*runtime.GOMAXPROCS(0); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 1024; j++ {
				churnSink = make([]byte, 8<<10)
				if j%64 == 0 {
					runtime.Gosched()
				}
			}
		}()
	}
	wg.Wait()
	churnSink = nil
}

// startUpstream runs this program again as the upstream of the body/transport scenarios, in its own
// process, so that only the client side's connections are this process's (as with a remote upstream).
func startUpstream() string {
	exe, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	cmd := exec.Command(exe, "-upstream")
	// Without GODEBUG: the upstream's gctrace lines would land in this process's gctrace log.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GODEBUG=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		log.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "UPSTREAM ") {
		log.Fatalf("upstream did not start: %q %v", line, err)
	}
	return strings.TrimSpace(strings.TrimPrefix(line, "UPSTREAM "))
}

func runUpstream() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	body := strings.Repeat("x", 2048)
	mux := http.NewServeMux()
	mux.HandleFunc("/data", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) })
	fmt.Printf("UPSTREAM http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, mux))
}
