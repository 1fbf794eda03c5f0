// Test target for the poller and `heapsight watch`: a tiny Go service exposing /debug/vars (expvar),
// /debug/pprof/* (net/http/pprof), optionally /metrics (client_golang) and /work, which retains 64 KiB
// per call in a map (a deliberate leak) so that recorded samples move. With -require-header NAME every
// request must carry header NAME with the value of env TARGET_HEADER_VALUE (kept out of argv, which
// expvar publishes), so a test can prove the watcher sends headers without the secret being anywhere.
package main

import (
	"encoding/json"
	"expvar"
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var (
	mu       sync.Mutex
	retained = map[int][]byte{}
	served   = expvar.NewInt("work_served")
)

func work(w http.ResponseWriter, r *http.Request) {
	mu.Lock()
	n := len(retained)
	buf := make([]byte, 64<<10)
	for i := range buf {
		buf[i] = byte(n + i)
	}
	retained[n] = buf
	mu.Unlock()
	served.Add(1)
	fmt.Fprintf(w, "retained %d\n", n+1)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	metrics := flag.Bool("metrics", false, "serve client_golang /metrics")
	requireHeader := flag.String("require-header", "", "reject requests without this header (value from env TARGET_HEADER_VALUE)")
	churn := flag.Duration("churn", 0, "call the /work handler every interval by itself (0: off)")
	tlsCert := flag.String("tls-cert", "", "serve HTTPS with this certificate (PEM; needs -tls-key)")
	tlsKey := flag.String("tls-key", "", "private key for -tls-cert (PEM)")
	memstatsLog := flag.Int("memstats-log", 0, "print this many JSON lines {Time, MemStats...} on stderr, one per churn tick, then go on serving")
	flag.Parse()

	http.HandleFunc("/work", work)
	if *metrics {
		http.Handle("/metrics", promhttp.Handler())
	}
	var handler http.Handler = http.DefaultServeMux
	if *requireHeader != "" {
		want := os.Getenv("TARGET_HEADER_VALUE")
		inner := handler
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if want == "" || r.Header.Get(*requireHeader) != want {
				http.Error(w, "missing or wrong "+*requireHeader, http.StatusUnauthorized)
				return
			}
			inner.ServeHTTP(w, r)
		})
	}
	if *churn > 0 {
		go func() {
			logged := 0
			for range time.Tick(*churn) {
				work(discard{}, nil)
				if logged < *memstatsLog {
					// What a service that logs its own MemStats writes: a user can feed these lines to heapsight.
					var line struct {
						Time time.Time
						runtime.MemStats
					}
					line.Time = time.Now()
					runtime.ReadMemStats(&line.MemStats)
					b, _ := json.Marshal(line)
					fmt.Fprintln(os.Stderr, string(b))
					logged++
				}
			}
		}()
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	scheme := "http"
	if *tlsCert != "" {
		scheme = "https"
	}
	fmt.Printf("LISTENING %s://%s\n", scheme, ln.Addr().String())
	serve := func() error { return http.Serve(ln, handler) }
	if *tlsCert != "" {
		serve = func() error { return http.ServeTLS(ln, handler, *tlsCert, *tlsKey) }
	}
	if err := serve(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}
