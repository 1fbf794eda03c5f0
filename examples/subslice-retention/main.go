// subslice-retention: every request reads a 64 KiB document and keeps only its 16-byte id, but as a
// sub-slice, so the whole 64 KiB backing array stays reachable from the global list.
// Expected verdict: heap-leak, culprit main.readDocument (where the big array is allocated, not where
// the small slice is stored; pattern subslice-retention). 64 KiB per request: 7.5 MiB/min at 2 rps.
package main

import (
	"expvar"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand"
	"net"
	"net/http"
	_ "net/http/pprof"
	"runtime"
	"sync"
)

var (
	requests = expvar.NewInt("requests")
	mu       sync.Mutex
	seenIDs  [][]byte // meant to hold 16-byte ids; each pins a 64 KiB document
	rng      = rand.New(rand.NewSource(1))
)

const docSize = 64 << 10

func main() {
	// 16 KiB: the leaking arrays are 64 KiB each, so every one of them is almost surely sampled,
	// while the HTTP server's small allocations stay cheap to profile.
	setMemProfileRate(16 << 10)
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()

	http.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		doc := readDocument()
		mu.Lock()
		seenIDs = append(seenIDs, doc[:16]) // the bug: should be bytes.Clone / copy
		n := len(seenIDs)
		mu.Unlock()
		fmt.Fprintf(w, "%d\n", n)
	})
	serve(*addr)
}

// readDocument stands in for reading a request payload or a file of docSize bytes.
//
//go:noinline
func readDocument() []byte {
	doc := make([]byte, docSize)
	mu.Lock()
	_, err := io.ReadFull(rng, doc)
	mu.Unlock()
	if err != nil {
		panic(err)
	}
	return doc
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
