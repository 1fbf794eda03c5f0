// Capture program for the expvar and Prometheus readers' testdata: it serves /debug/vars (expvar)
// and /metrics (client_golang) on loopback, fetches its own endpoints over HTTP exactly as heapsight
// would, and writes the bodies as served (plus /debug/pprof/heap?debug=1 for format detection). Run with -out DIR; -collector picks the Go collector
// generation: "default" (prometheus.DefaultRegisterer: go_memstats_* series) or "runtime-metrics"
// (collectors.NewGoCollector with WithGoCollectorRuntimeMetrics(MetricsAll): go_gc_*/go_memory_classes_*).
//
// Build: GO111MODULE=off GOPATH=/usr/share/gocode go build
package main

import (
	"expvar"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var retained [][]byte

func main() {
	out := flag.String("out", "", "directory to write the captured bodies into")
	collector := flag.String("collector", "default", `"default" or "runtime-metrics"`)
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "-out is required")
		os.Exit(2)
	}

	// The user's own work counters: a plain expvar Int, an expvar Map, and a labelled Prometheus counter.
	requests := expvar.NewInt("requests")
	responses := expvar.NewMap("responses")
	expvar.NewString("build").Set("capture-1")
	var gatherer prometheus.Gatherer
	var registerer prometheus.Registerer
	switch *collector {
	case "default":
		gatherer, registerer = prometheus.DefaultGatherer, prometheus.DefaultRegisterer
	case "runtime-metrics":
		reg := prometheus.NewRegistry()
		reg.MustRegister(
			collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsAll)),
			collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		)
		gatherer, registerer = reg, reg
	default:
		fmt.Fprintln(os.Stderr, "unknown -collector", *collector)
		os.Exit(2)
	}
	served := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "capture_requests_total",
		Help: "Requests served, with an escaped \"label\" value to exercise the parser.",
	}, []string{"code", "path"})
	registerer.MustRegister(served)

	// Deterministic work: 300 requests, each allocating; keep 12 MiB live so the heap numbers are not all 0.
	for i := 0; i < 300; i++ {
		buf := make([]byte, 64<<10)
		buf[0] = byte(i)
		if i%25 == 0 {
			retained = append(retained, buf)
		}
		requests.Add(1)
		code := "200"
		if i%10 == 0 {
			code = "500"
		}
		responses.Add(code, 1)
		served.WithLabelValues(code, `/api/"v1"\items`).Inc()
	}
	retained = append(retained, make([]byte, 12<<20))
	runtime.GC()
	debug.FreeOSMemory()

	mux := http.NewServeMux()
	mux.Handle("/debug/vars", expvar.Handler())
	mux.Handle("/metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{EnableOpenMetrics: true}))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go http.Serve(ln, mux)
	base := "http://" + ln.Addr().String()

	fetch := func(path, accept, file string) {
		req, err := http.NewRequest("GET", base+path, nil)
		if err != nil {
			panic(err)
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			panic(err)
		}
		if err := os.WriteFile(filepath.Join(*out, file), body, 0o644); err != nil {
			panic(err)
		}
		fmt.Printf("%s\t%s\t%d bytes\n", file, resp.Header.Get("Content-Type"), len(body))
	}
	fetch("/debug/vars", "", "vars.json")
	fetch("/metrics", "", "metrics.txt")
	fetch("/metrics", "application/openmetrics-text; version=0.0.1,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", "metrics.openmetrics.txt")
	// The text heap profile, for format detection ("not supported, use debug=0").
	fetch("/debug/pprof/heap?debug=1", "", "heap-debug1.txt")
	runtime.KeepAlive(retained)
}
