//go:build amd64 && !purego

package rs

import (
	"math/bits"
	"sync"
	"sync/atomic"
)

// The SIMD kernels take, for each multiplier m, a small table describing the
// GF(2)-linear map x ↦ m·x. The tables of every logarithm are built at once,
// on the first kernel call (not at import or in New, so programs that never
// encode pay nothing), and only the kind the CPU uses: 8 MiB for AVX2, 2 MiB
// for GFNI, a few milliseconds. Index 65535 is included and, as in
// fieldTables.mul, means one, so a uint16 index needs no bounds check.
//
// A table is GF(2)-linear in m as well, so only the 16 tables of the basis
// elements 1<<b come from field products; the table of m = hi<<8 | lo is then
// that of lo XOR that of hi<<8.

// nibbleTable holds, for one m, the VPSHUFB tables of the AVX2 kernels: the
// low bytes of m·(v<<4n) for v = 0..15 and nibble n = 0..3 (bytes 16n..16n+15),
// then the high bytes in the same order (bytes 64+16n..).
type nibbleTable [16]uint64

// affineTable holds, for one m, the four 8×8 bit matrices of VGF2P8AFFINEQB
// that give the bytes of m·x: low←low, low←high, high←low, high←high byte.
type affineTable [4]uint64

var (
	nibbleOnce   sync.Once
	nibbleTables atomic.Pointer[[order]nibbleTable]
	affineOnce   sync.Once
	affineTables atomic.Pointer[[order]affineTable]
)

// getNibbleTables and getAffineTables are small enough to inline: a kernel
// call is often a single block, so its fixed cost matters.
func getNibbleTables() *[order]nibbleTable {
	if nt := nibbleTables.Load(); nt != nil {
		return nt
	}
	return initNibbleTables()
}

func getAffineTables() *[order]affineTable {
	if at := affineTables.Load(); at != nil {
		return at
	}
	return initAffineTables()
}

func initNibbleTables() *[order]nibbleTable {
	nibbleOnce.Do(func() { nibbleTables.Store(linearTables(tables(), nibbleTableOf)) })
	return nibbleTables.Load()
}

func initAffineTables() *[order]affineTable {
	affineOnce.Do(func() { affineTables.Store(linearTables(tables(), affineTableOf)) })
	return affineTables.Load()
}

// linearTables returns the tables of every logarithm, given the function
// that builds one from the products p[k] = m·(1<<k).
func linearTables[E interface{ ~[4]uint64 | ~[16]uint64 }](t *fieldTables, of func(p *[fieldBits]uint16) E) *[order]E {
	var basis [fieldBits]E
	for b := range basis {
		var p [fieldBits]uint16
		for k := range p {
			p[k] = t.mul(1<<k, t.log[1<<b])
		}
		basis[b] = of(&p)
	}
	var lo, hi [256]E // tables of lo and of hi<<8
	for b := 0; b < 8; b++ {
		w := 1 << b
		for j := 0; j < w; j++ {
			lo[w+j] = xorTables(lo[j], basis[b])
			hi[w+j] = xorTables(hi[j], basis[8+b])
		}
	}
	out := new([order]E)
	for logM := range out {
		m := t.exp[logM]
		out[logM] = xorTables(lo[m&0xFF], hi[m>>8])
	}
	return out
}

func xorTables[E interface{ ~[4]uint64 | ~[16]uint64 }](a, b E) E {
	for i := 0; i < len(a); i++ {
		a[i] ^= b[i]
	}
	return a
}

func nibbleTableOf(p *[fieldBits]uint16) (e nibbleTable) {
	// Byte j of maskB is 0xFF when bit B of j is set; ANDed with a byte
	// broadcast to all eight, it gives that product's share of entries 0..7.
	const (
		bc    = 0x0101010101010101
		mask0 = 0xFF00FF00FF00FF00
		mask1 = 0xFFFF0000FFFF0000
		mask2 = 0xFFFFFFFF00000000
	)
	for n := 0; n < 4; n++ {
		a, b, c, d := uint64(p[4*n]), uint64(p[4*n+1]), uint64(p[4*n+2]), uint64(p[4*n+3])
		lo := (a&0xFF)*bc&mask0 ^ (b&0xFF)*bc&mask1 ^ (c&0xFF)*bc&mask2
		hi := (a>>8)*bc&mask0 ^ (b>>8)*bc&mask1 ^ (c>>8)*bc&mask2
		// Entries 8..15 add bit 3 of the nibble.
		e[2*n], e[2*n+1] = lo, lo^(d&0xFF)*bc
		e[8+2*n], e[8+2*n+1] = hi, hi^(d>>8)*bc
	}
	return e
}

func affineTableOf(p *[fieldBits]uint16) (e affineTable) {
	// Byte j of x[2*out+in]: the bits of output byte out that bit j of input
	// byte in contributes.
	var x [4]uint64
	for j := 0; j < 8; j++ {
		lo, hi := uint64(p[j]), uint64(p[8+j])
		x[0] |= (lo & 0xFF) << (8 * j)
		x[1] |= (hi & 0xFF) << (8 * j)
		x[2] |= (lo >> 8) << (8 * j)
		x[3] |= (hi >> 8) << (8 * j)
	}
	// The instruction wants the row of output bit i (the input bits it
	// depends on) in byte 7-i.
	for i, v := range x {
		e[i] = bits.ReverseBytes64(transpose8x8(v))
	}
	return e
}

// transpose8x8 transposes the 8×8 bit matrix with bit c of byte r at 8r+c.
func transpose8x8(x uint64) uint64 {
	t := (x ^ x>>7) & 0x00AA00AA00AA00AA
	x ^= t ^ t<<7
	t = (x ^ x>>14) & 0x0000CCCC0000CCCC
	x ^= t ^ t<<14
	t = (x ^ x>>28) & 0x00000000F0F0F0F0
	x ^= t ^ t<<28
	return x
}
