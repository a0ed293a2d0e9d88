package bcs

import (
	"errors"
	"testing"
)

func TestULEB128(t *testing.T) {
	for _, v := range []uint64{0, 1, 127, 128, 300, 1<<21 - 1, 1 << 28, 1<<32 - 1} {
		w := NewWriter(0)
		w.ULEB128(v)
		r := NewReader(w.Bytes())
		got, err := r.ULEB128()
		if err != nil || got != v || r.Done() != nil {
			t.Fatalf("ULEB128 %d: got %d, %v", v, got, err)
		}
	}
	for _, bad := range [][]byte{{0x80, 0x00}, {0xff, 0xff, 0xff, 0xff, 0x1f}, {0x80}} {
		if _, err := NewReader(bad).ULEB128(); err == nil {
			t.Fatalf("ULEB128 %x accepted", bad)
		}
	}
}

func TestReaderLimits(t *testing.T) {
	// A vector claiming more elements than bytes remain is refused before any
	// allocation.
	w := NewWriter(0)
	w.ULEB128(1 << 30)
	if _, err := NewReader(w.Bytes()).Vec(); !errors.Is(err, ErrTruncated) {
		t.Fatalf("huge vector length: %v", err)
	}
	r := NewReader([]byte{1, 2, 0})
	if _, err := r.Bool(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Bool(); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bool 2: %v", err)
	}
	if err := r.Done(); err == nil {
		t.Fatal("trailing byte not reported")
	}
}
