package meta

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"syscall"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/walrusfs/walrusfs/encoding"
)

// openMem opens a store held in memory: fast enough to open once per fuzz
// input.
func openMem(tb testing.TB) *Store {
	tb.Helper()
	opts := badger.DefaultOptions("").WithInMemory(true).WithLogger(nil).
		WithMemTableSize(8 << 20).WithValueThreshold(1 << 20).WithCompression(options.None).WithBlockCacheSize(0).WithIndexCacheSize(0).
		WithNumCompactors(2).WithNumGoroutines(1).WithNumMemtables(1)
	s, err := openWith(opts, 1000, 1000, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// busyTree fills s with what the file system makes: nested and moved
// directories, hard links across directories, a symlink, a fifo, an empty
// file, files cut into whole-blob chunks, encrypted chunks, small files
// packed into one blob (plain and encrypted), a public directory, attributes
// on files and directories, a replacing rename, an exchange of a directory
// and a file across directories, and removed files and directories, one
// still open. Every file is certified, so that Dump takes it.
func busyTree(tb testing.TB, s *Store) {
	tb.Helper()
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	mk := func(parent uint64, name string, tmpl Inode) *Inode {
		tb.Helper()
		in, err := s.Create(parent, name, tmpl)
		must(err)
		return in
	}
	// write gives a file new content and certifies it, as close and the
	// uploader do.
	hash := byte(0)
	write := func(ino uint64, chunks ...Chunk) {
		tb.Helper()
		var size uint64
		for _, c := range chunks {
			size += c.Size
		}
		_, err := s.Update(ino, func(in *Inode) error { in.Version++; in.Size = size; in.Local = true; return nil })
		must(err)
		e, err := s.Enqueue(ino, "")
		must(err)
		hashes := make([][32]byte, len(chunks))
		for i := range hashes {
			hash++
			hashes[i] = [32]byte{hash}
		}
		ok, err := s.Certified(ino, e.Version, chunks, hashes)
		must(err)
		if !ok {
			tb.Fatalf("inode %d not certified", ino)
		}
	}
	blob := func(b byte) encoding.BlobID { return encoding.BlobID{b, 0xee} }

	docs := mk(RootIno, "docs", Inode{Mode: syscall.S_IFDIR | 0o750})
	pub := mk(RootIno, "pub", Inode{Mode: syscall.S_IFDIR | 0o755, Public: true})
	tmp := mk(RootIno, "tmp", Inode{Mode: syscall.S_IFDIR | 0o700})
	sub := mk(tmp.Ino, "sub", Inode{Mode: syscall.S_IFDIR | 0o755})
	mk(sub.Ino, "deeper", Inode{Mode: syscall.S_IFDIR | 0o755})

	big := mk(docs.Ino, "big", Inode{Mode: syscall.S_IFREG | 0o644})
	write(big.Ino, Chunk{Blob: blob(1), Size: 1 << 20}, Chunk{Blob: blob(2), Size: 1000})
	write(big.Ino, Chunk{Blob: blob(1), Size: 1 << 20}, Chunk{Blob: blob(3), Size: 5000}) // rewritten
	secret := mk(docs.Ino, "secret", Inode{Mode: syscall.S_IFREG | 0o600})
	write(secret.Ino, Chunk{Blob: blob(4), Size: 300, Enc: 520, BlobSize: 4096}) // encrypted, padded
	// Small files packed in one blob: encrypted ones, each an age file.
	s1 := mk(RootIno, "s1", Inode{Mode: syscall.S_IFREG | 0o644})
	s2 := mk(docs.Ino, "s2", Inode{Mode: syscall.S_IFREG | 0o644})
	write(s1.Ino, Chunk{Blob: blob(5), Size: 5, Off: 0, Enc: 210, BlobSize: 1024})
	write(s2.Ino, Chunk{Blob: blob(5), Size: 7, Off: 210, Enc: 212, BlobSize: 1024})
	// Public small files packed in the clear.
	p1 := mk(pub.Ino, "p1", Inode{Mode: syscall.S_IFREG | 0o644, Public: true})
	p2 := mk(pub.Ino, "p2", Inode{Mode: syscall.S_IFREG | 0o644, Public: true})
	write(p1.Ino, Chunk{Blob: blob(6), Size: 11, Off: 0, BlobSize: 40})
	write(p2.Ino, Chunk{Blob: blob(6), Size: 29, Off: 11, BlobSize: 40})
	mk(RootIno, "empty", Inode{Mode: syscall.S_IFREG | 0o644}) // never written
	mk(RootIno, "ln", Inode{Mode: syscall.S_IFLNK | 0o777, Target: "docs/big"})
	mk(docs.Ino, "fifo", Inode{Mode: syscall.S_IFIFO | 0o600})

	// Hard links, in other directories.
	_, err := s.Link(big.Ino, RootIno, "big-link")
	must(err)
	_, err = s.Link(big.Ino, pub.Ino, "big-link2")
	must(err)
	must(s.SetXattr(big.Ino, "user.mime", []byte("application/octet-stream"), 0))
	must(s.SetXattr(docs.Ino, "user.note", []byte("dir"), 0))
	must(s.SetXattr(s1.Ino, "user.empty", nil, 0))

	// A directory moves to another, a file replaces another.
	_, err = s.Rename(tmp.Ino, "sub", docs.Ino, "sub", 0)
	must(err)
	old := mk(docs.Ino, "old", Inode{Mode: syscall.S_IFREG | 0o644})
	write(old.Ino, Chunk{Blob: blob(7), Size: 3})
	_, err = s.Rename(RootIno, "s1", docs.Ino, "old", 0)
	must(err)
	_, err = s.Forget(old.Ino)
	must(err)
	// A directory and a file swap places across directories.
	swap := mk(tmp.Ino, "swap", Inode{Mode: syscall.S_IFDIR | 0o755})
	mk(swap.Ino, "inside", Inode{Mode: syscall.S_IFREG | 0o644})
	_, err = s.Rename(tmp.Ino, "swap", pub.Ino, "p2", RenameExchange)
	must(err)

	// Removed: an open file (not forgotten yet) and a directory.
	opened := mk(RootIno, "open", Inode{Mode: syscall.S_IFREG | 0o644})
	write(opened.Ino, Chunk{Blob: blob(8), Size: 9})
	must(s.SetXattr(opened.Ino, "user.gone", []byte("x"), 0))
	_, err = s.Remove(RootIno, "open", false)
	must(err)
	mk(tmp.Ino, "rmdir", Inode{Mode: syscall.S_IFDIR | 0o755})
	_, err = s.Remove(tmp.Ino, "rmdir", true)
	must(err)
}

// TestDumpLoadBusyTree: what Dump writes of a busy tree passes validation,
// reads back through DecodeTree, loads, and dumps again to the same tree;
// the loaded tree's directories know their parents, so renames work.
func TestDumpLoadBusyTree(t *testing.T) {
	s := open(t)
	busyTree(t, s)
	tree := ok[*Tree](t)(s.Dump())
	if err := tree.Validate(); err != nil {
		t.Fatalf("a dump does not validate: %v", err)
	}
	b, err := json.Marshal(tree)
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := DecodeTree(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode a dump: %v", err)
	}
	s2 := open(t)
	if err := s2.Load(decoded); err != nil {
		t.Fatalf("load a dump: %v", err)
	}
	again := ok[*Tree](t)(s2.Dump())
	if !reflect.DeepEqual(again, tree) {
		a, _ := json.Marshal(again)
		t.Fatalf("the loaded tree dumps differently:\n%s\nwant\n%s", a, b)
	}

	in := ok[*Inode](t)
	docs := in(s2.Lookup(RootIno, "docs"))
	sub := in(s2.Lookup(docs.Ino, "sub"))
	if sub.Parent != docs.Ino || docs.Nlink != 3 {
		t.Fatalf("moved directory's parent %d (want %d), docs has %d links (want 3)", sub.Parent, docs.Ino, docs.Nlink)
	}
	if _, err := s2.Rename(RootIno, "docs", sub.Ino, "loop", 0); !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("moving docs into its own subdirectory after load: %v, want EINVAL", err)
	}
	if _, err := s2.Rename(docs.Ino, "sub", RootIno, "sub", 0); err != nil {
		t.Fatalf("moving a loaded directory: %v", err)
	}
	if err := ok[*Tree](t)(s2.Dump()).Validate(); err != nil {
		t.Fatalf("the loaded tree after a rename: %v", err)
	}
}
