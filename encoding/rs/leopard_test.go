package rs

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestLeopardMatchesHighRate checks that klauspost/reedsolomon's Leopard mode
// gives the same recovery symbols as this package's port of the high rate.
func TestLeopardMatchesHighRate(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, sh := range []struct{ k, m int }{{667, 333}, {7, 3}, {67, 33}, {3, 1}, {5, 2}, {2, 2}} {
		for _, size := range []int{64, 128, 320} {
			c, err := New(sh.k, sh.m, size)
			if err != nil {
				t.Fatal(err)
			}
			if !c.HighRate() || c.leopardEncoder() == nil {
				t.Fatalf("k=%d m=%d S=%d: not encoded by the library", sh.k, sh.m, size)
			}
			orig := make([][]byte, sh.k)
			for i := range orig {
				orig[i] = make([]byte, size*2)
				for j := range orig[i] {
					orig[i][j] = byte(rng.Uint32())
				}
			}
			lib, own := make([][]byte, sh.m), make([][]byte, sh.m)
			for i := range lib {
				lib[i], own[i] = make([]byte, size*2), make([]byte, size*2)
			}
			if err := c.Encode(orig, lib); err != nil {
				t.Fatal(err)
			}
			c.encodeHigh(func(dst []byte, i int) { copy(dst, orig[i]) }, own, size*2)
			for i := range lib {
				if !bytes.Equal(lib[i], own[i]) {
					t.Fatalf("k=%d m=%d S=%d: recovery %d differs", sh.k, sh.m, size, i)
				}
			}
		}
	}
}
