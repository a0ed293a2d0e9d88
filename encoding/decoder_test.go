package encoding

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

func randomBlob(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func encodeRandom(t testing.TB, rng *rand.Rand, nShards, size int) (*Encoder, []byte, *EncodedBlob) {
	t.Helper()
	enc, err := NewEncoder(nShards)
	if err != nil {
		t.Fatal(err)
	}
	blob := randomBlob(rng, size)
	b, err := enc.Encode(blob)
	if err != nil {
		t.Fatal(err)
	}
	return enc, blob, b
}

func slivers(b *EncodedBlob, a Axis, indices []int) []*Sliver {
	out := make([]*Sliver, len(indices))
	for i, idx := range indices {
		out[i] = b.Sliver(a, PairIndex(a, idx, b.Params.NShards))
		out[i].Data = bytes.Clone(out[i].Data)
	}
	return out
}

// TestDecodeRandomSets decodes blobs from random sets of exactly k slivers of
// either axis, all-parity sets included.
func TestDecodeRandomSets(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tc := range []struct{ n, size int }{{4, 0}, {4, 1}, {7, 100}, {10, 5000}, {13, 77777}, {31, 12345}, {100, 300000}, {1000, 1 << 20}} {
		enc, blob, b := encodeRandom(t, rng, tc.n, tc.size)
		p := b.Params
		for _, axis := range []Axis{Primary, Secondary} {
			k := p.PrimarySymbols
			if axis == Secondary {
				k = p.SecondarySymbols
			}
			sets := [][]int{rng.Perm(tc.n)[:k]}
			parity := make([]int, 0, k)
			for i := tc.n - 1; i >= 0 && len(parity) < k; i-- {
				parity = append(parity, i)
			}
			sets = append(sets, parity)
			for _, set := range sets {
				got, err := enc.DecodeBlob(b.ID, b.Metadata, slivers(b, axis, set))
				if err != nil {
					t.Fatalf("n=%d size=%d %s %v: %v", tc.n, tc.size, axis, set, err)
				}
				if !bytes.Equal(got, blob) {
					t.Fatalf("n=%d size=%d %s: decoded blob differs", tc.n, tc.size, axis)
				}
			}
		}
		b.Release()
	}
}

func TestDecodeErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	enc, blob, b := encodeRandom(t, rng, 10, 3000)
	p := b.Params
	k := p.PrimarySymbols

	// Too few slivers.
	_, err := enc.DecodeBlob(b.ID, b.Metadata, slivers(b, Primary, []int{1, 5, 9}))
	if !errors.Is(err, ErrNotEnoughSlivers) {
		t.Fatalf("3 of %d slivers: %v", k, err)
	}
	// Corrupted slivers are detected and skipped; with spares decoding works.
	set := slivers(b, Primary, []int{0, 2, 4, 6, 8, 9})
	set[0].Data[5] ^= 1
	set[2].Data[0] ^= 0x80
	got, err := enc.DecodeBlob(b.ID, b.Metadata, set)
	if err != nil || !bytes.Equal(got, blob) {
		t.Fatalf("decode with two corrupted slivers and two spares: %v", err)
	}
	// Without spares the corrupted ones leave too few.
	set = slivers(b, Primary, []int{0, 2, 4, 6})
	set[1].Data[1] ^= 1
	if _, err := enc.DecodeBlob(b.ID, b.Metadata, set); !errors.Is(err, ErrNotEnoughSlivers) {
		t.Fatalf("decode with a corrupted sliver and no spare: %v", err)
	}
	// Wrong metadata for the blob ID.
	other := *b.Metadata
	other.UnencodedLength++
	if _, err := enc.DecodeBlob(b.ID, &other, slivers(b, Primary, []int{0, 1, 2, 3})); !errors.Is(err, ErrInvalidMetadata) {
		t.Fatalf("decode with metadata of another blob: %v", err)
	}
	// A sliver with a lying index or size.
	set = slivers(b, Primary, []int{0, 1, 2, 3, 7})
	set[0].Index = 5
	set[1].Data = set[1].Data[:len(set[1].Data)-2]
	if _, err := enc.DecodeBlob(b.ID, b.Metadata, set); !errors.Is(err, ErrNotEnoughSlivers) {
		t.Fatalf("decode with a mislabelled and a short sliver: %v", err)
	}
}

