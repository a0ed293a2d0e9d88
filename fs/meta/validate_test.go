package meta

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/walrusfs/walrusfs/cache/state"
	"github.com/walrusfs/walrusfs/encoding"
)

func dirInode(ino, parent uint64, nlink uint32) Inode {
	return Inode{Ino: ino, Mode: syscall.S_IFDIR | 0o755, Nlink: nlink, Parent: parent}
}

// smallTree is a valid tree: the root, a directory d, a file f of two
// chunks (one packed) with a second name in d, a symlink in d, and an
// attribute on f.
func smallTree() *Tree {
	return &Tree{
		Inodes: []Inode{
			dirInode(RootIno, 0, 3),
			dirInode(2, RootIno, 2),
			{Ino: 3, Mode: syscall.S_IFREG | 0o644, Nlink: 2, Size: 5, Version: 1, Certified: 1, Chunks: []Chunk{
				{Blob: encoding.BlobID{1}, Size: 3, Off: 10, BlobSize: 20},
				{Blob: encoding.BlobID{2}, Size: 2},
			}},
			{Ino: 4, Mode: syscall.S_IFLNK | 0o777, Nlink: 1, Target: "../f"},
		},
		Entries: []Entry{
			{Parent: RootIno, Name: "d", Ino: 2},
			{Parent: RootIno, Name: "f", Ino: 3},
			{Parent: 2, Name: "hard", Ino: 3},
			{Parent: 2, Name: "l", Ino: 4},
		},
		Xattrs: []Xattr{{Ino: 3, Name: "user.a", Value: []byte("v")}},
	}
}

func TestSmallTreeIsValid(t *testing.T) {
	if err := smallTree().Validate(); err != nil {
		t.Fatal(err)
	}
}

