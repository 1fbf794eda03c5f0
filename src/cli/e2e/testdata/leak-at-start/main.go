// leak-at-start: 50 goroutines leaked at start-up, and never another one. Each waits for a reply on
// a channel that only it holds, so Go 1.26+'s leak-detection GC can prove it never wakes. Their
// number is constant from the first sample on: no count trend can find them, only the proof can.
// The service also serves steady work on /work (allocations that are freed), like a real service.
//
// -mux serves pprof on its own http.ServeMux with explicit routes for heap and goroutine only, as
// many routers are set up, so /debug/pprof/goroutineleak is a 404 there even on Go 1.27.
package main

import (
	"expvar"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/pprof"
)

var requests = expvar.NewInt("requests")

// awaitReply blocks forever: nobody else has reply.
//
//go:noinline
func awaitReply(reply chan []byte) {
	buf := <-reply
	_ = buf
}

// leakAtStart is the bug: it starts the waiters and drops the channels.
//
//go:noinline
func leakAtStart(n int) {
	for i := 0; i < n; i++ {
		go awaitReply(make(chan []byte))
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	ownMux := flag.Bool("mux", false, "serve pprof on a custom mux without the goroutineleak route")
	flag.Parse()
	leakAtStart(50)

	mux := http.DefaultServeMux
	if *ownMux {
		mux = http.NewServeMux()
		// No pprof.Index catch-all: it would serve every named profile, goroutineleak included.
		mux.Handle("/debug/pprof/heap", pprof.Handler("heap"))
		mux.Handle("/debug/pprof/goroutine", pprof.Handler("goroutine"))
		mux.Handle("/debug/vars", expvar.Handler())
	} else {
		// net/http/pprof registers its routes (goroutineleak included on 1.26+) on DefaultServeMux.
		_ = pprof.Index
	}
	mux.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		fmt.Fprintf(w, "%d\n", len(make([]byte, 4096)))
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("LISTENING http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, mux))
}
