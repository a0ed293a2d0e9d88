package meta

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// FuzzLoad decodes a manifest's tree, loads what is accepted, runs a
// bounded sequence of tree operations on it, and checks that none hangs,
// none fails with anything but an errno, and the tree they leave still
// validates. The seeds are trees Dump wrote, the hostile table's trees, and
// operations touching each kind of change.
func FuzzLoad(f *testing.F) {
	ops := [][]byte{
		nil,
		{0, 0, 0, 0, 1, 0, 0, 1, 5, 1, 2, 2, 5, 2, 3, 0x12, 4, 3, 0, 0, 7, 1, 1, 1},
		{5, 0, 1, 0, 5, 3, 2, 0x21, 3, 2, 4, 3, 4, 1, 0, 0, 6, 0, 0, 0, 5, 6, 7, 0x10},
	}
	s := openMem(f)
	busyTree(f, s)
	busy, err := s.Dump()
	if err != nil {
		f.Fatal(err)
	}
	// At the bounds: the longest target and name, attributes filling 64 KiB.
	edge := smallTree()
	edge.Inodes[3].Target = strings.Repeat("t", maxTargetBytes)
	edge.Entries[3].Name = strings.Repeat("n", maxNameBytes)
	edge.Xattrs[0].Value = make([]byte, maxXattrBytes-len(edge.Xattrs[0].Name))
	trees := []*Tree{smallTree(), busy, edge}
	for _, c := range hostileTrees {
		t := smallTree()
		c.change(t)
		trees = append(trees, t)
	}
	for _, t := range trees {
		b, err := json.Marshal(t)
		if err != nil {
			f.Fatal(err)
		}
		for _, o := range ops {
			f.Add(b, o)
		}
	}
	f.Fuzz(func(t *testing.T, manifest, ops []byte) {
		if len(manifest) > 64<<10 {
			return // an inode of it could outgrow what the in-memory store holds in a value (1 MiB)
		}
		tree, err := DecodeTree(bytes.NewReader(manifest))
		if err != nil {
			return
		}
		s := openMem(t)
		if err := s.Load(tree); err != nil {
			t.Fatalf("a tree DecodeTree accepted did not load: %v", err)
		}
		done := make(chan error, 1)
		go func() { done <- runOps(s, ops) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("operations on a loaded tree still running after 20 s")
		}
		after, err := s.Dump()
		if err != nil {
			t.Fatalf("dump after operations: %v", err)
		}
		if err := after.Validate(); err != nil {
			t.Fatalf("operations on a loaded tree left it invalid: %v", err)
		}
	})
}

type liveEntry struct {
	parent uint64
	Dirent
}

// liveTree lists the directories reachable from the root and the entries
// in them, at most a few thousand.
func liveTree(s *Store) (dirs []uint64, entries []liveEntry, err error) {
	dirs = []uint64{RootIno}
	for i := 0; i < len(dirs) && len(entries) < 4096; i++ {
		ds, err := s.ReadDir(dirs[i])
		if err != nil {
			return nil, nil, fmt.Errorf("readdir %d: %w", dirs[i], err)
		}
		for _, d := range ds {
			entries = append(entries, liveEntry{dirs[i], d})
			if d.Mode&syscall.S_IFMT == syscall.S_IFDIR {
				dirs = append(dirs, d.Ino)
			}
		}
	}
	return dirs, entries, nil
}

// runOps runs up to 64 operations, 4 bytes each: what, a directory, an
// entry and a name (with flags). Operations may fail, but only with an
// errno: anything else means the store broke.
func runOps(s *Store, ops []byte) error {
	for i := 0; i+4 <= len(ops) && i < 4*64; i += 4 {
		dirs, entries, err := liveTree(s)
		if err != nil {
			return err
		}
		op, d, e, n := ops[i], dirs[int(ops[i+1])%len(dirs)], liveEntry{}, ops[i+3]
		if len(entries) > 0 {
			e = entries[int(ops[i+2])%len(entries)]
		}
		name := string(rune('a' + n%4))
		isDir := e.Mode&syscall.S_IFMT == syscall.S_IFDIR
		var what string
		switch op % 8 {
		case 0:
			what = "create"
			_, err = s.Create(d, name, Inode{Mode: syscall.S_IFREG | 0o644})
		case 1:
			what = "mkdir"
			_, err = s.Create(d, name, Inode{Mode: syscall.S_IFDIR | 0o755})
		case 2:
			what = "symlink"
			_, err = s.Create(d, name, Inode{Mode: syscall.S_IFLNK | 0o777, Target: "t"})
		case 3:
			if e.Ino == 0 {
				continue
			}
			what = "link"
			_, err = s.Link(e.Ino, d, name)
		case 4:
			if e.Ino == 0 {
				continue
			}
			what = "remove"
			var in *Inode
			if in, err = s.Remove(e.parent, e.Name, isDir); err == nil && in.Nlink == 0 && n&0x10 == 0 {
				_, err = s.Forget(in.Ino) // else left as if open
			}
		case 5:
			if e.Ino == 0 {
				continue
			}
			what = "rename"
			_, err = s.Rename(e.parent, e.Name, d, name, uint32(n>>4)%3)
		case 6:
			what = "lookup"
			if _, err = s.Lookup(d, name); err == nil {
				_, err = s.ReadDir(d)
			}
		case 7:
			if e.Ino == 0 {
				continue
			}
			what = "setxattr"
			err = s.SetXattr(e.Ino, "user."+name, []byte{n}, 0)
		}
		var errno syscall.Errno
		if err != nil && !errors.As(err, &errno) {
			return fmt.Errorf("op %d (%s, dir %d, entry %d/%q, name %q): %w", i/4, what, d, e.parent, e.Name, name, err)
		}
	}
	return nil
}

// TestFuzzOpsChange: the seed operations change a loaded tree (creations,
// links, renames, removals), so that FuzzLoad's check of what they leave is
// not vacuous.
func TestFuzzOpsChange(t *testing.T) {
	s := openMem(t)
	if err := s.Load(smallTree()); err != nil {
		t.Fatal(err)
	}
	ops := []byte{0, 0, 0, 0, 1, 0, 0, 1, 5, 1, 2, 2, 5, 2, 3, 0x12, 4, 3, 0, 0, 7, 1, 1, 1}
	if err := runOps(s, ops); err != nil {
		t.Fatal(err)
	}
	after := ok[*Tree](t)(s.Dump())
	if err := after.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(after.Inodes) == len(smallTree().Inodes) || len(after.Xattrs) == 1 {
		t.Fatalf("the operations created no inode or attribute: %+v", after)
	}
}
