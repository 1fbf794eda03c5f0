// worker-pool: a fixed pool of 4 worker goroutines fed through a buffered channel; each request hands
// a job to the pool and waits for its reply. Many goroutines are blocked in chan receive at any time,
// but their number is fixed. Expected verdict: no-leak (goroutine count flat under load).
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"expvar"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"runtime"
)

var requests = expvar.NewInt("requests")

type job struct {
	seed  int64
	reply chan [32]byte
}

func main() {
	// Default rate: nothing is retained; the per-job buffers are short-lived.
	runtime.MemProfileRate = 512 * 1024
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	workers := flag.Int("workers", 4, "pool size")
	flag.Parse()

	jobs := make(chan job, 16)
	for i := 0; i < *workers; i++ {
		go worker(jobs)
	}
	http.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		j := job{seed: requests.Value(), reply: make(chan [32]byte, 1)}
		jobs <- j
		sum := <-j.reply
		fmt.Fprintln(w, hex.EncodeToString(sum[:]))
	})
	serve(*addr)
}

func worker(jobs <-chan job) {
	for j := range jobs {
		buf := make([]byte, 16<<10)
		for i := range buf {
			buf[i] = byte(j.seed) + byte(i)
		}
		j.reply <- sha256.Sum256(buf)
	}
}

func serve(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("LISTENING http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, nil))
}
