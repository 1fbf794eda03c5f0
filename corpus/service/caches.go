package main

import (
	"container/list"
	"fmt"
	"math/rand"
	"strconv"
	"sync"
	"time"
)

// A bounded cache fed by every work request. Each kind is bounded in its own way, and each fills at
// its own pace: that is the point of having several (a verdict must not mistake any filling for a leak).
type cache interface{ serve(n int64) }

func newCache(kind string) (cache, error) {
	switch kind {
	case "none":
		return nil, nil
	case "lru":
		return &lruCache{max: *cacheSize, items: map[string]*list.Element{}, order: list.New()}, nil
	case "ttl":
		c := &ttlCache{ttl: *cacheTTL, items: map[string]ttlEntry{}}
		go c.janitor()
		return c, nil
	case "bytes":
		return &bytesCache{max: *cacheBytes, items: map[string][]byte{}, order: list.New()}, nil
	case "keyspace":
		return &keyspaceCache{keys: *cacheSize, items: map[int][]byte{}, rng: rand.New(rand.NewSource(9))}, nil
	}
	return nil, fmt.Errorf("unknown -cache %q", kind)
}

func value(n int64, size int) []byte {
	b := make([]byte, size)
	b[0] = byte(n)
	return b
}

// lruCache keeps the -cache-entries most recently used values; every request brings a new key, so it
// fills in entries/rps seconds and evicts one entry per request from then on.
type lruCache struct {
	mu    sync.Mutex
	max   int
	items map[string]*list.Element
	order *list.List
}

type lruEntry struct {
	key string
	val []byte
}

func (c *lruCache) serve(n int64) {
	key := "k" + strconv.FormatInt(n, 10)
	v := value(n, *cacheValue)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items[key] = c.order.PushFront(&lruEntry{key, v})
	for c.order.Len() > c.max {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.items, old.Value.(*lruEntry).key)
	}
}

// ttlCache keeps every value for -cache-ttl; a janitor sweeps each second. Steady size: rps × ttl.
type ttlCache struct {
	mu    sync.Mutex
	ttl   time.Duration
	items map[string]ttlEntry
}

type ttlEntry struct {
	val     []byte
	expires time.Time
}

func (c *ttlCache) serve(n int64) {
	v := value(n, *cacheValue)
	c.mu.Lock()
	c.items["k"+strconv.FormatInt(n, 10)] = ttlEntry{v, time.Now().Add(c.ttl)}
	c.mu.Unlock()
}

func (c *ttlCache) janitor() {
	for range time.Tick(time.Second) {
		now := time.Now()
		c.mu.Lock()
		for k, e := range c.items {
			if now.After(e.expires) {
				delete(c.items, k)
			}
		}
		c.mu.Unlock()
	}
}

// bytesCache bounds the total size of its values (which vary from 1/2 to 3/2 of -cache-value),
// evicting the oldest first.
type bytesCache struct {
	mu    sync.Mutex
	max   int
	total int
	items map[string][]byte
	order *list.List
}

func (c *bytesCache) serve(n int64) {
	size := *cacheValue/2 + int(n*7919)%(*cacheValue+1)
	key := "k" + strconv.FormatInt(n, 10)
	v := value(n, size)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items[key] = v
	c.order.PushBack(key)
	c.total += size
	for c.total > c.max && c.order.Len() > 0 {
		old := c.order.Front()
		c.order.Remove(old)
		k := old.Value.(string)
		c.total -= len(c.items[k])
		delete(c.items, k)
	}
}

// keyspaceCache: requests draw keys uniformly (fixed seed) from -cache-entries keys; a miss stores a
// new value, a hit refreshes it (a new value replaces the old). Distinct keys seen grow as
// K·(1 − e^(−t·rps/K)): a fill that slows down all the way, never a straight line.
type keyspaceCache struct {
	mu    sync.Mutex
	keys  int
	items map[int][]byte
	rng   *rand.Rand
}

func (c *keyspaceCache) serve(n int64) {
	v := value(n, *cacheValue)
	c.mu.Lock()
	c.items[c.rng.Intn(c.keys)] = v
	c.mu.Unlock()
}
