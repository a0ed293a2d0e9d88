package encoding

import (
	"encoding/binary"
	"fmt"

	"github.com/walrusfs/walrusfs/encoding/bcs"
)

// The BCS forms of the encoding's types, as Walrus storage nodes exchange them.

// Sliver is one primary or secondary sliver. On the wire (BCS SliverData) the
// axis is not encoded: it comes from the URL.
type Sliver struct {
	Axis       Axis
	Index      uint16 // sliver index on its axis (not the pair index)
	SymbolSize uint16
	Data       []byte
}

// MarshalBCS returns Symbols{data, symbol_size} ‖ index.
func (s *Sliver) MarshalBCS() []byte {
	w := bcs.NewWriter(len(s.Data) + 9)
	w.Vec(s.Data)
	w.U16(s.SymbolSize)
	w.U16(s.Index)
	return w.Bytes()
}

// BCSFraming returns the bytes that MarshalBCS puts before and after the
// data, for writing a sliver out without copying its data.
func (s *Sliver) BCSFraming() (head, tail []byte) {
	head = binary.AppendUvarint(nil, uint64(len(s.Data)))
	tail = binary.LittleEndian.AppendUint16(nil, s.SymbolSize)
	tail = binary.LittleEndian.AppendUint16(tail, s.Index)
	return head, tail
}

// UnmarshalSliver parses a BCS SliverData of the given axis. Data aliases b.
func UnmarshalSliver(axis Axis, b []byte) (*Sliver, error) {
	r := bcs.NewReader(b)
	s := &Sliver{Axis: axis}
	var err error
	if s.Data, err = r.Vec(); err != nil {
		return nil, fmt.Errorf("decode sliver data: %w", err)
	}
	if s.SymbolSize, err = r.U16(); err != nil {
		return nil, fmt.Errorf("decode sliver symbol size: %w", err)
	}
	if s.Index, err = r.U16(); err != nil {
		return nil, fmt.Errorf("decode sliver index: %w", err)
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("decode sliver: %w", err)
	}
	if s.SymbolSize == 0 || s.SymbolSize%2 != 0 || len(s.Data)%int(s.SymbolSize) != 0 {
		return nil, fmt.Errorf("decode sliver: %w: %d bytes of %d-byte symbols", bcs.ErrInvalid, len(s.Data), s.SymbolSize)
	}
	return s, nil
}

// PairHashes is the metadata of one sliver pair: the Merkle roots of its
// primary sliver's row and its secondary sliver's column of the expanded matrix.
type PairHashes struct {
	Primary   Hash
	Secondary Hash
}

// Metadata is Walrus's BlobMetadata (V1): what a storage node needs to verify
// any sliver of the blob.
type Metadata struct {
	EncodingType    byte
	UnencodedLength uint64
	Pairs           []PairHashes
}

const (
	metadataV1 = 0x00
	nodeEmpty  = 0x00
	nodeDigest = 0x01
)

func writeNode(w *bcs.Writer, h *Hash) {
	if *h == emptyNode {
		w.U8(nodeEmpty)
		return
	}
	w.U8(nodeDigest)
	w.Fixed(h[:])
}

func readNode(r *bcs.Reader) (Hash, error) {
	var h Hash
	tag, err := r.U8()
	if err != nil {
		return h, err
	}
	switch tag {
	case nodeEmpty:
		return h, nil
	case nodeDigest:
		b, err := r.Fixed(32)
		if err != nil {
			return h, err
		}
		copy(h[:], b)
		return h, nil
	}
	return h, fmt.Errorf("%w: Merkle node tag %d", bcs.ErrInvalid, tag)
}

// MarshalBCS returns the BlobMetadata body of a metadata PUT.
func (m *Metadata) MarshalBCS() []byte {
	w := bcs.NewWriter(16 + 66*len(m.Pairs))
	m.write(w)
	return w.Bytes()
}

func (m *Metadata) write(w *bcs.Writer) {
	w.U8(metadataV1)
	w.U8(m.EncodingType)
	w.U64(m.UnencodedLength)
	w.ULEB128(uint64(len(m.Pairs)))
	for i := range m.Pairs {
		writeNode(w, &m.Pairs[i].Primary)
		writeNode(w, &m.Pairs[i].Secondary)
	}
}

// UnmarshalMetadata parses a BCS BlobMetadata. It checks only the format; use
// Verify before trusting it.
func UnmarshalMetadata(b []byte) (*Metadata, error) {
	r := bcs.NewReader(b)
	m, err := readMetadata(r)
	if err != nil {
		return nil, err
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("decode metadata: %w", err)
	}
	return m, nil
}