// TestRecoverEverySliver rebuilds every sliver of both axes from the recovery
// symbols of the orthogonal slivers, chosen at random, parity included.
func TestRecoverEverySliver(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, tc := range []struct{ n, size int }{{4, 10}, {7, 1000}, {10, 4444}, {31, 20000}} {
		enc, _, b := encodeRandom(t, rng, tc.n, tc.size)
		p := b.Params
		for _, target := range []Axis{Primary, Secondary} {
			need := p.SecondarySymbols
			if target == Secondary {
				need = p.PrimarySymbols
			}
			for idx := 0; idx < tc.n; idx++ {
				var syms []RecoverySymbol
				for _, src := range rng.Perm(tc.n)[:need] {
					have := b.Sliver(target.Orthogonal(), PairIndex(target.Orthogonal(), src, tc.n))
					s, err := enc.RecoverySymbols(b.Metadata, have, []int{idx})
					if err != nil {
						t.Fatal(err)
					}
					// Through BCS, as between nodes.
					back, err := UnmarshalRecoverySymbols(MarshalRecoverySymbols(s))
					if err != nil {
						t.Fatal(err)
					}
					syms = append(syms, back...)
				}
				got, proof, err := enc.RecoverSliver(b.Metadata, target, idx, syms)
				if err != nil || proof != nil {
					t.Fatalf("n=%d recover %s %d: %v", tc.n, target, idx, err)
				}
				want := b.Sliver(target, PairIndex(target, idx, tc.n))
				if !bytes.Equal(got.Data, want.Data) || got.Index != want.Index {
					t.Fatalf("n=%d recovered %s sliver %d differs", tc.n, target, idx)
				}
			}
		}
	}
}

func TestRecoverRejectsBadSymbols(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	enc, _, b := encodeRandom(t, rng, 10, 4000)
	p := b.Params
	var syms []RecoverySymbol
	for src := 0; src < 10; src++ {
		have := b.Sliver(Secondary, PairIndex(Secondary, src, 10))
		s, _ := enc.RecoverySymbols(b.Metadata, have, []int{3})
		syms = append(syms, s...)
	}
	// Corrupt all but k_s-1 of them: recovery must fail, not return wrong data.
	for i := p.SecondarySymbols - 1; i < len(syms); i++ {
		syms[i].Symbol.Data[0] ^= 1
	}
	if _, _, err := enc.RecoverSliver(b.Metadata, Primary, 3, syms); !errors.Is(err, ErrNotEnoughSlivers) {
		t.Fatalf("recover with too few valid symbols: %v", err)
	}
	// Symbols for another target are skipped.
	if _, _, err := enc.RecoverSliver(b.Metadata, Primary, 4, syms); !errors.Is(err, ErrNotEnoughSlivers) {
		t.Fatalf("recover sliver 4 from symbols for 3: %v", err)
	}
}

// inconsistentBlob encodes a blob, then replaces one parity primary sliver by
// garbage and recommits the metadata to it, as a malicious writer would.
func inconsistentBlob(t *testing.T, rng *rand.Rand, enc *Encoder, size int) (*EncodedBlob, int) {
	t.Helper()
	b, err := enc.Encode(randomBlob(rng, size))
	if err != nil {
		t.Fatal(err)
	}
	p := b.Params
	bad := p.NShards - 1 // a parity primary sliver
	b.Primary[bad] = randomBlob(rng, p.PrimarySliverSize())
	root, err := enc.sliverRoot(p, Primary, b.Primary[bad])
	if err != nil {
		t.Fatal(err)
	}
	b.Metadata.Pairs[PairIndex(Primary, bad, p.NShards)].Primary = root
	b.ID = b.Metadata.BlobID()
	return b, bad
}

