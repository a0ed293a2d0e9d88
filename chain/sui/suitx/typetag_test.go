package suitx

import (
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/encoding/bcs"
)

func TestParseType(t *testing.T) {
	long2 := "0x" + strings.Repeat("0", 63) + "2"
	for _, c := range []struct{ in, want string }{
		{"u64", "u64"},
		{"vector<u8>", "vector<u8>"},
		{"0x2::sui::SUI", long2 + "::sui::SUI"},
		{"2::sui::SUI", long2 + "::sui::SUI"},
		{" 0x2::coin::Coin< 0x2::sui::SUI > ", long2 + "::coin::Coin<" + long2 + "::sui::SUI>"},
		{"0x2::dynamic_field::Field<u64,0x2::m::S<vector<address>, bool>>", long2 + "::dynamic_field::Field<u64, " + long2 + "::m::S<vector<address>, bool>>"},
		{"0x2::m::_x", long2 + "::m::_x"},
	} {
		tag, err := parseType(c.in)
		if err != nil {
			t.Errorf("parseType(%q): %v", c.in, err)
			continue
		}
		if got, err := formatType(tag); err != nil || got != c.want {
			t.Errorf("parseType(%q) prints %q, %v; want %q", c.in, got, err, c.want)
		}
		// Printed types parse back to the same tag, and BCS round-trips.
		w := bcs.NewWriter(0)
		if err := writeTypeTag(w, tag, 0); err != nil {
			t.Fatal(err)
		}
		r := bcs.NewReader(w.Bytes())
		back, err := readTypeTag(r, 0)
		if err != nil || r.Done() != nil {
			t.Fatalf("%q: BCS round trip: %v", c.in, err)
		}
		if s, _ := formatType(back); s != c.want {
			t.Errorf("%q: BCS round trip prints %q", c.in, s)
		}
	}
	deep := strings.Repeat("vector<", MaxTypeDepth+1) + "u8" + strings.Repeat(">", MaxTypeDepth+1)
	for _, bad := range []string{
		"", "u9", "vector<u8", "vector<u8>>", "0x2::coin", "0x2::coin::", "0x2::1coin::C", "0x2::c::_",
		"0xzz::c::C", "0x" + strings.Repeat("1", 65) + "::c::C", "0x2::c::C<>", "0x2::c::C<u8,>", "0x2::c::C<u8", deep,
	} {
		if _, err := parseType(bad); err == nil {
			t.Errorf("parseType(%q) accepted", bad)
		}
	}
}

// TestTypeTagVariants pins Sui's variant indices, which sui-go-sdk's field
// order gets wrong for u64, u128 and u256.
func TestTypeTagVariants(t *testing.T) {
	for name, want := range map[string]byte{
		"bool": 0, "u8": 1, "u64": 2, "u128": 3, "address": 4, "signer": 5, "vector<u8>": 6,
		"0x2::a::B": 7, "u16": 8, "u32": 9, "u256": 10,
	} {
		tag, err := parseType(name)
		if err != nil {
			t.Fatal(err)
		}
		w := bcs.NewWriter(0)
		if err := writeTypeTag(w, tag, 0); err != nil {
			t.Fatal(err)
		}
		if got := w.Bytes()[0]; got != want {
			t.Errorf("%s: variant %d, want %d", name, got, want)
		}
	}
}
