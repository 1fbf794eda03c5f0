package main

import (
	"bytes"
	"io"
)

// subslice: each message body is read whole and only its 16-byte header is kept, which keeps the
// whole 64 KiB backing array alive.

var headers [][]byte

var body = bytes.Repeat([]byte("x"), 64<<10)

func readHeader(r io.Reader) []byte {
	all, err := io.ReadAll(r) // CULPRIT: big read
	if err != nil {
		panic(err)
	}
	return all[:16]
}

func init() {
	register("subslice", leakCase{heap: true, step: func(i int) {
		for j := 0; j < 24; j++ {
			headers = append(headers, readHeader(bytes.NewReader(body)))
		}
	}})
}
