// gogc400-stable: a 48 MiB table built at start (48k x 1 KiB values in a map) that never changes,
// plus 64 KiB of churn per request, run with GOGC=400 (see example.json). The heap goal is about five
// times the live heap, so HeapAlloc and RSS saw-tooth up to ~250 MiB while the post-GC live heap
// stays at ~48 MiB. Expected verdict: no-leak. The table is 48 MiB rather than 100 MiB so the
// GOGC=400 goal stays under the examples' ~300 MiB budget. Serves client_golang's default /metrics.
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
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var (
	requests     = expvar.NewInt("requests")
	workRequests = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "work_requests_total", Help: "Requests served by the work endpoint.",
	})
	table map[int][]byte
)

const tableEntries = 48 << 10

func main() {
	// Default rate: the stable table is what the profile should show and it is large; nothing leaks.
	runtime.MemProfileRate = 512 * 1024
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()

	table = buildTable()
	prometheus.MustRegister(workRequests)
	http.Handle("/metrics", promhttp.Handler())
	http.HandleFunc("/work", handleWork)
	serve(*addr)
}

//go:noinline
func buildTable() map[int][]byte {
	rng := rand.New(rand.NewSource(1))
	t := make(map[int][]byte, tableEntries)
	for i := 0; i < tableEntries; i++ {
		v := make([]byte, 1024)
		rng.Read(v)
		t[i] = v
	}
	return t
}

func handleWork(w http.ResponseWriter, r *http.Request) {
	requests.Add(1)
	workRequests.Inc()
	n := int(requests.Value())
	out := make([]byte, 0, 64<<10)
	for i := 0; i < 64; i++ {
		out = append(out, table[(n*64+i)%tableEntries]...)
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
