package rs

import "fmt"

// evaluation point layout of one rate: where each codeword symbol sits in the
// FFT domain, and which domain points are known zeros or always unknown.
type pointLayout struct {
	domain        int // power-of-two size of the decoding FFT
	origin        int // point of original 0; originals are contiguous
	recoveryStart int // point of recovery 0; recovery symbols are contiguous
}

func (c *Code) points() pointLayout {
	if c.highRate {
		// Recovery at [0, m), unused [m, chunk), originals at [chunk, chunk+k),
		// zeros after.
		return pointLayout{domain: nextPow2(c.chunk + c.originals), origin: c.chunk, recoveryStart: 0}
	}
	// Originals at [0, k), zeros at [k, chunk), recovery at [chunk, chunk+m),
	// unknown after.
	return pointLayout{domain: nextPow2(c.chunk + c.recovery), origin: 0, recoveryStart: c.chunk}
}

// Decode fills in the missing original symbols of a codeword. shards holds the
// k originals then the m recovery symbols; nil marks a missing one. At least k
// must be present. Recovery symbols stay missing; Encode recomputes them.
func (c *Code) Decode(shards [][]byte) error {
	present := make([]bool, len(shards))
	for i, s := range shards {
		present[i] = s != nil
	}
	d, err := c.NewDecoder(present)
	if err != nil {
		return err
	}
	return d.Decode(shards)
}

// Decoder decodes codewords with one pattern of present symbols. Preparing it
// costs two Walsh transforms over the field; decoding many codewords (or many
// column ranges of one set of slivers) with the same pattern pays that once.
// It is safe for concurrent use.
type Decoder struct {
	c       *Code
	present []bool
	p       pointLayout
	errLoc  *[order]uint16 // log of the error locator (or its derivative) per point
	missing bool           // some original is missing
}

// NewDecoder prepares decoding for the symbols marked present (k originals then
// m recovery symbols).
func (c *Code) NewDecoder(present []bool) (*Decoder, error) {
	k, m := c.originals, c.recovery
	if len(present) != k+m {
		return nil, fmt.Errorf("%w: %d symbols, want %d", ErrShape, len(present), k+m)
	}
	count, missing := 0, false
	for i, ok := range present {
		if ok {
			count++
		} else if i < k {
			missing = true
		}
	}
	if count < k {
		return nil, fmt.Errorf("%w: %d of %d needed", ErrTooFewSymbols, count, k)
	}
	d := &Decoder{c: c, present: append([]bool(nil), present...), p: c.points(), missing: missing}
	if !missing {
		return d, nil
	}
	p, t := d.p, c.layout.t
	// Erasure locations: missing symbols, plus the points this rate never fills.
	errLoc := new([order]uint16)
	for i := 0; i < k; i++ {
		if !present[i] {
			errLoc[p.origin+i] = 1
		}
	}
	for j := 0; j < m; j++ {
		if !present[k+j] {
			errLoc[p.recoveryStart+j] = 1
		}
	}
	if c.highRate {
		for i := m; i < c.chunk; i++ {
			errLoc[i] = 1
		}
	} else {
		for i := c.chunk + m; i < p.domain; i++ {
			errLoc[i] = 1
		}
	}
	// Logarithms of the error locator polynomial (at erasures, of its
	// derivative) at every point, by Walsh transform in the log domain.
	fwht(errLoc)
	logWalsh := t.logWalsh()
	for i := range errLoc {
		errLoc[i] = uint16(uint32(errLoc[i]) * uint32(logWalsh[i]) % modulus)
	}
	fwht(errLoc)
	d.errLoc = errLoc
	return d, nil
}

// Decode fills in the missing originals of shards, whose present entries must
// match the decoder's pattern. New buffers are allocated for the missing ones.
func (d *Decoder) Decode(shards [][]byte) error {
	return d.DecodeInto(shards, nil)
}

// DecodeInto is Decode writing missing original i into dst[i] when dst is not
// nil (each of the symbols' length) and setting shards[i] to it.
func (d *Decoder) DecodeInto(shards, dst [][]byte) error {
	c := d.c
	k, m := c.originals, c.recovery
	n, err := c.checkBuffers(k+m, shards, "codeword")
	if err != nil {
		return err
	}
	for i, s := range shards {
		if (s != nil) != d.present[i] {
			return fmt.Errorf("%w: symbol %d presence differs from the decoder's", ErrShape, i)
		}
	}
	if !d.missing {
		return nil
	}
	if !c.packed {
		return d.decodeWorking(shards, dst, n)
	}
	pn := packedLen(n)
	bufs, done := c.scratch(k+m, pn)
	defer done()
	packedShards := make([][]byte, k+m)
	for i, s := range shards {
		if s != nil {
			packedShards[i] = bufs[i]
			pack(bufs[i], s, c.symbolSize)
		}
	}
	packedDst := make([][]byte, k)
	for i := 0; i < k; i++ {
		if shards[i] == nil {
			packedDst[i] = bufs[i]
		}
	}
	if err := d.decodeWorking(packedShards, packedDst, pn); err != nil {
		return err
	}
	for i := 0; i < k; i++ {
		if shards[i] == nil {
			out := make([]byte, n)
			if dst != nil {
				out = dst[i][:n]
			}
			unpack(out, packedDst[i], c.symbolSize)
			shards[i] = out
		}
	}
	return nil
}

// decodeWorking decodes buffers of n bytes in the working layout.
func (d *Decoder) decodeWorking(shards, dst [][]byte, n int) error {
	c := d.c
	k, m := c.originals, c.recovery
	p, errLoc := d.p, d.errLoc
	work, done := c.scratch(p.domain, n)
	defer done()
	for i := range work {
		clear(work[i])
	}
	l := &c.layout
	for i := 0; i < k; i++ {
		if shards[i] != nil {
			l.mul(work[p.origin+i], shards[i], errLoc[p.origin+i])
		}
	}
	for j := 0; j < m; j++ {
		if shards[k+j] != nil {
			l.mul(work[p.recoveryStart+j], shards[k+j], errLoc[p.recoveryStart+j])
		}
	}

	l.ifftRange(work, 0, p.domain, p.domain, 0)
	// Formal derivative in the novel polynomial basis.
	for i := 1; i < p.domain; i++ {
		width := ((i ^ (i - 1)) + 1) >> 1
		for j := 0; j < width; j++ {
			xorInto(work[i-width+j], work[i+j])
		}
	}
	l.fftRange(work, 0, p.domain, p.origin+k, 0)

	for i := 0; i < k; i++ {
		if shards[i] == nil {
			var out []byte
			if dst != nil {
				out = dst[i][:n]
			} else {
				out = make([]byte, n)
			}
			pt := p.origin + i
			l.mul(out, work[pt], modulus-errLoc[pt])
			shards[i] = out
		}
	}
	return nil
}
