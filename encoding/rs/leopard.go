package rs

import (
	"fmt"
	"sync"

	"github.com/klauspost/reedsolomon"
)

// klauspost/reedsolomon's Leopard GF(2^16) mode computes reed-solomon-simd's
// high-rate code byte for byte (TestLeopardMatchesHighRate checks it) but has
// no low-rate form and only knows whole 64-byte blocks. So it encodes
// high-rate codewords whose symbols are whole blocks, and this package's own
// FFT does everything else.

type leopard struct {
	once sync.Once
	enc  reedsolomon.Encoder
	err  error
}

// leopardEncoder returns the library encoder for this code, or nil when the
// library cannot produce the same bytes.
func (c *Code) leopardEncoder() reedsolomon.Encoder {
	if !c.highRate || c.noLibrary {
		return nil
	}
	c.leo.once.Do(func() {
		c.leo.enc, c.leo.err = reedsolomon.New(c.originals, c.recovery, reedsolomon.WithLeopardGF16(true))
	})
	if c.leo.err != nil {
		return nil
	}
	return c.leo.enc
}

func (c *Code) encodeLeopard(enc reedsolomon.Encoder, originals, recovery [][]byte) error {
	shards := make([][]byte, 0, c.originals+c.recovery)
	shards = append(shards, originals...)
	shards = append(shards, recovery...)
	if err := enc.Encode(shards); err != nil {
		return fmt.Errorf("leopard encode: %w", err)
	}
	return nil
}
