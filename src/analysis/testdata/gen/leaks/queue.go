package main

// queue: an in-memory backlog that only ever grows, held in one slice grown by append. Its backing
// array is reallocated ≈1.25× larger each time, which must not be mistaken for a map doubling.

type job struct {
	id       int64
	attempts int64
	payload  [48]byte
}

var backlog []job

func enqueue(id int64) {
	backlog = append(backlog, job{id: id}) // CULPRIT: append
}

func init() {
	register("queue", leakCase{heap: true, step: func(i int) {
		for j := 0; j < 20000; j++ {
			enqueue(int64(i*20000 + j))
		}
	}})
}
