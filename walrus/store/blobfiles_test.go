package store

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/encoding"
)

// Slivers' bytes live in a file per blob: deleting the blob removes it,
// and bytes changed on disk are refused, never returned.
func TestSliverFiles(t *testing.T) {
	s, dir := fresh(t, Options{GCInterval: -1})
	id := blobID(7)
	a := sliver(encoding.Primary, 3, 2, 4096, 1)
	b := sliver(encoding.Secondary, 3, 2, 8192, 2)
	must(t, s.PutSliver(id, 3, a, false))
	must(t, s.PutSliver(id, 3, b, false))
	must(t, s.Sync())
	path := s.files.path(id)
	if fi, err := os.Stat(path); err != nil || fi.Size() != 4096+8192 {
		t.Fatalf("sliver file: %v, %v", fi, err)
	}
	got, err := s.Sliver(id, 3, encoding.Secondary)
	if err != nil || !bytes.Equal(got.Data, b.Data) || got.Index != b.Index {
		t.Fatalf("read back: %v", err)
	}

	// A flipped byte on disk: the sliver is corrupt, not returned.
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	must(t, err)
	_, err = f.WriteAt([]byte{^a.Data[10]}, 10)
	must(t, err)
	f.Close()
	if _, err := s.Sliver(id, 3, encoding.Primary); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("read of a changed sliver: %v, want ErrCorrupt", err)
	}

	// Survives a reopen; deletion removes the file.
	s = reopen(t, s, dir, Options{GCInterval: -1})
	if got, err := s.Sliver(id, 3, encoding.Secondary); err != nil || !bytes.Equal(got.Data, b.Data) {
		t.Fatalf("after reopen: %v", err)
	}
	must(t, s.DeleteBlob(id))
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("sliver file after delete: %v", err)
	}

	// Pending data dropped unclaimed takes its file along.
	p := blobID(8)
	must(t, s.PutSliver(p, 1, a, true))
	if n, err := s.EvictPending(time.Now().Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("evict pending: %d, %v", n, err)
	}
	if _, err := os.Stat(s.files.path(p)); !os.IsNotExist(err) {
		t.Fatalf("sliver file after eviction: %v", err)
	}
}
