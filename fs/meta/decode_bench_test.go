package meta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"syscall"
	"testing"

	"github.com/walrusfs/walrusfs/encoding"
)

// BenchmarkDecodeTree reads a tree of 100 directories of 1,000 one-chunk
// files: DecodeTree (element by element, validated) against a plain
// json.Unmarshal of the same bytes, and Validate alone.
func BenchmarkDecodeTree(b *testing.B) {
	const dirs, per = 100, 1000
	tree := &Tree{Inodes: []Inode{dirInode(RootIno, 0, 2+dirs)}}
	ino := uint64(2)
	for d := range dirs {
		dir := ino
		ino++
		tree.Inodes = append(tree.Inodes, dirInode(dir, RootIno, 2))
		tree.Entries = append(tree.Entries, Entry{Parent: RootIno, Name: fmt.Sprint("d", d), Ino: dir})
		for f := range per {
			tree.Inodes = append(tree.Inodes, Inode{Ino: ino, Mode: syscall.S_IFREG | 0o644, Nlink: 1, Size: 10,
				Chunks: []Chunk{{Blob: encoding.BlobID{byte(f)}, Size: 10, Off: 5, BlobSize: 100}}})
			tree.Entries = append(tree.Entries, Entry{Parent: dir, Name: fmt.Sprint("f", f), Ino: ino})
			ino++
		}
	}
	js, err := json.Marshal(tree)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("DecodeTree", func(b *testing.B) {
		b.SetBytes(int64(len(js)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeTree(bytes.NewReader(js)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Unmarshal", func(b *testing.B) {
		b.SetBytes(int64(len(js)))
		b.ReportAllocs()
		for b.Loop() {
			var t Tree
			if err := json.Unmarshal(js, &t); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Validate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := tree.Validate(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
