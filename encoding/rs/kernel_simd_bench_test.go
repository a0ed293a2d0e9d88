package rs

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// namedKernels is one blockKernels implementation under test.
type namedKernels struct {
	name string
	k    blockKernels
}

// benchKernelSets is the generic kernels followed by every SIMD variant this
// CPU runs, so that one benchmark run gives the speed-up of each.
func benchKernelSets() []namedKernels {
	return append([]namedKernels{{"generic", genericKernels{tables()}}}, simdKernelSets()...)
}

func kernelBenchBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// BenchmarkKernels times each block kernel at sizes typical of small symbols
// (64, 320 bytes) and of a larger batch (4864 bytes).
func BenchmarkKernels(b *testing.B) {
	rng := rand.New(rand.NewPCG(11, 12))
	const logM = 12345
	for _, op := range []string{"fft", "ifft", "mul"} {
		for _, n := range []int{64, 320, 4864} {
			x, y := kernelBenchBytes(rng, n), kernelBenchBytes(rng, n)
			for _, s := range benchKernelSets() {
				b.Run(fmt.Sprintf("%s/%d/%s", op, n, s.name), func(b *testing.B) {
					k := s.k
					k.mul(x, y, logM) // builds the SIMD tables outside the timing
					b.SetBytes(int64(n))
					b.ResetTimer()
					switch op {
					case "fft":
						for range b.N {
							k.fft(x, y, logM)
						}
					case "ifft":
						for range b.N {
							k.ifft(x, y, logM)
						}
					case "mul":
						for range b.N {
							k.mul(x, y, logM)
						}
					}
				})
			}
		}
	}
}

// BenchmarkEncodeKernels encodes one column or row of a 64 MiB blob
// (symbols of 302 bytes) with each kernel set; the throughput is of original
// data.
func BenchmarkEncodeKernels(b *testing.B) {
	const size = 302
	rng := rand.New(rand.NewPCG(13, 14))
	for _, sh := range []struct{ k, m int }{{334, 666}, {667, 333}} {
		orig := make([][]byte, sh.k)
		for i := range orig {
			orig[i] = kernelBenchBytes(rng, size)
		}
		rec := make([][]byte, sh.m)
		for i := range rec {
			rec[i] = make([]byte, size)
		}
		for _, s := range benchKernelSets() {
			b.Run(fmt.Sprintf("%dx%d/%s", sh.k, sh.m, s.name), func(b *testing.B) {
				c, err := New(sh.k, sh.m, size)
				if err != nil {
					b.Fatal(err)
				}
				c.layout.k = s.k
				if err := c.Encode(orig, rec); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(sh.k * size))
				b.ResetTimer()
				for range b.N {
					if err := c.Encode(orig, rec); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
