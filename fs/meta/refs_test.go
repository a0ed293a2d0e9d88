package meta

import (
	"testing"

	"github.com/walrusfs/walrusfs/encoding"
)

// TestReferenceCounts: certifying, recertifying and forgetting files keeps
// each blob's count of the files pointing at it; a blob whose count falls
// to zero is listed unused, and leaves the list once used again. The
// counts built afresh from the tree agree.
func TestReferenceCounts(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	a, b, c := encoding.BlobID{1}, encoding.BlobID{2}, encoding.BlobID{3}
	certify := func(name string, ino uint64, blobs ...encoding.BlobID) uint64 {
		t.Helper()
		if ino == 0 {
			in, err := s.Create(RootIno, name, Inode{Mode: 0o100644})
			if err != nil {
				t.Fatal(err)
			}
			ino = in.Ino
		}
		if _, err := s.Update(ino, func(x *Inode) error { x.Version++; x.Size = uint64(len(blobs)); return nil }); err != nil {
			t.Fatal(err)
		}
		e, err := s.Enqueue(ino, name)
		if err != nil {
			t.Fatal(err)
		}
		var chunks []Chunk
		var hashes [][32]byte
		for i, id := range blobs {
			chunks = append(chunks, Chunk{Blob: id, Size: 1, Off: uint64(i)})
			hashes = append(hashes, [32]byte{byte(ino), byte(i)})
		}
		if ok, err := s.Certified(ino, e.Version, chunks, hashes); !ok || err != nil {
			t.Fatalf("certify %s: %v %v", name, ok, err)
		}
		return ino
	}
	check := func(what string, used []encoding.BlobID, unused []encoding.BlobID) {
		t.Helper()
		refs, err := s.Book().ReferencedBlobs()
		if err != nil {
			t.Fatal(err)
		}
		if len(refs) != len(used) {
			t.Fatalf("%s: referenced %v, want %v", what, refs, used)
		}
		for _, id := range used {
			if !refs[id] {
				t.Fatalf("%s: %s not referenced", what, id)
			}
		}
		un, err := s.Book().UnusedBlobs()
		if err != nil {
			t.Fatal(err)
		}
		if len(un) != len(unused) {
			t.Fatalf("%s: unused %v, want %v", what, un, unused)
		}
		for i, u := range un {
			if u.Blob != unused[i] {
				t.Fatalf("%s: unused %v, want %v", what, un, unused)
			}
		}
	}
	f1 := certify("f1", 0, a, a, b) // a twice in one file counts once
	f2 := certify("f2", 0, a)
	check("two files", []encoding.BlobID{a, b}, nil)
	certify("f1", f1, c) // f1 overwritten
	check("f1 overwritten", []encoding.BlobID{a, c}, []encoding.BlobID{b})
	certify("f2", f2, b) // b used again
	check("f2 overwritten with b", []encoding.BlobID{b, c}, []encoding.BlobID{a})
	if _, err := s.Remove(RootIno, "f1", false); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Forget(f1); !ok || err != nil {
		t.Fatalf("forget f1: %v %v", ok, err)
	}
	check("f1 deleted", []encoding.BlobID{b}, []encoding.BlobID{a, c})

	// Counts built afresh from the tree agree (the unused list is the
	// caller's to keep: rebuilt, it holds only recorded blobs).
	if err := s.buildRefs(); err != nil {
		t.Fatal(err)
	}
	check("rebuilt", []encoding.BlobID{b}, []encoding.BlobID{a, c})
}
