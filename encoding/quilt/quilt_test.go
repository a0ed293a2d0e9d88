package quilt

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/encoding"
)

// TestRefused: files that cannot form a quilt are refused with ErrInvalid,
// naming what is wrong.
func TestRefused(t *testing.T) {
	max, err := MaxFiles(10)
	if err != nil || max != 6 {
		t.Fatalf("MaxFiles(10) = %d, %v; want 6", max, err)
	}
	many := make([]File, max+1)
	for i := range many {
		many[i] = File{Identifier: fmt.Sprint(i)}
	}
	for name, files := range map[string][]File{
		"no files":             nil,
		"empty identifier":     {{Identifier: ""}},
		"repeated identifier":  {{Identifier: "a"}, {Identifier: "b"}, {Identifier: "a"}},
		"trailing space":       {{Identifier: "a "}},
		"control character":    {{Identifier: "a\nb"}},
		"not UTF-8":            {{Identifier: "a\xffb"}},
		"too many files":       many,
		"identifier too long":  {{Identifier: strings.Repeat("x", 1<<16)}},
		"too much for 65534 B": {{Identifier: "big", Data: make([]byte, 4*7*encoding.MaxSymbolSize)}},
	} {
		if _, _, err := Encode(10, files); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	// The largest that fits: one file filling the 6 columns after the
	// index at the largest symbol size.
	data := make([]byte, 6*4*encoding.MaxSymbolSize-(headerSize+2+4))
	if _, x, err := Encode(10, []File{{Identifier: "big", Data: data}}); err != nil || x.SymbolSize != encoding.MaxSymbolSize {
		t.Fatalf("the largest file that fits: %v", err)
	}
}

// TestRoundTrip: files of many sizes, with and without tags, come back
// from their columns; the index finds each by identifier.
func TestRoundTrip(t *testing.T) {
	var files []File
	for i := range 66 {
		f := File{Identifier: fmt.Sprintf("dir/file %02d ✓", i), Data: bytes.Repeat([]byte{byte(i)}, i*i*37)}
		if i%3 == 0 {
			f.Tags = map[string]string{"i": fmt.Sprint(i), "content-type": "application/octet-stream"}
		}
		files = append(files, f)
	}
	q, x, err := Encode(100, files)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		p, ok := x.Find(f.Identifier)
		if !ok {
			t.Fatalf("%q not in the index", f.Identifier)
		}
		var cols []byte
		for c := int(p.Start); c < int(p.End); c++ {
			cols = append(cols, x.Column(q, c)...)
		}
		back, err := ParsePatch(cols)
		if err != nil || back.Identifier != f.Identifier || !bytes.Equal(back.Data, f.Data) || !sameTags(back.Tags, f.Tags) {
			t.Fatalf("%q: %q, %d bytes, %v", f.Identifier, back.Identifier, len(back.Data), err)
		}
	}
	if _, ok := x.Find("nothing"); ok {
		t.Fatal("found a file that is not there")
	}
}

// TestHostileQuilts: damaged indexes and patches give ErrCorrupt, never a
// panic or a layout that reaches past the matrix.
func TestHostileQuilts(t *testing.T) {
	q, x, err := Encode(10, []File{{Identifier: "a", Data: []byte("alpha")}, {Identifier: "b", Data: []byte("beta")}})
	if err != nil {
		t.Fatal(err)
	}
	// Each symbol of the index column changed in turn.
	for c := range x.Rows * x.SymbolSize {
		bad := bytes.Clone(q)
		off := (c/x.SymbolSize)*x.SymbolSize*x.Cols + c%x.SymbolSize
		bad[off] ^= 0xff
		if got, err := ReadIndexFrom(10, bad); err == nil {
			for _, p := range got.Patches {
				if int(p.End) > got.Cols || p.Start >= p.End {
					t.Fatalf("byte %d changed: patch %+v outside the matrix", c, p)
				}
			}
		} else if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("byte %d changed: %v", c, err)
		}
	}
	if _, err := ReadIndexFrom(10, q[:len(q)-2]); err == nil {
		t.Fatal("a truncated quilt was read")
	}
	for name, b := range map[string][]byte{
		"empty":            nil,
		"version 2":        {2, 0, 0, 0, 0, 0},
		"length too large": {1, 0xff, 0xff, 0, 0, 0, 1, 0, 0},
		"no identifier":    {1, 2, 0, 0, 0, 0, 5, 0},
		"tags cut short":   {1, 6, 0, 0, 0, 1, 2, 0, 1, 'a', 9, 0},
	} {
		if _, err := ParsePatch(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestPatchIDs(t *testing.T) {
	id := PatchID{Quilt: encoding.BlobID{1, 2, 3}, Start: 3, End: 700}
	s := id.String()
	if len(s) != 50 || !IsPatchID(s) || IsPatchID(id.Quilt.String()) || !strings.HasPrefix(s, id.Quilt.String()) {
		t.Fatalf("patch ID %q", s)
	}
	if back, err := ParsePatchID(s); err != nil || back != id {
		t.Fatalf("parsed %+v, %v", back, err)
	}
	for _, bad := range []string{"", id.Quilt.String(), s + "A", PatchID{Quilt: id.Quilt, Start: 5, End: 5}.String()} {
		if _, err := ParsePatchID(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func FuzzReadIndex(f *testing.F) {
	q, _, _ := Encode(10, []File{{Identifier: "a", Data: []byte("x"), Tags: map[string]string{"k": "v"}}})
	f.Add(q)
	f.Fuzz(func(t *testing.T, b []byte) {
		if x, err := ReadIndexFrom(10, b); err == nil {
			for _, p := range x.Patches {
				if int(p.End) > x.Cols || p.Start >= p.End {
					t.Fatalf("patch %+v outside the matrix", p)
				}
				var cols []byte
				for c := int(p.Start); c < int(p.End); c++ {
					cols = append(cols, x.Column(b, c)...)
				}
				ParsePatch(cols)
			}
		}
	})
}
