// Command gen parks goroutines in every wait state heapsight's goroutine readers must understand and
// then holds still, so that /debug/pprof/goroutine?debug=0, 1 and 2 fetched one after another describe
// the same set of goroutines.
//
// It only prints LISTENING once every goroutine it started has reached its blocking call (checked by
// reading its own debug=2 dump), so a test never needs to sleep.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	httppprof "net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"
)

func recvForever(ch <-chan int) { <-ch }

func sendForever(ch chan<- int, v int) { ch <- v }

func selectForever(a, b chan int) {
	select {
	case <-a:
	case <-b:
	}
}

func recvNil() {
	var ch chan int
	<-ch
}

func selectNoCases() { select {} }

func lockMutex(mu *sync.Mutex) {
	mu.Lock()
	mu.Unlock()
}

func waitGroup(wg *sync.WaitGroup) { wg.Wait() }

func sleepLong() { time.Sleep(time.Hour) }

func waitOn[T any](ch chan T) T { return <-ch }

func lockedRecv(ch <-chan int) {
	runtime.LockOSThread()
	<-ch
}

type pool struct {
	mu    sync.Mutex
	cond  *sync.Cond
	ready bool
}

func (p *pool) run() {
	p.mu.Lock()
	for !p.ready {
		p.cond.Wait()
	}
	p.mu.Unlock()
}

func acceptOnce(ln net.Listener) {
	c, err := ln.Accept()
	if err != nil {
		return
	}
	go readConn(c)
	ln.Accept() // blocks in IO wait: nobody dials again
}

func readConn(c net.Conn) {
	buf := make([]byte, 1)
	c.Read(buf)
}

func readPipe(fd int) {
	buf := make([]byte, 1)
	syscall.Read(fd, buf) // a raw blocking read: state "syscall"
}

// spawnPool starts goroutines whose stacks equal main.main's but whose creator differs.
func spawnPool(block chan int, n int) {
	for i := 0; i < n; i++ {
		go recvForever(block)
	}
}

func spawnLabelled(a, b chan int) {
	pprof.Do(context.Background(), pprof.Labels("role", "selector"), func(context.Context) {
		for i := 0; i < 3; i++ {
			go selectForever(a, b)
		}
	})
}

// settled waits (bounded, 10 s) until every goroutine but the caller is parked. The HTTP server starts
// a background-read goroutine per request; without this wait a dump can catch it half-started, and
// two dumps of the "same" process would then differ in one goroutine's stack.
func settled() bool {
	for i := 0; i < 1000; i++ {
		if allParked() {
			return true
		}
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

func settle(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !settled() {
			http.Error(w, "goroutines did not park within 10s", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// allParked reports whether no goroutine other than the caller is runnable or running, i.e. every
// goroutine has reached its blocking call.
func allParked() bool {
	var buf bytes.Buffer
	pprof.Lookup("goroutine").WriteTo(&buf, 2)
	blocks := bytes.Split(buf.Bytes(), []byte("\n\n"))
	for _, b := range blocks[1:] { // the first block is this goroutine, running
		if bytes.Contains(b, []byte("[runnable")) || bytes.Contains(b, []byte("[running")) {
			return false
		}
	}
	return true
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	gcs := flag.Bool("gc", false, "run GCs before and after parking so that debug=2 shows \", N minutes\" after a minute (the GC sets the wait time: runtime/mgcmark.go)")
	flag.Parse()

	if *gcs {
		runtime.GC()
		runtime.GC()
	}

	block := make(chan int)
	for i := 0; i < 4; i++ {
		go recvForever(block)
	}
	spawnPool(block, 2)
	for i := 0; i < 2; i++ {
		go sendForever(make(chan int), i)
	}
	spawnLabelled(make(chan int), make(chan int))
	go recvNil()
	go selectNoCases()

	var mu sync.Mutex
	mu.Lock()
	go lockMutex(&mu)
	var wg sync.WaitGroup
	wg.Add(1)
	go waitGroup(&wg)
	go sleepLong()
	go waitOn(make(chan string))
	go lockedRecv(block)
	p := &pool{}
	p.cond = sync.NewCond(&p.mu)
	go p.run()

	ioLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go acceptOnce(ioLn)
	client, err := net.Dial("tcp", ioLn.Addr().String())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer client.Close()

	var fds [2]int
	if err := syscall.Pipe(fds[:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go readPipe(fds[0])

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.Handle("/debug/pprof/", settle(http.HandlerFunc(httppprof.Index)))
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)

	if !settled() {
		fmt.Fprintln(os.Stderr, "goroutines did not park within 10s")
		os.Exit(1)
	}
	if *gcs {
		runtime.GC()
	}

	fmt.Printf("LISTENING http://%s\n", ln.Addr())
	<-stop
	mu.Unlock()
	wg.Done()
}
