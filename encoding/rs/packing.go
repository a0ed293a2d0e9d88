package rs

// Symbols whose size is not a multiple of 64 end in a partial block with its
// own layout (t/2 low bytes, then t/2 high bytes), which SIMD kernels and the
// Leopard library cannot take. Such buffers are packed before coding: their
// elements, in order, go densely into whole blocks, so every kernel call sees
// whole blocks and no space is wasted on padding; the result is unpacked.

// packedLen returns the length of a packed buffer of n bytes of symbols.
func packedLen(n int) int { return roundUp(n, 64) }

// packRuns calls fn for each run of elements that are contiguous both in a
// buffer of symbols of the given size and in its packed form: run elements
// whose low bytes start at src in the symbol buffer (high bytes h further) and
// at dst in the packed buffer (high bytes 32 further).
func packRuns(n, symbolSize int, fn func(src, h, dst, run int)) {
	q := 0 // packed element index
	for off := 0; off < n; off += symbolSize {
		end := off + symbolSize
		for region := off; region < end; region += 64 {
			h := min(64, end-region) / 2
			for j := 0; j < h; {
				within := q % 32
				run := min(h-j, 32-within)
				fn(region+j, h, (q/32)*64+within, run)
				j += run
				q += run
			}
		}
	}
}

// pack writes the packed form of src (whole symbols) to dst, of packedLen.
func pack(dst, src []byte, symbolSize int) {
	packRuns(len(src), symbolSize, func(s, h, d, run int) {
		copy(dst[d:d+run], src[s:s+run])
		copy(dst[d+32:d+32+run], src[s+h:s+h+run])
	})
	// Zero the unused end of the last block.
	if used := len(src) / 2 % 32; used != 0 {
		last := len(dst) - 64
		clear(dst[last+used : last+32])
		clear(dst[last+32+used:])
	}
}

// unpack is the inverse of pack.
func unpack(dst, src []byte, symbolSize int) {
	packRuns(len(dst), symbolSize, func(s, h, d, run int) {
		copy(dst[s:s+run], src[d:d+run])
		copy(dst[s+h:s+h+run], src[d+32:d+32+run])
	})
}
