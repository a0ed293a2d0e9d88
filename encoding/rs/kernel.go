package rs

import "crypto/subtle"

// The FFT works on buffers of whole 64-byte blocks (see packing.go for
// symbols that are not). Each block holds 32 elements: 32 low bytes, then 32
// high bytes.

// blockKernels operate on buffers whose length is a multiple of 64.
type blockKernels interface {
	// fft computes x ^= y·m; y ^= x.
	fft(x, y []byte, logM uint16)
	// ifft computes y ^= x; x ^= y·m.
	ifft(x, y []byte, logM uint16)
	// mul computes dst = src·m.
	mul(dst, src []byte, logM uint16)
}

// engine applies the field operations with the best kernels of this CPU.
type engine struct {
	t *fieldTables
	k blockKernels
}

func newEngine() engine {
	t := tables()
	return engine{t: t, k: bestKernels(t)}
}

func xorInto(dst, src []byte) { subtle.XORBytes(dst, dst, src) }

// fft is the FFT butterfly; logM == modulus marks a zero twiddle.
func (e *engine) fft(x, y []byte, logM uint16) {
	if logM == modulus {
		xorInto(y, x)
		return
	}
	e.k.fft(x, y, logM)
}

// ifft is the inverse FFT butterfly; logM == modulus marks a zero twiddle.
func (e *engine) ifft(x, y []byte, logM uint16) {
	if logM == modulus {
		xorInto(y, x)
		return
	}
	e.k.ifft(x, y, logM)
}

// mul sets dst = src·m. Here logM is a plain logarithm: modulus ≡ 0 is the
// logarithm of one (unlike in the FFT, where it marks a zero twiddle).
func (e *engine) mul(dst, src []byte, logM uint16) {
	if logM == modulus || logM == 0 {
		copy(dst, src)
		return
	}
	e.k.mul(dst, src, logM)
}

// The element kernels take one block, or the partial block at the end of a
// symbol: h low bytes, then h high bytes.

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
