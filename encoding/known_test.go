package encoding

import (
	"testing"

	"github.com/walrusfs/walrusfs/internal/testvectors"
)

// TestKnownBlobIDs checks blob IDs published in the Walrus docs and the
// official wasm package's own tests.
func TestKnownBlobIDs(t *testing.T) {
	cases := []struct {
		n    int
		blob []byte
		want string
	}{
		{1000, []byte("some other string"), "M4hsZGQ1oCktdzegB6HnI6Mi28S2nqOPHxK-W7_4BUk"},
		{1000, nil, "3GPQL3HZNnFhN_F7l5Aa-X1VOtAKwIsg9zuWk8R81v4"},
		{10, []byte("some other string"), "SOXf9RHkBueSe_TPBBL-o3dzbxBNhDNzf1W5zplXmdc"},
		{10, testvectors.Mod251(1848), "P9vE1aju7pU4rLL9PYeYzikDQl3xbjTs2rCX76BRJTo"},
		{10, testvectors.Mod251(5600), "w3paCqLGcQNOU7XMu9LCo4jzEnuG-BH7y3ouBwLvUKU"},
		{1000, testvectors.Mod251(1 << 20), "Vs9WwzQbE1VIBp3QAEWKxnJSdy88m2x3JUC4qAmsQD8"},
		{4, testvectors.Mod251(100), "9BV1y5eOvddEPKUY0OOS-sskkG0jbZ20BKqHoHuLYV8"},
	}
	for _, c := range cases {
		enc, err := NewEncoder(c.n)
		if err != nil {
			t.Fatal(err)
		}
		_, id, err := enc.ComputeMetadata(c.blob)
		if err != nil {
			t.Fatal(err)
		}
		if id.String() != c.want {
			t.Errorf("n=%d, %d bytes: blob ID %s, want %s", c.n, len(c.blob), id, c.want)
		}
		back, err := ParseBlobID(c.want)
		if err != nil || back != id {
			t.Errorf("ParseBlobID(%s) = %v, %v", c.want, back, err)
		}
	}
}

func TestParseBlobIDIsStrict(t *testing.T) {
	const id = "M4hsZGQ1oCktdzegB6HnI6Mi28S2nqOPHxK-W7_4BUk"
	if _, err := ParseBlobID(id); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{id + "=", id[:42] + "l", id[:42], id + "A", "M4hsZGQ1oCktdzegB6HnI6Mi28S2nqOPHxK+W7/4BUk"} {
		if _, err := ParseBlobID(bad); err == nil {
			t.Errorf("ParseBlobID(%q) accepted", bad)
		}
	}
}
