package main

// maps: a cache keyed by request id that nothing ever evicts (unbounded map), next to a bounded
// scratch buffer that is reused and therefore must not be reported.

type session struct {
	id      int64
	payload []byte
}

type sessionCache struct {
	byID map[int64]*session
}

var sessions = &sessionCache{byID: make(map[int64]*session)}

var scratch [][]byte

func (c *sessionCache) put(s *session) {
	c.byID[s.id] = s // CULPRIT: map insert
}

func newSession(id int64) *session {
	return &session{id: id, payload: make([]byte, 256)} // CULPRIT: map value
}

func init() {
	register("maps", leakCase{heap: true, step: func(i int) {
		for j := 0; j < 20000; j++ {
			id := int64(i*20000 + j)
			sessions.put(newSession(id))
		}
		// Healthy churn: a fixed-size working set replaced every step.
		scratch = make([][]byte, 64)
		for j := range scratch {
			scratch[j] = make([]byte, 16<<10) // HEALTHY: reused scratch
		}
	}})
}
