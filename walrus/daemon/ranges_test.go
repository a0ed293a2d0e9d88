package daemon

import (
	"strings"
	"testing"
)

// TestParseRange: the forms RFC 9110 allows for one range, an end past the
// blob clamped; everything else refused.
func TestParseRange(t *testing.T) {
	const size = 1000
	good := []struct {
		h    string
		want span
	}{
		{"bytes=0-0", span{0, 1}},
		{"bytes=999-999", span{999, 1}},
		{"bytes=0-999", span{0, 1000}},
		{"bytes=10-19", span{10, 10}},
		{"bytes=10-5000", span{10, 990}},
		{"bytes=990-", span{990, 10}},
		{"bytes=0-", span{0, 1000}},
		{"bytes=-1", span{999, 1}},
		{"bytes=-10", span{990, 10}},
		{"bytes=-5000", span{0, 1000}},
		{" Bytes = 5 - 6 ", span{5, 2}},
	}
	for _, g := range good {
		got, err := parseRange(g.h, size)
		if err != nil || got != g.want {
			t.Errorf("%q: %+v, %v; want %+v", g.h, got, err, g.want)
		}
	}
	bad := []string{
		"", "bytes", "bytes=", "bytes=-", "items=0-1", "bytes=1000-", "bytes=1000-1000", "bytes=5-4",
		"bytes=-0", "bytes=0-1,5-6", "bytes=a-b", "bytes=+1-2", "bytes=0x10-20", "bytes=1-2-3",
		"bytes=99999999999999999999-", "bytes=-99999999999999999999",
	}
	for _, h := range bad {
		if got, err := parseRange(h, size); err == nil {
			t.Errorf("%q: %+v, want an error", h, got)
		}
	}
	if got, err := parseRange("bytes=0-", 0); err == nil {
		t.Errorf("a range of an empty blob: %+v", got)
	}
	if got, err := parseRange("bytes=-5", 0); err == nil {
		t.Errorf("a suffix of an empty blob: %+v", got)
	}
}

// FuzzParseRange: whatever the header, a range accepted lies within the
// blob and is not empty.
func FuzzParseRange(f *testing.F) {
	for _, h := range []string{"bytes=0-0", "bytes=-5", "bytes=7-", "bytes=1-2,3-4", "bytes= 3 - 9"} {
		f.Add(h, uint64(10))
	}
	f.Fuzz(func(t *testing.T, h string, size uint64) {
		sp, err := parseRange(h, size)
		if err != nil {
			return
		}
		if sp.n == 0 || sp.off >= size || sp.n > size-sp.off {
			t.Fatalf("%q on %d bytes: %+v", h, size, sp)
		}
		if !strings.Contains(h, "=") {
			t.Fatalf("%q accepted without a unit", h)
		}
	})
}