// hostileTrees are trees that break one rule each, with what their refusal
// says. Many loaded before validation, and broke the store later.
var hostileTrees = []struct {
	name   string
	change func(*Tree)
	want   string
}{
	{"no root", func(t *Tree) { t.Inodes[0].Ino = 9 }, "no root directory"},
	{"root a file", func(t *Tree) { t.Inodes[0].Mode = syscall.S_IFREG | 0o644 }, "no root directory"},
	{"root with a parent", func(t *Tree) { t.Inodes[0].Parent = 2 }, "the root has parent 2"},
	{"inode 0", func(t *Tree) { t.Inodes[3].Ino = 0 }, "inode number 0"},
	{"inode number near 2^64", func(t *Tree) { t.Inodes[3].Ino = 1<<64 - 1; t.Entries[3].Ino = 1<<64 - 1 }, "inode number 18446744073709551615"},
	{"inode twice", func(t *Tree) { t.Inodes[3].Ino = 3 }, "inode 3 twice"},
	{"mode of no type", func(t *Tree) { t.Inodes[3].Mode = 0o777 }, "of no file type"},
	{"mode beyond st_mode", func(t *Tree) { t.Inodes[3].Mode |= 1 << 20 }, "bits no mode has"},
	{"directory its own parent", func(t *Tree) { t.Inodes[1].Parent = 2 }, "directory 2 is its own parent"},
	{"directory named outside its parent", func(t *Tree) {
		t.Inodes = append(t.Inodes, dirInode(5, RootIno, 2))
		t.Inodes[1].Nlink++
		t.Entries = append(t.Entries, Entry{Parent: 2, Name: "sub", Ino: 5})
	}, `directory 5 is named "sub" in 2 but its parent is 1`},
	{"parents in a loop", func(t *Tree) {
		t.Inodes = append(t.Inodes, dirInode(5, 6, 3), dirInode(6, 5, 3))
		t.Entries = append(t.Entries, Entry{Parent: 6, Name: "a", Ino: 5}, Entry{Parent: 5, Name: "b", Ino: 6})
	}, "the parents of directory 5 loop through 5"},
	{"directory hard link", func(t *Tree) {
		t.Entries = append(t.Entries, Entry{Parent: RootIno, Name: "d2", Ino: 2})
	}, "directory 2 is named twice"},
	{"directory named by no entry", func(t *Tree) {
		t.Entries = slices.Delete(t.Entries, 0, 1)
		t.Inodes[0].Nlink = 2
	}, "directory 2 is named by no entry"},
	{"entry in a missing directory", func(t *Tree) {
		t.Entries = append(t.Entries, Entry{Parent: 9, Name: "x", Ino: 4})
	}, `entry "x" is in 9, which does not exist`},
	{"entry in a file", func(t *Tree) {
		t.Entries = append(t.Entries, Entry{Parent: 3, Name: "x", Ino: 4})
	}, `entry "x" is in 3, which is not a directory`},
	{"entry naming nothing", func(t *Tree) { t.Entries[3].Ino = 9 }, `entry "l" in 2 names 9, which does not exist`},
	{"entry naming the root", func(t *Tree) {
		t.Entries = append(t.Entries, Entry{Parent: 2, Name: "up", Ino: RootIno})
	}, `entry "up" in 2 names the root`},
	{"empty name", func(t *Tree) { t.Entries[3].Name = "" }, "empty name"},
	{"name .", func(t *Tree) { t.Entries[3].Name = "." }, "is . or .."},
	{"name ..", func(t *Tree) { t.Entries[3].Name = ".." }, "is . or .."},
	{"name with a slash", func(t *Tree) { t.Entries[3].Name = "a/b" }, "holds a /"},
	{"name with NUL", func(t *Tree) { t.Entries[3].Name = "a\x00b" }, "NUL"},
	{"name over 255 bytes", func(t *Tree) { t.Entries[3].Name = strings.Repeat("n", 256) }, "name of 256 bytes"},
	{"name twice in a directory", func(t *Tree) {
		t.Entries = append(t.Entries, Entry{Parent: RootIno, Name: "f", Ino: 4})
		t.Inodes[3].Nlink++
	}, `entry "f" twice in 1`},
	{"more links than entries", func(t *Tree) { t.Inodes[2].Nlink = 3 }, "inode 3 has 3 links, but 2 entries"},
	{"no links, named", func(t *Tree) { t.Inodes[3].Nlink = 0 }, "inode 4 has 0 links, but 1 entries"},
	{"unnamed file", func(t *Tree) {
		t.Inodes = append(t.Inodes, Inode{Ino: 5, Mode: syscall.S_IFREG | 0o644})
	}, "inode 5 has 0 links, but 0 entries"},
	{"directory link count", func(t *Tree) { t.Inodes[0].Nlink = 5 }, "directory 1 has 5 links, but 2 + 1"},
	{"file with a parent", func(t *Tree) { t.Inodes[2].Parent = RootIno }, "inode 3 is not a directory but has parent 1"},
	{"symlink to nothing", func(t *Tree) { t.Inodes[3].Target = "" }, "symlink 4 has a target of 0 bytes"},
	{"symlink target over a page", func(t *Tree) { t.Inodes[3].Target = strings.Repeat("t", 4096) }, "symlink 4 has a target of 4096"},
	{"non-file size near 2^64", func(t *Tree) { t.Inodes[3].Size = 1 << 62 }, "inode 4 claims 4611686018427387904 bytes"},
	{"chunks on a directory", func(t *Tree) {
		t.Inodes[1].Chunks = []Chunk{{Blob: encoding.BlobID{3}, Size: 1}}
	}, "inode 2 is not a regular file but has 1 chunks"},
	{"chunk past its blob", func(t *Tree) { t.Inodes[2].Chunks[0].Off = 18 }, "at 18 of 3 stored bytes ends past the blob's 20"},
	{"whole-blob chunk at an offset", func(t *Tree) { t.Inodes[2].Chunks[1].Off = 1 }, "at 1 of 2 stored bytes ends past the blob's 2"},
	{"encrypted chunk past its blob", func(t *Tree) { t.Inodes[2].Chunks[0].Enc = 11 }, "ends past the blob's 20"},
	{"patch in the index's column", func(t *Tree) {
		t.Inodes[2].Chunks[0].Off, t.Inodes[2].Chunks[0].Patch = 0, state.Patch{Start: 0, End: 2}
	}, "patch [0, 2) of quilt"},
	{"patch ending where it starts", func(t *Tree) {
		t.Inodes[2].Chunks[0].Off, t.Inodes[2].Chunks[0].Patch = 0, state.Patch{Start: 2, End: 2}
	}, "patch [2, 2) of quilt"},
	{"patch at an offset", func(t *Tree) { t.Inodes[2].Chunks[0].Patch = state.Patch{Start: 1, End: 2} }, "patch [1, 2) of quilt"},
	{"empty chunk", func(t *Tree) {
		t.Inodes[2].Chunks = append(t.Inodes[2].Chunks, Chunk{Blob: encoding.BlobID{4}})
	}, "empty chunk"},
	{"chunks short of the size", func(t *Tree) { t.Inodes[2].Size = 6 }, "file 3 of 6 bytes has chunks of 5"},
	{"chunk sizes that wrap to the file size", func(t *Tree) {
		t.Inodes[2].Chunks = []Chunk{{Blob: encoding.BlobID{1}, Size: 1 << 63}, {Blob: encoding.BlobID{2}, Size: 1<<63 + 5}}
	}, "over 2^40"},
	{"attribute of nothing", func(t *Tree) {
		t.Xattrs = append(t.Xattrs, Xattr{Ino: 9, Name: "user.b"})
	}, `attribute "user.b" of inode 9, which does not exist`},
	{"attribute without a name", func(t *Tree) { t.Xattrs[0].Name = "" }, "empty name"},
	{"attribute twice", func(t *Tree) {
		t.Xattrs = append(t.Xattrs, Xattr{Ino: 3, Name: "user.a", Value: []byte("w")})
	}, `attribute "user.a" twice on inode 3`},
	{"attributes over 64 KiB", func(t *Tree) {
		big := make([]byte, 40<<10)
		t.Xattrs = append(t.Xattrs, Xattr{Ino: 3, Name: "user.b", Value: big}, Xattr{Ino: 3, Name: "user.c", Value: big})
	}, "the attributes of inode 3 take over 65536 bytes"},
}

