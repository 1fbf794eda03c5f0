// cgo-leak: every request C.malloc's a 32 KiB frame buffer, fills it (so it is resident) and never
// frees it. The Go heap, Sys and every Go profile stay flat; RSS (RssAnon) grows ~9.4 MiB/min at 5 rps
// and /cgo/go-to-c-calls climbs. Expected verdict: off-heap-growth (pattern off-heap-cgo); no Go
// profile can name a culprit, so the expected culprit is null (the malloc is in main.cacheFrame).
// Needs CGO_ENABLED=1 and gcc. Serves client_golang's default /metrics (process_resident_memory_bytes).
package main

/*
#include <stdlib.h>
#include <string.h>

static void *frame_alloc(size_t n, int fill) {
	void *p = malloc(n);
	if (p != NULL) memset(p, fill, n);
	return p;
}
*/
import "C"

import (
	"expvar"
	"flag"
	"fmt"
	"log"
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
	leaked = expvar.NewInt("c_frames_leaked")
)

const frameSize = 32 << 10

func main() {
	// Default rate: the Go heap is not where this leak is, and the profile should show that.
	runtime.MemProfileRate = 512 * 1024
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()

	prometheus.MustRegister(workRequests)
	http.Handle("/metrics", promhttp.Handler())
	http.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		workRequests.Inc()
		fmt.Fprintf(w, "%d\n", cacheFrame(requests.Value()))
	})
	serve(*addr)
}

// cacheFrame is the leak: the C buffer is never C.free'd.
//
//go:noinline
func cacheFrame(n int64) int {
	// The pointer is dropped on purpose: nothing on the Go heap grows with the leak.
	p := C.frame_alloc(C.size_t(frameSize), C.int(n&0x7f|1))
	if p == nil {
		return -1
	}
	leaked.Add(1)
	return int(leaked.Value())
}

func serve(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("LISTENING http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, nil))
}
