package main

import "time"

// ticker: a poller is created per subscription and its ticker is never stopped; before Go 1.23 the
// runtime's timer heap keeps every such ticker alive.

type poller struct {
	t *time.Ticker
}

func subscribe() *poller {
	return &poller{t: time.NewTicker(time.Hour)} // CULPRIT: ticker
}

func init() {
	register("ticker", leakCase{heap: true, step: func(i int) {
		for j := 0; j < 16000; j++ {
			_ = subscribe()
		}
	}})
}
