// memlimit: a stable 96 MiB table plus 128 KiB of churn per request, run with GOMEMLIMIT=150MiB and the
// default GOGC=100 (see example.json). GOGC alone would let the heap reach ~200 MiB; the limit binds
// first, so GCs run more often and Sys-HeapReleased hovers just under 150 MiB: flat, high, not a leak.
// Expected verdict: no-leak. /metrics is a custom registry whose Go collector exports every
// runtime/metrics series (go_gc_*, go_memory_classes_*, go_gc_limiter_*), not only go_memstats_*.
package main

import (
	"expvar"
	"flag"
	"fmt"
	"hash/crc32"
	"log"
	"math/rand"
	"net"
	"net/http"
	_ "net/http/pprof"
	"runtime"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var (
	requests     = expvar.NewInt("requests")
	workRequests = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "work_requests_total", Help: "Requests served by the work endpoint.",
	})
	table map[int][]byte
)

const tableEntries = 96 << 10

func main() {
	// Default rate: the table is large and stable; nothing needs fine attribution.
	runtime.MemProfileRate = 512 * 1024
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()

	table = buildTable()
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsAll)),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		workRequests,
	)
	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	http.HandleFunc("/work", handleWork)
	serve(*addr)
}

//go:noinline
func buildTable() map[int][]byte {
	rng := rand.New(rand.NewSource(1))
	t := make(map[int][]byte, tableEntries)
	for i := 0; i < tableEntries; i++ {
		v := make([]byte, 1024)
		rng.Read(v[:32])
		t[i] = v
	}
	return t
}

func handleWork(w http.ResponseWriter, r *http.Request) {
	requests.Add(1)
	workRequests.Inc()
	n := int(requests.Value())
	out := make([]byte, 0, 128<<10)
	for i := 0; i < 128; i++ {
		out = append(out, table[(n*128+i)%tableEntries]...)
	}
	fmt.Fprintf(w, "%d\n", crc32.ChecksumIEEE(out))
}

func serve(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("LISTENING http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, nil))
}
