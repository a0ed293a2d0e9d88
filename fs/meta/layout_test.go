package meta

import (
	"encoding/binary"
	"errors"
	"syscall"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/walrusfs/walrusfs/cache/state"
	"github.com/walrusfs/walrusfs/encoding"
)

// TestKeyLayout: a store that went through every kind of change holds only
// the keys the two docs list (this package's and cache/state's), each kind
// at the exact bytes stores already on disk use, so that the tree and the
// bookkeeping living in separate packages does not move a key.
func TestKeyLayout(t *testing.T) {
	s := open(t)
	b := s.Book()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	dir := ok[*Inode](t)(s.Create(RootIno, "d", Inode{Mode: syscall.S_IFDIR | 0o755}))
	f := ok[*Inode](t)(s.Create(dir.Ino, "f", Inode{Mode: syscall.S_IFREG | 0o644, Public: true}))
	must(s.SetXattr(f.Ino, "user.a", []byte("v"), 0))
	must(s.SetSetting("k", "v"))
	ok[*Inode](t)(s.Update(f.Ino, func(in *Inode) error { in.Version, in.Size = 1, 3; return nil }))
	e := ok[*state.QueueEntry](t)(s.Enqueue(f.Ino, "d/f"))
	used, unused := encoding.BlobID{0xb1}, encoding.BlobID{0xb2}
	if done := ok[bool](t)(s.Certified(f.Ino, e.Version, []Chunk{{Blob: used, Size: 3}}, [][32]byte{{0x5a}})); !done {
		t.Fatal("not certified")
	}
	must(b.RecordBlob(state.BlobInfo{Blob: used, EndEpoch: 5}))
	must(b.RecordBlob(state.BlobInfo{Blob: unused, EndEpoch: 5}))
	must(b.RecordSnapshot(state.Snapshot{Version: 7, Manifest: encoding.BlobID{0xc1}}, 2))
	must(b.SetPublished(&state.Published{Name: "n", Version: 7}))
	g := ok[*Inode](t)(s.Create(RootIno, "g", Inode{Mode: syscall.S_IFREG | 0o644}))
	ok[*Inode](t)(s.Update(g.Ino, func(in *Inode) error { in.Version, in.Size = 1, 9; return nil }))
	ok[*state.QueueEntry](t)(s.Enqueue(g.Ino, "g"))
	h := ok[*Inode](t)(s.Create(RootIno, "h", Inode{Mode: syscall.S_IFREG | 0o644}))
	ok[*Inode](t)(s.Update(h.Ino, func(in *Inode) error { in.Version, in.Size, in.Local = 1, 9, true; return nil }))
	ok[bool](t)(s.MarkLost(state.LostFile{Ino: h.Ino, Version: 1}))

	u64 := func(v uint64) string { return string(binary.BigEndian.AppendUint64(nil, v)) }
	id := func(v encoding.BlobID) string { return string(v[:]) }
	sum := [32]byte{0x5a}
	want := map[string]string{
		"i" + u64(f.Ino):            "inode",
		"d" + u64(dir.Ino) + "f":    "directory entry",
		"x" + u64(f.Ino) + "user.a": "xattr",
		"n":                         "next inode",
		"Ck":                        "setting",
		"zP":                        "public files",
		"q" + u64(g.Ino):            "queue entry",
		"zQ":                        "queue totals",
		"h" + string(sum[:]):        "dedup",
		"b" + id(used):              "blob record",
		"R" + id(used):              "reference count",
		"U" + id(unused):            "unused blob",
		"zR":                        "counts built",
		"S" + u64(7):                "snapshot",
		"m":                         "published",
		"L" + u64(h.Ino):            "lost file",
	}
	// What the tree keeps of every inode and entry besides the ones named.
	other := map[byte]bool{'i': true, 'd': true, 'b': true, 'U': true}
	seen := map[string]bool{}
	must(s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := string(it.Item().Key())
			if _, ok := want[k]; ok {
				seen[k] = true
				continue
			}
			if !other[k[0]] {
				return errors.New("an undocumented key: " + string(k[0]))
			}
		}
		return nil
	}))
	for k, what := range want {
		if !seen[k] {
			t.Errorf("no %s at key %q", what, k)
		}
	}
}
