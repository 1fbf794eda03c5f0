// syncmap-leak: every request stores a new entry (1 KiB payload) in a global sync.Map that nothing
// ever deletes from. Expected verdict: heap-leak, culprit main.trackRequest (pattern unbounded-sync-map;
// the map's own nodes appear under sync.(*Map).Store). About 1.2 KiB retained per request.
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
)

var (
	requests = expvar.NewInt("requests")
	inflight sync.Map // request id -> *trace; meant to be deleted on completion, never is
)

type trace struct {
	id    int64
	spans []byte
}

func main() {
	// 4096: each leaked object is at most 1 KiB; see map-leak.
	setMemProfileRate(4096)
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()

	http.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		n := requests.Value()
		trackRequest(n)
		fmt.Fprintf(w, "%d\n", n)
	})
	serve(*addr)
}

//go:noinline
func trackRequest(n int64) {
	t := &trace{id: n, spans: make([]byte, 1024)}
	t.spans[0] = byte(n)
	inflight.Store(n, t)
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
