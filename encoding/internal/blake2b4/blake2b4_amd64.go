//go:build amd64 && !purego

package blake2b4

import "golang.org/x/sys/cpu"

// x/sys/cpu reports these only when the OS also saves the YMM/ZMM state.
var (
	hasAVX2   = cpu.X86.HasAVX2
	hasAVX512 = cpu.X86.HasAVX2 && cpu.X86.HasAVX512F
)

// hashBlocksAVX2 compresses blocks ≥ 1 consecutive 128-byte blocks of four
// messages into h, which holds the four states word-major (h[4*word+lane]).
// Lane k reads its blocks from buf[k] if m is nil, else in place from
// m[k][off:]. The byte counter is t for the first block and grows by 128
// per block; f (0 or all ones) is the final-block flag and applies to every
// block, so callers pass it only with blocks == 1.
//
// Taking the slices themselves, rather than pointers computed in Go, keeps
// the Go side free of stored pointers, so its scratch space stays on the
// stack.
//
//go:noescape
func hashBlocksAVX2(h *[32]uint64, buf *[4][blockSize]byte, m *[4][]byte, off, blocks int, t, f uint64)

// hashBlocksAVX512 is hashBlocksAVX2 for eight lanes (h[8*word+lane]).
//
//go:noescape
func hashBlocksAVX512(h *[64]uint64, buf *[8][blockSize]byte, m *[8][]byte, off, blocks int, t, f uint64)

// compress runs the kernel for len(buf) lanes; m is nil or has len(buf)
// messages.
func compress(h []uint64, buf [][blockSize]byte, m [][]byte, off, blocks int, t, f uint64) {
	if len(buf) == 8 {
		var m8 *[8][]byte
		if m != nil {
			m8 = (*[8][]byte)(m)
		}
		hashBlocksAVX512((*[64]uint64)(h), (*[8][blockSize]byte)(buf), m8, off, blocks, t, f)
	} else {
		var m4 *[4][]byte
		if m != nil {
			m4 = (*[4][]byte)(m)
		}
		hashBlocksAVX2((*[32]uint64)(h), (*[4][blockSize]byte)(buf), m4, off, blocks, t, f)
	}
}