func readMetadata(r *bcs.Reader) (*Metadata, error) {
	version, err := r.U8()
	if err != nil {
		return nil, fmt.Errorf("decode metadata: %w", err)
	}
	if version != metadataV1 {
		return nil, fmt.Errorf("decode metadata: %w: version %d", bcs.ErrInvalid, version)
	}
	m := &Metadata{}
	if m.EncodingType, err = r.U8(); err != nil {
		return nil, fmt.Errorf("decode metadata: %w", err)
	}
	if m.UnencodedLength, err = r.U64(); err != nil {
		return nil, fmt.Errorf("decode metadata: %w", err)
	}
	n, err := r.Len(2)
	if err != nil {
		return nil, fmt.Errorf("decode metadata: %w", err)
	}
	m.Pairs = make([]PairHashes, n)
	for i := range m.Pairs {
		if m.Pairs[i].Primary, err = readNode(r); err != nil {
			return nil, fmt.Errorf("decode metadata pair %d: %w", i, err)
		}
		if m.Pairs[i].Secondary, err = readNode(r); err != nil {
			return nil, fmt.Errorf("decode metadata pair %d: %w", i, err)
		}
	}
	return m, nil
}

// MarshalBCSWithID returns the BlobMetadataWithId of a metadata GET.
func (m *Metadata) MarshalBCSWithID(id BlobID) []byte {
	w := bcs.NewWriter(48 + 66*len(m.Pairs))
	w.Fixed(id[:])
	m.write(w)
	return w.Bytes()
}

// UnmarshalMetadataWithID parses a BlobMetadataWithId.
func UnmarshalMetadataWithID(b []byte) (BlobID, *Metadata, error) {
	var id BlobID
	r := bcs.NewReader(b)
	raw, err := r.Fixed(32)
	if err != nil {
		return id, nil, fmt.Errorf("decode metadata blob ID: %w", err)
	}
	copy(id[:], raw)
	m, err := readMetadata(r)
	if err != nil {
		return id, nil, err
	}
	if err := r.Done(); err != nil {
		return id, nil, fmt.Errorf("decode metadata: %w", err)
	}
	return id, m, nil
}

// RootHash returns the Merkle root over the pairs, leaf p being
// H(0x00 ‖ primary hash ‖ secondary hash).
func (m *Metadata) RootHash() Hash {
	n := len(m.Pairs)
	buf := make([]byte, 64*n)
	msgs := make([][]byte, n)
	for i, p := range m.Pairs {
		copy(buf[64*i:], p.Primary[:])
		copy(buf[64*i+32:], p.Secondary[:])
		msgs[i] = buf[64*i : 64*i+64]
	}
	leaves := make([]Hash, n)
	hashLeaves(leaves, msgs)
	return merkleRootAt(leaves, treeHeight(n))
}

// BlobID derives the blob ID the metadata commits to.
func (m *Metadata) BlobID() BlobID {
	return DeriveBlobID(m.EncodingType, m.UnencodedLength, m.RootHash())
}

// Hash returns the expected Merkle root of a sliver.
func (m *Metadata) Hash(a Axis, sliverIndex int) Hash {
	n := len(m.Pairs)
	p := m.Pairs[PairIndex(a, sliverIndex, n)]
	if a == Primary {
		return p.Primary
	}
	return p.Secondary
}

// DecodingSymbol is one symbol of a codeword with its position in it.
type DecodingSymbol struct {
	Index uint16
	Data  []byte
}

func (s *DecodingSymbol) write(w *bcs.Writer) {
	w.U16(s.Index)
	w.Vec(s.Data)
}

func readDecodingSymbol(r *bcs.Reader) (DecodingSymbol, error) {
	var s DecodingSymbol
	var err error
	if s.Index, err = r.U16(); err != nil {
		return s, err
	}
	s.Data, err = r.Vec()
	return s, err
}

func (p MerkleProof) write(w *bcs.Writer) {
	w.ULEB128(uint64(len(p)))
	for i := range p {
		writeNode(w, &p[i])
	}
}

// MarshalBCS returns the BCS MerkleProof.
func (p MerkleProof) MarshalBCS() []byte {
	w := bcs.NewWriter(1 + 33*len(p))
	p.write(w)
	return w.Bytes()
}

