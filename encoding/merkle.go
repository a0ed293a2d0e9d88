package encoding

import (
	"errors"
	"fmt"
	"math/bits"

	"golang.org/x/crypto/blake2b"
)

// Hash is one Blake2b-256 digest: a Merkle node.
type Hash [32]byte

// emptyNode pads a Merkle level with an odd count; it is used as it is, not hashed.
var emptyNode Hash

const (
	leafPrefix  = 0x00
	innerPrefix = 0x01
)

// ErrInvalidProof means a Merkle proof does not lead to the expected root.
var ErrInvalidProof = errors.New("invalid Merkle proof")

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

// treeHeight returns the number of levels above the leaves of a tree of n
// leaves: ⌈log2 n⌉.
func treeHeight(n int) int {
	if n <= 1 {
		return 0
	}
	return bits.Len(uint(n - 1))
}

// merkleRootAt reduces level (the nodes of one level, which it overwrites) by
// height levels, pairing a node without a right sibling with the empty node.
// For a whole tree height is treeHeight(len(level)); for an aligned part of a
// larger tree it is that part's height, and the result is the same node the
// whole tree has there.
func merkleRootAt(level []Hash, height int) Hash {
	if len(level) == 0 {
		return emptyNode
	}
	n := len(level)
	for h := 0; h < height; h++ {
		half := (n + 1) / 2
		innerLevel(level[:half], level[:n])
		n = half
	}
	return level[0]
}

// innerLevel sets dst[i] = H(0x01 ‖ src[2i] ‖ src[2i+1]), src padded with the
// empty node. dst may alias src.
func innerLevel(dst, src []Hash) {
	pairs := len(src) / 2
	hashInner(dst[:pairs], src[:2*pairs])
	if len(src)%2 == 1 {
		dst[pairs] = innerHash(&src[2*pairs], &emptyNode)
	}
}

// MerkleRoot returns the root of the tree over leaf hashes (32 zero bytes for
// no leaves). leaves is not modified.
func MerkleRoot(leaves []Hash) Hash {
	level := append([]Hash(nil), leaves...)
	return merkleRootAt(level, treeHeight(len(level)))
}

// MerkleProof is the path from a leaf to the root: the sibling at each level,
// bottom-up. A sibling that is the padding node is encoded as Walrus's Empty node.
type MerkleProof []Hash

// BuildMerkleProof returns the proof for leaf index of the tree over leaves.
func BuildMerkleProof(leaves []Hash, index int) (MerkleProof, error) {
	if index < 0 || index >= len(leaves) {
		return nil, fmt.Errorf("leaf %d out of range [0, %d)", index, len(leaves))
	}
	level := append([]Hash(nil), leaves...)
	var proof MerkleProof
	for len(level) > 1 {
		sib := index ^ 1
		if sib < len(level) {
			proof = append(proof, level[sib])
		} else {
			proof = append(proof, emptyNode)
		}
		half := (len(level) + 1) / 2
		innerLevel(level[:half], level)
		level = level[:half]
		index /= 2
	}
	return proof, nil
}

// Verify checks that leaf (a leaf hash) is leaf index of a tree of nLeaves
// leaves with the given root.
func (p MerkleProof) Verify(root, leaf Hash, index, nLeaves int) error {
	if index < 0 || index >= nLeaves {
		return fmt.Errorf("%w: leaf %d of %d", ErrInvalidProof, index, nLeaves)
	}
	if len(p) != treeHeight(nLeaves) {
		return fmt.Errorf("%w: %d nodes for a tree of %d leaves", ErrInvalidProof, len(p), nLeaves)
	}
	cur := leaf
	for _, sib := range p {
		if index%2 == 0 {
			cur = innerHash(&cur, &sib)
		} else {
			cur = innerHash(&sib, &cur)
		}
		index /= 2
	}
	if cur != root {
		return fmt.Errorf("%w: root mismatch", ErrInvalidProof)
	}
	return nil
}
