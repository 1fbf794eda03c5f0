// retained-after-burst: every burst allocates and touches 200 MiB of temporary buffers, then drops
// them. The live heap goes back to its 8 MiB baseline; RSS stays high only until the next GC frees the
// buffers and the background scavenger returns the idle pages (MADV_DONTNEED, the 1.16+ default).
// Expected verdict: no-leak. The dead burst stays counted in HeapAlloc until a GC runs, which is why a
// verdict must use the post-GC live heap, not HeapAlloc or RSS. examples/retained-madvfree runs this
// same program under GODEBUG=madvdontneed=0, where RSS stays high (LazyFree) after the release.
package main

import (
	"expvar"
	"flag"
	"fmt"
	"hash/crc32"
	"log"
	"math/rand"
	"net"
	"net/http"
	_ "net/http/pprof"
	"runtime"
)

var (
	requests = expvar.NewInt("requests")
	bursts   = expvar.NewInt("bursts")
	table    [][]byte
)

func main() {
	// Default rate: the burst buffers are 1 MiB each, so 512 KiB sampling attributes them well enough
	// and the steady churn pays no extra profiling cost.
	runtime.MemProfileRate = 512 * 1024
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	burstMiB := flag.Int("burst-mib", 200, "MiB allocated (and touched) by each GET /burst")
	flag.Parse()

	table = buildTable(8<<20, 4096)
	http.HandleFunc("/work", handleWork)
	http.HandleFunc("/burst", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		bursts.Add(1)
		fmt.Fprintf(w, "%d\n", burst(*burstMiB))
	})
	serve(*addr)
}

func buildTable(total, row int) [][]byte {
	rng := rand.New(rand.NewSource(1))
	t := make([][]byte, total/row)
	for i := range t {
		t[i] = make([]byte, row)
		rng.Read(t[i])
	}
	return t
}

// handleWork churns 64 KiB per request so GCs keep happening between bursts.
func handleWork(w http.ResponseWriter, r *http.Request) {
	requests.Add(1)
	buf := make([]byte, 64<<10)
	row := table[int(requests.Value())%len(table)]
	for i := range buf {
		buf[i] = row[i%len(row)] ^ byte(i)
	}
	fmt.Fprintf(w, "%d\n", crc32.ChecksumIEEE(buf))
}

// burst holds mib one-MiB buffers at once, touching every page so they are resident, then drops them.
//
//go:noinline
func burst(mib int) uint32 {
	bufs := make([][]byte, mib)
	for i := range bufs {
		b := make([]byte, 1<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = byte(i + j)
		}
		bufs[i] = b
	}
	var sum uint32
	for _, b := range bufs {
		sum = crc32.Update(sum, crc32.IEEETable, b[:4096])
	}
	return sum
}

func serve(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("LISTENING http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, nil))
}
