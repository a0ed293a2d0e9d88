package blake2b4

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"golang.org/x/crypto/blake2b"
)

// ref is the definition: x/crypto's Blake2b-256 of prefix ‖ m.
func ref(prefix byte, m []byte) [32]byte {
	return blake2b.Sum256(append([]byte{prefix}, m...))
}

// paths runs f once per implementation available on this machine.
func paths(t testing.TB, f func(t testing.TB)) {
	saved2, saved512 := useAVX2, useAVX512
	defer func() { useAVX2, useAVX512 = saved2, saved512 }()
	if hasAVX512 {
		useAVX2, useAVX512 = true, true
		f(t)
	}
	if hasAVX2 {
		useAVX2, useAVX512 = true, false
		f(t)
	}
	useAVX2, useAVX512 = false, false
	f(t)
}

func pathName() string {
	switch {
	case useAVX2 && useAVX512:
		return "avx512"
	case useAVX2:
		return "avx2"
	}
	return "generic"
}

func TestPathsAvailable(t *testing.T) {
	t.Logf("AVX2 kernel: %v, AVX-512 kernel: %v", hasAVX2, hasAVX512)
}

func randBytes(r *rand.ChaCha8, n int) []byte {
	b := make([]byte, n)
	r.Read(b)
	return b
}

func randMsgs(r *rand.ChaCha8, n int) *[4][]byte {
	return &[4][]byte{randBytes(r, n), randBytes(r, n), randBytes(r, n), randBytes(r, n)}
}

func newRand(seed byte) *rand.ChaCha8 {
	return rand.NewChaCha8([32]byte{seed})
}

func check4(t testing.TB, prefix byte, m *[4][]byte) {
	t.Helper()
	var got [4][32]byte
	Sum256x4(&got, prefix, m)
	for k := range m {
		if want := ref(prefix, m[k]); got[k] != want {
			t.Fatalf("%s: len %d prefix %#x lane %d: got %x, want %x", pathName(), len(m[k]), prefix, k, got[k], want)
		}
	}
}

// shortLengths are all lengths 0..600: up to five blocks.
func shortLengths() []int {
	var ls []int
	for n := 0; n <= 600; n++ {
		ls = append(ls, n)
	}
	return ls
}

// longLengths are lengths around 128-byte block boundaries (remember the
// prefix byte: a message of 127 bytes fills exactly one block) up to 70000,
// including the largest message our encoder produces.
func longLengths() []int {
	var ls []int
	for b := 5; b*128 <= 70000; b += 1 + b/16 {
		for d := -2; d <= 2; d++ {
			ls = append(ls, b*128+d-1)
		}
	}
	return append(ls, 4821, 65533, 65534, 65535)
}

func TestSum256x4(t *testing.T) {
	paths(t, func(t testing.TB) {
		r := newRand(1)
		for _, n := range append(shortLengths(), longLengths()...) {
			check4(t, byte(r.Uint64()), randMsgs(r, n))
		}
	})
}

// checkPrefixed compares SumPrefixed(prefix, msgs) with the definition.
func checkPrefixed(t testing.TB, prefix byte, msgs [][]byte) {
	t.Helper()
	dst := make([][32]byte, len(msgs))
	SumPrefixed(dst, prefix, msgs)
	for i, m := range msgs {
		if want := ref(prefix, m); dst[i] != want {
			t.Fatalf("%s: %d messages, message %d (len %d, prefix %#x): got %x, want %x",
				pathName(), len(msgs), i, len(m), prefix, dst[i], want)
		}
	}
}

// TestSumPrefixedLengths runs 13 random messages of each length through
// SumPrefixed: one group of eight (AVX-512), groups of four, one single.
// Long lengths are sampled more thinly: TestSum256x4 already covers how
// blocks are fed, which is the same code for both kernels.
func TestSumPrefixedLengths(t *testing.T) {
	lengths := shortLengths()
	for i, n := range longLengths() {
		if i%7 == 0 || n >= 65533 {
			lengths = append(lengths, n)
		}
	}
	paths(t, func(t testing.TB) {
		r := newRand(2)
		for _, n := range lengths {
			msgs := make([][]byte, 13)
			for i := range msgs {
				msgs[i] = randBytes(r, n)
			}
			checkPrefixed(t, byte(r.Uint64()), msgs)
		}
	})
}

// TestSumPrefixedRuns feeds runs of equal-length messages whose lengths go
// up and down, so that scratch buffers are reused with stale bytes in them,
// and runs of every count, so that groups of eight, four, pending groups and
// singles all occur.
func TestSumPrefixedRuns(t *testing.T) {
	lens := []int{0, 1, 3, 63, 64, 65, 126, 127, 128, 129, 254, 255, 256, 257, 303, 500}
	paths(t, func(t testing.TB) {
		src := newRand(3)
		r := rand.New(src)
		for range 50 {
			var msgs [][]byte
			for range 1 + r.IntN(8) {
				n := lens[r.IntN(len(lens))]
				for range 1 + r.IntN(17) {
					msgs = append(msgs, randBytes(src, n))
				}
			}
			checkPrefixed(t, byte(r.Uint32()), msgs)
		}
	})
}

