package encoding

import (
	"errors"
	"fmt"
)

// EncodingRS2 is the BCS and blob-ID value of Walrus's Reed–Solomon encoding.
const EncodingRS2 byte = 1

const (
	// MinShards is the smallest committee the encoding supports (f must be ≥ 1).
	MinShards = 4
	// MaxShards is the largest: every symbol's codeword must fit GF(2^16).
	MaxShards = 1 << 15
	// MaxSymbolSize is the largest symbol: it is a u16, and must be even.
	MaxSymbolSize = 65534
	// DefaultShards is the n_shards of Walrus Mainnet and Testnet.
	DefaultShards = 1000
)

var (
	// ErrShardCount means the number of shards is outside [MinShards, MaxShards].
	ErrShardCount = errors.New("unsupported number of shards")
	// ErrBlobTooLarge means the blob needs symbols larger than MaxSymbolSize.
	ErrBlobTooLarge = errors.New("blob too large to encode")
)

// Params are the encoding parameters of one blob.
type Params struct {
	NShards          int    // n
	PrimarySymbols   int    // k_p = n − 2f: rows; symbols in a secondary sliver
	SecondarySymbols int    // k_s = n − f: columns; symbols in a primary sliver
	SymbolSize       int    // S, bytes per symbol
	UnencodedLength  uint64 // the blob's length in bytes
}

// MaxFaulty returns f = ⌊(n−1)/3⌋, the shards that may fail or lie.
func MaxFaulty(nShards int) int { return (nShards - 1) / 3 }

// SourceSymbols returns (k_p, k_s) for n shards.
func SourceSymbols(nShards int) (primary, secondary int, err error) {
	if nShards < MinShards || nShards > MaxShards {
		return 0, 0, fmt.Errorf("%w: %d (supported: %d to %d)", ErrShardCount, nShards, MinShards, MaxShards)
	}
	f := MaxFaulty(nShards)
	return nShards - 2*f, nShards - f, nil
}

// MaxBlobSize returns the largest blob that n shards can encode.
func MaxBlobSize(nShards int) (uint64, error) {
	p, s, err := SourceSymbols(nShards)
	if err != nil {
		return 0, err
	}
	return uint64(p) * uint64(s) * MaxSymbolSize, nil
}

// NewParams returns the parameters for a blob of the given length.
func NewParams(nShards int, length uint64) (Params, error) {
	p, s, err := SourceSymbols(nShards)
	if err != nil {
		return Params{}, err
	}
	cells := uint64(p) * uint64(s)
	size := (max(length, 1) + cells - 1) / cells
	size += size & 1 // one GF(2^16) element is two bytes
	if size > MaxSymbolSize {
		limit := cells * MaxSymbolSize
		return Params{}, fmt.Errorf("%w: %d bytes, the limit for %d shards is %d bytes", ErrBlobTooLarge, length, nShards, limit)
	}
	return Params{NShards: nShards, PrimarySymbols: p, SecondarySymbols: s, SymbolSize: int(size), UnencodedLength: length}, nil
}

// MaxFaulty returns f.
func (p Params) MaxFaulty() int { return MaxFaulty(p.NShards) }

// PrimarySliverSize returns the bytes of one primary sliver, k_s·S.
func (p Params) PrimarySliverSize() int { return p.SecondarySymbols * p.SymbolSize }

// SecondarySliverSize returns the bytes of one secondary sliver, k_p·S.
func (p Params) SecondarySliverSize() int { return p.PrimarySymbols * p.SymbolSize }

// SliverSymbols returns the symbols in one sliver of axis a: k_s for a
// primary sliver (a row), k_p for a secondary one (a column). Rebuilding a
// sliver of axis a takes that many recovery symbols, and decoding a blob from
// slivers of axis a takes SliverSymbols(a.Orthogonal()) of them.
func (p Params) SliverSymbols(a Axis) int {
	if a == Primary {
		return p.SecondarySymbols
	}
	return p.PrimarySymbols
}

// SliverSize returns the bytes of one sliver of the given axis.
func (p Params) SliverSize(a Axis) int { return p.SliverSymbols(a) * p.SymbolSize }

// EncodedLength is what Walrus charges storage for: both slivers and a copy of
// the metadata on every shard.
func (p Params) EncodedLength() uint64 {
	n := uint64(p.NShards)
	slivers := uint64(p.PrimarySymbols+p.SecondarySymbols) * uint64(p.SymbolSize)
	return n * (slivers + n*2*32 + 32)
}

// Columns copies columns [first, end) of a blob's matrix, one after the
// other: what its systematic secondary slivers first to end−1 hold. The
// blob is stored row by row; bytes past its end (the last symbols'
// padding) are zeros.
func (p Params) Columns(blob []byte, first, end int) []byte {
	s, rowSize := p.SymbolSize, p.PrimarySliverSize()
	out := make([]byte, (end-first)*p.SecondarySliverSize())
	at := 0
	for col := first; col < end; col++ {
		for row := range p.PrimarySymbols {
			if off := row*rowSize + col*s; off < len(blob) {
				copy(out[at:at+s], blob[off:min(off+s, len(blob))])
			}
			at += s
		}
	}
	return out
}
