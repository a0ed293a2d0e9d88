package meta

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"syscall"

	"github.com/dgraph-io/badger/v4"
)

// Xattr is an extended attribute of an inode.
type Xattr struct {
	Ino   uint64 `json:"ino"`
	Name  string `json:"name"`
	Value []byte `json:"value"`
}

// Entry is a directory entry, with its directory.
type Entry struct {
	Parent uint64 `json:"parent"`
	Name   string `json:"name"`
	Ino    uint64 `json:"ino"`
}

// Tree is a whole tree: what a manifest holds.
type Tree struct {
	Inodes  []Inode `json:"inodes"`
	Entries []Entry `json:"entries"`
	Xattrs  []Xattr `json:"xattrs,omitempty"`
}

// ErrNotSettled: some file's content is not certified yet.
var ErrNotSettled = errors.New("some files are not certified yet")

// Dump returns the tree as one consistent snapshot, provided every linked
// regular file's current content is certified (else ErrNotSettled): a
// manifest must point only at blobs. Unlinked files are left out.
func (s *Store) Dump() (*Tree, error) {
	t, _, err := s.dump(true)
	return t, err
}

// DumpCertified returns the tree as one consistent snapshot with every
// regular file at its last certified content: a file being uploaded (or
// failing to) appears as it last was on the network, and one never
// certified is left out. It returns how many files are so behind, so that a
// manifest can be published while some files wait.
func (s *Store) DumpCertified() (*Tree, int, error) { return s.dump(false) }

func (s *Store) dump(strict bool) (*Tree, int, error) {
	t := &Tree{}
	behind := 0
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			k := item.Key()
			err := item.Value(func(v []byte) error {
				switch {
				case k[0] == 'i' && len(k) == 9:
					var in Inode
					if err := json.Unmarshal(v, &in); err != nil {
						return fmt.Errorf("meta: corrupt inode: %w", err)
					}
					if in.Nlink == 0 && in.Ino != RootIno {
						return nil
					}
					if in.IsRegular() && in.Certified != in.Version {
						if strict {
							return fmt.Errorf("%w: inode %d", ErrNotSettled, in.Ino)
						}
						behind++
						if in.Certified == 0 {
							return nil // never on the network: not in this manifest
						}
						in.Version, in.Size = in.Certified, 0
						for _, c := range in.Chunks {
							in.Size += c.Size
						}
					}
					in.Local, in.Seq = false, 0
					t.Inodes = append(t.Inodes, in)
				case k[0] == 'd' && len(k) >= 9 && len(v) == 12:
					t.Entries = append(t.Entries, Entry{Parent: binary.BigEndian.Uint64(k[1:9]),
						Name: string(k[9:]), Ino: binary.BigEndian.Uint64(v)})
				case k[0] == 'x' && len(k) >= 9:
					t.Xattrs = append(t.Xattrs, Xattr{Ino: binary.BigEndian.Uint64(k[1:9]),
						Name: string(k[9:]), Value: append([]byte(nil), v...)})
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	// Entries and attributes of inodes left out (unlinked but open, or
	// never certified) go too.
	kept := map[uint64]bool{}
	for _, in := range t.Inodes {
		kept[in.Ino] = true
	}
	t.Entries = slices.DeleteFunc(t.Entries, func(e Entry) bool { return !kept[e.Ino] || !kept[e.Parent] })
	t.Xattrs = slices.DeleteFunc(t.Xattrs, func(x Xattr) bool { return !kept[x.Ino] })
	return t, behind, nil
}

// Load replaces the tree of a store that holds nothing but an empty root
// with t (whose files' contents are on the network, not local). t comes
// from a manifest, which is not trusted: it must pass Validate, so that no
// later walk of the tree (a rename's of parents, say) can loop.
func (s *Store) Load(t *Tree) error {
	if err := t.Validate(); err != nil {
		return fmt.Errorf("meta: load: %w", err)
	}
	inodes := make(map[uint64]*Inode, len(t.Inodes))
	var maxIno uint64
	for i := range t.Inodes {
		in := &t.Inodes[i]
		inodes[in.Ino] = in
		maxIno = max(maxIno, in.Ino)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	empty := false
	if err := s.db.View(func(txn *badger.Txn) error { empty = dirIsEmpty(txn, RootIno); return nil }); err != nil {
		return err
	}
	if !empty {
		return fmt.Errorf("meta: load into a tree that is not empty: %w", syscall.ENOTEMPTY)
	}
	// A write batch: a large tree does not fit one transaction. A crash
	// midway leaves a partial tree, which the caller detects (no marker).
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	set := func(k, v []byte) error { return wb.Set(k, v) }
	for _, in := range inodes {
		in.Local, in.Certified, in.Seq = false, in.Version, 1
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		if err := set(inodeKey(in.Ino), b); err != nil {
			return err
		}
	}
	for _, e := range t.Entries {
		v := binary.BigEndian.AppendUint32(u64(e.Ino), inodes[e.Ino].Mode)
		if err := set(direntKey(e.Parent, e.Name), v); err != nil {
			return err
		}
	}
	for _, x := range t.Xattrs {
		if err := set(xattrKey(x.Ino, x.Name), x.Value); err != nil {
			return err
		}
	}
	if err := set(nextKey, u64(maxIno+1)); err != nil {
		return err
	}
	if err := wb.Flush(); err != nil {
		return err
	}
	return s.buildRefs()
}

func settingKey(name string) []byte { return append([]byte{'C'}, name...) }

// Setting returns a setting of the tree ("" when unset).
func (s *Store) Setting(name string) (string, error) {
	var v string
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(settingKey(name))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		b, err := item.ValueCopy(nil)
		v = string(b)
		return err
	})
	return v, err
}

// SetSetting records a setting of the tree.
func (s *Store) SetSetting(name, value string) error {
	return s.db.Update(func(txn *badger.Txn) error { return txn.Set(settingKey(name), []byte(value)) })
}

// Changes counts the changes made through this Store since it was opened.
func (s *Store) Changes() uint64 { return s.changes.Load() }

// Unsettled tells whether an inode is a linked regular file whose local
// content changed and is not certified.
func (in *Inode) Unsettled() bool {
	return in.IsRegular() && in.Local && in.Nlink > 0 && in.Certified != in.Version
}

// Unsettled returns the unsettled files (Inode.Unsettled): after a crash,
// some of them may have no queue entry for their current version.
func (s *Store) Unsettled() ([]Inode, error) {
	return s.inodesWhere((*Inode).Unsettled)
}
