package node

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestGroupSyncShares: a flood of callers costs one run per run time, and
// every caller's answer comes from a run that started after it arrived.
func TestGroupSyncShares(t *testing.T) {
	var runs atomic.Int64
	var lastStart atomic.Int64
	g := &groupSync{fn: func() error {
		lastStart.Store(time.Now().UnixNano())
		runs.Add(1)
		time.Sleep(20 * time.Millisecond)
		return nil
	}}
	var wg sync.WaitGroup
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			arrived := time.Now().UnixNano()
			if err := g.Do(); err != nil {
				t.Error(err)
			}
			if lastStart.Load() < arrived {
				t.Error("answered by a run that started before the call")
			}
		}()
	}
	wg.Wait()
	if n := runs.Load(); n > 20 {
		t.Fatalf("200 callers at once cost %d runs", n)
	}
	t.Logf("200 callers, %d runs", runs.Load())
}

// TestWorkSlotsRefuse: past its slots, work waits, then is refused.
func TestWorkSlotsRefuse(t *testing.T) {
	s := newWorkSlots()
	for range cap(s) {
		if !s.take(context.Background()) {
			t.Fatal("a free slot was refused")
		}
	}
	start := time.Now()
	if s.take(context.Background()) {
		t.Fatal("took more slots than there are")
	}
	if d := time.Since(start); d < budgetWait/2 {
		t.Fatalf("refused after %v without waiting", d)
	}
	s.release()
	if !s.take(context.Background()) {
		t.Fatal("a released slot was refused")
	}
}
