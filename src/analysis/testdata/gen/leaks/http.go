package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
)

// The server runs in a child process (this binary with -case serve) so that its connection
// goroutines and buffers do not mix with the client's, as in a real service calling another one.
//
// body: GETs whose response body is never read or closed, so each connection's readLoop waits for
// the body to be consumed. transport: a new http.Transport per request with the body closed, so
// each request leaves an idle keep-alive connection that nothing reuses.

var server string

func serve() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	big := strings.Repeat("y", 64<<10)
	fmt.Printf("LISTENING http://%s\n", ln.Addr())
	// The parent closes our stdin when it is done (or dies): exit then.
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			io.WriteString(w, big)
			return
		}
		io.WriteString(w, "ok")
	}))
}

func startServer() {
	cmd := exec.Command(os.Args[0], "-case", "serve")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		fail(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fail(err)
	}
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "LISTENING ") {
		fail(fmt.Errorf("server did not start: %q %v", line, err))
	}
	server = strings.TrimSpace(strings.TrimPrefix(line, "LISTENING "))
	stopServer = func() {
		stdin.Close()
		cmd.Wait()
	}
}

// stopServer is set once the child server runs; main calls it before exiting.
var stopServer = func() {}

var client = &http.Client{}

func fetchStatus(path string) int {
	resp, err := client.Get(server + path) // CULPRIT: unclosed body
	if err != nil {
		fail(err)
	}
	return resp.StatusCode
}

func fetchWithNewTransport() {
	c := &http.Client{Transport: &http.Transport{}} // a new Transport for every request
	resp, err := c.Get(server + "/small") // CULPRIT: request through a new transport
	if err != nil {
		fail(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

func init() {
	register("body", leakCase{heap: true, goroutines: true, step: func(i int) {
		if server == "" {
			startServer()
		}
		for j := 0; j < 12; j++ {
			if s := fetchStatus("/big"); s != 200 {
				fail(fmt.Errorf("status %d", s))
			}
		}
	}})
	register("transport", leakCase{heap: true, goroutines: true, step: func(i int) {
		if server == "" {
			startServer()
		}
		for j := 0; j < 12; j++ {
			fetchWithNewTransport()
		}
	}})
}
