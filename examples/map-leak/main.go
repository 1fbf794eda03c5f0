// map-leak: every request stores a new session (1 KiB payload) in a global map that nothing ever
// deletes from. Expected verdict: heap-leak, culprit main.rememberSession (the map insert and the
// payload allocation are both in it). About 1.2 KiB retained per request: ~3.6 MiB/min at 50 rps.
// Serves client_golang's default /metrics.
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
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var (
	requests     = expvar.NewInt("requests")
	workRequests = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "work_requests_total", Help: "Requests served by the work endpoint.",
	})

	mu       sync.Mutex
	sessions = map[string]*session{}
)

type session struct {
	id      int64
	payload []byte
}

func main() {
	// 4096: each leaked object is at most 1 KiB; at the default 512 KiB rate a minute of leak would
	// be a handful of samples.
	setMemProfileRate(4096)
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()

	prometheus.MustRegister(workRequests)
	http.Handle("/metrics", promhttp.Handler())
	http.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		workRequests.Inc()
		n := requests.Value()
		fmt.Fprintf(w, "%d\n", rememberSession(n))
	})
	serve(*addr)
}

// rememberSession is the leak: the map only ever grows.
//
//go:noinline
func rememberSession(n int64) int {
	s := &session{id: n, payload: make([]byte, 1024)}
	s.payload[0] = byte(n)
	mu.Lock()
	defer mu.Unlock()
	sessions["session-"+strconv.FormatInt(n, 10)] = s
	return len(sessions)
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
