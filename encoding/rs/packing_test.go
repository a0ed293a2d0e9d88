package rs

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func TestPackRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, size := range []int{2, 4, 30, 62, 66, 100, 128, 302} {
		for _, count := range []int{1, 2, 3, 7, 64} {
			src := make([]byte, size*count)
			for i := range src {
				src[i] = byte(rng.Uint32())
			}
			packed := make([]byte, packedLen(len(src)))
			for i := range packed {
				packed[i] = 0xAA // pack must clear what it does not fill
			}
			pack(packed, src, size)
			back := make([]byte, len(src))
			unpack(back, packed, size)
			if !bytes.Equal(back, src) {
				t.Fatalf("S=%d count=%d: round trip differs", size, count)
			}
			// Element order is preserved.
			want, got := symbolElements(src, size), symbolElements(packed, 64)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("S=%d count=%d: element %d moved", size, count, i)
				}
			}
			tail := packed[len(packed)-64:]
			if used := len(src) / 2 % 32; used != 0 {
				for i := used; i < 32; i++ {
					if tail[i] != 0 || tail[32+i] != 0 {
						t.Fatalf("S=%d count=%d: padding not zero", size, count)
					}
				}
			}
		}
	}
}

// symbolElements lists the elements of back-to-back symbols in order, by the
// layout of reed-solomon-simd: 64-byte blocks of 32 low then 32 high bytes,
// and a partial block of t/2 low then t/2 high bytes.
func symbolElements(buf []byte, size int) []uint16 {
	var out []uint16
	for off := 0; off < len(buf); off += size {
		for region := off; region < off+size; region += 64 {
			h := min(64, off+size-region) / 2
			for j := 0; j < h; j++ {
				out = append(out, uint16(buf[region+j])|uint16(buf[region+h+j])<<8)
			}
		}
	}
	return out
}
