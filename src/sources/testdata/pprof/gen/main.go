// Command gen writes real Go heap, allocs and goroutine profiles for heapsight's pprof tests.
// It allocates through a few dozen distinct functions (some inlined into their callers, so that one
// Location carries several Lines), in goroutines, keeps part of it live and frees the rest, and writes:
//
//	heap-rate1.pb.gz     heap profile with runtime.MemProfileRate = 1 (every allocation sampled)
//	heap-base.pb.gz      the same process earlier, the base of a diff pair with heap-rate1.pb.gz
//	allocs.pb.gz         allocs profile (default_sample_type alloc_space)
//	goroutine.pb.gz      goroutine profile with parked goroutines
//	heap-default.pb.gz   heap profile of a second process with the default MemProfileRate (-rate=0)
//
// Usage: gen -out DIR [-rate 1|0]. Deterministic amounts; addresses differ per build.
// Regenerate the committed files (GOPATH mode, Debian Go 1.19):
//
//	GO111MODULE=off go build -o /tmp/pprofgen . && /tmp/pprofgen -out .. && /tmp/pprofgen -rate 0 -out ..
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
)

var sink [][]byte
var sinkMu sync.Mutex

func keep(b []byte) {
	sinkMu.Lock()
	sink = append(sink, b)
	sinkMu.Unlock()
}

// Small helpers the compiler inlines: their frames appear as extra Lines of the caller's Location.
func newRecord(n int) []byte { return make([]byte, n) }
func newHeader(n int) []byte { return newRecord(n + 16) }
func grow(b []byte) []byte   { return append(b, make([]byte, len(b)+64)...) }

//go:noinline
func parseRequest(n int) []byte { return newHeader(n) }

//go:noinline
func decodeBody(n int) []byte { b := newRecord(n); return grow(b) }

//go:noinline
func buildResponse(n int) []byte { return parseRequest(n * 2) }

//go:noinline
func cachePut(n int) { keep(newRecord(n)) }

//go:noinline
func cacheFill(n, k int) {
	for i := 0; i < k; i++ {
		cachePut(n)
	}
}

//go:noinline
func sessionOpen(n int) { keep(parseRequest(n)) }

//go:noinline
func sessionTouch(n int) []byte { return decodeBody(n) }

//go:noinline
func indexAdd(n int) { keep(make([]byte, n)) }

//go:noinline
func indexRebuild(n, k int) {
	for i := 0; i < k; i++ {
		indexAdd(n + i)
	}
}

//go:noinline
func logLine(n int) string { return fmt.Sprintf("%0*d", n, n) }

//go:noinline
func logBatch(k int) {
	for i := 0; i < k; i++ {
		_ = logLine(64 + i)
	}
}

//go:noinline
func mapInsert(m map[int][]byte, k, n int) { m[k] = make([]byte, n) }

//go:noinline
func mapBuild(k, n int) map[int][]byte {
	m := make(map[int][]byte)
	for i := 0; i < k; i++ {
		mapInsert(m, i, n)
	}
	return m
}

var globalMap map[int][]byte

//go:noinline
func handlerA(n int) { keep(buildResponse(n)) }

//go:noinline
func handlerB(n int) { _ = sessionTouch(n) }

//go:noinline
func handlerC(n int) { sessionOpen(n); _ = buildResponse(n) }

//go:noinline
func handlerD(n int) { cacheFill(n, 4) }

//go:noinline
func handlerE(n int) { indexRebuild(n, 3); logBatch(2) }

//go:noinline
func routeAPI(i int) {
	switch i % 5 {
	case 0:
		handlerA(100 + i)
	case 1:
		handlerB(200 + i)
	case 2:
		handlerC(300 + i)
	case 3:
		handlerD(400 + i)
	default:
		handlerE(500 + i)
	}
}

//go:noinline
func routeAdmin(i int) {
	if i%2 == 0 {
		handlerA(1000 + i)
	} else {
		handlerD(2000 + i)
	}
}

//go:noinline
func serveConn(id, requests int, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; i < requests; i++ {
		if id%3 == 0 {
			routeAdmin(i)
		} else {
			routeAPI(i + id)
		}
	}
}

//go:noinline
func workerPool(workers, requests int) {
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go serveConn(w, requests, &wg)
	}
	wg.Wait()
}

//go:noinline
func bigBlock(n int) { keep(make([]byte, n)) }

//go:noinline
func recursive(depth, n int) {
	if depth == 0 {
		keep(newRecord(n))
		return
	}
	recursive(depth-1, n)
}

// Goroutines that stay parked, for the goroutine profile.
//
//go:noinline
func parkedReader(ch chan int) { <-ch }

//go:noinline
func parkedSelect(a, b chan int) {
	select {
	case <-a:
	case <-b:
	}
}

func writeProfile(name, file string) {
	f, err := os.Create(file)
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup(name).WriteTo(f, 0); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}

func main() {
	out := flag.String("out", ".", "output directory")
	rate := flag.Int("rate", 1, "runtime.MemProfileRate; 0 keeps the default")
	flag.Parse()
	if *rate > 0 {
		runtime.MemProfileRate = *rate
	}
	block := make(chan int)
	for i := 0; i < 5; i++ {
		go parkedReader(block)
	}
	for i := 0; i < 3; i++ {
		go parkedSelect(block, block)
	}

	workerPool(6, 40)
	recursive(6, 4096)
	globalMap = mapBuild(200, 48)
	runtime.GC()
	if *rate > 0 {
		writeProfile("heap", filepath.Join(*out, "heap-base.pb.gz"))
	}

	workerPool(6, 60)
	for i := 0; i < 8; i++ {
		bigBlock(256 << 10)
	}
	recursive(9, 8192)
	sinkMu.Lock()
	sink = sink[len(sink)/3:] // free a third, so inuse and alloc differ
	sinkMu.Unlock()
	runtime.GC()
	if *rate > 0 {
		writeProfile("heap", filepath.Join(*out, "heap-rate1.pb.gz"))
		writeProfile("allocs", filepath.Join(*out, "allocs.pb.gz"))
		writeProfile("goroutine", filepath.Join(*out, "goroutine.pb.gz"))
	} else {
		writeProfile("heap", filepath.Join(*out, "heap-default.pb.gz"))
	}
	runtime.KeepAlive(globalMap)
	close(block)
}
