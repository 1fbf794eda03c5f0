// transport-per-request: every request builds a new http.Client with a new http.Transport, calls an
// upstream, reads and closes the body properly, and drops the client. The idle connection stays in the
// dropped Transport's pool (a zero Transport has no IdleConnTimeout), so each request leaves one
// net/http.(*persistConn).readLoop ([IO wait]) and one writeLoop ([select]) goroutine behind.
// Expected verdict: goroutine-leak, pattern transport-per-request; the user frame is
// main.callUpstream (it allocates the Transport), visible only in heap-profile stacks.
// 2 goroutines per request: 600/min at 5 rps.
//
// The upstream is this same binary started as a child process (-upstream), so the idle connections'
// server side lives in another process, as with a real remote upstream; it never times out idle
// connections. The child gets SIGKILL when this process dies (Pdeathsig).
package main

import (
	"bufio"
	"expvar"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
)

var (
	requests = expvar.NewInt("requests")
	upstream string
)

func main() {
	// 4096: the leaked bufio buffers are 4 KiB and the Transport ~ 300 bytes; see unclosed-body.
	setMemProfileRate(4096)
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	upstreamMode := flag.Bool("upstream", false, "run as the upstream (internal)")
	flag.Parse()

	if *upstreamMode {
		runUpstream()
		return
	}
	upstream = startUpstream()
	http.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		n, err := callUpstream()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprintf(w, "%d\n", n)
	})
	serve(*addr)
}

// callUpstream is the leak: a new Transport per call, never reused and never CloseIdleConnections'd.
//
//go:noinline
func callUpstream() (int64, error) {
	client := &http.Client{Transport: &http.Transport{}}
	resp, err := client.Get(upstream + "/data")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return io.Copy(io.Discard, resp.Body)
}

func startUpstream() string {
	exe, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	cmd := exec.Command(exe, "-upstream")
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		log.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "UPSTREAM ") {
		log.Fatalf("upstream did not start: %q %v", line, err)
	}
	return strings.TrimSpace(strings.TrimPrefix(line, "UPSTREAM "))
}

func runUpstream() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	body := strings.Repeat("x", 2048)
	mux := http.NewServeMux()
	mux.HandleFunc("/data", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, body)
	})
	fmt.Printf("UPSTREAM http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, mux))
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
