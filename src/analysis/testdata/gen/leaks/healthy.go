package main

import (
	"strconv"
	"sync"
)

// healthy: a busy service with a bounded cache that fills during the first two steps and then stays
// full, short-lived goroutines per request and a worker pool of fixed size. After the warm-up its live
// heap and goroutine count stay flat, so nothing may be named.

type boundedCache struct {
	max   int
	order []string
	items map[string][]byte
}

func (c *boundedCache) add(k string, v []byte) {
	if _, ok := c.items[k]; !ok {
		c.order = append(c.order, k)
	}
	c.items[k] = v
	for len(c.order) > c.max {
		delete(c.items, c.order[0])
		c.order = c.order[1:]
	}
}

var cache = &boundedCache{max: 4000, items: make(map[string][]byte)}

var pool = make(chan func())

func init() {
	for i := 0; i < 8; i++ {
		go func() {
			for f := range pool {
				f()
			}
		}()
	}
	register("healthy", leakCase{heap: true, goroutines: true, step: func(i int) {
		var wg sync.WaitGroup
		for j := 0; j < 20000; j++ {
			// The first step sees 2000 distinct keys, later ones 5000: the cache fills, then stays full.
			keys := 5000
			if i == 0 {
				keys = 2000
			}
			k := strconv.Itoa((i*7919 + j) % keys)
			cache.add(k, make([]byte, 512)) // HEALTHY: bounded cache fill
			if j%100 == 0 {
				wg.Add(1)
				go func() { defer wg.Done(); _ = make([]byte, 4096) }()
				wg.Add(1)
				pool <- func() { defer wg.Done(); _ = make([]byte, 8192) }
			}
		}
		wg.Wait()
	}})
}
