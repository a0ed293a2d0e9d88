package meta

import (
	"errors"
	"syscall"
	"testing"

	"github.com/walrusfs/walrusfs/cache/state"
	"github.com/walrusfs/walrusfs/encoding"
)

func open(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.TempDir(), 1000, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// ok returns a checker of (T, error) results that fails t on an error.
func ok[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func file(mode uint32) Inode { return Inode{Mode: syscall.S_IFREG | mode} }
func dir() Inode             { return Inode{Mode: syscall.S_IFDIR | 0o755} }

func TestRenameRules(t *testing.T) {
	s := open(t)
	in := ok[*Inode](t)
	a := in(s.Create(RootIno, "a", dir()))
	b := in(s.Create(a.Ino, "b", dir()))
	f := in(s.Create(RootIno, "f", file(0o644)))
	in(s.Create(b.Ino, "g", file(0o644)))
	if _, err := s.Rename(RootIno, "a", b.Ino, "a2", 0); !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("directory into its own subdirectory: %v, want EINVAL", err)
	}
	if _, err := s.Rename(RootIno, "f", a.Ino, "b", 0); !errors.Is(err, syscall.EISDIR) {
		t.Fatalf("file over a directory: %v, want EISDIR", err)
	}
	if _, err := s.Rename(RootIno, "f", a.Ino, "b", RenameNoReplace); !errors.Is(err, syscall.EEXIST) {
		t.Fatalf("no-replace over an existing name: %v, want EEXIST", err)
	}
	c := in(s.Create(RootIno, "c", dir()))
	if _, err := s.Rename(a.Ino, "b", RootIno, "c", 0); err != nil {
		t.Fatalf("directory over an empty directory: %v", err)
	}
	if got := in(s.Inode(c.Ino)); got.Nlink != 0 {
		t.Fatalf("replaced directory has %d links", got.Nlink)
	}
	moved := in(s.Lookup(RootIno, "c"))
	if moved.Ino != b.Ino || moved.Parent != RootIno {
		t.Fatalf("moved directory: ino %d parent %d", moved.Ino, moved.Parent)
	}
	if _, err := s.Rename(RootIno, "f", RootIno, "a", RenameExchange); err != nil {
		t.Fatal(err)
	}
	if got := in(s.Lookup(RootIno, "a")); got.Ino != f.Ino {
		t.Fatalf("after exchange a is %d, want %d", got.Ino, f.Ino)
	}
	if root := in(s.Inode(RootIno)); root.Nlink != 4 { // ., .., a (now f's dir), c
		t.Fatalf("root has %d links, want 4", root.Nlink)
	}
}

func TestCertifiedOnlyForTheQueuedVersion(t *testing.T) {
	s := open(t)
	in := ok[*Inode](t)
	f := in(s.Create(RootIno, "f", file(0o644)))
	in(s.Update(f.Ino, func(x *Inode) error { x.Version, x.Size = 1, 3; return nil }))
	e := ok[*state.QueueEntry](t)(s.Enqueue(f.Ino, "f"))
	// The file changes while version 1 uploads.
	in(s.Update(f.Ino, func(x *Inode) error { x.Version = 2; return nil }))
	chunk := []Chunk{{Blob: encoding.BlobID{1}, Size: 3}}
	if done := ok[bool](t)(s.Certified(f.Ino, e.Version, chunk, [][32]byte{{9}})); done {
		t.Fatal("an upload of version 1 certified version 2")
	}
	if got := in(s.Inode(f.Ino)); got.Certified == got.Version {
		t.Fatal("file claims certified content")
	}
	if _, found, _ := s.Book().KnownChunk([32]byte{9}, 3); !found {
		t.Fatal("the stored chunk's hash was not kept for dedup")
	}
}

func TestDumpLoad(t *testing.T) {
	s := open(t)
	in := ok[*Inode](t)
	d := in(s.Create(RootIno, "d", dir()))
	f := in(s.Create(d.Ino, "f", file(0o600)))
	in(s.Update(f.Ino, func(x *Inode) error { x.Version = 1; return nil })) // written
	in(s.Link(f.Ino, RootIno, "hard"))
	gone := in(s.Create(RootIno, "gone", file(0o644)))
	if err := s.SetXattr(gone.Ino, "user.x", []byte("1"), 0); err != nil {
		t.Fatal(err)
	}
	if err := s.SetXattr(f.Ino, "user.y", []byte("2"), 0); err != nil {
		t.Fatal(err)
	}
	in(s.Remove(RootIno, "gone", false)) // unlinked, as if still open
	// Not certified yet: no manifest.
	if _, err := s.Dump(); !errors.Is(err, ErrNotSettled) {
		t.Fatalf("dump of uncertified files: %v", err)
	}
	for _, ino := range []uint64{f.Ino} {
		in(s.Update(ino, func(x *Inode) error { x.Certified = x.Version; return nil }))
	}
	tree := ok[*Tree](t)(s.Dump())
	s2 := open(t)
	if err := s2.Load(tree); err != nil {
		t.Fatalf("load of a dump with an unlinked file's attribute: %v", err)
	}
	got := in(s2.Lookup(RootIno, "hard"))
	if got.Ino != f.Ino || got.Nlink != 2 || got.Local {
		t.Fatalf("hard link after load: %+v", got)
	}
	if v := ok[[]byte](t)(s2.GetXattr(f.Ino, "user.y")); string(v) != "2" {
		t.Fatalf("xattr after load: %q", v)
	}
	if _, err := s2.Inode(gone.Ino); !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("unlinked file came back: %v", err)
	}
	next := in(s2.Create(RootIno, "new", file(0o644)))
	if next.Ino <= f.Ino {
		t.Fatalf("new inode %d reuses a number of the loaded tree", next.Ino)
	}
	if err := s2.Load(tree); err == nil {
		t.Fatal("load into a tree that is not empty")
	}
}
