// Reproduces the leak shapes heapsight names (and one healthy service) in a few seconds, writing a
// heap profile and goroutine profiles (proto, debug=1 and debug=2) after each step, so that the
// culprit and pattern tests in src/analysis run on what a real Go runtime writes. Each case lives in its own
// file; the line a test expects is marked there with a `// CULPRIT:` comment.
//
// Usage: leaks -case maps -out DIR [-rate 524288] [-steps 6]
// Steps are separated by work, not by time: every snapshot follows runtime.GC() so that inuse values
// describe the live heap after the step (a heap profile shows the state as of the last GC).
package main

import (
	"compress/gzip"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"time"
)

type leakCase struct {
	// step does one unit of work; it is called once per snapshot.
	step func(i int)
	// heap and goroutines say which profiles the case is about.
	heap, goroutines bool
}

var cases = map[string]leakCase{}

func register(name string, c leakCase) { cases[name] = c }

func main() {
	name := flag.String("case", "", "case to run")
	out := flag.String("out", "", "directory for the profiles")
	rate := flag.Int("rate", 512*1024, "runtime.MemProfileRate")
	steps := flag.Int("steps", 6, "number of steps (one snapshot after each)")
	flag.Parse()
	if *name == "serve" {
		serve()
		return
	}
	runtime.MemProfileRate = *rate
	c, ok := cases[*name]
	if !ok || *out == "" {
		var names []string
		for n := range cases {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintf(os.Stderr, "usage: leaks -case %v -out DIR\n", names)
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	defer stopServer()
	for i := 0; i < *steps; i++ {
		c.step(i)
		snapshot(*out, i, c)
	}
}

func snapshot(dir string, i int, c leakCase) {
	runtime.GC()
	if c.heap {
		writeFile(filepath.Join(dir, fmt.Sprintf("heap-%d.pb.gz", i)), false, func(f *os.File) error {
			return pprof.WriteHeapProfile(f)
		})
	}
	if c.goroutines {
		// Let goroutines started by the step reach their blocking point before counting them.
		settle()
		writeFile(filepath.Join(dir, fmt.Sprintf("goroutine-%d.pb.gz", i)), false, func(f *os.File) error {
			return pprof.Lookup("goroutine").WriteTo(f, 0)
		})
		writeFile(filepath.Join(dir, fmt.Sprintf("goroutine2-%d.txt.gz", i)), true, func(f *os.File) error {
			return pprof.Lookup("goroutine").WriteTo(f, 2)
		})
		writeFile(filepath.Join(dir, fmt.Sprintf("goroutine1-%d.txt", i)), false, func(f *os.File) error {
			return pprof.Lookup("goroutine").WriteTo(f, 1)
		})
	}
}

// settle waits until the number of runnable goroutines stops changing, bounded to one second.
func settle() {
	prev := -1
	for tries := 0; tries < 100; tries++ {
		runtime.Gosched()
		n := runtime.NumGoroutine()
		if n == prev {
			time.Sleep(10 * time.Millisecond)
			if runtime.NumGoroutine() == n {
				return
			}
		}
		prev = n
		time.Sleep(10 * time.Millisecond)
	}
}

func writeFile(path string, gz bool, write func(f *os.File) error) {
	f, err := os.Create(path)
	if err != nil {
		fail(err)
	}
	defer f.Close()
	if !gz {
		if err := write(f); err != nil {
			fail(err)
		}
		return
	}
	tmp, err := os.CreateTemp("", "leaks-*")
	if err != nil {
		fail(err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		fail(err)
	}
	if _, err := tmp.Seek(0, 0); err != nil {
		fail(err)
	}
	zw := gzip.NewWriter(f)
	buf := make([]byte, 32<<10)
	for {
		n, err := tmp.Read(buf)
		zw.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if err := zw.Close(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "leaks:", err)
	stopServer()
	os.Exit(1)
}
