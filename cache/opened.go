package cache

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// Opened encrypted chunks: unwrapping an age header is the costly part of
// reading a small encrypted file (a post-quantum decapsulation, ~0.2 ms),
// so each chunk is opened once, by a read or ahead of it (Prefetch), and
// kept: a small file's opened reader holds its whole plaintext, being its
// last age chunk.
const (
	maxOpened      = 4096
	maxOpenedBytes = 32 << 20 // their plaintext held, about
)

// openedCache keeps opened chunks, first opened first out, and lets one
// caller open a chunk while the others wanting it wait. The zero value is
// ready.
type openedCache struct {
	mu    sync.Mutex
	byKey map[windowKey]*openedChunk
	order []windowKey // oldest first
	bytes int64
}

type openedChunk struct {
	ready chan struct{} // closed once plain or err is set
	plain io.ReaderAt
	err   error
	held  int64 // plaintext the reader keeps, about
}

// get returns the opened chunk of key, opening it with open (held: the
// plaintext it keeps) unless it is kept or being opened.
func (o *openedCache) get(key windowKey, held int64, open func() (io.ReaderAt, error)) (io.ReaderAt, error) {
	o.mu.Lock()
	if c, ok := o.byKey[key]; ok {
		o.mu.Unlock()
		<-c.ready
		return c.plain, c.err
	}
	if o.byKey == nil {
		o.byKey = map[windowKey]*openedChunk{}
	}
	c := &openedChunk{ready: make(chan struct{}), held: held}
	o.byKey[key] = c
	o.mu.Unlock()

	c.plain, c.err = open()
	close(c.ready)

	o.mu.Lock()
	defer o.mu.Unlock()
	if c.err != nil {
		delete(o.byKey, key) // the next read tries again
		return nil, c.err
	}
	o.order = append(o.order, key)
	o.bytes += held
	for len(o.order) > maxOpened || (o.bytes > maxOpenedBytes && len(o.order) > 1) {
		old := o.order[0]
		o.order = o.order[1:]
		if oc := o.byKey[old]; oc != nil {
			o.bytes -= oc.held
			delete(o.byKey, old)
		}
	}
	return c.plain, nil
}

// has tells whether a chunk is opened or being opened.
func (o *openedCache) has(key windowKey) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, ok := o.byKey[key]
	return ok
}

// ageChunk is the plaintext size of an age payload chunk.
const ageChunk = 64 << 10

// wholeIfSmall returns the plaintext of an opened chunk of one age chunk
// or less as bytes: age's reader, which holds it already, would allocate
// a chunk's buffer at every read.
func wholeIfSmall(plain io.ReaderAt, size uint64) (io.ReaderAt, error) {
	if size > ageChunk {
		return plain, nil
	}
	b := make([]byte, size)
	if n, err := plain.ReadAt(b, 0); n < len(b) {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("read the %d bytes of plaintext: got %d: %w", size, n, err)
	}
	return bytes.NewReader(b), nil
}
