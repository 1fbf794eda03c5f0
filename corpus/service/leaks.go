package main

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// leakFunc returns the function one leak event calls, by -leak kind.
func leakFunc(kind string) (func(n int64) error, error) {
	size := *leakBytes
	noErr := func(f func(int64, int)) func(int64) error {
		return func(n int64) error { f(n, size); return nil }
	}
	switch kind {
	case "none":
		return nil, nil
	case "map":
		return noErr(rememberSession), nil
	case "syncmap":
		return noErr(trackVisitor), nil
	case "slice":
		return noErr(appendAuditLog), nil
	case "subslice":
		return noErr(keepHeader), nil
	case "chan":
		return noErr(startReplyWaiter), nil
	case "mutex":
		return noErr(startLockWaiter), nil
	case "waitgroup":
		return noErr(startGroupWaiter), nil
	case "select":
		return noErr(startParked), nil
	case "body":
		return func(int64) error { return fetchUpstream() }, nil
	case "transport":
		return func(int64) error { return callWithNewTransport() }, nil
	case "ticker":
		return noErr(func(int64, int) { startKeepalive() }), nil
	case "cgo":
		return noErr(cacheFrame), nil
	case "mmap":
		return func(n int64) error { return mapScratch(size) }, nil
	case "store":
		return noErr(recordOrder), nil
	case "parser":
		return noErr(ingestDocument), nil
	case "series":
		return noErr(refreshSeries), nil
	}
	return nil, fmt.Errorf("unknown -leak %q", kind)
}

type session struct {
	id      int64
	payload []byte
}

var (
	sessionsMu sync.Mutex
	sessions   = map[string]*session{}
)

// rememberSession: a global map that nothing deletes from.
//
//go:noinline
func rememberSession(n int64, size int) {
	s := &session{id: n, payload: make([]byte, size)}
	s.payload[0] = byte(n)
	sessionsMu.Lock()
	sessions["session-"+strconv.FormatInt(n, 10)] = s
	sessionsMu.Unlock()
}

var visitors sync.Map

// trackVisitor: a sync.Map keyed by a value that never repeats.
//
//go:noinline
func trackVisitor(n int64, size int) {
	b := make([]byte, size)
	b[0] = byte(n)
	visitors.Store(n, b)
}

var (
	auditMu  sync.Mutex
	auditLog [][]byte
)

// appendAuditLog: a slice that only grows.
//
//go:noinline
func appendAuditLog(n int64, size int) {
	b := make([]byte, size)
	b[0] = byte(n)
	auditMu.Lock()
	auditLog = append(auditLog, b)
	auditMu.Unlock()
}

var (
	headersMu sync.Mutex
	headers   [][]byte
)

// keepHeader reads a message into a buffer of `size` bytes and keeps only its first 16 bytes, as a
// sub-slice: the whole buffer stays reachable.
//
//go:noinline
func keepHeader(n int64, size int) {
	buf := make([]byte, size)
	for i := 0; i < len(buf); i += 512 {
		buf[i] = byte(n)
	}
	headersMu.Lock()
	headers = append(headers, buf[:16])
	headersMu.Unlock()
}

var neverReplies = make(chan []byte)

// awaitReply waits for a reply on a channel nobody sends on.
//
//go:noinline
func awaitReply(payload []byte) {
	reply := <-neverReplies
	_ = append(payload, reply...)
}

func startReplyWaiter(n int64, size int) { go awaitReply(make([]byte, size)) }

var heldLock sync.Mutex

func init() { heldLock.Lock() } // taken at start and never released: a lock leaked by an error path

// waitForLock blocks on a mutex that is never unlocked.
//
//go:noinline
func waitForLock(payload []byte) {
	heldLock.Lock()
	payload[0] = 1
	heldLock.Unlock()
}

func startLockWaiter(n int64, size int) { go waitForLock(make([]byte, size)) }

// waitForWorkers waits on a WaitGroup whose worker never calls Done.
//
//go:noinline
func waitForWorkers(payload []byte) {
	var wg sync.WaitGroup
	wg.Add(1)
	wg.Wait()
	payload[0] = 1
}

func startGroupWaiter(n int64, size int) { go waitForWorkers(make([]byte, size)) }

// parkForever is a background task that was meant to select on a stop channel and got an empty select.
//
//go:noinline
func parkForever(payload []byte) {
	payload[0] = 1
	select {}
}

func startParked(n int64, size int) { go parkForever(make([]byte, size)) }

// fetchUpstream never reads nor closes resp.Body: the connection can never return to the pool.
//
//go:noinline
func fetchUpstream() error {
	resp, err := http.Get(upstream + "/data")
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("upstream: %s", resp.Status)
	}
	return nil
}

// callWithNewTransport builds a Transport per call and never closes its idle connections.
//
//go:noinline
func callWithNewTransport() error {
	client := &http.Client{Transport: &http.Transport{}}
	resp, err := client.Get(upstream + "/data")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// startKeepalive starts a ticker and never stops it. Before Go 1.23 an unstopped ticker stays in the
// runtime's timer heap forever (a leak); from Go 1.23 an unreferenced ticker is collected.
//
//go:noinline
func startKeepalive() *time.Ticker {
	return time.NewTicker(time.Minute)
}
