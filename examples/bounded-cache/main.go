// bounded-cache: an LRU cache of 2 KiB values capped at -entries (default 4096, ~8 MiB). Each request
// looks up a key drawn from a large key space with a fixed seed, so almost every request misses,
// inserts and (once full) evicts. The live heap rises while the cache fills, then plateaus.
// Expected verdict: no-leak (growth that stops is not a leak).
package main

import (
	"container/list"
	"expvar"
	"flag"
	"fmt"
	"log"
	"math/rand"
	"net"
	"net/http"
	_ "net/http/pprof"
	"runtime"
	"sync"
)

var (
	requests  = expvar.NewInt("requests")
	entries   = expvar.NewInt("cache_entries")
	evictions = expvar.NewInt("cache_evictions")
)

type entry struct {
	key   int64
	value []byte
}

type lru struct {
	mu    sync.Mutex
	max   int
	order *list.List // front = most recently used
	byKey map[int64]*list.Element
	rng   *rand.Rand
}

func main() {
	// 4096: the cached values are 2 KiB, so a fine rate attributes the fill-up to the insert site
	// precisely; the request rate is modest, so the cost is small.
	setMemProfileRate(4096)
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	max := flag.Int("entries", 4096, "cache capacity")
	flag.Parse()

	c := &lru{max: *max, order: list.New(), byKey: make(map[int64]*list.Element), rng: rand.New(rand.NewSource(1))}
	http.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		fmt.Fprintf(w, "%d\n", c.get())
	})
	serve(*addr)
}

// get looks up a pseudo-random key, filling and evicting as an LRU does.
func (c *lru) get() byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := c.rng.Int63n(1 << 30)
	if el, ok := c.byKey[key]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*entry).value[0]
	}
	v := make([]byte, 2048)
	c.rng.Read(v[:64])
	c.byKey[key] = c.order.PushFront(&entry{key: key, value: v})
	if c.order.Len() > c.max {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.byKey, oldest.Value.(*entry).key)
		evictions.Add(1)
	}
	entries.Set(int64(c.order.Len()))
	return v[0]
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
