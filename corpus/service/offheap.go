package main

/*
#include <stdlib.h>
#include <string.h>

static void *frame_alloc(size_t n, int fill) {
	void *p = malloc(n);
	if (p != NULL) memset(p, fill, n);
	return p;
}
*/
import "C"

import (
	"sync"
	"syscall"
	"unsafe"
)

var (
	framesMu sync.Mutex
	frames   []unsafe.Pointer
)

// cacheFrame C.malloc's a buffer, fills it (so it is resident) and never frees it. No Go profile sees it.
//
//go:noinline
func cacheFrame(n int64, size int) {
	p := C.frame_alloc(C.size_t(size), C.int(n&0x7f|1))
	framesMu.Lock()
	frames = append(frames, p)
	framesMu.Unlock()
}

var (
	scratchMu sync.Mutex
	scratch   [][]byte
)

// mapScratch maps anonymous memory outside the Go heap, touches every page and never unmaps it.
//
//go:noinline
func mapScratch(size int) error {
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return err
	}
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	scratchMu.Lock()
	scratch = append(scratch, b)
	scratchMu.Unlock()
	return nil
}
