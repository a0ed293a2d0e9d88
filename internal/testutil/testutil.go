// Package testutil holds small helpers that tests of several packages
// share.
package testutil

import (
	"bytes"
	"math/rand/v2"
	"sync"
)

// SyncBuffer is a bytes.Buffer that goroutines may write at once: a test's
// log sink.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// RandomBytes returns size pseudo-random bytes, the same for a seed.
func RandomBytes(seed uint64, size int) []byte {
	rng := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}
