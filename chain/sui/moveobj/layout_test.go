package moveobj

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/walrusfs/walrusfs/encoding/bcs"
)

// normalJSON round-trips v through JSON so that Go values and the SDK's
// answer compare alike.
func normalJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// Every layout both ways through the SDK's own structs: the SDK parses our
// bytes into the values we meant, and serializes those values into our
// bytes.
func TestLayoutsMatchSDK(t *testing.T) {
	type item struct {
		Type  string `json:"type"`
		Hex   string `json:"hex"`
		Value any    `json:"value"`
	}
	var req struct {
		Layouts []item `json:"layouts"`
	}
	ss := samples()
	for _, s := range ss {
		req.Layouts = append(req.Layouts, item{s.layout, hex.EncodeToString(s.value.MarshalBCS()), codecs[s.layout].sdk(s.value)})
	}
	var resp struct {
		Layouts []struct {
			Parsed json.RawMessage `json:"parsed"`
			Hex    string          `json:"hex"`
		} `json:"layouts"`
	}
	runSDK(t, req, &resp)
	if len(resp.Layouts) != len(ss) {
		t.Fatalf("SDK answered %d layouts, want %d", len(resp.Layouts), len(ss))
	}
	for i, s := range ss {
		got := resp.Layouts[i]
		if got.Hex != req.Layouts[i].Hex {
			t.Errorf("%s: SDK serializes\n%s\nwe encode\n%s", s.name, got.Hex, req.Layouts[i].Hex)
		}
		var parsed any
		if err := json.Unmarshal(got.Parsed, &parsed); err != nil {
			t.Fatal(err)
		}
		if want := normalJSON(t, req.Layouts[i].Value); !reflect.DeepEqual(parsed, want) {
			t.Errorf("%s: SDK parses our bytes as\n%s\nwant\n%v", s.name, got.Parsed, want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, s := range samples() {
		c := codecs[s.layout]
		enc := s.value.MarshalBCS()
		v, err := c.decode(enc)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if again := v.MarshalBCS(); !bytes.Equal(again, enc) {
			t.Errorf("%s: re-encoding differs:\n%x\n%x", s.name, again, enc)
		}
		if got, want := normalJSON(t, c.sdk(v)), normalJSON(t, c.sdk(s.value)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: decoded\n%v\nwant\n%v", s.name, got, want)
		}
		// Bytes after the value are ignored, as the SDK ignores them.
		if _, err := c.decode(append(enc, 0xff, 0x00)); err != nil {
			t.Errorf("%s with trailing bytes: %v", s.name, err)
		}
	}
}

func TestTruncationFails(t *testing.T) {
	for _, s := range samples() {
		enc := s.value.MarshalBCS()
		for n := range len(enc) {
			if _, err := codecs[s.layout].decode(enc[:n]); !errors.Is(err, bcs.ErrTruncated) {
				t.Fatalf("%s cut to %d of %d bytes: err %v, want ErrTruncated", s.name, n, len(enc), err)
			}
		}
	}
}

// Sizes the SDK documentation and sui-face.md state.
func TestFixedSizes(t *testing.T) {
	for name, c := range map[string]struct {
		v    marshaler
		size int
	}{
		"System":         {System{}, 73},
		"Blob certified": {sampleBlob(), 131},
		"Coin":           {Coin{}, 40},
		"Storage":        {Storage{}, 48},
	} {
		if got := len(c.v.MarshalBCS()); got != c.size {
			t.Errorf("%s: %d bytes, want %d", name, got, c.size)
		}
	}
}

func TestDecodeRejectsInvalid(t *testing.T) {
	blob := sampleBlob().MarshalBCS()
	pool := samplePool().MarshalBCS()
	inner := sampleStakingInner().MarshalBCS()
	meta := sampleMetadata.MarshalBCS()
	set := func(b []byte, i int, v byte) []byte {
		c := bytes.Clone(b)
		c[i] = v
		return c
	}
	cases := []struct {
		name   string
		decode func([]byte) (marshaler, error)
		input  []byte
	}{
		{"Blob deletable byte 2", codecs["Blob"].decode, set(blob, len(blob)-1, 2)},
		{"Blob option tag 2", codecs["Blob"].decode, set(blob, 32+4+32+8+1, 2)},
		{"StakingPool state tag 3", codecs["StakingPool"].decode, set(pool, 32, 3)},
		{"StakingInnerV1 epoch state tag 3", codecs["StakingInnerV1"].decode, set(inner, len(inner)-32-8-1, 3)},
		{"Metadata not UTF-8", codecs["Metadata"].decode, set(meta, 2, 0xff)},
		{"Metadata non-canonical length", codecs["Metadata"].decode, append([]byte{0x83, 0x00}, meta[1:]...)},
	}
	for _, c := range cases {
		if _, err := c.decode(c.input); !errors.Is(err, bcs.ErrInvalid) {
			t.Errorf("%s: err %v, want ErrInvalid", c.name, err)
		}
	}
	// A length the input cannot back is refused before any allocation.
	huge := []byte{0xff, 0xff, 0xff, 0xff, 0x0f}
	if _, err := DecodeMetadata(huge); !errors.Is(err, bcs.ErrTruncated) {
		t.Errorf("huge vector: err %v", err)
	}
}
