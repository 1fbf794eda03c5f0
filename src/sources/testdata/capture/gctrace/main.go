// Capture program for the gctrace reader's testdata. Run it with GODEBUG=gctrace=1,scavtrace=1
// (optionally also madvdontneed=0) and stderr redirected to a file: it allocates, lets automatic GCs
// happen, forces GCs with runtime.GC and debug.FreeOSMemory, and meanwhile writes its own short lines
// to stderr from another goroutine so that they land inside the runtime's trace lines (the runtime
// writes a trace line in several pieces). After each forced GC it prints the cycle number and
// MemStats.HeapAlloc to stdout: the cross-check for gctrace's third number (the live heap).
//
// Build: GO111MODULE=off GOPATH=/usr/share/gocode go build
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

var (
	keep  [][]byte
	spike [][]byte
)

func report(what string) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("%s numgc=%d heapalloc=%d heapreleased=%d\n", what, ms.NumGC, ms.HeapAlloc, ms.HeapReleased)
}

func main() {
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		// Bounded chatter on stderr, one write per line, as a service's logger would do.
		for i := 0; i < 4000; i++ {
			select {
			case <-done:
				return
			default:
			}
			fmt.Fprintf(os.Stderr, "APP line %d\n", i)
			runtime.Gosched()
		}
	}()

	// Churn: many automatic GCs with a slowly growing retained set.
	for round := 0; round < 6; round++ {
		for i := 0; i < 4000; i++ {
			b := make([]byte, 8<<10)
			b[0] = byte(i)
			if i%40 == 0 {
				keep = append(keep, b)
			}
		}
		runtime.GC()
		report(fmt.Sprintf("after runtime.GC round %d", round))
	}

	// A spike: 96 MiB live, then dropped; the scavenger and FreeOSMemory return it.
	spike = make([][]byte, 0, 96)
	for i := 0; i < 96; i++ {
		b := make([]byte, 1<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = 1
		}
		spike = append(spike, b)
	}
	runtime.GC()
	report("after runtime.GC with spike")
	spike = nil
	runtime.GC()
	report("after runtime.GC spike dropped")
	close(done)
	wg.Wait()
	// Give the background scavenger time to report; this is the behaviour being captured, not a sync.
	time.Sleep(1500 * time.Millisecond)
	debug.FreeOSMemory()
	report("after debug.FreeOSMemory")
	runtime.KeepAlive(keep)
}
