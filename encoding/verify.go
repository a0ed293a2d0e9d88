package encoding

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalidMetadata means metadata does not match its blob ID or the committee.
	ErrInvalidMetadata = errors.New("invalid blob metadata")
	// ErrUnsupportedEncoding means an encoding type other than RS2.
	ErrUnsupportedEncoding = errors.New("unsupported encoding type")
	// ErrInvalidSliver means a sliver does not match the metadata.
	ErrInvalidSliver = errors.New("invalid sliver")
)

// Verify checks metadata received for blob id against n shards: the encoding
// type, the number of pairs, the length limit and the blob ID itself.
func (m *Metadata) Verify(id BlobID, nShards int) error {
	if m.EncodingType != EncodingRS2 {
		return fmt.Errorf("%w: %d", ErrUnsupportedEncoding, m.EncodingType)
	}
	if len(m.Pairs) != nShards {
		return fmt.Errorf("%w: %d sliver pairs, the committee has %d shards", ErrInvalidMetadata, len(m.Pairs), nShards)
	}
	if _, err := NewParams(nShards, m.UnencodedLength); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidMetadata, err)
	}
	if got := m.BlobID(); got != id {
		return fmt.Errorf("%w: it commits to blob %s, not %s", ErrInvalidMetadata, got, id)
	}
	return nil
}

// Params returns the parameters the metadata implies.
func (m *Metadata) Params() (Params, error) {
	return NewParams(len(m.Pairs), m.UnencodedLength)
}

// expand returns the n symbols of the orthogonal codeword through a sliver:
// for a primary sliver (a row) the secondary code of its k_s symbols, for a
// secondary sliver (a column) the primary code of its k_p symbols. The first
// symbols alias data.
func (e *Encoder) expand(p Params, a Axis, data []byte) ([][]byte, error) {
	c, err := e.codesFor(p.SymbolSize)
	if err != nil {
		return nil, err
	}
	code := c.along(a)
	k, n, S := code.Originals(), p.NShards, p.SymbolSize
	if len(data) != k*S {
		return nil, fmt.Errorf("%w: %s sliver of %d bytes, want %d", ErrInvalidSliver, a, len(data), k*S)
	}
	syms := make([][]byte, n)
	for i := 0; i < k; i++ {
		syms[i] = data[i*S : (i+1)*S]
	}
	parity := make([]byte, (n-k)*S)
	for i := k; i < n; i++ {
		syms[i] = parity[(i-k)*S : (i-k+1)*S]
	}
	if err := code.Encode(syms[:k], syms[k:]); err != nil {
		return nil, err
	}
	return syms, nil
}

// sliverLeaves returns the leaf hashes of a sliver's expansion.
func (e *Encoder) sliverLeaves(p Params, a Axis, data []byte) ([][]byte, []Hash, error) {
	syms, err := e.expand(p, a, data)
	if err != nil {
		return nil, nil, err
	}
	leaves := make([]Hash, len(syms))
	hashLeaves(leaves, syms)
	return syms, leaves, nil
}

// sliverRoot returns the Merkle root that the metadata holds for a sliver.
func (e *Encoder) sliverRoot(p Params, a Axis, data []byte) (Hash, error) {
	_, leaves, err := e.sliverLeaves(p, a, data)
	if err != nil {
		return Hash{}, err
	}
	return merkleRootAt(leaves, treeHeight(len(leaves))), nil
}

// VerifySliver checks a sliver against verified metadata: its index, symbol
// size, length and the Merkle root of its expansion.
func (e *Encoder) VerifySliver(m *Metadata, s *Sliver) error {
	if len(m.Pairs) != e.nShards {
		return fmt.Errorf("%w: metadata for %d shards, encoder for %d", ErrInvalidMetadata, len(m.Pairs), e.nShards)
	}
	p, err := m.Params()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidMetadata, err)
	}
	if int(s.Index) >= p.NShards {
		return fmt.Errorf("%w: index %d of %d", ErrInvalidSliver, s.Index, p.NShards)
	}
	if int(s.SymbolSize) != p.SymbolSize {
		return fmt.Errorf("%w: symbol size %d, want %d", ErrInvalidSliver, s.SymbolSize, p.SymbolSize)
	}
	if len(s.Data) != p.SliverSize(s.Axis) {
		return fmt.Errorf("%w: %s sliver of %d bytes, want %d", ErrInvalidSliver, s.Axis, len(s.Data), p.SliverSize(s.Axis))
	}
	root, err := e.sliverRoot(p, s.Axis, s.Data)
	if err != nil {
		return err
	}
	if root != m.Hash(s.Axis, int(s.Index)) {
		return fmt.Errorf("%w: %s sliver %d does not match its hash in the metadata", ErrInvalidSliver, s.Axis, s.Index)
	}
	return nil
}