// TestHostileTreesRefused: each hostile tree is refused by Validate, Load
// and DecodeTree with an error wrapping ErrCorrupt that says what is
// wrong, and Load leaves the store empty.
func TestHostileTreesRefused(t *testing.T) {
	s := openMem(t)
	for _, c := range hostileTrees {
		t.Run(c.name, func(t *testing.T) {
			tree := smallTree()
			c.change(tree)
			b, err := json.Marshal(tree)
			if err != nil {
				t.Fatal(err)
			}
			check := func(what string, err error) {
				t.Helper()
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("%s: %v, want ErrCorrupt saying %q", what, err, c.want)
				}
			}
			check("Validate", tree.Validate())
			check("Load", s.Load(tree))
			_, err = DecodeTree(bytes.NewReader(b))
			check("DecodeTree", err)
			if d := ok[[]Dirent](t)(s.ReadDir(RootIno)); len(d) != 0 {
				t.Fatalf("a refused load left entries: %v", d)
			}
		})
	}
}

// TestLoadSelfParentRefused is the review's case of a directory that is
// its own parent: it used to load, and the first rename of a directory
// into it spun under the store's lock forever, blocking every change.
func TestLoadSelfParentRefused(t *testing.T) {
	s := openMem(t)
	tree := &Tree{
		Inodes:  []Inode{dirInode(RootIno, 0, 2), dirInode(2, 2, 2), dirInode(3, RootIno, 2)},
		Entries: []Entry{{Parent: RootIno, Name: "a", Ino: 2}, {Parent: RootIno, Name: "b", Ino: 3}},
	}
	err := s.Load(tree)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "directory 2 is its own parent") {
		t.Fatalf("load of a directory that is its own parent: %v", err)
	}
}

// damageParent sets a directory's parent in the store, as a bug or damage
// might.
func damageParent(t *testing.T, s *Store, ino, parent uint64) {
	t.Helper()
	if err := s.db.Update(func(txn *badger.Txn) error {
		in, err := getInode(txn, ino)
		if err != nil {
			return err
		}
		in.Parent = parent
		return putInode(txn, in)
	}); err != nil {
		t.Fatal(err)
	}
}

