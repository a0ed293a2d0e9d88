package encoding

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"github.com/walrusfs/walrusfs/internal/testvectors"
)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func pairHashHex(b *EncodedBlob, p int) (string, string) {
	h := b.Metadata.Pairs[p]
	return hex.EncodeToString(h.Primary[:]), hex.EncodeToString(h.Secondary[:])
}

// TestOfficialVectors checks every case of vectors.json: parameters, blob ID,
// root hash, pair hashes, sliver and metadata digests, and the rejected cases.
func TestOfficialVectors(t *testing.T) {
	cases, err := testvectors.Cases()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		for _, low := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/n%d/lowmem=%v", c.Input, c.NShards, low), func(t *testing.T) {
				checkVector(t, c, low)
			})
		}
	}
}

// checkVector encodes one case of the official vectors, with or without the
// Leopard library, and compares everything the oracle recorded.
func checkVector(t *testing.T, c testvectors.Case, low bool) {
	if testing.Short() && c.NShards == 1000 && c.Size > 100000 {
		t.Skip("large n = 1000 case in -short mode")
	}
	input, err := testvectors.Input(c.Input)
	if err != nil {
		t.Fatal(err)
	}
	if sha(input) != c.InputSHA256 {
		t.Fatalf("generated input differs from the oracle's")
	}
	enc, err := NewEncoderWith(c.NShards, EncoderOptions{LowMemory: low})
	if err != nil {
		t.Fatal(err)
	}
	b, err := enc.Encode(input)
	if c.Error != "" {
		if !errors.Is(err, ErrBlobTooLarge) {
			t.Fatalf("Encode = %v, want ErrBlobTooLarge (oracle: %s)", err, c.Error)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	p := b.Params
	checkEq(t, "symbol size", p.SymbolSize, c.SymbolSize)
	checkEq(t, "primary symbols", p.PrimarySymbols, c.PrimarySymbols)
	checkEq(t, "secondary symbols", p.SecondarySymbols, c.SecondarySymbols)
	checkEq(t, "primary sliver length", p.PrimarySliverSize(), c.PrimarySliverDataLen)
	checkEq(t, "secondary sliver length", p.SecondarySliverSize(), c.SecondarySliverDataLen)
	checkEq(t, "encoded length", int64(p.EncodedLength()), c.EncodedLengthSDK)
	checkEq(t, "blob ID", b.ID.String(), c.BlobIDB64)
	checkEq(t, "blob ID hex", b.ID.Hex(), c.BlobIDHex)
	checkEq(t, "blob ID u256", b.ID.U256(), c.BlobIDU256)
	root := b.Metadata.RootHash()
	checkEq(t, "root hash", hex.EncodeToString(root[:]), c.RootHashHex)
	checkEq(t, "rotation", b.ID.Rotation(c.NShards), c.ShardRotationOffset)

	for _, want := range append(append([]testvectors.PairHash{}, c.FirstSliverPairHashes...), c.FirstParityPairHashes, c.LastSliverPairHashes) {
		ph, sh := pairHashHex(b, want.Pair)
		checkEq(t, fmt.Sprintf("pair %d primary hash", want.Pair), ph, want.Primary)
		checkEq(t, fmt.Sprintf("pair %d secondary hash", want.Pair), sh, want.Secondary)
	}
	var all bytes.Buffer
	for _, h := range b.Metadata.Pairs {
		all.Write(h.Primary[:])
		all.Write(h.Secondary[:])
	}
	checkEq(t, "pair hashes digest", sha(all.Bytes()), c.PairHashesSHA256)

	n := c.NShards
	var prim, sec bytes.Buffer
	for pair := 0; pair < n; pair++ {
		pb := b.Sliver(Primary, pair).MarshalBCS()
		sb := b.Sliver(Secondary, pair).MarshalBCS()
		if pair == 0 {
			checkEq(t, "pair 0 primary BCS length", len(pb), c.PrimarySliverBCSLen)
			checkEq(t, "pair 0 secondary BCS length", len(sb), c.SecondarySliverBCSLen)
			checkEq(t, "pair 0 primary digest", sha(pb), c.Pair0PrimaryBCSSHA256)
			checkEq(t, "pair 0 secondary digest", sha(sb), c.Pair0SecondaryBCSSHA256)
		}
		if pair == c.PrimarySymbols {
			checkEq(t, "first parity primary digest", sha(pb), c.FirstParityPrimaryBCSSHA)
		}
		if pair == n-1 {
			checkEq(t, "last secondary digest", sha(sb), c.LastSecondaryBCSSHA256)
		}
		prim.Write(pb)
		sec.Write(sb)
	}
	checkEq(t, "primary slivers digest", sha(prim.Bytes()), c.PrimarySliversBCSSHA256)
	checkEq(t, "secondary slivers digest", sha(sec.Bytes()), c.SecondarySliversBCSSHA256)
	checkEq(t, "metadata digest", sha(b.Metadata.MarshalBCS()), c.MetadataBCSSHA256)

	// The metadata-only paths agree.
	m, id, err := enc.ComputeMetadata(input)
	if err != nil {
		t.Fatal(err)
	}
	checkEq(t, "ComputeMetadata blob ID", id, b.ID)
	checkEq(t, "ComputeMetadata metadata", sha(m.MarshalBCS()), c.MetadataBCSSHA256)
	_, id, err = enc.ComputeMetadataFrom(bytes.NewReader(input), uint64(len(input)))
	if err != nil {
		t.Fatal(err)
	}
	checkEq(t, "ComputeMetadataFrom blob ID", id, b.ID)
}

func checkEq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// TestOfficialFullDumps compares every sliver, pair hash and metadata byte of
// the full dumps.
func TestOfficialFullDumps(t *testing.T) {
	fulls, err := testvectors.Fulls()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fulls {
		t.Run(f.Name, func(t *testing.T) {
			input, err := hex.DecodeString(f.InputHex)
			if err != nil {
				t.Fatal(err)
			}
			enc, err := NewEncoder(f.NShards)
			if err != nil {
				t.Fatal(err)
			}
			b, err := enc.Encode(input)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Release()
			checkEq(t, "blob ID", b.ID.String(), f.BlobIDB64)
			checkEq(t, "metadata", hex.EncodeToString(b.Metadata.MarshalBCS()), f.MetadataBCSHex)
			if len(f.Pairs) != f.NShards {
				t.Fatalf("%d pairs in dump", len(f.Pairs))
			}
			for _, p := range f.Pairs {
				checkEq(t, "shard", b.ID.ShardForPair(p.PairIndex, f.NShards), p.ShardIndex)
				checkEq(t, "pair of shard", b.ID.PairForShard(p.ShardIndex, f.NShards), p.PairIndex)
				checkEq(t, "secondary index", SliverIndex(Secondary, p.PairIndex, f.NShards), p.SecondarySliverIndex)
				ph, sh := pairHashHex(b, p.PairIndex)
				checkEq(t, fmt.Sprintf("pair %d primary hash", p.PairIndex), ph, p.PrimaryHash)
				checkEq(t, fmt.Sprintf("pair %d secondary hash", p.PairIndex), sh, p.SecondaryHash)
				checkEq(t, fmt.Sprintf("pair %d primary sliver", p.PairIndex), hex.EncodeToString(b.Sliver(Primary, p.PairIndex).MarshalBCS()), p.PrimaryBCSHex)
				checkEq(t, fmt.Sprintf("pair %d secondary sliver", p.PairIndex), hex.EncodeToString(b.Sliver(Secondary, p.PairIndex).MarshalBCS()), p.SecondaryBCSHex)
			}
		})
	}
}
