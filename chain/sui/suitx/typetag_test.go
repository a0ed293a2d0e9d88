package suitx

import (
	"reflect"
	"strings"
	"testing"

	"github.com/block-vision/sui-go-sdk/transaction"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
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
		if err := writeTypeTag(w, tag); err != nil {
			t.Fatal(err)
		}
		r := bcs.NewReader(w.Bytes())
		back, err := readTypeTag(r)
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
		if err := writeTypeTag(w, tag); err != nil {
			t.Fatal(err)
		}
		if got := w.Bytes()[0]; got != want {
			t.Errorf("%s: variant %d, want %d", name, got, want)
		}
	}
}

// TestTypeTagConversion checks the mapping between the sdk's TypeTag fields
// and moveobj's kinds both ways, and that malformed sdk tags are refused.
func TestTypeTagConversion(t *testing.T) {
	on := true
	for kind, sdk := range map[moveobj.Kind]*transaction.TypeTag{
		moveobj.KindBool: {Bool: &on}, moveobj.KindU8: {U8: &on}, moveobj.KindU16: {U16: &on},
		moveobj.KindU32: {U32: &on}, moveobj.KindU64: {U64: &on}, moveobj.KindU128: {U128: &on},
		moveobj.KindU256: {U256: &on}, moveobj.KindAddress: {Address: &on}, moveobj.KindSigner: {Signer: &on},
	} {
		m := moveobj.TypeTag{Kind: kind}
		if got := fromMove(m); !reflect.DeepEqual(got, sdk) {
			t.Errorf("fromMove(%s) = %+v, want %+v", m, got, sdk)
		}
		if got, err := toMove(sdk, 0, true); err != nil || !got.Equal(m) {
			t.Errorf("toMove(%+v) = %s, %v; want %s", sdk, got, err, m)
		}
	}
	nested, err := moveobj.ParseTypeTag("vector<0x2::dynamic_field::Field<u64,0x3::a::B<vector<u8>>>>")
	if err != nil {
		t.Fatal(err)
	}
	sdk := fromMove(nested)
	if sdk.Vector == nil || sdk.Vector.Struct == nil || sdk.Vector.Struct.Address[31] != 2 ||
		len(sdk.Vector.Struct.TypeParams) != 2 || sdk.Vector.Struct.TypeParams[0].U64 == nil {
		t.Fatalf("fromMove(%s) = %+v", nested, sdk)
	}
	if leaf := sdk.Vector.Struct.TypeParams[1].Struct; leaf == nil || leaf.Name != "B" || leaf.TypeParams[0].Vector.U8 == nil {
		t.Fatalf("fromMove(%s): inner struct %+v", nested, leaf)
	}
	if back, err := toMove(sdk, 0, true); err != nil || !back.Equal(nested) {
		t.Fatalf("round trip of %s: %s, %v", nested, back, err)
	}
	if s := fromMove(moveobj.SUIType().TypeTag()).Struct; s.TypeParams == nil {
		t.Error("struct without type parameters has nil TypeParams")
	}

	deep := &transaction.TypeTag{U8: &on}
	for range MaxTypeDepth {
		deep = &transaction.TypeTag{Vector: deep}
	}
	if _, err := formatType(deep); err != nil {
		t.Errorf("depth %d refused: %v", MaxTypeDepth, err)
	}
	badIdent := &transaction.TypeTag{Struct: &transaction.StructTag{Module: "a-b", Name: "C"}}
	for name, bad := range map[string]*transaction.TypeTag{
		"nil":              nil,
		"no variant":       {},
		"two variants":     {U8: &on, U64: &on},
		"empty vector":     {Vector: &transaction.TypeTag{}},
		"nil type param":   {Struct: &transaction.StructTag{Module: "a", Name: "B", TypeParams: []*transaction.TypeTag{nil}}},
		"too deep":         {Vector: deep},
		"inner bad ident":  {Vector: badIdent},
		"bad ident itself": badIdent,
	} {
		if err := writeTypeTag(bcs.NewWriter(0), bad); err == nil {
			t.Errorf("%s: written", name)
		}
		_, err := formatType(bad)
		if wantOK := strings.Contains(name, "ident"); (err == nil) != wantOK {
			t.Errorf("%s: formatType error %v", name, err)
		}
	}
}
