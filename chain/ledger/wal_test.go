package ledger

import (
	"bytes"
	"errors"
	"testing"
)

func logOf(payloads ...string) []byte {
	b := []byte(logMagic)
	for _, p := range payloads {
		b = append(b, frame([]byte(p))...)
	}
	return b
}

func TestScanLog(t *testing.T) {
	full := logOf("one", "two", "three")
	var got []string
	end, torn, err := scanLog(bytes.NewReader(full), int64(len(full)), func(p []byte) error {
		got = append(got, string(p))
		return nil
	})
	if err != nil || torn != nil || end != int64(len(full)) || len(got) != 3 || got[2] != "three" {
		t.Fatalf("scan: %v %v %d %q", err, torn, end, got)
	}
	twoEnd := int64(len(logOf("one", "two")))
	for cut := twoEnd + 1; cut < int64(len(full)); cut++ {
		end, torn, err := scanLog(bytes.NewReader(full[:cut]), cut, func([]byte) error { return nil })
		if err != nil || torn == nil || end != twoEnd || torn.dropped != cut-twoEnd {
			t.Fatalf("cut at %d: %v %+v %d", cut, err, torn, end)
		}
	}
	_, _, err = scanLog(bytes.NewReader(full), int64(len(full)), func(p []byte) error {
		return errors.New("bad record")
	})
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("record the rules refuse: %v", err)
	}
}

// FuzzScanLog: no bytes make the scanner panic, read past the end, or
// report a torn tail that is not at the end.
func FuzzScanLog(f *testing.F) {
	f.Add(logOf("a", "bc"))
	f.Add(append(logOf("a"), 0, 0, 0))
	f.Add(logOf()[:4])
	f.Fuzz(func(t *testing.T, b []byte) {
		size := int64(len(b))
		n := 0
		end, torn, err := scanLog(bytes.NewReader(b), size, func([]byte) error {
			n++
			return nil
		})
		if err != nil {
			return
		}
		if end > size || (torn == nil && end != size) || (torn != nil && torn.offset+torn.dropped != size) {
			t.Fatalf("end %d of %d, torn %+v", end, size, torn)
		}
	})
}

func TestBase58(t *testing.T) {
	for in, want := range map[string]string{
		"":             "",
		"\x00\x00\x01": "112",
		"hello world":  "StV1DL6CwTryKyV",
	} {
		if got := base58([]byte(in)); got != want {
			t.Errorf("base58(%q) = %q, want %q", in, got, want)
		}
	}
	if d := txDigest("", []byte("x")); len(d) < 43 || len(d) > 44 {
		t.Errorf("digest %q is not 32 bytes of base58", d)
	}
}
