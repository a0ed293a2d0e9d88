package encoding

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// forEach runs fn(worker, i) for i in [0, n) on up to GOMAXPROCS goroutines;
// worker in [0, workers) lets fn use per-goroutine scratch space.
func forEach(n int, newWorker func() any, fn func(w any, i int)) {
	workers := workers(n)
	if workers <= 1 {
		w := newWorker()
		for i := 0; i < n; i++ {
			fn(w, i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newWorker()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(w, i)
			}
		}()
	}
	wg.Wait()
}

// workers returns how many goroutines forEach(n, ...) runs, so many times
// newWorker is called.
func workers(n int) int { return max(1, min(runtime.GOMAXPROCS(0), n)) }
