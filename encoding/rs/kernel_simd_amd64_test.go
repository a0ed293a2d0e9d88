//go:build amd64 && !purego

package rs

import (
	"bytes"
	"math/bits"
	"math/rand/v2"
	"testing"
)

// simdKernelSets returns the assembly kernels this CPU can run.
func simdKernelSets() []namedKernels {
	var sets []namedKernels
	for _, v := range simdVariants {
		if v.supported {
			sets = append(sets, namedKernels{v.name, v.k})
		}
	}
	return sets
}

func TestBestKernelsIsSIMD(t *testing.T) {
	sets := simdKernelSets()
	if len(sets) == 0 {
		t.Skip("no SIMD kernels on this CPU")
	}
	if got := bestKernels(tables()); got != sets[0].k {
		t.Fatalf("bestKernels = %T, want %s", got, sets[0].name)
	}
	t.Logf("selected %s", sets[0].name)
}

// TestSIMDKernelsMatchGeneric runs every kernel of every SIMD variant on
// random buffers and logarithms against genericKernels, and checks that the
// bytes around the buffers are left alone.
func TestSIMDKernelsMatchGeneric(t *testing.T) {
	sets := simdKernelSets()
	if len(sets) == 0 {
		t.Skip("no SIMD kernels on this CPU")
	}
	gen := genericKernels{tables()}
	rng := rand.New(rand.NewPCG(7, 8))
	const guard = 64
	fill := func(n int) (all, buf []byte) {
		all = make([]byte, n+2*guard)
		for i := range all {
			all[i] = byte(rng.Uint32())
		}
		return all, all[guard : guard+n : guard+n]
	}
	logs := []uint16{0, 1, 2, modulus - 1, modulus}
	for trial := 0; trial < 400; trial++ {
		logM := uint16(rng.IntN(modulus))
		if trial < len(logs) {
			logM = logs[trial]
		}
		n := 64 * (1 + rng.IntN(40))
		for _, s := range sets {
			for _, op := range []string{"fft", "ifft", "mul"} {
				xAll, x := fill(n)
				yAll, y := fill(n)
				wantX, wantY := bytes.Clone(xAll), bytes.Clone(yAll)
				wx, wy := wantX[guard:guard+n], wantY[guard:guard+n]
				switch op {
				case "fft":
					gen.fft(wx, wy, logM)
					s.k.fft(x, y, logM)
				case "ifft":
					gen.ifft(wx, wy, logM)
					s.k.ifft(x, y, logM)
				case "mul":
					gen.mul(wx, wy, logM)
					s.k.mul(x, y, logM)
				}
				if !bytes.Equal(xAll, wantX) || !bytes.Equal(yAll, wantY) {
					t.Fatalf("%s %s: %d bytes, logM %d: differs from generic", s.name, op, n, logM)
				}
			}
		}
	}
}

func TestSIMDKernelsEmpty(t *testing.T) {
	for _, s := range simdKernelSets() {
		s.k.fft(nil, nil, 1)
		s.k.ifft(nil, nil, 1)
		s.k.mul(nil, nil, 1)
	}
}

// TestSIMDVariantsEncodeDecode checks every SIMD variant, not only the
// selected one, through the whole code: encoding must match the generic
// kernels byte for byte, and decoding must restore the originals.
func TestSIMDVariantsEncodeDecode(t *testing.T) {
	sets := simdKernelSets()
	if len(sets) == 0 {
		t.Skip("no SIMD kernels on this CPU")
	}
	rng := rand.New(rand.NewPCG(9, 10))
	shapes := []struct{ k, m int }{{2, 2}, {7, 3}, {3, 7}, {34, 66}, {67, 33}, {334, 666}, {667, 333}}
	for _, sh := range shapes {
		for _, size := range []int{64, 126, 302, 640} {
			ref, err := New(sh.k, sh.m, size)
			if err != nil {
				t.Fatal(err)
			}
			ref.layout.k = genericKernels{ref.layout.t}
			orig := make([][]byte, sh.k)
			for i := range orig {
				orig[i] = make([]byte, size)
				for j := range orig[i] {
					orig[i][j] = byte(rng.Uint32())
				}
			}
			want := make([][]byte, sh.m)
			for i := range want {
				want[i] = make([]byte, size)
			}
			if err := ref.Encode(orig, want); err != nil {
				t.Fatal(err)
			}
			for _, s := range sets {
				c, _ := New(sh.k, sh.m, size)
				c.layout.k = s.k
				rec := make([][]byte, sh.m)
				for i := range rec {
					rec[i] = make([]byte, size)
				}
				if err := c.Encode(orig, rec); err != nil {
					t.Fatal(err)
				}
				for i := range rec {
					if !bytes.Equal(rec[i], want[i]) {
						t.Fatalf("%s k=%d m=%d S=%d: recovery %d differs from generic", s.name, sh.k, sh.m, size, i)
					}
				}
				shards := make([][]byte, sh.k+sh.m)
				for _, i := range rng.Perm(sh.k + sh.m)[:sh.k] {
					if i < sh.k {
						shards[i] = bytes.Clone(orig[i])
					} else {
						shards[i] = bytes.Clone(rec[i-sh.k])
					}
				}
				if err := c.Decode(shards); err != nil {
					t.Fatal(err)
				}
				for i := range orig {
					if !bytes.Equal(shards[i], orig[i]) {
						t.Fatalf("%s k=%d m=%d S=%d: decoded original %d wrong", s.name, sh.k, sh.m, size, i)
					}
				}
			}
		}
	}
}

// TestSIMDTables checks the tables of every logarithm against the field's
// multiplication: all nibble-table entries, and the affine matrices on the
// 16 basis elements (the instruction is linear, so they suffice), with a
// model of VGF2P8AFFINEQB.
func TestSIMDTables(t *testing.T) {
	ft := tables()
	nts, ats := getNibbleTables(), getAffineTables()
	// affine is VGF2P8AFFINEQB on one byte: bit i of the result is the
	// parity of x AND byte 7-i of the matrix.
	affine := func(mat uint64, x byte) (r byte) {
		for i := 0; i < 8; i++ {
			r |= byte(bits.OnesCount8(byte(mat>>(8*(7-i)))&x)&1) << i
		}
		return r
	}
	for logM := 0; logM < order; logM++ {
		nt := &nts[logM]
		for n := 0; n < 4; n++ {
			for v := 0; v < 16; v++ {
				want := ft.mul(uint16(v)<<(4*n), uint16(logM))
				i := 16*n + v
				lo, hi := byte(nt[i/8]>>(8*(i%8))), byte(nt[8+i/8]>>(8*(i%8)))
				if got := uint16(lo) | uint16(hi)<<8; got != want {
					t.Fatalf("nibble table of log %d: nibble %d value %d gives %#04x, want %#04x", logM, n, v, got, want)
				}
			}
		}
		at := &ats[logM]
		for k := 0; k < fieldBits; k++ {
			x := uint16(1) << k
			want := ft.mul(x, uint16(logM))
			xl, xh := byte(x), byte(x>>8)
			lo := affine(at[0], xl) ^ affine(at[1], xh)
			hi := affine(at[2], xl) ^ affine(at[3], xh)
			if got := uint16(lo) | uint16(hi)<<8; got != want {
				t.Fatalf("affine table of log %d: bit %d gives %#04x, want %#04x", logM, k, got, want)
			}
		}
	}
}
