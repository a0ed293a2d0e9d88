package rs

import (
	"errors"
	"fmt"
	"sync"
)

// Errors returned by the code.
var (
	// ErrShape means a codeword's shape (counts, lengths, symbol size) is unusable.
	ErrShape = errors.New("rs: invalid codeword shape")
	// ErrTooFewSymbols means fewer distinct symbols than originals were given to decode.
	ErrTooFewSymbols = errors.New("rs: too few symbols to decode")
)

// Code is a systematic code with a fixed number of original and recovery symbols
// and a fixed symbol size. It is safe for concurrent use.
type Code struct {
	originals, recovery int
	highRate            bool
	chunk               int // FFT chunk size of the chosen rate
	symbolSize          int
	packed              bool // symbols have partial blocks: code on packed copies
	noLibrary           bool // never use the Leopard library (Options.NoLibrary)
	layout              engine
	leo                 leopard
}

// workspaces is scratch memory shared by all codes: a process that codes
// rows, then columns, reuses the pages it already faulted in.
var workspaces sync.Pool // *workspace, grown on demand

// Options tune a code.
type Options struct {
	// NoLibrary never uses klauspost/reedsolomon, whose Leopard mode is
	// faster for high-rate codewords but builds 74 MB of tables per
	// process; for processes that code little, such as storage nodes.
	NoLibrary bool
}

// New returns the code with the given counts and symbol size in bytes.
// The limits are those of reed-solomon-simd.
func New(originals, recovery, symbolSize int) (*Code, error) {
	return NewWith(originals, recovery, symbolSize, Options{})
}

// NewWith is New with options.
func NewWith(originals, recovery, symbolSize int, opts Options) (*Code, error) {
	if originals <= 0 || recovery <= 0 {
		return nil, fmt.Errorf("%w: %d originals and %d recovery symbols", ErrShape, originals, recovery)
	}
	if symbolSize <= 0 || symbolSize%2 != 0 {
		return nil, fmt.Errorf("%w: symbol size %d is not a positive even number", ErrShape, symbolSize)
	}
	op, rp := nextPow2(originals), nextPow2(recovery)
	if min(op, rp)+max(originals, recovery) > order {
		return nil, fmt.Errorf("%w: %d originals and %d recovery symbols exceed GF(2^16)", ErrShape, originals, recovery)
	}
	c := &Code{originals: originals, recovery: recovery, symbolSize: symbolSize, noLibrary: opts.NoLibrary}
	c.packed = symbolSize%64 != 0
	c.layout = newEngine()
	// The rule of reed-solomon-simd's DefaultRate; the two rates give
	// different recovery symbols, so it must be copied exactly.
	switch {
	case op < rp:
		c.highRate = false
	case op > rp:
		c.highRate = true
	default:
		c.highRate = originals <= recovery
	}
	if c.highRate {
		c.chunk = rp
	} else {
		c.chunk = op
	}
	return c, nil
}

// Originals returns the number of original symbols, k.
func (c *Code) Originals() int { return c.originals }

// Recovery returns the number of recovery symbols, m.
func (c *Code) Recovery() int { return c.recovery }

// SymbolSize returns the size of one symbol in bytes.
func (c *Code) SymbolSize() int { return c.symbolSize }

// HighRate reports which of reed-solomon-simd's two rates the code uses.
func (c *Code) HighRate() bool { return c.highRate }

// checkBuffers returns the common length of bufs, which must be a non-zero
// multiple of the symbol size.
func (c *Code) checkBuffers(want int, bufs [][]byte, what string) (int, error) {
	if len(bufs) != want {
		return 0, fmt.Errorf("%w: %d %s buffers, want %d", ErrShape, len(bufs), what, want)
	}
	n := -1
	for i, b := range bufs {
		if b == nil {
			continue
		}
		if n < 0 {
			n = len(b)
		}
		if len(b) != n {
			return 0, fmt.Errorf("%w: %s buffer %d has %d bytes, want %d", ErrShape, what, i, len(b), n)
		}
	}
	if n <= 0 || n%c.symbolSize != 0 {
		return 0, fmt.Errorf("%w: %s buffers of %d bytes are not whole symbols of %d bytes", ErrShape, what, n, c.symbolSize)
	}
	return n, nil
}

// workspace is pooled scratch memory: a slab and the slice headers that
// carve it, so that steady-state coding allocates nothing.
type workspace struct {
	slab []byte
	bufs [][]byte
	work [][]byte // for callers that mix scratch and their own buffers
}

// scratch returns count buffers of n bytes each (not zeroed) and a function
// that gives them back.
func (c *Code) scratch(count, n int) ([][]byte, func()) {
	ws, _ := workspaces.Get().(*workspace)
	if ws == nil {
		ws = new(workspace)
	}
	if need := count * n; cap(ws.slab) < need {
		ws.slab = make([]byte, need)
	}
	if cap(ws.bufs) < count {
		ws.bufs = make([][]byte, count)
	}
	bufs := ws.bufs[:count]
	for i := range bufs {
		bufs[i] = ws.slab[i*n : (i+1)*n : (i+1)*n]
	}
	return bufs, func() { workspaces.Put(ws) }
}