func readMerkleProof(r *bcs.Reader) (MerkleProof, error) {
	n, err := r.Len(1)
	if err != nil {
		return nil, err
	}
	p := make(MerkleProof, n)
	for i := range p {
		if p[i], err = readNode(r); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// UnmarshalMerkleProof parses a BCS MerkleProof.
func UnmarshalMerkleProof(b []byte) (MerkleProof, error) {
	r := bcs.NewReader(b)
	p, err := readMerkleProof(r)
	if err != nil {
		return nil, fmt.Errorf("decode Merkle proof: %w", err)
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("decode Merkle proof: %w", err)
	}
	return p, nil
}

// RecoverySymbol is one cell of the expanded matrix, sent by the holder of the
// sliver through that cell to a node rebuilding the orthogonal sliver, with the
// Merkle proof of the cell against the sender's sliver hash.
//
// Target is the axis of the sliver it helps rebuild; Index is the cell's
// position along that sliver's codeword, which is the sender's sliver index;
// TargetIndex is the index of the sliver being rebuilt.
type RecoverySymbol struct {
	Target      Axis
	TargetIndex uint16
	Symbol      DecodingSymbol
	Proof       MerkleProof
}

// MarshalBCS returns the GeneralRecoverySymbol form of the node API.
func (s *RecoverySymbol) MarshalBCS() []byte {
	w := bcs.NewWriter(len(s.Symbol.Data) + 40*len(s.Proof) + 16)
	s.writeGeneral(w)
	return w.Bytes()
}

func (s *RecoverySymbol) writeGeneral(w *bcs.Writer) {
	w.U8(uint8(s.Target))
	s.Symbol.write(w)
	w.U16(s.TargetIndex)
	s.Proof.write(w)
}

func readGeneralRecoverySymbol(r *bcs.Reader) (RecoverySymbol, error) {
	var s RecoverySymbol
	tag, err := r.U8()
	if err != nil {
		return s, err
	}
	if tag > 1 {
		return s, fmt.Errorf("%w: symbol axis tag %d", bcs.ErrInvalid, tag)
	}
	s.Target = Axis(tag)
	if s.Symbol, err = readDecodingSymbol(r); err != nil {
		return s, err
	}
	if s.TargetIndex, err = r.U16(); err != nil {
		return s, err
	}
	s.Proof, err = readMerkleProof(r)
	return s, err
}

// MarshalRecoverySymbols returns a BCS Vec<GeneralRecoverySymbol>.
func MarshalRecoverySymbols(syms []RecoverySymbol) []byte {
	w := bcs.NewWriter(64 * len(syms))
	w.ULEB128(uint64(len(syms)))
	for i := range syms {
		syms[i].writeGeneral(w)
	}
	return w.Bytes()
}

// UnmarshalRecoverySymbols parses a BCS Vec<GeneralRecoverySymbol>.
func UnmarshalRecoverySymbols(b []byte) ([]RecoverySymbol, error) {
	r := bcs.NewReader(b)
	n, err := r.Len(6)
	if err != nil {
		return nil, fmt.Errorf("decode recovery symbols: %w", err)
	}
	out := make([]RecoverySymbol, n)
	for i := range out {
		if out[i], err = readGeneralRecoverySymbol(r); err != nil {
			return nil, fmt.Errorf("decode recovery symbol %d: %w", i, err)
		}
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("decode recovery symbols: %w", err)
	}
	return out, nil
}

// InconsistencyProof shows that a blob was encoded inconsistently: enough
// authenticated recovery symbols to rebuild one sliver, whose rebuilt hash
// differs from the metadata. Anyone holding the metadata can check it.
type InconsistencyProof struct {
	Target      Axis // from the URL; not encoded
	TargetIndex uint16
	Symbols     []RecoverySymbol // Symbol and Proof only; Target fields implied
}

// MarshalBCS returns target_sliver_index ‖ Vec<RecoverySymbol{DecodingSymbol, MerkleProof}>.
func (p *InconsistencyProof) MarshalBCS() []byte {
	w := bcs.NewWriter(64 * len(p.Symbols))
	w.U16(p.TargetIndex)
	w.ULEB128(uint64(len(p.Symbols)))
	for i := range p.Symbols {
		p.Symbols[i].Symbol.write(w)
		p.Symbols[i].Proof.write(w)
	}
	return w.Bytes()
}

// UnmarshalInconsistencyProof parses the BCS body of an inconsistency proof
// for a sliver of the given axis.
func UnmarshalInconsistencyProof(target Axis, b []byte) (*InconsistencyProof, error) {
	r := bcs.NewReader(b)
	p := &InconsistencyProof{Target: target}
	var err error
	if p.TargetIndex, err = r.U16(); err != nil {
		return nil, fmt.Errorf("decode inconsistency proof: %w", err)
	}
	n, err := r.Len(4)
	if err != nil {
		return nil, fmt.Errorf("decode inconsistency proof: %w", err)
	}
	p.Symbols = make([]RecoverySymbol, n)
	for i := range p.Symbols {
		s := &p.Symbols[i]
		s.Target, s.TargetIndex = target, p.TargetIndex
		if s.Symbol, err = readDecodingSymbol(r); err != nil {
			return nil, fmt.Errorf("decode inconsistency proof symbol %d: %w", i, err)
		}
		if s.Proof, err = readMerkleProof(r); err != nil {
			return nil, fmt.Errorf("decode inconsistency proof symbol %d: %w", i, err)
		}
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("decode inconsistency proof: %w", err)
	}
	return p, nil
}
