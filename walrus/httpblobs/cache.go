package httpblobs

import (
	"container/list"
	"sync"

	"github.com/walrusfs/walrusfs/encoding"
)

// verifiedCache keeps verified blobs in memory, the least recently used
// dropped first once they hold more than max bytes, and lets concurrent
// reads of one blob share a single fetch.
type verifiedCache struct {
	mu       sync.Mutex
	max      int64
	held     int64
	lru      *list.List // of *cachedBlob, most recent first
	byID     map[encoding.BlobID]*list.Element
	inFlight map[encoding.BlobID]*flight
}

type cachedBlob struct {
	id   encoding.BlobID
	data []byte
}

// flight is one fetch under way; data is set only for a blob verified in
// memory (a spooled one is not shared: each reader fetches its own).
type flight struct {
	done chan struct{}
	data []byte
	err  error
}

func newVerifiedCache(max int64) *verifiedCache {
	return &verifiedCache{max: max, lru: list.New(), byID: map[encoding.BlobID]*list.Element{}, inFlight: map[encoding.BlobID]*flight{}}
}

func (c *verifiedCache) get(id encoding.BlobID) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byID[id]
	if !ok {
		return nil, false
	}
	c.lru.MoveToFront(e)
	return e.Value.(*cachedBlob).data, true
}

// put keeps a verified blob, unless it alone is over the bound.
func (c *verifiedCache) put(id encoding.BlobID, data []byte) {
	if int64(len(data)) > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byID[id]; ok {
		c.lru.MoveToFront(e)
		return
	}
	c.byID[id] = c.lru.PushFront(&cachedBlob{id: id, data: data})
	c.held += int64(len(data))
	for c.held > c.max {
		last := c.lru.Back()
		b := last.Value.(*cachedBlob)
		c.lru.Remove(last)
		delete(c.byID, b.id)
		c.held -= int64(len(b.data))
	}
}

// join returns the fetch of id under way, or starts one: then leader is
// set and the caller must call finish.
func (c *verifiedCache) join(id encoding.BlobID) (f *flight, leader bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f, ok := c.inFlight[id]; ok {
		return f, false
	}
	f = &flight{done: make(chan struct{})}
	c.inFlight[id] = f
	return f, true
}

// finish ends a fetch, keeping its blob if it was verified in memory.
func (c *verifiedCache) finish(id encoding.BlobID, f *flight, data []byte, err error) {
	if err == nil && data != nil {
		c.put(id, data)
	}
	c.mu.Lock()
	delete(c.inFlight, id)
	c.mu.Unlock()
	f.data, f.err = data, err
	close(f.done)
}

func (c *verifiedCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Init()
	clear(c.byID)
	c.held = 0
}
