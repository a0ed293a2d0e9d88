package cache

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/walrusfs/walrusfs/cache/state"
)

// Fetching ahead of reads. A reader of many small files (tar, cp -r, a
// build) asks for one window after another, each a network round trip of
// its own; Prefetch lets the file system say which files come next, so that
// their windows are fetched several at a time before the reads ask.
const (
	// prefetchInFlight bounds the chunks being fetched ahead at once:
	// enough to hide the network's latency, few enough to leave the
	// network and the cores to the reads that wait.
	prefetchInFlight = 8
	// wholePackMax: a shared blob (a pack of small files) up to this size
	// is fetched whole when one of its files is: packs are filled in the
	// order files were written, so its other files are likely read soon.
	wholePackMax = 16 << 20
	// maxOpeners: encrypted chunks opened ahead at once (CPU-bound).
	maxOpeners = 2
	// openQueue bounds the chunks waiting to be opened ahead; more are
	// left to their reads.
	openQueue = 4096
)

// prefetcher is the Reader's state for fetching ahead; the zero value is
// ready.
type prefetcher struct {
	once    sync.Once
	slots   chan struct{}    // a token per chunk being fetched ahead
	toOpen  chan state.Chunk // encrypted chunks to open once fetched
	openers atomic.Int32     // goroutines opening them
	windows atomic.Int64     // windows fetched ahead of reads
}

func (p *prefetcher) init() {
	p.once.Do(func() {
		p.slots = make(chan struct{}, prefetchInFlight)
		p.toOpen = make(chan state.Chunk, openQueue)
	})
}

// Prefetch starts fetching the windows that hold chunks (for a shared blob
// of small files, the whole blob; for a large chunk, its start), skipping
// those cached or being fetched, and has encrypted chunks opened once
// fetched. It returns once every fetch is started, waiting while
// prefetchInFlight chunks are being fetched, or when ctx ends. Errors are
// left to the reads, which try again.
func (r *Reader) Prefetch(ctx context.Context, chunks []state.Chunk) error {
	r.ahead.init()
	for _, c := range chunks {
		if c.Size == 0 {
			continue
		}
		if !r.prefetched(c) {
			select {
			case r.ahead.slots <- struct{}{}:
			case <-ctx.Done():
				return ctx.Err()
			}
			// The windows are registered before the chunk is opened or
			// read, so that a patch is cut from them, not fetched again.
			fetching := r.startWindows(ctx, c)
			go func() {
				defer func() { <-r.ahead.slots }()
				for _, w := range fetching {
					select {
					case <-w.ready:
					case <-ctx.Done():
						return
					}
				}
			}()
		}
		r.queueOpen(c)
	}
	return nil
}

// aheadRange returns the part of a chunk's blob to fetch ahead: a pack
// whole; of a larger chunk its first window, and for an encrypted one the
// window of its last age chunk, which opening it reads.
func aheadRange(c state.Chunk, window uint64) (ranges [][2]uint64) {
	switch {
	case !c.Whole() && c.InBlob() <= wholePackMax:
		return [][2]uint64{{0, c.InBlob()}}
	case c.InQuilt(): // a patch of a large quilt: its columns, when opened
		return nil
	}
	end := c.Off + c.Stored()
	ranges = append(ranges, [2]uint64{c.Off, min(end, c.Off+window)})
	if c.Encrypted() && end > c.Off+window {
		ranges = append(ranges, [2]uint64{end - 1, end})
	}
	return ranges
}

// prefetched tells whether every window to fetch ahead for c is cached or
// being fetched (false if the blob's window size is not known yet).
func (r *Reader) prefetched(c state.Chunk) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	size, ok := r.sizes[c.Blob]
	if !ok {
		return false
	}
	for _, rg := range aheadRange(c, size) {
		for index := rg[0] / size; index*size < rg[1]; index++ {
			if _, ok := r.windows[windowKey{c.Blob, index}]; !ok {
				return false
			}
		}
	}
	return true
}

// startWindows starts fetching the windows to fetch ahead for c that are
// neither cached nor being fetched, and returns them.
func (r *Reader) startWindows(ctx context.Context, c state.Chunk) []*window {
	size, err := r.windowSize(ctx, c.Blob)
	if err != nil {
		return nil
	}
	var fetching []*window
	for _, rg := range aheadRange(c, size) {
		for index := rg[0] / size; index*size < rg[1]; index++ {
			if w := r.startAhead(c, index, size); w != nil {
				fetching = append(fetching, w)
			}
		}
	}
	return fetching
}

// startAhead starts fetching a window no read asked for yet, unless it is
// cached or being fetched; it returns the new entry, or nil. Unlike get,
// it counts no hit or miss: those are the reads'.
func (r *Reader) startAhead(c state.Chunk, index, size uint64) *window {
	key := windowKey{c.Blob, index}
	r.mu.Lock()
	if _, ok := r.windows[key]; ok {
		r.mu.Unlock()
		return nil
	}
	w := &window{key: key, ready: make(chan struct{})}
	w.elem = r.lru.PushFront(w)
	r.windows[key] = w
	r.mu.Unlock()
	r.ahead.windows.Add(1)
	go r.fetch(w, c.InBlob(), size)
	return w
}

// queueOpen has an encrypted chunk opened ahead of its read, unless it is
// opened or too many wait.
func (r *Reader) queueOpen(c state.Chunk) {
	if !c.Encrypted() || r.opens.has(openKey(c)) {
		return
	}
	select {
	case r.ahead.toOpen <- c:
		if r.ahead.openers.Load() < maxOpeners {
			r.ahead.openers.Add(1)
			go r.openAhead()
		}
	default: // its read opens it
	}
}

// openAhead opens the encrypted chunks Prefetch queued, one at a time,
// until none is left: the age header's unwrapping then happens before the
// read that needs it, on a core the reader is not using.
func (r *Reader) openAhead() {
	defer r.ahead.openers.Add(-1)
	for {
		select {
		case c := <-r.ahead.toOpen:
			_, _ = r.open(c) // a failure is the read's to report
		default:
			return
		}
	}
}
