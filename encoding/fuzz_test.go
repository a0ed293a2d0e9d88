package encoding

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
)

// Every BCS decoder takes untrusted bytes: it must never panic, and whatever
// it accepts must survive a round trip.

func FuzzUnmarshalSliver(f *testing.F) {
	f.Add((&Sliver{Index: 3, SymbolSize: 2, Data: []byte{1, 2, 3, 4}}).MarshalBCS())
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := UnmarshalSliver(Primary, b)
		if err != nil {
			return
		}
		if !bytes.Equal(s.MarshalBCS(), b) {
			t.Fatalf("round trip of %x differs", b)
		}
	})
}

func FuzzUnmarshalMetadata(f *testing.F) {
	enc, _ := NewEncoder(4)
	b, _ := enc.Encode([]byte("hello walrus"))
	f.Add(b.Metadata.MarshalBCS())
	f.Add(b.Metadata.MarshalBCSWithID(b.ID))
	f.Fuzz(func(t *testing.T, in []byte) {
		if m, err := UnmarshalMetadata(in); err == nil {
			back, err := UnmarshalMetadata(m.MarshalBCS())
			if err != nil || !reflect.DeepEqual(back, m) {
				t.Fatalf("metadata round trip: %v", err)
			}
			_ = m.Verify(m.BlobID(), len(m.Pairs)) // must not panic
		}
		if id, m, err := UnmarshalMetadataWithID(in); err == nil {
			id2, back, err := UnmarshalMetadataWithID(m.MarshalBCSWithID(id))
			if err != nil || id2 != id || !reflect.DeepEqual(back, m) {
				t.Fatalf("metadata-with-ID round trip: %v", err)
			}
		}
	})
}

func FuzzUnmarshalMerkleProof(f *testing.F) {
	f.Add(MerkleProof{{1}, {}, {2}}.MarshalBCS())
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := UnmarshalMerkleProof(in)
		if err != nil {
			return
		}
		back, err := UnmarshalMerkleProof(p.MarshalBCS())
		if err != nil || !reflect.DeepEqual(back, p) {
			t.Fatalf("proof round trip: %v", err)
		}
		_ = p.Verify(Hash{}, Hash{}, 0, 1<<len(p))
	})
}

func FuzzUnmarshalRecoverySymbols(f *testing.F) {
	enc, _ := NewEncoder(4)
	b, _ := enc.Encode([]byte("hello walrus"))
	syms, _ := enc.RecoverySymbols(b.Metadata, b.Sliver(Primary, 0), []int{0, 3})
	f.Add(MarshalRecoverySymbols(syms))
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := UnmarshalRecoverySymbols(in)
		if err != nil {
			return
		}
		back, err := UnmarshalRecoverySymbols(MarshalRecoverySymbols(s))
		if err != nil || !reflect.DeepEqual(back, s) {
			t.Fatalf("recovery symbols round trip: %v", err)
		}
		for i := range s {
			_ = VerifyRecoverySymbol(b.Metadata, s[i].Target, int(s[i].TargetIndex), &s[i])
		}
		if len(s) > 0 {
			_, _, _ = enc.RecoverSliver(b.Metadata, s[0].Target, int(s[0].TargetIndex)%4, s)
		}
	})
}

func FuzzUnmarshalInconsistencyProof(f *testing.F) {
	enc, _ := NewEncoder(4)
	b, _ := enc.Encode([]byte("hello walrus"))
	syms, _ := enc.RecoverySymbols(b.Metadata, b.Sliver(Secondary, 0), []int{1})
	f.Add((&InconsistencyProof{Target: Primary, TargetIndex: 1, Symbols: syms}).MarshalBCS())
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := UnmarshalInconsistencyProof(Primary, in)
		if err != nil {
			return
		}
		back, err := UnmarshalInconsistencyProof(Primary, p.MarshalBCS())
		if err != nil || !reflect.DeepEqual(back, p) {
			t.Fatalf("inconsistency proof round trip: %v", err)
		}
		// The blob is consistent, so no proof may be accepted.
		if err := enc.VerifyInconsistencyProof(b.Metadata, p); err == nil {
			t.Fatal("inconsistency proof accepted for a consistent blob")
		}
	})
}

// FuzzDecodeUntrusted decodes from slivers that a fuzzer has tampered with:
// the result is the exact blob or an error, never other bytes.
func FuzzDecodeUntrusted(f *testing.F) {
	f.Add(uint64(1), uint16(300), []byte{0, 5, 1}, false)
	f.Add(uint64(2), uint16(17), []byte{3, 0, 0xff, 9, 2, 2}, true)
	enc, _ := NewEncoder(7)
	f.Fuzz(func(t *testing.T, seed uint64, size uint16, edits []byte, secondary bool) {
		rng := rand.New(rand.NewPCG(seed, 0))
		blob := randomBlob(rng, int(size))
		b, err := enc.Encode(blob)
		if err != nil {
			t.Fatal(err)
		}
		axis := Primary
		if secondary {
			axis = Secondary
		}
		set := slivers(b, axis, rng.Perm(7))
		// Each 3-byte edit picks a sliver, an action and a value.
		for i := 0; i+2 < len(edits); i += 3 {
			s := set[int(edits[i])%len(set)]
			v := edits[i+2]
			switch edits[i+1] % 5 {
			case 0:
				if len(s.Data) > 0 {
					s.Data[int(v)%len(s.Data)] ^= v | 1
				}
			case 1:
				s.Index = uint16(v) % 9
			case 2:
				s.SymbolSize = uint16(v)
			case 3:
				s.Data = s.Data[:len(s.Data)/2]
			case 4:
				set = set[:max(1, len(set)-1)]
			}
		}
		got, err := enc.DecodeBlob(b.ID, b.Metadata, set)
		if err == nil && !bytes.Equal(got, blob) {
			t.Fatal("decoded wrong bytes")
		}
		if err != nil && !errors.Is(err, ErrNotEnoughSlivers) && !errors.Is(err, ErrInconsistentBlob) {
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}
