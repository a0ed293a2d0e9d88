package meta

import (
	"errors"
	"syscall"
	"testing"

	"github.com/walrusfs/walrusfs/cache/state"
)

// TestLostFiles: a loss is news once per version, drops the version's queue
// entry, and is forgotten when a version is certified or the file deleted.
func TestLostFiles(t *testing.T) {
	s := open(t)
	f := ok[*Inode](t)(s.Create(RootIno, "f", file(0o644)))
	g := ok[*Inode](t)(s.Create(RootIno, "g", file(0o644)))
	bump := func(ino uint64) uint64 {
		in := ok[*Inode](t)(s.Update(ino, func(in *Inode) error { in.Version++; in.Local = true; return nil }))
		ok[*state.QueueEntry](t)(s.Enqueue(ino, "path"))
		return in.Version
	}
	v := bump(f.Ino)
	mark := func(ino, version uint64) bool {
		return ok[bool](t)(s.MarkLost(state.LostFile{Ino: ino, Version: version, Path: "f", Reason: "gone"}))
	}
	if !mark(f.Ino, v) || mark(f.Ino, v) {
		t.Fatal("a loss must be news exactly once")
	}
	if _, err := s.Book().Queued(f.Ino); !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("the lost version is still queued: %v", err)
	}
	if lost := ok[bool](t)(s.Book().IsLost(f.Ino, v)); !lost {
		t.Fatal("IsLost: false for the lost version")
	}
	if lost := ok[bool](t)(s.Book().IsLost(f.Ino, v+1)); lost {
		t.Fatal("IsLost: true for another version")
	}
	vg := bump(g.Ino)
	mark(g.Ino, vg)
	if files, count, err := s.Book().Lost(1); err != nil || count != 2 || len(files) != 1 {
		t.Fatalf("Lost(1): %+v, %d, %v; want one of two", files, count, err)
	}

	// f written again and certified: no longer lost.
	v = bump(f.Ino)
	if !mark(f.Ino, v) {
		t.Fatal("a newer version's loss is news")
	}
	v = bump(f.Ino)
	if done := ok[bool](t)(s.Certified(f.Ino, v, nil, nil)); !done {
		t.Fatal("not certified")
	}
	// g deleted: forgotten.
	ok[*Inode](t)(s.Remove(RootIno, "g", false))
	ok[bool](t)(s.Forget(g.Ino))
	// A file deleted, or changed, meanwhile is not lost: the uploader
	// found its data file gone because of that.
	if mark(g.Ino, vg) || mark(f.Ino, v-1) {
		t.Fatal("a deleted file, or an older version, was marked lost")
	}
	if files, count, err := s.Book().Lost(0); err != nil || count != 0 {
		t.Fatalf("lost after certifying f and deleting g: %+v, %d, %v", files, count, err)
	}
}
