// ticker-leak: every request starts a one-minute keepalive ticker and returns without stopping it.
// On Go 1.19 the runtime's timer heap keeps every unstopped ticker (and its channel) reachable
// forever. Expected verdict: heap-leak, culprit main.startKeepalive (pattern unstopped-ticker).
// Only ~250 bytes per request (the Ticker, its channel, a share of the timer heap), about
// 1.4 MiB/min at 100 rps, so it is a slow leak.
// (Go 1.23+ collects unreferenced tickers when go.mod says go 1.23; this is GOPATH-mode Go 1.19.)
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
	"time"
)

var requests = expvar.NewInt("requests")

func main() {
	// 512 bytes: the leaked ticker and its channel are ~100 bytes each; a coarser rate would take
	// many minutes to attribute them. The per-request allocation is small, so the cost is modest.
	setMemProfileRate(512)
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()

	http.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		t := startKeepalive()
		select {
		case <-t.C:
		default:
		}
		fmt.Fprintf(w, "%d\n", requests.Value())
	})
	serve(*addr)
}

// startKeepalive is the leak: the caller forgets t.Stop().
//
//go:noinline
func startKeepalive() *time.Ticker {
	return time.NewTicker(time.Minute)
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