// TestRenameInCorruptStoreEnds: even a store whose directories' parents
// loop (written by some older bug, or damaged) makes a rename fail with
// ErrCorrupt instead of spinning under the lock, and other changes go on.
func TestRenameInCorruptStoreEnds(t *testing.T) {
	s := openMem(t)
	in := ok[*Inode](t)
	a := in(s.Create(RootIno, "a", dir()))
	b := in(s.Create(a.Ino, "b", dir()))
	in(s.Create(RootIno, "c", dir()))
	damageParent(t, s, a.Ino, b.Ino) // a's parent is b, b's is a
	done := make(chan error, 1)
	go func() {
		_, err := s.Rename(RootIno, "c", b.Ino, "c", 0)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "loop") {
			t.Fatalf("rename into a loop of parents: %v, want ErrCorrupt", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("rename into a loop of parents still running after 10 s")
	}
	in(s.Create(RootIno, "after", file(0o644)))

	// A directory whose parent is gone.
	orphan := in(s.Create(RootIno, "orphan", dir()))
	damageParent(t, s, orphan.Ino, 999)
	if _, err := s.Rename(RootIno, "c", orphan.Ino, "c", 0); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "999") {
		t.Fatalf("rename under a directory whose parent is gone: %v, want ErrCorrupt", err)
	}

	// A rename into something that is not a directory is refused as such.
	f := in(s.Create(RootIno, "f", file(0o644)))
	if _, err := s.Rename(RootIno, "c", f.Ino, "c", 0); !errors.Is(err, syscall.ENOTDIR) {
		t.Fatalf("directory renamed into a file: %v, want ENOTDIR", err)
	}
}

// TestDecodeTreeBounds: a small input of many empty elements is refused
// at the first element, lists are bounded, and what follows the tree or
// repeats a list is refused.
func TestDecodeTreeBounds(t *testing.T) {
	valid, err := json.Marshal(smallTree())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeTree(bytes.NewReader(valid)); err != nil {
		t.Fatalf("valid tree: %v", err)
	}
	cases := []struct {
		name, json, want string
	}{
		{"empty inodes", `{"inodes":[` + strings.Repeat(`{},`, 1<<20) + `{}]}`, "inodes[0]: corrupt tree: inode number 0"},
		{"empty entries", `{"entries":[` + strings.Repeat(`{},`, 1<<20) + `{}]}`, "entries[0]: corrupt tree: entry"},
		{"empty chunks", `{"inodes":[{"ino":1,"mode":32768,"chunks":[` + strings.Repeat(`{},`, 1<<20) + `{}]}]}`, "chunks[0]: corrupt tree: empty chunk"},
		{"too many chunks", `{"inodes":[{"ino":1,"mode":32768,"chunks":[` + strings.Repeat(`{"size":1},`, maxFileChunks) + `{"size":1}]}]}`,
			fmt.Sprintf("over %d chunks", maxFileChunks)},
		{"inodes twice", `{"inodes":[],"inodes":[]}`, `"inodes" twice`},
		{"not an object", `[]`, "where { belongs"},
		{"not a list", `{"inodes":{}}`, "where a list belongs"},
		{"more after the tree", string(valid) + `{}`, "more after the tree"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if testing.Short() && len(c.json) > 1<<22 {
				t.Skip("a list at its bound takes seconds to decode")
			}
			_, err := DecodeTree(strings.NewReader(c.json))
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("%v, want ErrCorrupt saying %q", err, c.want)
			}
		})
	}
	// Fields a newer writer adds are skipped; null lists are empty.
	tree, err := DecodeTree(strings.NewReader(`{"future":[1,{"x":2}],"entries":null,"xattrs":null,` +
		`"inodes":[{"ino":1,"mode":16877,"nlink":2,"later":true}]}`))
	if err != nil || len(tree.Inodes) != 1 {
		t.Fatalf("tree with unknown fields: %+v, %v", tree, err)
	}
}
