package moveobj

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/encoding/bcs"
)

var typeStrings = []string{
	"0x2::coin::Coin<0x2::sui::SUI>",
	"0x2::coin::Coin<0x356a26eb9e012a68958082340d4c4116e7f55615cf27affcff209cf0ae544f59::wal::WAL>",
	"0x2::dynamic_field::Field<u64, 0xfdc88f7d7cf30afab2f82e8380d11ee8f70efb90e863d1de8616fae1bb09ea77::system_state_inner::SystemStateInnerV1>",
	"0x2::dynamic_field::Field<vector<u8>,0xABCDEF::metadata::Metadata>",
	"0x0000000000000000000000000000000000000000000000000000000000000002::dynamic_field::Field<u64,0xA::b::C>",
	"0x3::m::T<bool, u8, u16, u32, u64, u128, u256, address, signer>",
	"0x3::m::T<vector<vector<u8>>,vector<0x2::sui::SUI>, 0x4::n::U<0x5::o::V<u8>>>",
	"0x1::string::String",
	"0xa::_priv::Name_2",
}

// Our normalized form is the SDK's normalizeStructTag, and our BCS its
// TypeTag serialization.
func TestStructTagsMatchSDK(t *testing.T) {
	var resp struct {
		StructTags []string `json:"structTags"`
		TypeTags   []string `json:"typeTags"`
	}
	typeTags := append(append([]string{}, typeStrings...), "u64", "vector<u8>", "vector<vector<0x2::sui::SUI>>", "address", "u256")
	runSDK(t, map[string]any{"structTags": typeStrings, "typeTags": typeTags}, &resp)
	for i, s := range typeStrings {
		tag, err := ParseStructTag(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if got := tag.String(); got != resp.StructTags[i] {
			t.Errorf("%s:\nours %s\nSDK  %s", s, got, resp.StructTags[i])
		}
	}
	for i, s := range typeTags {
		tag, err := ParseTypeTag(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if got := hex.EncodeToString(tag.MarshalBCS()); got != resp.TypeTags[i] {
			t.Errorf("BCS of %s:\nours %s\nSDK  %s", s, got, resp.TypeTags[i])
		}
	}
}

func TestTypeTagRoundTrip(t *testing.T) {
	for _, s := range append(typeStrings, "u8", "vector<address>") {
		tag, err := ParseTypeTag(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		again, err := ParseTypeTag(tag.String())
		if err != nil || !again.Equal(tag) {
			t.Fatalf("%s: printed %s, parsed back %v (%v)", s, tag.String(), again, err)
		}
		enc := tag.MarshalBCS()
		dec, err := DecodeTypeTag(enc)
		if err != nil || !dec.Equal(tag) || !bytes.Equal(dec.MarshalBCS(), enc) {
			t.Fatalf("%s: BCS round trip %v, %v", s, dec, err)
		}
		for n := range len(enc) {
			if _, err := DecodeTypeTag(enc[:n]); err == nil {
				t.Fatalf("%s: BCS cut to %d bytes decoded", s, n)
			}
		}
	}
}

func TestParseRejects(t *testing.T) {
	deep := strings.Repeat("vector<", MaxTypeDepth) + "u8" + strings.Repeat(">", MaxTypeDepth)
	for _, s := range []string{
		"", "u7", "foo", "vector<u8", "vector<>", "vector u8", "0x2::coin", "0x2::coin::Coin<",
		"0x2::coin::Coin<u64", "0x2::coin::Coin<>", "0x2::coin::Coin<u64>>", "0x2::coin::Coin<u64,>",
		"0x::a::B", "0xZZ::a::B", "0x" + strings.Repeat("1", 65) + "::a::B", "0x2::1a::B", "0x2::a::_",
		"0x2::a::B ", " 0x2::a::B", "2::coin::Coin", "@mysten/sui::a::B", deep,
	} {
		if tag, err := ParseTypeTag(s); !errors.Is(err, ErrTypeTag) {
			t.Errorf("%q parsed as %v (err %v)", s, tag, err)
		}
	}
	if _, err := ParseTypeTag(deep[len("vector<") : len(deep)-1]); err != nil {
		t.Errorf("%d levels refused: %v", MaxTypeDepth, err)
	}
	if _, err := ParseStructTag("vector<u8>"); !errors.Is(err, ErrTypeTag) {
		t.Errorf("vector accepted as a struct: %v", err)
	}
}

func TestDecodeTypeTagRejects(t *testing.T) {
	sui := SUIType().TypeTag().MarshalBCS()
	badIdent := bytes.Clone(sui)
	badIdent[1+32+1] = '-' // first byte of the module name
	for name, b := range map[string][]byte{
		"tag 11":           {11},
		"bad identifier":   badIdent,
		"too deep":         append(bytes.Repeat([]byte{6}, MaxTypeDepth), 1),
		"huge type params": append(bytes.Clone(sui[:len(sui)-1]), 0xff, 0xff, 0x03),
	} {
		if _, err := DecodeTypeTag(b); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

func TestWalrusTypes(t *testing.T) {
	pkg := testID(0x10)
	p := "0x" + hex.EncodeToString(pkg[:])
	sui := "0x0000000000000000000000000000000000000000000000000000000000000002"
	for got, want := range map[string]string{
		SystemType(pkg).String():            p + "::system::System",
		StakingType(pkg).String():           p + "::staking::Staking",
		BlobType(pkg).String():              p + "::blob::Blob",
		StorageType(pkg).String():           p + "::storage_resource::Storage",
		StakingPoolType(pkg).String():       p + "::staking_pool::StakingPool",
		CoinType(WALType(pkg)).String():     sui + "::coin::Coin<" + p + "::wal::WAL>",
		CoinType(SUIType()).String():        sui + "::coin::Coin<" + sui + "::sui::SUI>",
		SystemInnerFieldType(pkg).String():  sui + "::dynamic_field::Field<u64," + p + "::system_state_inner::SystemStateInnerV1>",
		StakingInnerFieldType(pkg).String(): sui + "::dynamic_field::Field<u64," + p + "::staking_inner::StakingInnerV1>",
		MetadataFieldType(pkg).String():     sui + "::dynamic_field::Field<vector<u8>," + p + "::metadata::Metadata>",
	} {
		if got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
	// A node may print short addresses; the parsed tag is the same type.
	short, err := ParseStructTag("0x2::coin::Coin<0x2::sui::SUI>")
	if err != nil || !short.Equal(CoinType(SUIType())) {
		t.Errorf("short form: %v, %v", short, err)
	}
}

func TestTypeSyntax(t *testing.T) {
	long2 := "0x" + strings.Repeat("0", 63) + "2"
	loose := TypeSyntax{Loose: true}
	for _, s := range []string{" u8 ", "vector <u8>", "2::coin::Coin<2::sui::SUI>", "0x2 :: coin :: Coin < 0x2::sui::SUI > "} {
		if _, err := ParseTypeTag(s); !errors.Is(err, ErrTypeTag) {
			t.Errorf("%q accepted by the strict syntax (err %v)", s, err)
		}
		tag, err := loose.ParseTypeTag(s)
		if err != nil {
			t.Errorf("%q: %v", s, err)
		} else if strings.Contains(s, "Coin") && tag.String() != long2+"::coin::Coin<"+long2+"::sui::SUI>" {
			t.Errorf("%q parsed as %s", s, tag)
		}
	}
	for _, s := range []string{"0X2::a::B", "u9", "0x2::co in::C", "0x2: :a::B", "vector<u8> u8", "2::a::B<>"} {
		if _, err := loose.ParseTypeTag(s); !errors.Is(err, ErrTypeTag) {
			t.Errorf("%q accepted by the loose syntax (err %v)", s, err)
		}
	}
	for _, depth := range []int{1, 3, MaxTypeDepth + 5} {
		y := TypeSyntax{MaxDepth: depth}
		ok := strings.Repeat("vector<", depth-1) + "u8" + strings.Repeat(">", depth-1)
		if _, err := y.ParseTypeTag(ok); err != nil {
			t.Errorf("depth %d refused with MaxDepth %d: %v", depth, depth, err)
		}
		tag, _ := y.ParseTypeTag(ok)
		if _, err := ReadTypeTag(bcs.NewReader(tag.MarshalBCS()), depth); err != nil {
			t.Errorf("BCS of depth %d refused with maxDepth %d: %v", depth, depth, err)
		}
		if _, err := y.ParseTypeTag("vector<" + ok + ">"); !errors.Is(err, ErrTypeTag) {
			t.Errorf("depth %d accepted with MaxDepth %d: %v", depth+1, depth, err)
		}
		if _, err := ReadTypeTag(bcs.NewReader(VectorOf(tag).MarshalBCS()), depth); !errors.Is(err, bcs.ErrInvalid) || !errors.Is(err, ErrTypeTag) {
			t.Errorf("BCS of depth %d with maxDepth %d: %v", depth+1, depth, err)
		}
	}
	badIdent := SUIType().TypeTag().MarshalBCS()
	badIdent[1+32+1] = '-'
	if _, err := ReadTypeTag(bcs.NewReader(badIdent), MaxTypeDepth); !errors.Is(err, bcs.ErrInvalid) || !errors.Is(err, ErrTypeTag) {
		t.Errorf("bad identifier: %v", err)
	}
}

func TestTagString(t *testing.T) {
	tag, err := ParseTypeTag("0x2::m::T<u8,vector<0x3::n::U<bool,u64>>>")
	if err != nil {
		t.Fatal(err)
	}
	p := func(b byte) string { return "0x" + strings.Repeat("0", 63) + string(b) }
	if got, want := tag.TagString(), p('2')+"::m::T<u8, vector<"+p('3')+"::n::U<bool, u64>>>"; got != want {
		t.Errorf("TagString\ngot  %s\nwant %s", got, want)
	}
	if got := tag.String(); strings.Contains(got, " ") {
		t.Errorf("String has spaces: %s", got)
	}
}
