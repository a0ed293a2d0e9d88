// Package bcs reads and writes the Binary Canonical Serialization of Sui and
// Move, the wire format of Walrus's node API: little-endian integers, ULEB128
// lengths and enum tags, fixed arrays without length.
//
// The reader is for untrusted input: it never allocates more than the input
// could hold, rejects non-canonical ULEB128 and reports trailing bytes.
package bcs

import (
	"encoding/binary"
	"errors"
	"fmt"
)

var (
	// ErrTruncated means the input ended inside a value.
	ErrTruncated = errors.New("bcs: truncated input")
	// ErrInvalid means the input is not canonical BCS for the expected type.
	ErrInvalid = errors.New("bcs: invalid input")
)

// Writer appends BCS values to a byte slice.
type Writer struct{ buf []byte }

// NewWriter returns a writer whose buffer starts with capacity hint.
func NewWriter(hint int) *Writer { return &Writer{buf: make([]byte, 0, hint)} }

// Bytes returns what was written.
func (w *Writer) Bytes() []byte { return w.buf }

func (w *Writer) U8(v uint8)   { w.buf = append(w.buf, v) }
func (w *Writer) U16(v uint16) { w.buf = binary.LittleEndian.AppendUint16(w.buf, v) }
func (w *Writer) U32(v uint32) { w.buf = binary.LittleEndian.AppendUint32(w.buf, v) }
func (w *Writer) U64(v uint64) { w.buf = binary.LittleEndian.AppendUint64(w.buf, v) }

// Bool writes 0 or 1.
func (w *Writer) Bool(v bool) {
	if v {
		w.U8(1)
	} else {
		w.U8(0)
	}
}

// ULEB128 writes a length or enum tag.
func (w *Writer) ULEB128(v uint64) { w.buf = binary.AppendUvarint(w.buf, v) }

// Fixed writes bytes without a length (a fixed-size array).
func (w *Writer) Fixed(b []byte) { w.buf = append(w.buf, b...) }

// Vec writes a length-prefixed byte vector.
func (w *Writer) Vec(b []byte) {
	w.ULEB128(uint64(len(b)))
	w.buf = append(w.buf, b...)
}

// Reader consumes BCS values from a byte slice.
type Reader struct {
	buf []byte
	off int
}

// NewReader returns a reader over b.
func NewReader(b []byte) *Reader { return &Reader{buf: b} }

// Remaining returns the number of unread bytes.
func (r *Reader) Remaining() int { return len(r.buf) - r.off }

func (r *Reader) take(n int) ([]byte, error) {
	if n < 0 || n > r.Remaining() {
		return nil, fmt.Errorf("%w: need %d bytes at offset %d, have %d", ErrTruncated, n, r.off, r.Remaining())
	}
	b := r.buf[r.off : r.off+n]
	r.off += n
	return b, nil
}

func (r *Reader) U8() (uint8, error) {
	b, err := r.take(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (r *Reader) U16() (uint16, error) {
	b, err := r.take(2)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint16(b), nil
}

func (r *Reader) U32() (uint32, error) {
	b, err := r.take(4)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (r *Reader) U64() (uint64, error) {
	b, err := r.take(8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

// Bool reads 0 or 1; anything else is invalid.
func (r *Reader) Bool() (bool, error) {
	v, err := r.U8()
	if err != nil {
		return false, err
	}
	if v > 1 {
		return false, fmt.Errorf("%w: bool byte %d", ErrInvalid, v)
	}
	return v == 1, nil
}

// ULEB128 reads a canonical ULEB128 value of at most 32 bits, as BCS
// requires for lengths and tags.
func (r *Reader) ULEB128() (uint64, error) {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		b, err := r.U8()
		if err != nil {
			return 0, err
		}
		if shift == 28 && b > 0x0f {
			return 0, fmt.Errorf("%w: ULEB128 value over 32 bits", ErrInvalid)
		}
		v |= uint64(b&0x7f) << shift
		if b&0x80 == 0 {
			if b == 0 && shift > 0 {
				return 0, fmt.Errorf("%w: non-canonical ULEB128", ErrInvalid)
			}
			return v, nil
		}
	}
}

// Len reads a vector length and checks that at least min·length bytes
// remain, so that a hostile length cannot make the caller allocate.
func (r *Reader) Len(minElemSize int) (int, error) {
	n, err := r.ULEB128()
	if err != nil {
		return 0, err
	}
	if minElemSize > 0 && n > uint64(r.Remaining()/minElemSize) {
		return 0, fmt.Errorf("%w: vector of %d elements in %d bytes", ErrTruncated, n, r.Remaining())
	}
	return int(n), nil
}

// Fixed reads n bytes (a fixed-size array), aliasing the input.
func (r *Reader) Fixed(n int) ([]byte, error) { return r.take(n) }

// Vec reads a length-prefixed byte vector, aliasing the input.
func (r *Reader) Vec() ([]byte, error) {
	n, err := r.Len(1)
	if err != nil {
		return nil, err
	}
	return r.take(n)
}

// Done reports an error if unread bytes remain.
func (r *Reader) Done() error {
	if r.Remaining() != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrInvalid, r.Remaining())
	}
	return nil
}
