package rs

import "crypto/subtle"

// The kernels below work on buffers that hold whole symbols back to back.
// Whole 64-byte blocks go to blockKernels (SIMD where the CPU has it); the
// partial block at the end of each symbol, whose layout differs, is done here.

// blockKernels operate on buffers whose length is a multiple of 64, holding
// only whole blocks (32 low bytes, then 32 high bytes).
type blockKernels interface {
	// fft computes x ^= y·m; y ^= x.
	fft(x, y []byte, logM uint16)
	// ifft computes y ^= x; x ^= y·m.
	ifft(x, y []byte, logM uint16)
	// mul computes dst = src·m.
	mul(dst, src []byte, logM uint16)
}

// symbolLayout splits buffers of back-to-back symbols into blocks and tails.
type symbolLayout struct {
	size   int // bytes per symbol
	blocks int // bytes of whole 64-byte blocks per symbol
	tail   int // bytes in the trailing partial block (even, < 64)
	t      *fieldTables
	k      blockKernels
}

func newSymbolLayout(symbolSize int) symbolLayout {
	t := tables()
	return symbolLayout{
		size:   symbolSize,
		blocks: symbolSize &^ 63,
		tail:   symbolSize & 63,
		t:      t,
		k:      bestKernels(t),
	}
}

func xorInto(dst, src []byte) { subtle.XORBytes(dst, dst, src) }

func (l *symbolLayout) fft(x, y []byte, logM uint16) {
	if logM == modulus {
		xorInto(y, x)
		return
	}
	if l.tail == 0 {
		l.k.fft(x, y, logM)
		return
	}
	for off := 0; off < len(x); off += l.size {
		if l.blocks > 0 {
			l.k.fft(x[off:off+l.blocks], y[off:off+l.blocks], logM)
		}
		tailFFT(l.t, x[off+l.blocks:off+l.size], y[off+l.blocks:off+l.size], logM)
	}
}

func (l *symbolLayout) ifft(x, y []byte, logM uint16) {
	if logM == modulus {
		xorInto(y, x)
		return
	}
	if l.tail == 0 {
		l.k.ifft(x, y, logM)
		return
	}
	for off := 0; off < len(x); off += l.size {
		if l.blocks > 0 {
			l.k.ifft(x[off:off+l.blocks], y[off:off+l.blocks], logM)
		}
		tailIFFT(l.t, x[off+l.blocks:off+l.size], y[off+l.blocks:off+l.size], logM)
	}
}

// mul sets dst = src·m. Here logM is a plain logarithm: modulus ≡ 0 is the
// logarithm of one (unlike in the FFT, where it marks a zero twiddle).
func (l *symbolLayout) mul(dst, src []byte, logM uint16) {
	if logM == modulus || logM == 0 {
		copy(dst, src)
		return
	}
	if l.tail == 0 {
		l.k.mul(dst, src, logM)
		return
	}
	for off := 0; off < len(src); off += l.size {
		if l.blocks > 0 {
			l.k.mul(dst[off:off+l.blocks], src[off:off+l.blocks], logM)
		}
		tailMul(l.t, dst[off+l.blocks:off+l.size], src[off+l.blocks:off+l.size], logM)
	}
}

// The tail kernels take one partial block: h low bytes, then h high bytes.

func tailFFT(t *fieldTables, x, y []byte, logM uint16) {
	h := len(x) / 2
	for j := 0; j < h; j++ {
		b := uint16(y[j]) | uint16(y[h+j])<<8
		a := uint16(x[j]) | uint16(x[h+j])<<8
		a ^= t.mul(b, logM)
		b ^= a
		x[j], x[h+j] = byte(a), byte(a>>8)
		y[j], y[h+j] = byte(b), byte(b>>8)
	}
}

func tailIFFT(t *fieldTables, x, y []byte, logM uint16) {
	h := len(x) / 2
	for j := 0; j < h; j++ {
		b := uint16(y[j]) | uint16(y[h+j])<<8
		a := uint16(x[j]) | uint16(x[h+j])<<8
		b ^= a
		a ^= t.mul(b, logM)
		x[j], x[h+j] = byte(a), byte(a>>8)
		y[j], y[h+j] = byte(b), byte(b>>8)
	}
}

func tailMul(t *fieldTables, dst, src []byte, logM uint16) {
	h := len(src) / 2
	for j := 0; j < h; j++ {
		v := t.mul(uint16(src[j])|uint16(src[h+j])<<8, logM)
		dst[j], dst[h+j] = byte(v), byte(v>>8)
	}
}

// genericKernels is the portable implementation of blockKernels.
type genericKernels struct{ t *fieldTables }

func (g genericKernels) fft(x, y []byte, logM uint16) {
	for off := 0; off < len(x); off += 64 {
		tailFFT(g.t, x[off:off+64], y[off:off+64], logM)
	}
}

func (g genericKernels) ifft(x, y []byte, logM uint16) {
	for off := 0; off < len(x); off += 64 {
		tailIFFT(g.t, x[off:off+64], y[off:off+64], logM)
	}
}

func (g genericKernels) mul(dst, src []byte, logM uint16) {
	for off := 0; off < len(src); off += 64 {
		tailMul(g.t, dst[off:off+64], src[off:off+64], logM)
	}
}
