// Command gen holds a known amount of touched Go heap (or releases it to the OS) and then waits for
// SIGTERM, so that /proc/<pid>/status and smaps_rollup can be read at a known state. With
// GODEBUG=madvdontneed=0 the released heap stays in RSS and shows as LazyFree in smaps_rollup (MADV_FREE pages stay resident until the kernel reclaims them).
// It prints one line, READY, once the state is reached.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
)

var sink [][]byte

func main() {
	heapMB := flag.Int("heap-mb", 64, "allocate and touch this many MiB of heap")
	release := flag.Bool("release", false, "drop the heap and return it to the OS (debug.FreeOSMemory)")
	flag.Parse()

	for i := 0; i < *heapMB; i++ {
		b := make([]byte, 1<<20)
		for j := 0; j < len(b); j += 4096 {
			b[j] = 1
		}
		sink = append(sink, b)
	}
	if *release {
		sink = nil
		debug.FreeOSMemory()
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	fmt.Println("READY")
	<-stop
	runtime.KeepAlive(sink)
}
