package slab

import "sync"

// Pool keeps freed slabs for reuse, so that encoding blob after blob does not
// fault fresh pages in each time. It holds at most maxBytes of idle slabs.
type Pool struct {
	maxBytes int

	mu   sync.Mutex
	idle []*Slab
	held int // bytes in idle
}

// NewPool returns a pool keeping up to maxBytes of idle slabs.
func NewPool(maxBytes int) *Pool { return &Pool{maxBytes: maxBytes} }

// shared is the process's pool: mapped slabs are not reclaimed by the garbage
// collector, so pools must not come and go with their users.
var shared = NewPool(1 << 30)

// Shared returns the process-wide pool, which keeps up to 1 GiB idle.
func Shared() *Pool { return shared }

// Get returns a slab of size bytes whose contents are undefined (not zeroed).
func (p *Pool) Get(size int) *Slab {
	p.mu.Lock()
	best := -1
	for i, s := range p.idle {
		// Reuse a slab that is large enough but not wastefully so.
		if c := cap(s.b); c >= size && c <= 2*size+mmapThreshold && (best < 0 || c < cap(p.idle[best].b)) {
			best = i
		}
	}
	if best >= 0 {
		s := p.idle[best]
		p.idle = append(p.idle[:best], p.idle[best+1:]...)
		p.held -= cap(s.b)
		p.mu.Unlock()
		s.b = s.b[:size]
		return s
	}
	p.mu.Unlock()
	return New(size)
}

// Put gives a slab back; it is freed instead if the pool is full.
func (p *Pool) Put(s *Slab) {
	if s == nil || s.b == nil {
		return
	}
	p.mu.Lock()
	if p.held+cap(s.b) <= p.maxBytes {
		p.idle = append(p.idle, s)
		p.held += cap(s.b)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	s.Free()
}
