package moveobj

import (
	"fmt"
	"unicode/utf8"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/encoding/bcs"
)

// Small readers and writers shared by the layouts.

func writeID(w *bcs.Writer, id [32]byte) { w.Fixed(id[:]) }

func readID(r *bcs.Reader) (chain.ObjectID, error) {
	b, err := r.Fixed(32)
	if err != nil {
		return chain.ObjectID{}, err
	}
	return chain.ObjectID(b), nil
}

func readBlobID(r *bcs.Reader) (encoding.BlobID, error) {
	id, err := readID(r)
	return encoding.BlobID(id), err
}

func writeString(w *bcs.Writer, s string) { w.Vec([]byte(s)) }

// readString reads a Move String, which Move guarantees is UTF-8.
func readString(r *bcs.Reader) (string, error) {
	b, err := r.Vec()
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("%w: string is not UTF-8", bcs.ErrInvalid)
	}
	return string(b), nil
}

// readBytes reads a vector<u8> into a fresh slice (never nil), so that the
// result does not alias the caller's buffer.
func readBytes(r *bcs.Reader) ([]byte, error) {
	b, err := r.Vec()
	if err != nil {
		return nil, err
	}
	return append([]byte{}, b...), nil
}

func writeVec[T any](w *bcs.Writer, xs []T, write func(*bcs.Writer, T)) {
	w.ULEB128(uint64(len(xs)))
	for _, x := range xs {
		write(w, x)
	}
}

// readVec reads a vector whose elements take at least minSize (≥ 1) bytes
// each; the length is checked against the remaining input before anything
// is allocated.
func readVec[T any](r *bcs.Reader, minSize int, read func(*bcs.Reader) (T, error)) ([]T, error) {
	n, err := r.Len(minSize)
	if err != nil {
		return nil, err
	}
	out := make([]T, n)
	for i := range out {
		if out[i], err = read(r); err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
	}
	return out, nil
}

func writeOption[T any](w *bcs.Writer, v *T, write func(*bcs.Writer, T)) {
	if v == nil {
		w.U8(0)
		return
	}
	w.U8(1)
	write(w, *v)
}

func readOption[T any](r *bcs.Reader, read func(*bcs.Reader) (T, error)) (*T, error) {
	some, err := r.Bool()
	if err != nil || !some {
		return nil, err
	}
	v, err := read(r)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// readEnumTag reads an enum's variant index and checks it is below n.
func readEnumTag(r *bcs.Reader, name string, n uint64) (uint64, error) {
	tag, err := r.ULEB128()
	if err != nil {
		return 0, err
	}
	if tag >= n {
		return 0, fmt.Errorf("%w: %s variant %d", bcs.ErrInvalid, name, tag)
	}
	return tag, nil
}

func writeU16(w *bcs.Writer, v uint16)      { w.U16(v) }
func readU16(r *bcs.Reader) (uint16, error) { return r.U16() }

// decode runs read over b and names the type in the error. Trailing bytes
// are ignored (see the package documentation).
func decode[T any](typeName string, b []byte, read func(*bcs.Reader) (T, error)) (T, error) {
	v, err := read(bcs.NewReader(b))
	if err != nil {
		var zero T
		return zero, fmt.Errorf("moveobj: decode %s: %w", typeName, err)
	}
	return v, nil
}

func marshal(size int, write func(*bcs.Writer)) []byte {
	w := bcs.NewWriter(size)
	write(w)
	return w.Bytes()
}
