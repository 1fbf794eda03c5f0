// Test target for the cgroup tests: a Go service on loopback exposing /debug/vars and /debug/pprof,
// which either writes a file steadily with a flat heap (-write FILE -rate BYTES/s: page cache when FILE
// is on disk, tmpfs when it is under /dev/shm) or leaks its heap steadily (-leak BYTES/s), so that a
// memory-limited cgroup OOM-kills it. Prints "LISTENING http://127.0.0.1:PORT" once it serves.
package main

import (
	_ "expvar"
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"time"
)

var (
	kept [][]byte
	sink []byte
)

func main() {
	write := flag.String("write", "", "file to append to")
	rate := flag.Int("rate", 1<<20, "bytes per second written to -write")
	leak := flag.Int("leak", 0, "bytes per second of heap retained forever")
	churn := flag.Int("churn", 10*256<<10, "bytes per second of short-lived garbage (sets how often the GC runs)")
	addr := flag.String("addr", "127.0.0.1:0", "listen address (a fixed port lets a restarted process keep it)")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go http.Serve(ln, nil)
	fmt.Printf("LISTENING http://%s\n", ln.Addr().String())

	// Ten steps a second; the write buffer is reused, so the heap stays flat while the file grows.
	const steps = 10
	buf := make([]byte, *rate/steps)
	for i := range buf {
		buf[i] = byte(i)
	}
	var f *os.File
	if *write != "" {
		f, err = os.OpenFile(*write, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	for range time.Tick(time.Second / steps) {
		// Garbage at a steady pace, so the GC runs every second or two and the live heap is observed.
		sink = make([]byte, *churn/steps)
		if f != nil {
			if _, err := f.Write(buf); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		if *leak > 0 {
			b := make([]byte, *leak/steps)
			for i := 0; i < len(b); i += 4096 {
				b[i] = 1 // touched, so it is resident and charged
			}
			kept = append(kept, b)
		}
	}
}
