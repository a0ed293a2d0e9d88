package encoding

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/walrusfs/walrusfs/internal/testvectors"
)

// BenchmarkDecode rebuilds a blob at n = 1000 from the last 334 primary
// slivers, 333 of them parity, as the official encoder's decode benchmark
// does. It includes verifying every sliver against the metadata and Walrus's
// default consistency check.
func BenchmarkDecode(b *testing.B) {
	for _, size := range benchSizes {
		if size.large {
			continue
		}
		b.Run(fmt.Sprintf("n=1000/%s", size.name), func(b *testing.B) {
			enc, _ := NewEncoder(1000)
			blob := testvectors.Xorshift(42, size.size)
			eb, err := enc.Encode(blob)
			if err != nil {
				b.Fatal(err)
			}
			defer eb.Release()
			k := eb.Params.PrimarySymbols
			set := make([]*Sliver, 0, k)
			for i := 1000 - k; i < 1000; i++ {
				set = append(set, eb.Sliver(Primary, i))
			}
			b.SetBytes(int64(size.size))
			b.ResetTimer()
			for b.Loop() {
				got, err := enc.DecodeBlob(eb.ID, eb.Metadata, set)
				if err != nil || !bytes.Equal(got, blob) {
					b.Fatalf("decode: %v", err)
				}
			}
		})
	}
}

// BenchmarkRecoverSliver rebuilds one sliver of each axis from the recovery
// symbols other nodes would send, verifying each symbol's Merkle proof.
func BenchmarkRecoverSliver(b *testing.B) {
	for _, size := range benchSizes {
		if size.large {
			continue
		}
		enc, _ := NewEncoder(1000)
		eb, err := enc.Encode(testvectors.Xorshift(42, size.size))
		if err != nil {
			b.Fatal(err)
		}
		for _, target := range []Axis{Primary, Secondary} {
			const index = 500
			var syms []RecoverySymbol
			for src := 999; src >= 0; src-- { // parity senders first
				have := eb.Sliver(target.Orthogonal(), PairIndex(target.Orthogonal(), src, 1000))
				s, err := enc.RecoverySymbols(eb.Metadata, have, []int{index})
				if err != nil {
					b.Fatal(err)
				}
				syms = append(syms, s...)
			}
			b.Run(fmt.Sprintf("n=1000/%s/%s", size.name, target), func(b *testing.B) {
				for b.Loop() {
					if _, _, err := enc.RecoverSliver(eb.Metadata, target, index, syms); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		eb.Release()
	}
}