// TestSum256x4Lanes checks that lanes do not leak into each other: messages
// that differ in one byte of one lane change only that lane's digest.
func TestSum256x4Lanes(t *testing.T) {
	paths(t, func(t testing.TB) {
		for _, n := range []int{0, 1, 127, 128, 300, 1000} {
			var m [4][]byte
			for k := range m {
				m[k] = make([]byte, n)
			}
			var base [4][32]byte
			Sum256x4(&base, 7, &m)
			for k := 1; k < 4; k++ {
				if base[k] != base[0] {
					t.Fatalf("%s: len %d: equal messages hash differently in lane %d", pathName(), n, k)
				}
			}
			if n == 0 {
				continue
			}
			for k := range m {
				m[k][n-1] ^= 1
				check4(t, 7, &m)
				m[k][n-1] ^= 1
			}
		}
	})
}

func TestSum256x4Panics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for unequal lengths")
		}
	}()
	var d [4][32]byte
	Sum256x4(&d, 0, &[4][]byte{make([]byte, 3), make([]byte, 3), make([]byte, 4), make([]byte, 3)})
}

// TestSumPrefixed mixes lengths, so that equal-length messages are not all
// adjacent and counts are not multiples of four or eight.
func TestSumPrefixed(t *testing.T) {
	paths(t, func(t testing.TB) {
		src := newRand(4)
		r := rand.New(src)
		choices := [][]int{
			{65},
			{3, 65},
			{0, 127, 128, 129},
			{303, 4821, 1, 2, 255, 256},
		}
		for _, lens := range choices {
			for count := 0; count <= 35; count++ {
				msgs := make([][]byte, count)
				for i := range msgs {
					msgs[i] = randBytes(src, lens[r.IntN(len(lens))])
				}
				checkPrefixed(t, byte(r.Uint32()), msgs)
			}
		}
	})
}

func TestSumPrefixedPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for len(dst) != len(msgs)")
		}
	}()
	SumPrefixed(make([][32]byte, 2), 0, make([][]byte, 3))
}

func FuzzSum256x4(f *testing.F) {
	f.Add(byte(0), []byte{})
	f.Add(byte(1), make([]byte, 4*65))
	f.Add(byte(0xff), make([]byte, 4*127+3))
	f.Add(byte(2), make([]byte, 4*303))
	f.Fuzz(func(t *testing.T, prefix byte, data []byte) {
		// Four equal-length messages cut from data; leftover bytes dropped.
		n := len(data) / 4
		m := [4][]byte{data[:n], data[n : 2*n], data[2*n : 3*n], data[3*n : 4*n]}
		paths(t, func(t testing.TB) {
			check4(t, prefix, &m)
			checkPrefixed(t, prefix, [][]byte{m[0], m[1], m[2], m[3], m[0], m[1], m[2], m[3], data})
		})
	})
}

// BenchmarkSumPrefixed compares SumPrefixed with x/crypto's Sum256 over the
// same messages; x/crypto gets prefix ‖ m already concatenated, so it is
// charged nothing for the prefix. Compare the ns/hash of the sub-benchmarks:
// blake2b4 (best kernel), blake2b4-avx2 (AVX2 kernel only, when AVX-512 is
// present) and xcrypto.
func BenchmarkSumPrefixed(b *testing.B) {
	const count = 512
	for _, size := range []int{3, 65, 303, 4821} {
		backing := randBytes(newRand(5), count*size)
		msgs := make([][]byte, count)
		joined := make([][]byte, count)
		for i := range msgs {
			msgs[i] = backing[i*size : (i+1)*size]
			joined[i] = append([]byte{1}, msgs[i]...)
		}
		dst := make([][32]byte, count)
		perHash := func(b *testing.B) {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*count), "ns/hash")
		}

		b.Run(fmt.Sprintf("size=%d/blake2b4", size), func(b *testing.B) {
			b.SetBytes(int64(count * size))
			for b.Loop() {
				SumPrefixed(dst, 1, msgs)
			}
			perHash(b)
		})
		if hasAVX512 {
			b.Run(fmt.Sprintf("size=%d/blake2b4-avx2", size), func(b *testing.B) {
				defer func(saved bool) { useAVX512 = saved }(useAVX512)
				useAVX512 = false
				b.SetBytes(int64(count * size))
				for b.Loop() {
					SumPrefixed(dst, 1, msgs)
				}
				perHash(b)
			})
		}
		b.Run(fmt.Sprintf("size=%d/xcrypto", size), func(b *testing.B) {
			b.SetBytes(int64(count * size))
			for b.Loop() {
				for i, m := range joined {
					dst[i] = blake2b.Sum256(m)
				}
			}
			perHash(b)
		})
	}
}
