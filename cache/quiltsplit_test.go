package cache

import (
	"fmt"
	"testing"

	"github.com/walrusfs/walrusfs/encoding/quilt"
)

// mixedFiles are n files of sizes from 100 bytes to 256 KiB, spread as a
// source tree's are (most small, a few large).
func mixedFiles(n int) []quilt.File {
	files := make([]quilt.File, n)
	for i := range files {
		size := 100 + (i*7919)%4000
		if i%25 == 0 {
			size = 256 << 10
		}
		files[i] = quilt.File{Identifier: fmt.Sprint(i), Data: make([]byte, size)}
	}
	return files
}

// TestSplitQuilt: mixed sizes are divided, each part holding the files of
// one side of a size, and every file in exactly one part; files of one
// size are not; a single file never is.
func TestSplitQuilt(t *testing.T) {
	files := mixedFiles(60)
	a, b := splitQuilt(100, files, 64<<20)
	if a == nil || len(a)+len(b) != len(files) {
		t.Fatalf("mixed files: parts of %d and %d files, want all %d divided", len(a), len(b), len(files))
	}
	seen := map[int]bool{}
	for _, k := range append(append([]int(nil), a...), b...) {
		seen[k] = true
	}
	if len(seen) != len(files) {
		t.Fatalf("%d distinct files in the parts, want %d", len(seen), len(files))
	}
	for _, i := range a {
		for _, j := range b {
			if len(files[i].Data) > len(files[j].Data) {
				t.Fatalf("file %d (%d bytes) in the small part, %d (%d bytes) in the large", i, len(files[i].Data), j, len(files[j].Data))
			}
		}
	}
	alike := make([]quilt.File, 60)
	for i := range alike {
		alike[i] = quilt.File{Identifier: fmt.Sprint(i), Data: make([]byte, 3000)}
	}
	if a, _ := splitQuilt(100, alike, 64<<20); a != nil {
		t.Fatalf("files of one size divided into %d and %d", len(a), len(alike)-len(a))
	}
	if a, _ := splitQuilt(100, files[:1], 1); a != nil {
		t.Fatal("a single file divided")
	}
}

// BenchmarkSplitQuilt: deciding on the largest pack over Walrus's 1000
// shards, which the uploader does before each quilt it builds.
func BenchmarkSplitQuilt(b *testing.B) {
	files := mixedFiles(packFiles)
	for b.Loop() {
		splitQuilt(1000, files, 64<<20)
	}
}
