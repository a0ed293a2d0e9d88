package moveobj

import (
	"bytes"
	"slices"
	"testing"
)

// layoutNames fixes an order of codecs, so that the fuzzer's first byte
// picks a layout.
var layoutNames = func() []string {
	var names []string
	for name := range codecs {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}()

// FuzzDecode runs a decoder over arbitrary bytes: it must not panic, and
// whatever it accepts must re-encode to exactly the bytes it read (decoding
// is canonical; trailing bytes are the only slack).
func FuzzDecode(f *testing.F) {
	for _, s := range samples() {
		f.Add(append([]byte{byte(slices.Index(layoutNames, s.layout))}, s.value.MarshalBCS()...))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		name := layoutNames[int(in[0])%len(layoutNames)]
		data := in[1:]
		v, err := codecs[name].decode(data)
		if err != nil {
			return
		}
		if enc := v.MarshalBCS(); !bytes.HasPrefix(data, enc) {
			t.Fatalf("%s: decoded %x re-encodes as %x", name, data, enc)
		}
	})
}

// FuzzTypeTag checks that accepted type strings print to a form that parses
// back to the same type, and that TypeTag BCS decodes canonically.
func FuzzTypeTag(f *testing.F) {
	for _, s := range typeStrings {
		f.Add(s)
		tag, _ := ParseTypeTag(s)
		f.Add(string(tag.MarshalBCS()))
	}
	f.Fuzz(func(t *testing.T, s string) {
		if tag, err := ParseTypeTag(s); err == nil {
			again, err := ParseTypeTag(tag.String())
			if err != nil || again.String() != tag.String() {
				t.Fatalf("%q prints as %q, which parses as %v (%v)", s, tag.String(), again, err)
			}
		}
		if tag, err := DecodeTypeTag([]byte(s)); err == nil {
			if enc := tag.MarshalBCS(); !bytes.HasPrefix([]byte(s), enc) {
				t.Fatalf("BCS %x re-encodes as %x", s, enc)
			}
		}
	})
}
