package rs

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/walrusfs/walrusfs/internal/testvectors"
)

// TestOfficialCodewords encodes the source symbols of every 1-D codeword in
// the official full dumps and compares the recovery symbols byte for byte.
func TestOfficialCodewords(t *testing.T) {
	fulls, err := testvectors.Fulls()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range fulls {
		n := f.NShards
		axes := []struct {
			name  string
			k     int
			words []testvectors.Codeword
		}{
			{"primary", f.PrimarySymbols, f.PrimaryAxis.Columns},
			{"secondary", f.SecondarySymbols, f.SecondaryAxis.Rows},
		}
		for _, axis := range axes {
			code, err := New(axis.k, n-axis.k, f.SymbolSize)
			if err != nil {
				t.Fatalf("%s %s: %v", f.Name, axis.name, err)
			}
			for wi, w := range axis.words {
				syms := make([][]byte, len(w.Symbols))
				for i, s := range w.Symbols {
					syms[i], _ = hex.DecodeString(s)
				}
				if len(syms) != n {
					t.Fatalf("%s %s codeword %d: %d symbols", f.Name, axis.name, wi, len(syms))
				}
				rec := make([][]byte, n-axis.k)
				for i := range rec {
					rec[i] = make([]byte, f.SymbolSize)
				}
				if err := code.Encode(syms[:axis.k], rec); err != nil {
					t.Fatal(err)
				}
				for i := range rec {
					if !bytes.Equal(rec[i], syms[axis.k+i]) {
						t.Fatalf("%s %s codeword %d: recovery %d = %x, want %x", f.Name, axis.name, wi, i, rec[i], syms[axis.k+i])
					}
				}
				checked++
			}
		}
	}
	t.Logf("%d codewords match the official encoder", checked)
}
