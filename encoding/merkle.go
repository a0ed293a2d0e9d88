package encoding

import (
	"errors"
	"fmt"
	"math/bits"
)

// Hash is one Blake2b-256 digest: a Merkle node.
type Hash = [32]byte

// emptyNode pads a Merkle level with an odd count; it is used as it is, not hashed.
var emptyNode Hash

const (
	leafPrefix  = 0x00
	innerPrefix = 0x01
)

// ErrInvalidProof means a Merkle proof does not lead to the expected root.
var ErrInvalidProof = errors.New("invalid Merkle proof")

// treeHeight returns the number of levels above the leaves of a tree of n
// leaves: ⌈log2 n⌉.
func treeHeight(n int) int {
	if n <= 1 {
		return 0
	}
	return bits.Len(uint(n - 1))
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
		next := make([]Hash, (len(level)+1)/2)
		for i := range next {
			right := &emptyNode
			if 2*i+1 < len(level) {
				right = &level[2*i+1]
			}
			next[i] = innerHash(&level[2*i], right)
		}
		level = next
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
