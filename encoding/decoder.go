package encoding

import (
	"errors"
	"fmt"
)

var (
	// ErrNotEnoughSlivers means fewer valid slivers than decoding needs.
	ErrNotEnoughSlivers = errors.New("not enough valid slivers")
	// ErrInconsistentBlob means the slivers decode to a blob that does not
	// match its own metadata: the blob was encoded inconsistently.
	ErrInconsistentBlob = errors.New("blob is inconsistently encoded")
)

// decodeChunkBytes bounds the bytes of each sliver decoded at once, so
// that the decoder's work space (up to 2n buffers) stays in cache.
const decodeChunkBytes = 16 << 10

// DecodeBlob rebuilds blob id from slivers of one axis: any k_p primary or
// k_s secondary slivers. It verifies the metadata and every sliver, skips
// invalid and duplicate slivers, and checks the result as Walrus's default
// consistency check does: the systematic slivers it rebuilt must match their
// hashes. It never returns wrong bytes: on failure it returns an error.
func (e *Encoder) DecodeBlob(id BlobID, m *Metadata, slivers []*Sliver) ([]byte, error) {
	if err := m.Verify(id, e.nShards); err != nil {
		return nil, err
	}
	if len(slivers) == 0 {
		return nil, fmt.Errorf("%w: none given", ErrNotEnoughSlivers)
	}
	axis := slivers[0].Axis
	for _, s := range slivers {
		if s.Axis != axis {
			return nil, fmt.Errorf("decode: slivers of both axes given")
		}
	}
	p, _ := m.Params()
	need := p.SliverSymbols(axis.Orthogonal())

	byIndex := make([]*Sliver, p.NShards)
	for _, s := range slivers {
		if int(s.Index) < p.NShards && byIndex[s.Index] == nil {
			byIndex[s.Index] = s
		}
	}
	verifyErr := make([]error, p.NShards)
	forEach(p.NShards, func() any { return nil }, func(_ any, i int) {
		if byIndex[i] != nil {
			verifyErr[i] = e.VerifySliver(m, byIndex[i])
		}
	})
	// Valid slivers in index order, systematic ones first: with all of
	// those no decoding is needed.
	var valid []*Sliver
	invalid := 0
	var firstErr error
	for i, s := range byIndex {
		switch {
		case s == nil:
		case verifyErr[i] != nil:
			invalid++
			if firstErr == nil {
				firstErr = verifyErr[i]
			}
		default:
			valid = append(valid, s)
		}
	}
	if len(valid) < need {
		err := fmt.Errorf("%w: %d valid %s slivers, need %d", ErrNotEnoughSlivers, len(valid), axis, need)
		if invalid > 0 {
			err = fmt.Errorf("%w (%d invalid, first: %v)", err, invalid, firstErr)
		}
		return nil, err
	}
	return e.DecodeVerifiedSlivers(m, valid[:need])
}

// DecodeVerifiedSlivers is DecodeBlob for slivers the caller has already
// verified against m (with VerifySliver), which it does not verify again:
// exactly k_p primary or k_s secondary slivers of distinct indices. m must be
// verified against the blob ID. The consistency check still runs.
func (e *Encoder) DecodeVerifiedSlivers(m *Metadata, slivers []*Sliver) ([]byte, error) {
	p, err := m.Params()
	if err != nil || len(m.Pairs) != e.nShards {
		return nil, fmt.Errorf("%w: for %d shards", ErrInvalidMetadata, e.nShards)
	}
	if len(slivers) == 0 {
		return nil, fmt.Errorf("%w: none given", ErrNotEnoughSlivers)
	}
	axis := slivers[0].Axis
	need := p.SliverSymbols(axis.Orthogonal())
	chosen := make([][]byte, p.NShards)
	count := 0
	for _, s := range slivers {
		if s.Axis != axis || int(s.Index) >= p.NShards || len(s.Data) != p.SliverSize(axis) {
			return nil, fmt.Errorf("decode: %w: %s sliver %d does not fit the metadata", ErrInvalidSliver, s.Axis, s.Index)
		}
		if chosen[s.Index] == nil && count < need {
			chosen[s.Index] = s.Data
			count++
		}
	}
	if count < need {
		return nil, fmt.Errorf("%w: %d distinct %s slivers, need %d", ErrNotEnoughSlivers, count, axis, need)
	}
	return e.decodeVerified(p, m, axis, chosen)
}

