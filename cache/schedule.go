package cache

import (
	"container/heap"
	"time"
)

// schedule knows which queued files are due for an upload attempt: those
// queued since the last look (due, in order) and those backing off after a
// failure (by when they may be tried again). The store's queue is read
// whole only when the uploader starts (or until that read succeeds); after
// it, each queued file is told of one by one (Queued): a close costs the
// uploader its own file, not the queue's length.
type schedule struct {
	due     []uint64
	isDue   map[uint64]bool
	later   retryHeap
	retryAt map[uint64]time.Time // a file's backoff; heap entries that differ are stale
	// settling: files waiting out the write-back delay after a close (in
	// later too), which a drain makes due at once.
	settling map[uint64]bool
	rescan   bool // read the store's queue whole at the next look (at start)
}

func newSchedule() *schedule {
	return &schedule{isDue: map[uint64]bool{}, retryAt: map[uint64]time.Time{}, settling: map[uint64]bool{}, rescan: true}
}

// add makes a file due now, ending any backoff (it has a new version).
func (s *schedule) add(ino uint64) {
	delete(s.retryAt, ino)
	delete(s.settling, ino)
	if !s.isDue[ino] {
		s.isDue[ino] = true
		s.due = append(s.due, ino)
	}
}

// addIfIdle makes a file due unless it is due or backing off already.
func (s *schedule) addIfIdle(ino uint64) {
	if _, waiting := s.retryAt[ino]; !waiting {
		s.add(ino)
	}
}

// retry makes a file due again at at.
func (s *schedule) retry(ino uint64, at time.Time) {
	delete(s.settling, ino)
	s.retryAt[ino] = at
	heap.Push(&s.later, retry{at: at, ino: ino})
}

// settle makes a newly queued file due at at, unless it is due already;
// a file queued again while settling starts its wait again.
func (s *schedule) settle(ino uint64, at time.Time) {
	if s.isDue[ino] {
		return
	}
	s.retry(ino, at)
	s.settling[ino] = true
}

// hurry makes every settling file due now.
func (s *schedule) hurry() {
	for ino := range s.settling {
		s.add(ino)
	}
}

// take returns at most n due files, after making due those whose backoff
// ended by now.
func (s *schedule) take(now time.Time, n int) []uint64 {
	for s.later.Len() > 0 && !s.later[0].at.After(now) {
		r := heap.Pop(&s.later).(retry)
		if at, ok := s.retryAt[r.ino]; ok && at.Equal(r.at) {
			s.add(r.ino)
		}
	}
	k := min(n, len(s.due))
	out := append([]uint64(nil), s.due[:k]...)
	s.due = s.due[k:]
	for _, ino := range out {
		delete(s.isDue, ino)
	}
	return out
}

// next returns how long until more files are due: 0 if none waits, and
// at least a millisecond if some are due now.
func (s *schedule) next(now time.Time) time.Duration {
	if len(s.due) > 0 {
		return time.Millisecond
	}
	for s.later.Len() > 0 {
		r := s.later[0]
		if at, ok := s.retryAt[r.ino]; !ok || !at.Equal(r.at) {
			heap.Pop(&s.later) // stale
			continue
		}
		return max(r.at.Sub(now), time.Millisecond)
	}
	return 0
}

type retry struct {
	at  time.Time
	ino uint64
}

// retryHeap orders retries by time (container/heap).
type retryHeap []retry

func (h retryHeap) Len() int           { return len(h) }
func (h retryHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h retryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *retryHeap) Push(x any)        { *h = append(*h, x.(retry)) }
func (h *retryHeap) Pop() any {
	old := *h
	r := old[len(old)-1]
	*h = old[:len(old)-1]
	return r
}