// Encode computes the recovery symbols of the codeword whose original symbols
// are originals, writing them to recovery. All buffers have the same length, a
// multiple of the symbol size (several symbols are encoded element-wise).
func (c *Code) Encode(originals, recovery [][]byte) error {
	n, err := c.checkBuffers(c.originals, originals, "original")
	if err != nil {
		return err
	}
	rn, err := c.checkBuffers(c.recovery, recovery, "recovery")
	if err != nil {
		return err
	}
	for i := range originals {
		if originals[i] == nil {
			return fmt.Errorf("%w: original %d is missing", ErrShape, i)
		}
	}
	for i := range recovery {
		if recovery[i] == nil {
			return fmt.Errorf("%w: recovery %d is missing", ErrShape, i)
		}
	}
	if rn != n {
		return fmt.Errorf("%w: recovery buffers of %d bytes, originals of %d", ErrShape, rn, n)
	}
	if !c.packed {
		return c.encodeWorking(originals, recovery, n)
	}
	pn := packedLen(n)
	if c.leopardEncoder() == nil {
		// Originals are packed straight into the FFT's work buffers, and
		// only the recovery symbols need packed buffers of their own.
		pr, done := c.scratch(c.recovery, pn)
		defer done()
		load := func(dst []byte, i int) { pack(dst, originals[i], c.symbolSize) }
		if c.highRate {
			c.encodeHigh(load, pr, pn)
		} else {
			c.encodeLow(load, pr, pn)
		}
		for i := range recovery {
			unpack(recovery[i], pr[i], c.symbolSize)
		}
		return nil
	}
	bufs, done := c.scratch(c.originals+c.recovery, pn)
	defer done()
	po, pr := bufs[:c.originals], bufs[c.originals:]
	for i := range originals {
		pack(po[i], originals[i], c.symbolSize)
	}
	if err := c.encodeWorking(po, pr, pn); err != nil {
		return err
	}
	for i := range recovery {
		unpack(recovery[i], pr[i], c.symbolSize)
	}
	return nil
}

// encodeWorking encodes buffers in the working layout.
func (c *Code) encodeWorking(originals, recovery [][]byte, n int) error {
	if enc := c.leopardEncoder(); enc != nil {
		return c.encodeLeopard(enc, originals, recovery)
	}
	load := func(dst []byte, i int) { copy(dst, originals[i]) }
	if c.highRate {
		c.encodeHigh(load, recovery, n)
	} else {
		c.encodeLow(load, recovery, n)
	}
	return nil
}

// loader writes original symbol buffer i, in the working layout, to dst.
type loader func(dst []byte, i int)

// work lays out count work buffers of n bytes whose first len(recovery) are
// the recovery buffers themselves, so no copy-out is needed.
func (c *Code) work(recovery [][]byte, count, n int) ([][]byte, func()) {
	ws, _ := workspaces.Get().(*workspace)
	if ws == nil {
		ws = new(workspace)
	}
	extra := count - len(recovery)
	if need := extra * n; cap(ws.slab) < need {
		ws.slab = make([]byte, need)
	}
	if cap(ws.work) < count {
		ws.work = make([][]byte, count)
	}
	work := ws.work[:count]
	copy(work, recovery)
	for i := 0; i < extra; i++ {
		work[len(recovery)+i] = ws.slab[i*n : (i+1)*n : (i+1)*n]
	}
	return work, func() { workspaces.Put(ws) }
}

// encodeHigh is reed-solomon-simd's high-rate encoder: originals sit at the
// points chunk.., recovery symbols at the points 0..m-1.
func (c *Code) encodeHigh(load loader, recovery [][]byte, n int) {
	k, m, chunk := c.originals, c.recovery, c.chunk
	work, done := c.work(recovery, roundUp(k, chunk), n)
	defer done()
	l := &c.layout

	first := min(k, chunk)
	for i := 0; i < first; i++ {
		load(work[i], i)
	}
	for i := first; i < chunk; i++ {
		clear(work[i])
	}
	l.ifftRange(work, 0, chunk, first, chunk)

	for cs := chunk; cs < k; cs += chunk {
		end := min(cs+chunk, k)
		for i := cs; i < end; i++ {
			load(work[i], i)
		}
		for i := end; i < cs+chunk; i++ {
			clear(work[i])
		}
		l.ifftRange(work, cs, chunk, end-cs, cs+chunk)
		for i := 0; i < chunk; i++ {
			xorInto(work[i], work[cs+i])
		}
	}
	l.fftRange(work, 0, chunk, m, 0)
}

// encodeLow is reed-solomon-simd's low-rate encoder: originals sit at the
// points 0..k-1 (with zeros up to chunk), recovery symbols at chunk...
func (c *Code) encodeLow(load loader, recovery [][]byte, n int) {
	k, m, chunk := c.originals, c.recovery, c.chunk
	work, done := c.work(recovery, max(roundUp(m, chunk), chunk), n)
	defer done()
	l := &c.layout

	for i := 0; i < k; i++ {
		load(work[i], i)
	}
	for i := k; i < chunk; i++ {
		clear(work[i])
	}
	l.ifftRange(work, 0, chunk, k, 0)
	for cs := chunk; cs < m; cs += chunk {
		for i := 0; i < chunk; i++ {
			copy(work[cs+i], work[i])
		}
	}
	cs := 0
	for ; cs+chunk <= m; cs += chunk {
		l.fftRange(work, cs, chunk, chunk, cs+chunk)
	}
	if m%chunk > 0 {
		l.fftRange(work, cs, chunk, m%chunk, cs+chunk)
	}
}