// decodeVerified decodes from exactly need verified slivers of one axis
// (chosen[i] non-nil for those) and runs the consistency check.
func (e *Encoder) decodeVerified(p Params, m *Metadata, axis Axis, chosen [][]byte) ([]byte, error) {
	c, err := e.codesFor(p.SymbolSize)
	if err != nil {
		return nil, err
	}
	code := c.along(axis.Orthogonal()) // slivers of one axis are the codewords' symbols
	k, S := code.Originals(), p.SymbolSize
	sliverLen := p.SliverSize(axis)
	present := make([]bool, p.NShards)
	for i, s := range chosen {
		present[i] = s != nil
	}
	dec, err := code.NewDecoder(present)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotEnoughSlivers, err)
	}
	// Systematic slivers, received or rebuilt, laid out back to back.
	sys := make([]byte, k*sliverLen)
	rebuilt := make([]bool, k)
	dst := make([][]byte, k)
	for i := 0; i < k; i++ {
		dst[i] = sys[i*sliverLen : (i+1)*sliverLen]
		if chosen[i] != nil {
			copy(dst[i], chosen[i])
		} else {
			rebuilt[i] = true
		}
	}
	symbolsPerSliver := sliverLen / S
	chunk := max(1, decodeChunkBytes/S)
	chunks := (symbolsPerSliver + chunk - 1) / chunk
	errs := make([]error, chunks)
	forEach(chunks, func() any { return nil }, func(_ any, ci int) {
		lo, hi := ci*chunk*S, min((ci+1)*chunk, symbolsPerSliver)*S
		shards := make([][]byte, p.NShards)
		out := make([][]byte, k)
		for i, s := range chosen {
			if s != nil {
				shards[i] = s[lo:hi]
			}
		}
		for i := range out {
			out[i] = dst[i][lo:hi]
		}
		errs[ci] = dec.DecodeInto(shards, out)
	})
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if err := e.checkRebuilt(p, m, axis, dst, rebuilt); err != nil {
		return nil, err
	}
	return assemble(p, axis, sys), nil
}

// checkRebuilt is Walrus's default consistency check: every systematic sliver
// that was rebuilt rather than received must match its hash.
func (e *Encoder) checkRebuilt(p Params, m *Metadata, axis Axis, slivers [][]byte, rebuilt []bool) error {
	bad := make([]bool, len(slivers))
	forEach(len(slivers), func() any { return nil }, func(_ any, i int) {
		if !rebuilt[i] {
			return
		}
		root, err := e.sliverRoot(p, axis, slivers[i])
		bad[i] = err != nil || root != m.Hash(axis, i)
	})
	for i, b := range bad {
		if b {
			return fmt.Errorf("%w: rebuilt %s sliver %d does not match the metadata", ErrInconsistentBlob, axis, i)
		}
	}
	return nil
}

// assemble turns the systematic slivers into the blob: rows are the blob in
// order; columns must be transposed.
func assemble(p Params, axis Axis, sys []byte) []byte {
	length := int(p.UnencodedLength)
	if axis == Primary {
		return sys[:length:length]
	}
	kp, ks, S := p.PrimarySymbols, p.SecondarySymbols, p.SymbolSize
	blob := make([]byte, kp*ks*S)
	for col := 0; col < ks; col++ {
		column := sys[col*kp*S : (col+1)*kp*S]
		for row := 0; row < kp; row++ {
			copy(blob[(row*ks+col)*S:(row*ks+col+1)*S], column[row*S:(row+1)*S])
		}
	}
	return blob[:length:length]
}
