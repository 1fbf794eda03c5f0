package main

import "sync"

// chans: each request starts a worker that waits for a reply nobody sends (the caller gave up),
// next to a healthy worker pool that drains and exits.

type request struct{ reply chan int }

func handle(r request, started *sync.WaitGroup) {
	started.Done()
	<-r.reply // CULPRIT: blocked receive
}

func healthyWorker(jobs <-chan int, done *sync.WaitGroup) {
	defer done.Done()
	for range jobs {
	}
}

func init() {
	register("chans", leakCase{goroutines: true, step: func(i int) {
		var started sync.WaitGroup
		for j := 0; j < 15; j++ {
			started.Add(1)
			go handle(request{reply: make(chan int)}, &started) // CULPRIT: go statement
		}
		started.Wait()
		jobs := make(chan int)
		var done sync.WaitGroup
		for j := 0; j < 4; j++ {
			done.Add(1)
			go healthyWorker(jobs, &done)
		}
		for j := 0; j < 100; j++ {
			jobs <- j
		}
		close(jobs)
		done.Wait()
	}})
}