func TestInconsistencyProof(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	enc, _ := NewEncoder(10)
	b, bad := inconsistentBlob(t, rng, enc, 5000)
	p := b.Params
	// Rebuild secondary sliver 0 from primary slivers including the bad one.
	sources := []int{bad, 1, 2, 3}
	var syms []RecoverySymbol
	for _, src := range sources {
		s, err := enc.RecoverySymbols(b.Metadata, b.Sliver(Primary, src), []int{0})
		if err != nil {
			t.Fatal(err)
		}
		syms = append(syms, s...)
	}
	_, proof, err := enc.RecoverSliver(b.Metadata, Secondary, 0, syms)
	if !errors.Is(err, ErrInconsistentBlob) || proof == nil {
		t.Fatalf("recovery over an inconsistent encoding: %v, proof %v", err, proof)
	}
	// The proof survives BCS and convinces anyone holding the metadata.
	back, err := UnmarshalInconsistencyProof(Secondary, proof.MarshalBCS())
	if err != nil {
		t.Fatal(err)
	}
	if err := enc.VerifyInconsistencyProof(b.Metadata, back); err != nil {
		t.Fatalf("valid inconsistency proof rejected: %v", err)
	}
	// A proof made of honest symbols of a consistent column is rejected.
	var honest []RecoverySymbol
	for src := 0; src < p.PrimarySymbols; src++ {
		s, _ := enc.RecoverySymbols(b.Metadata, b.Sliver(Primary, src), []int{0})
		honest = append(honest, s...)
	}
	if err := enc.VerifyInconsistencyProof(b.Metadata, &InconsistencyProof{Target: Secondary, TargetIndex: 0, Symbols: honest}); err == nil {
		t.Fatal("proof from consistent symbols accepted")
	}
	// A tampered proof is rejected.
	back.Symbols[1].Symbol.Data[0] ^= 1
	if err := enc.VerifyInconsistencyProof(b.Metadata, back); err == nil {
		t.Fatal("tampered inconsistency proof accepted")
	}
	// Decoding the blob through the bad sliver fails the consistency check
	// instead of returning wrong bytes.
	set := []*Sliver{b.Sliver(Primary, bad), b.Sliver(Primary, 1), b.Sliver(Primary, 2), b.Sliver(Primary, 3)}
	if _, err := enc.DecodeBlob(b.ID, b.Metadata, set); !errors.Is(err, ErrInconsistentBlob) {
		t.Fatalf("decode of an inconsistent blob: %v", err)
	}
}

func TestDecodeVerifiedSlivers(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	enc, blob, b := encodeRandom(t, rng, 10, 7777)
	got, err := enc.DecodeVerifiedSlivers(b.Metadata, slivers(b, Primary, []int{9, 8, 7, 6}))
	if err != nil || !bytes.Equal(got, blob) {
		t.Fatalf("decode from verified parity slivers: %v", err)
	}
	if _, err := enc.DecodeVerifiedSlivers(b.Metadata, slivers(b, Primary, []int{9, 9, 8, 7})); !errors.Is(err, ErrNotEnoughSlivers) {
		t.Fatalf("duplicate slivers: %v", err)
	}
	short := slivers(b, Secondary, []int{0, 1, 2, 3, 4, 5, 6})
	short[3].Data = short[3].Data[:2]
	if _, err := enc.DecodeVerifiedSlivers(b.Metadata, short); !errors.Is(err, ErrInvalidSliver) {
		t.Fatalf("short sliver: %v", err)
	}
}

func TestSliverFraming(t *testing.T) {
	s := &Sliver{Axis: Primary, Index: 300, SymbolSize: 6, Data: bytes.Repeat([]byte{7}, 200)}
	head, tail := s.BCSFraming()
	if got := append(append(head, s.Data...), tail...); !bytes.Equal(got, s.MarshalBCS()) {
		t.Fatal("framing differs from MarshalBCS")
	}
}

// TestLowMemoryEncoder: the encoder without the Leopard library gives the
// same blob.
func TestLowMemoryEncoder(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	blob := randomBlob(rng, 300000)
	fast, _ := NewEncoder(100)
	slow, _ := NewEncoderWith(100, EncoderOptions{LowMemory: true})
	a, err := fast.Encode(blob)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	b, err := slow.Encode(blob)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	if a.ID != b.ID {
		t.Fatal("blob IDs differ")
	}
	for i := range a.Secondary {
		if !bytes.Equal(a.Secondary[i], b.Secondary[i]) {
			t.Fatalf("secondary sliver %d differs", i)
		}
	}
}
