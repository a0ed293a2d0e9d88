package encoding

import (
	"bytes"
	"sync"
)

// Small blobs, and the padding of any blob that does not fill its matrix,
// leave whole rows and columns of the message matrix zero. The codes are
// linear, so their codewords are zero too, and every zero cell of a given
// symbol size hashes alike: such rows and columns need neither coding nor
// hashing. A 1-byte blob at n = 1000 is two thirds zero columns.

// skipZeros turns the shortcut off in tests that compare both paths.
var skipZeros = true

var zeroChunk [4096]byte

// isZero reports whether b holds only zero bytes. It stops at the first
// chunk that does not, so data that is not zero costs almost nothing.
func isZero(b []byte) bool {
	for len(b) > 0 {
		n := min(len(b), len(zeroChunk))
		if !bytes.Equal(b[:n], zeroChunk[:n]) {
			return false
		}
		b = b[n:]
	}
	return true
}

// zeroTrees gives the hashes of all-zero columns of one encode: the leaf
// hash of a zero symbol and Merkle roots over runs of such leaves, computed
// on first use only.
type zeroTrees struct {
	symbolSize int
	once       sync.Once
	leaf       Hash

	mu    sync.Mutex
	roots map[[2]int]Hash // {leaves, height} → root
}

func (z *zeroTrees) leafHash() Hash {
	z.once.Do(func() { z.leaf = leafHash(make([]byte, z.symbolSize)) })
	return z.leaf
}

// root returns the node at height over count zero leaves, as rootAt would.
func (z *zeroTrees) root(count, height int) Hash {
	key := [2]int{count, height}
	z.mu.Lock()
	defer z.mu.Unlock()
	if r, ok := z.roots[key]; ok {
		return r
	}
	level := make([]Hash, count)
	for i := range level {
		level[i] = z.leafHash()
	}
	r := merkleRootAt(level, height)
	if z.roots == nil {
		z.roots = map[[2]int]Hash{}
	}
	z.roots[key] = r
	return r
}
