// unclosed-body: every request calls an upstream over loopback with the shared http.Client and never
// reads or closes the response body. The connection can never return to the pool, so each request
// leaves one net/http.(*persistConn).readLoop ([select], waiting for the body) and one writeLoop
// goroutine behind, plus their 4 KiB bufio buffers from net/http.(*Transport).dialConn.
// Expected verdict: goroutine-leak, pattern unclosed-response-body; the user frame is
// main.callUpstream, visible only in heap-profile stacks (the leaked goroutines' own stacks are all
// net/http). 2 goroutines per request: 600/min at 5 rps.
//
// The upstream runs in this process on its own listener with a 2 s IdleTimeout, so its server-side
// goroutines exit and only the client-side pile-up remains, as with a remote upstream.
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
	"strings"
	"sync"
	"time"
)

var (
	requests = expvar.NewInt("requests")
	upstream string
)

func main() {
	// 4096: the leaked bufio buffers are 4 KiB, so each is sampled with ~63% probability.
	setMemProfileRate(4096)
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()

	upstream = startUpstream()
	http.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		status, err := callUpstream()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprintf(w, "%d\n", status)
	})
	serve(*addr)
}

// callUpstream is the leak: resp.Body is neither read nor closed.
//
//go:noinline
func callUpstream() (int, error) {
	resp, err := http.Get(upstream + "/data")
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

func startUpstream() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	body := strings.Repeat("x", 2048)
	mux.HandleFunc("/data", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, body)
	})
	srv := &http.Server{Handler: mux, IdleTimeout: 2 * time.Second}
	go func() { log.Fatal(srv.Serve(ln)) }()
	return "http://" + ln.Addr().String()
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
