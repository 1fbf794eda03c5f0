// small-leak-heavy-churn: every request churns ~256 KiB of short-lived small objects and also appends
// one 208-byte audit record to a global chain that is never trimmed. The leak (20 KiB/s at 100 rps,
// ~1.2 MiB/min) hides under a 25 MiB/s allocation rate and the saw-tooth it causes.
// Expected verdict: heap-leak, culprit main.recordAudit. Harder: the post-GC live heap must be
// compared over minutes.
package main

import (
	"expvar"
	"flag"
	"fmt"
	"hash/crc32"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"runtime"
	"strconv"
	"sync"
)

var (
	requests  = expvar.NewInt("requests")
	mu        sync.Mutex
	lastAudit *auditRecord // head of a chain nothing ever trims
)

// A chain rather than a slice, so the leak is exactly one 208-byte object per request, without a
// growing backing array being reallocated now and then.
type auditRecord struct {
	seq  int64
	prev *auditRecord
	note [192]byte
}

func main() {
	// 4096: the leaked records are 208 bytes; at 4096 each is sampled with ~5% probability, so a
	// minute of leak yields hundreds of samples. The churn makes this rate cost ~1% CPU.
	setMemProfileRate(4096)
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()

	http.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		n := requests.Value()
		sum := churn(n)
		recordAudit(n)
		fmt.Fprintf(w, "%d\n", sum)
	})
	serve(*addr)
}

// churn allocates 2048 short-lived strings (~256 KiB with headers) and drops them.
//
//go:noinline
func churn(seed int64) uint32 {
	parts := make([]string, 2048)
	for i := range parts {
		parts[i] = "row-" + strconv.FormatInt(seed*2048+int64(i), 10) + "-padding-to-about-a-hundred-and-twenty-eight-bytes-" + strconv.Itoa(i)
	}
	var sum uint32
	for _, p := range parts {
		sum = crc32.Update(sum, crc32.IEEETable, []byte(p))
	}
	return sum
}

// recordAudit is the leak.
//
//go:noinline
func recordAudit(n int64) {
	rec := &auditRecord{seq: n}
	copy(rec.note[:], "request served")
	mu.Lock()
	rec.prev = lastAudit
	lastAudit = rec
	mu.Unlock()
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
