package encoding

import (
	"errors"
	"testing"
)

func TestMerkleProofs(t *testing.T) {
	for n := 1; n <= 40; n++ {
		leaves := make([]Hash, n)
		for i := range leaves {
			leaves[i] = leafHash([]byte{byte(i), byte(n)})
		}
		root := MerkleRoot(leaves)
		for i := 0; i < n; i++ {
			p, err := BuildMerkleProof(leaves, i)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Verify(root, leaves[i], i, n); err != nil {
				t.Fatalf("n=%d leaf %d: %v", n, i, err)
			}
			if n > 1 {
				if err := p.Verify(root, leaves[i], (i+1)%n, n); !errors.Is(err, ErrInvalidProof) {
					t.Fatalf("n=%d: proof for leaf %d accepted at %d", n, i, (i+1)%n)
				}
				if err := p[:len(p)-1].Verify(root, leaves[i], i, n); !errors.Is(err, ErrInvalidProof) {
					t.Fatalf("n=%d: short proof accepted", n)
				}
			}
		}
		// Aligned parts give the same root as the whole tree.
		if n >= 8 {
			parts := []Hash{}
			for s := 0; s < n; s += 8 {
				part := append([]Hash(nil), leaves[s:min(s+8, n)]...)
				parts = append(parts, merkleRootAt(part, 3))
			}
			if got := merkleRootAt(parts, treeHeight(n)-3); got != root {
				t.Fatalf("n=%d: root from aligned parts differs", n)
			}
		}
	}
	if MerkleRoot(nil) != (Hash{}) {
		t.Fatal("root of no leaves is not 32 zero bytes")
	}
}
