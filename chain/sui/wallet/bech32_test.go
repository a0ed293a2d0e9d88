package wallet

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestDecodeBech32SuiPrivateKey(t *testing.T) {
	hrp, data, err := decodeBech32(sevensBech32)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]byte{0}, bytes.Repeat([]byte{7}, 32)...)
	if hrp != "suiprivkey" || !bytes.Equal(data, want) {
		t.Fatalf("decoded %q %x, want suiprivkey %x", hrp, data, want)
	}
	// Upper case is the same string to Bech32.
	if _, up, err := decodeBech32(strings.ToUpper(sevensBech32)); err != nil || !bytes.Equal(up, want) {
		t.Fatalf("upper case: %x, %v", up, err)
	}
}

func TestDecodeBech32Rejects(t *testing.T) {
	last := sevensBech32[len(sevensBech32)-1]
	swap := byte('q')
	if last == 'q' {
		swap = 'p'
	}
	for name, s := range map[string]string{
		"checksum":     sevensBech32[:len(sevensBech32)-1] + string(swap),
		"mixed case":   "S" + sevensBech32[1:],
		"no separator": "suiprivkeyqqrswpc8",
		"alphabet":     sevensBech32[:20] + "b" + sevensBech32[21:], // b is not in the alphabet
		"truncated":    sevensBech32[:len(sevensBech32)-8],
	} {
		_, _, err := decodeBech32(s)
		if !errors.Is(err, errBech32) {
			t.Errorf("%s: err %v, want errBech32", name, err)
			continue
		}
		if strings.Contains(err.Error(), "qqrswpc8") {
			t.Errorf("%s: error %q quotes the key", name, err)
		}
	}
}
