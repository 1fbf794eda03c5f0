// steady-churn: every request builds, sorts and JSON-encodes a few hundred small records (~100 KiB of
// short-lived objects) and drops them. Allocation rate is high, the live heap is flat.
// Expected verdict: no-leak. Also serves client_golang's default /metrics (go_memstats_*, process_*).
package main

import (
	"encoding/json"
	"expvar"
	"flag"
	"fmt"
	"hash/crc32"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"runtime"
	"sort"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

var (
	requests     = expvar.NewInt("requests")
	workRequests = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "work_requests_total", Help: "Requests served by the work endpoint.",
	})
)

type record struct {
	ID    int      `json:"id"`
	Name  string   `json:"name"`
	Tags  []string `json:"tags"`
	Score float64  `json:"score"`
}

func main() {
	// Default rate: nothing here should be retained, and the churn is heavy enough that a finer rate
	// would cost noticeable CPU.
	runtime.MemProfileRate = 512 * 1024
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	flag.Parse()

	prometheus.MustRegister(workRequests)
	http.Handle("/metrics", promhttp.Handler())
	http.HandleFunc("/work", handleWork)
	serve(*addr)
}

func handleWork(w http.ResponseWriter, r *http.Request) {
	requests.Add(1)
	workRequests.Inc()
	fmt.Fprintf(w, "%d\n", churn(requests.Value()))
}

//go:noinline
func churn(seed int64) uint32 {
	recs := make([]*record, 400)
	for i := range recs {
		k := int(seed)*31 + i
		recs[i] = &record{
			ID:    k,
			Name:  "item-" + strconv.Itoa(k),
			Tags:  []string{"t" + strconv.Itoa(k%7), "t" + strconv.Itoa(k%11)},
			Score: float64(k%1000) / 7,
		}
	}
	sort.Slice(recs, func(a, b int) bool { return recs[a].Score < recs[b].Score })
	out, err := json.Marshal(recs)
	if err != nil {
		panic(err)
	}
	return crc32.ChecksumIEEE(out)
}

func serve(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("LISTENING http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, nil))
}
