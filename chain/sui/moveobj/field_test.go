package moveobj

import (
	"encoding/hex"
	"testing"

	"github.com/walrusfs/walrusfs/chain"
)

func mustID(t *testing.T, s string) chain.ObjectID {
	t.Helper()
	var id chain.ObjectID
	if err := id.UnmarshalText([]byte(s)); err != nil {
		t.Fatal(err)
	}
	return id
}

// Mainnet's System and Staking objects (@mysten/walrus
// MAINNET_WALRUS_PACKAGE_CONFIG) and the field IDs sui-face.md appendix A
// computed with the SDK.
const (
	mainnetSystem  = "0x2134d52768ea07e8c43570ef975eb3e4c27a39fa6396bef985b5abc58d03ddd2"
	mainnetStaking = "0x10b9d30c28448939ce6c4d6c6e0ffce4a7f8a4ada8248bdad09ef8b70e4a3904"
)

func TestFieldIDsAppendixA(t *testing.T) {
	for _, c := range []struct {
		name string
		got  chain.ObjectID
		want string
	}{
		{"System v1", InnerStateFieldID(mustID(t, mainnetSystem), 1), "0xc5e430c7c517e99da14e67928b360f3260de47cb61f55338cdd9119f519c282c"},
		{"System v2", InnerStateFieldID(mustID(t, mainnetSystem), 2), "0xe7d356f61c74ad511214bb69dc9e38f7cc364c085b007c6ea81461fc8ebe7dfe"},
		{"Staking v1", InnerStateFieldID(mustID(t, mainnetStaking), 1), "0x5849e7cdbdaad46b6c68a5462ed1fc58c302862785769b450c882679bc452999"},
		{"Staking v2", InnerStateFieldID(mustID(t, mainnetStaking), 2), "0x16f1f9fcdf5a746da423d1ad055d88f88b24a9272ca8afb4c0dcf074ae6c730a"},
		{"Blob 0x11…11 metadata", MetadataFieldID(mustID(t, "0x"+repeatHex("11"))), "0xd088a4ecacdc8ff2c1571237294e460e3422f00befc52ba94da26f96f303b493"},
	} {
		if got := jID(c.got); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func repeatHex(b string) string {
	s := ""
	for range 32 {
		s += b
	}
	return s
}

// deriveDynamicFieldID of the SDK agrees on other parents, key types and
// keys.
func TestDynamicFieldIDMatchesSDK(t *testing.T) {
	type req struct {
		Parent string `json:"parent"`
		Type   string `json:"type"`
		KeyHex string `json:"keyHex"`
	}
	var reqs []req
	var ours []chain.ObjectID
	add := func(parent chain.ObjectID, typ string, key []byte) {
		tag, err := ParseTypeTag(typ)
		if err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, req{jID(parent), typ, hex.EncodeToString(key)})
		ours = append(ours, DynamicFieldID(parent, tag.MarshalBCS(), key))
	}
	add(testID(1), "u64", []byte{7, 0, 0, 0, 0, 0, 0, 0})
	add(testID(2), "vector<u8>", append([]byte{8}, "metadata"...))
	addr := testID(9)
	add(testID(3), "address", addr[:])
	add(testID(4), "0x1::string::String", append([]byte{3}, "abc"...))
	add(testID(5), "0x2::coin::Coin<0x2::sui::SUI>", make([]byte, 40))
	var resp struct {
		DynamicFields []string `json:"dynamicFields"`
	}
	runSDK(t, map[string]any{"dynamicFields": reqs}, &resp)
	for i, r := range reqs {
		if got := jID(ours[i]); got != resp.DynamicFields[i] {
			t.Errorf("%s under %s: ours %s, SDK %s", r.Type, r.Parent, got, resp.DynamicFields[i])
		}
	}
	if sys := NewSystemInnerField(testID(1), 7, SystemStateInnerV1{}); sys.ID != ours[0] {
		t.Errorf("NewSystemInnerField ID %s, want %s", jID(sys.ID), jID(ours[0]))
	}
	if m := NewMetadataField(testID(2), nil); m.ID != ours[1] || string(m.Name) != "metadata" {
		t.Errorf("NewMetadataField ID %s name %q", jID(m.ID), m.Name)
	}
}
