package encoding

import (
	"unsafe"

	"golang.org/x/crypto/blake2b"

	"github.com/walrusfs/walrusfs/encoding/internal/blake2b4"
)

// Hashing bounds encoding: a blob at n shards needs n² leaf hashes and about
// 2n² inner Merkle hashes whatever its size. Leaves and inner nodes are
// therefore hashed in batches, several messages at once in SIMD lanes.

// leafHash returns H(0x00 ‖ data).
func leafHash(data []byte) Hash {
	h, _ := blake2b.New256(nil)
	h.Write([]byte{leafPrefix})
	h.Write(data)
	var out Hash
	h.Sum(out[:0])
	return out
}

// innerHash returns H(0x01 ‖ left ‖ right).
func innerHash(left, right *Hash) Hash {
	var buf [65]byte
	buf[0] = innerPrefix
	copy(buf[1:33], left[:])
	copy(buf[33:], right[:])
	return blake2b.Sum256(buf[:])
}

// hashLeaves sets dst[i] = H(0x00 ‖ symbols[i]).
func hashLeaves(dst []Hash, symbols [][]byte) {
	blake2b4.SumPrefixed(dst, leafPrefix, symbols)
}

// treeHasher computes Merkle levels in batches. It keeps its buffers between
// uses, so each worker goroutine has its own.
type treeHasher struct {
	next []Hash
	msgs [][]byte
}

// nodePairBytes returns the 64 bytes of level[2i] ‖ level[2i+1].
func nodePairBytes(level []Hash, i int) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(&level[2*i])), 64)
}

// rootAt reduces level, which it overwrites, by height levels, pairing a node
// without a right sibling with the empty node. For a whole tree height is
// treeHeight(len(level)); for an aligned part of a larger tree it is that
// part's height, and the result is the node the whole tree has there.
func (h *treeHasher) rootAt(level []Hash, height int) Hash {
	if len(level) == 0 {
		return emptyNode
	}
	if cap(h.next) < len(level) {
		h.next = make([]Hash, len(level))
		h.msgs = make([][]byte, len(level)/2+1)
	}
	cur, nxt := level, h.next[:len(level)]
	n := len(level)
	for range height {
		pairs := n / 2
		for i := 0; i < pairs; i++ {
			h.msgs[i] = nodePairBytes(cur, i)
		}
		// The digests go to the other buffer: they must not overlap the messages.
		blake2b4.SumPrefixed(nxt[:pairs], innerPrefix, h.msgs[:pairs])
		if n%2 == 1 {
			nxt[pairs] = innerHash(&cur[n-1], &emptyNode)
		}
		n = (n + 1) / 2
		cur, nxt = nxt, cur
	}
	return cur[0]
}

// merkleRootAt is treeHasher.rootAt with a one-off hasher.
func merkleRootAt(level []Hash, height int) Hash {
	var h treeHasher
	return h.rootAt(level, height)
}
