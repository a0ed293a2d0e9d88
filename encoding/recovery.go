package encoding

import (
	"errors"
	"fmt"
)

// ErrInvalidSymbol means a recovery symbol does not match the metadata.
var ErrInvalidSymbol = errors.New("invalid recovery symbol")

// RecoverySymbols returns what the holder of a verified sliver serves to
// nodes rebuilding the orthogonal slivers targets: for each, the cell where
// the two slivers cross, with its Merkle proof against the holder's hash.
func (e *Encoder) RecoverySymbols(m *Metadata, have *Sliver, targets []int) ([]RecoverySymbol, error) {
	p, err := m.Params()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidMetadata, err)
	}
	syms, leaves, err := e.sliverLeaves(p, have.Axis, have.Data)
	if err != nil {
		return nil, err
	}
	out := make([]RecoverySymbol, 0, len(targets))
	for _, t := range targets {
		if t < 0 || t >= p.NShards {
			return nil, fmt.Errorf("recovery symbol for sliver %d of %d", t, p.NShards)
		}
		proof, err := BuildMerkleProof(leaves, t)
		if err != nil {
			return nil, err
		}
		out = append(out, RecoverySymbol{
			Target:      have.Axis.Orthogonal(),
			TargetIndex: uint16(t),
			Symbol:      DecodingSymbol{Index: have.Index, Data: append([]byte(nil), syms[t]...)},
			Proof:       proof,
		})
	}
	return out, nil
}

// VerifyRecoverySymbol checks that sym is the cell of target sliver
// (axis, index) in the sliver of its sender, as committed by the metadata.
func VerifyRecoverySymbol(m *Metadata, target Axis, index int, sym *RecoverySymbol) error {
	n := len(m.Pairs)
	p, err := m.Params()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidMetadata, err)
	}
	switch {
	case sym.Target != target || int(sym.TargetIndex) != index:
		return fmt.Errorf("%w: for %s sliver %d, not %s sliver %d", ErrInvalidSymbol, sym.Target, sym.TargetIndex, target, index)
	case int(sym.Symbol.Index) >= n:
		return fmt.Errorf("%w: source index %d of %d", ErrInvalidSymbol, sym.Symbol.Index, n)
	case len(sym.Symbol.Data) != p.SymbolSize:
		return fmt.Errorf("%w: %d bytes, symbol size is %d", ErrInvalidSymbol, len(sym.Symbol.Data), p.SymbolSize)
	}
	root := m.Hash(target.Orthogonal(), int(sym.Symbol.Index))
	if err := sym.Proof.Verify(root, leafHash(sym.Symbol.Data), index, n); err != nil {
		return fmt.Errorf("%w: from %s sliver %d: %w", ErrInvalidSymbol, target.Orthogonal(), sym.Symbol.Index, err)
	}
	return nil
}

// RecoverSliver rebuilds sliver (target, index) from recovery symbols sent by
// other nodes. Symbols that fail verification and duplicates are skipped. If
// the authentic symbols decode to a sliver that does not match the metadata,
// the blob was encoded inconsistently: it returns ErrInconsistentBlob and an
// inconsistency proof that anyone holding the metadata can check.
func (e *Encoder) RecoverSliver(m *Metadata, target Axis, index int, syms []RecoverySymbol) (*Sliver, *InconsistencyProof, error) {
	p, err := m.Params()
	if err != nil || len(m.Pairs) != e.nShards {
		return nil, nil, fmt.Errorf("%w: for %d shards", ErrInvalidMetadata, e.nShards)
	}
	if index < 0 || index >= p.NShards {
		return nil, nil, fmt.Errorf("recover %s sliver %d of %d", target, index, p.NShards)
	}
	need := p.SliverSymbols(target)
	used := make([]RecoverySymbol, 0, need)
	seen := make([]bool, p.NShards)
	for i := range syms {
		s := &syms[i]
		if len(used) == need {
			break
		}
		if VerifyRecoverySymbol(m, target, index, s) != nil || seen[s.Symbol.Index] {
			continue
		}
		seen[s.Symbol.Index] = true
		used = append(used, *s)
	}
	if len(used) < need {
		return nil, nil, fmt.Errorf("%w: %d valid recovery symbols for %s sliver %d, need %d", ErrNotEnoughSlivers, len(used), target, index, need)
	}
	data, err := e.decodeSymbols(p, target, used)
	if err != nil {
		return nil, nil, err
	}
	root, err := e.sliverRoot(p, target, data)
	if err != nil {
		return nil, nil, err
	}
	if root != m.Hash(target, index) {
		proof := &InconsistencyProof{Target: target, TargetIndex: uint16(index), Symbols: used}
		return nil, proof, fmt.Errorf("%w: rebuilt %s sliver %d does not match the metadata", ErrInconsistentBlob, target, index)
	}
	return &Sliver{Axis: target, Index: uint16(index), SymbolSize: uint16(p.SymbolSize), Data: data}, nil, nil
}

// decodeSymbols decodes the target sliver from verified, distinct symbols.
func (e *Encoder) decodeSymbols(p Params, target Axis, syms []RecoverySymbol) ([]byte, error) {
	c, err := e.codesFor(p.SymbolSize)
	if err != nil {
		return nil, err
	}
	code := c.along(target)
	shards := make([][]byte, p.NShards)
	for i := range syms {
		shards[syms[i].Symbol.Index] = syms[i].Symbol.Data
	}
	if err := code.Decode(shards); err != nil {
		return nil, fmt.Errorf("decode %s sliver: %w", target, err)
	}
	S := p.SymbolSize
	data := make([]byte, code.Originals()*S)
	for i := 0; i < code.Originals(); i++ {
		copy(data[i*S:], shards[i])
	}
	return data, nil
}

// VerifyInconsistencyProof checks a proof that blob m was encoded
// inconsistently: exactly the needed number of distinct, authentic symbols
// that decode to a sliver whose hash differs from the metadata. It returns
// nil when the proof holds.
func (e *Encoder) VerifyInconsistencyProof(m *Metadata, proof *InconsistencyProof) error {
	p, err := m.Params()
	if err != nil || len(m.Pairs) != e.nShards {
		return fmt.Errorf("%w: for %d shards", ErrInvalidMetadata, e.nShards)
	}
	target, index := proof.Target, int(proof.TargetIndex)
	if index >= p.NShards {
		return fmt.Errorf("invalid inconsistency proof: target sliver %d of %d", index, p.NShards)
	}
	need := p.SliverSymbols(target)
	if len(proof.Symbols) != need {
		return fmt.Errorf("invalid inconsistency proof: %d symbols, need exactly %d", len(proof.Symbols), need)
	}
	seen := make([]bool, p.NShards)
	for i := range proof.Symbols {
		s := &proof.Symbols[i]
		if err := VerifyRecoverySymbol(m, target, index, s); err != nil {
			return fmt.Errorf("invalid inconsistency proof: symbol %d: %w", i, err)
		}
		if seen[s.Symbol.Index] {
			return fmt.Errorf("invalid inconsistency proof: symbol from sliver %d twice", s.Symbol.Index)
		}
		seen[s.Symbol.Index] = true
	}
	data, err := e.decodeSymbols(p, target, proof.Symbols)
	if err != nil {
		return fmt.Errorf("invalid inconsistency proof: %w", err)
	}
	root, err := e.sliverRoot(p, target, data)
	if err != nil {
		return fmt.Errorf("invalid inconsistency proof: %w", err)
	}
	if root == m.Hash(target, index) {
		return fmt.Errorf("invalid inconsistency proof: the symbols rebuild a sliver that matches the metadata")
	}
	return nil
}
