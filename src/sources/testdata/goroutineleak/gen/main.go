// Writes the three forms of Go 1.27's goroutineleak profile into the current directory:
// debug0.pb.gz, debug1.txt and debug2.txt. Run with Go 1.27 (GO111MODULE=off go run ./gen from the
// parent directory). What it holds, so that tests can check the readers against it:
//   - 50 goroutines started by main.leakSends, each blocked forever sending on a channel nobody else
//     has (proven leaked, at main.leakSends.func1);
//   - 3 goroutines started by main.leakSelects under pprof labels {"role":"selector"}, blocked in a
//     select on two unreachable channels (proven leaked, at main.selectForever);
//   - 2 goroutines blocked receiving on a package-level channel: still reachable, so NOT leaked;
//   - 1 goroutine sleeping: not leaked.
package main

import (
	"context"
	"os"
	"runtime/pprof"
	"time"
)

var global = make(chan int)

func leakSends(n int) {
	for i := 0; i < n; i++ {
		ch := make(chan int)
		go func() { ch <- 1 }()
	}
}

func selectForever(a, b chan int) {
	select {
	case <-a:
	case <-b:
	}
}

func leakSelects(n int) {
	pprof.Do(context.Background(), pprof.Labels("role", "selector"), func(context.Context) {
		for i := 0; i < n; i++ {
			go selectForever(make(chan int), make(chan int))
		}
	})
}

func recvGlobal() { <-global }

func write(name string, debug int) {
	f, err := os.Create(name)
	if err != nil {
		panic(err)
	}
	if err := pprof.Lookup("goroutineleak").WriteTo(f, debug); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}

func main() {
	leakSends(50)
	leakSelects(3)
	go recvGlobal()
	go recvGlobal()
	go time.Sleep(time.Hour)
	time.Sleep(100 * time.Millisecond) // let every goroutine reach its blocking point
	write("debug0.pb.gz", 0)
	write("debug1.txt", 1)
	write("debug2.txt", 2)
}
