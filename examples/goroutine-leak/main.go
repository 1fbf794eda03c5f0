// goroutine-leak: every request starts a goroutine that waits for a reply on a channel nobody ever
// sends on, holding a 1 KiB buffer. Expected verdict: goroutine-leak, culprit main.awaitReply
// ([chan receive], created by main.handleWork). One goroutine per request: 1200/min at 20 rps.
// Serves client_golang's default /metrics (go_goroutines).
package main

import (
	"expvar"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"runtime"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var (
	requests     = expvar.NewInt("requests")
	workRequests = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "work_requests_total", Help: "Requests served by the work endpoint.",
	})
)

func main() {
	// 4096: the per-goroutine buffers are 1 KiB, so their growth shows in the heap profile too.
	setMemProfileRate(4096)
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()

	prometheus.MustRegister(workRequests)
	http.Handle("/metrics", promhttp.Handler())
	http.HandleFunc("/work", handleWork)
	serve(*addr)
}

func handleWork(w http.ResponseWriter, r *http.Request) {
	requests.Add(1)
	workRequests.Inc()
	reply := make(chan []byte) // the response path that would send on it was never written
	buf := make([]byte, 1024)
	go awaitReply(reply, buf)
	fmt.Fprintf(w, "%d\n", requests.Value())
}

//go:noinline
func awaitReply(reply <-chan []byte, buf []byte) {
	got := <-reply
	copy(buf, got)
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
				burnSink = make([]byte, 8<<10)
				if j%64 == 0 {
					runtime.Gosched()
				}
			}
		}()
	}
	wg.Wait()
	burnSink = nil
}

var burnSink []byte

func serve(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("LISTENING http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, nil))
}
