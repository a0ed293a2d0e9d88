package encoding

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// zeroColumnsBlob returns a random blob of size bytes whose matrix columns
// c with keep(c) false are zero in every row.
func zeroColumnsBlob(t *testing.T, rng *rand.Rand, enc *Encoder, size int, keep func(c int) bool) []byte {
	t.Helper()
	p, err := enc.Params(uint64(size))
	if err != nil {
		t.Fatal(err)
	}
	blob := randomBlob(rng, size)
	S, ks := p.SymbolSize, p.SecondarySymbols
	for off := 0; off < size; off += S {
		if !keep(off / S % ks) {
			clear(blob[off:min(off+S, size)])
		}
	}
	return blob
}

// TestZeroShortcutMatches checks that skipping zero rows and columns gives
// the slivers and metadata of coding and hashing them, also when the
// pooled sliver memory held another blob's bytes before.
func TestZeroShortcutMatches(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, nShards := range []int{4, 10, 100, 1000} {
		enc, err := NewEncoder(nShards)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := enc.Params(0)
		capacity := p.PrimarySymbols * p.SecondarySymbols * 130 // symbols of 130 bytes
		blobs := map[string][]byte{
			"empty":    nil,
			"1 byte":   {0x5a},
			"zeros":    make([]byte, capacity),
			"head":     append(randomBlob(rng, capacity/3), make([]byte, capacity-capacity/3)...),
			"middle":   zeroColumnsBlob(t, rng, enc, capacity, func(c int) bool { return c < 3 || c > 70 }),
			"odd":      zeroColumnsBlob(t, rng, enc, capacity-77, func(c int) bool { return c%2 == 1 }),
			"random":   randomBlob(rng, capacity-5),
			"1 column": zeroColumnsBlob(t, rng, enc, capacity/2, func(c int) bool { return c == 1 }),
		}
		for name, blob := range blobs {
			t.Run(fmt.Sprintf("n=%d/%s", nShards, name), func(t *testing.T) {
				// Leave random bytes in the pool's slabs.
				dirty, err := enc.Encode(randomBlob(rng, max(len(blob), 1)))
				if err != nil {
					t.Fatal(err)
				}
				dirty.Release()
				skipZeros = false
				want, err := enc.Encode(blob)
				skipZeros = true
				if err != nil {
					t.Fatal(err)
				}
				defer want.Release()
				got, err := enc.Encode(blob)
				if err != nil {
					t.Fatal(err)
				}
				defer got.Release()
				if got.ID != want.ID {
					t.Fatalf("blob ID %s, want %s", got.ID, want.ID)
				}
				for i := range want.Primary {
					if !bytes.Equal(got.Primary[i], want.Primary[i]) {
						t.Fatalf("primary sliver %d differs", i)
					}
					if !bytes.Equal(got.Secondary[i], want.Secondary[i]) {
						t.Fatalf("secondary sliver %d differs", i)
					}
				}
				_, id, err := enc.ComputeMetadataFrom(bytes.NewReader(blob), uint64(len(blob)))
				if err != nil {
					t.Fatal(err)
				}
				if id != want.ID {
					t.Fatalf("streamed blob ID %s, want %s", id, want.ID)
				}
			})
		}
	}
}
