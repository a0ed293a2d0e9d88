package node

import (
	"context"
	"runtime"
	"sync"
	"time"
)

// Two answers cost the node more than the request costs the asker: a
// storage confirmation promises the slivers are on disk (a sync of the
// store), and recovery symbols re-encode a sliver per owned shard. Syncs
// are shared by the confirmations that wait at once (group commit), and
// recovery-symbol work runs a few at a time, others waiting briefly and
// then getting 429.

// groupSync runs fn for its callers, one run at a time: every caller that
// arrived before a run started is covered by it, so a flood of requests
// costs one sync per sync time, not one each.
type groupSync struct {
	fn      func() error
	mu      sync.Mutex
	running bool
	waiting []chan error
}

// Do returns the result of a run of fn that started after the call.
func (g *groupSync) Do() error {
	done := make(chan error, 1)
	g.mu.Lock()
	g.waiting = append(g.waiting, done)
	if !g.running {
		g.running = true
		go g.run()
	}
	g.mu.Unlock()
	return <-done
}

func (g *groupSync) run() {
	for {
		g.mu.Lock()
		batch := g.waiting
		g.waiting = nil
		if len(batch) == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		err := g.fn()
		for _, done := range batch {
			done <- err
		}
	}
}

// workSlots bounds concurrent costly work.
type workSlots chan struct{}

func newWorkSlots() workSlots { return make(workSlots, max(2, runtime.NumCPU())) }

// take waits at most budgetWait for a slot; false means none came (or ctx
// ended). The caller releases a slot it took.
func (s workSlots) take(ctx context.Context) bool {
	t := time.NewTimer(budgetWait)
	defer t.Stop()
	select {
	case s <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

func (s workSlots) release() { <-s }
