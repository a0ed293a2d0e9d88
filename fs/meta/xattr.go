package meta

import (
	"errors"
	"syscall"

	"github.com/dgraph-io/badger/v4"
)

// Xattr flags, as in setxattr(2).
const (
	XattrCreate  = 1
	XattrReplace = 2
)

// maxXattrs bounds the attributes of one inode and their total size, as
// ext4 bounds them by a block: a file system is no key-value store.
const maxXattrBytes = 64 << 10

// GetXattr returns an extended attribute's value, or ENODATA.
func (s *Store) GetXattr(ino uint64, name string) ([]byte, error) {
	var v []byte
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(xattrKey(ino, name))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return syscall.ENODATA
		}
		if err != nil {
			return err
		}
		v, err = item.ValueCopy(nil)
		return err
	})
	return v, err
}

// SetXattr sets an extended attribute, honouring XattrCreate and
// XattrReplace.
func (s *Store) SetXattr(ino uint64, name string, value []byte, flags uint32) error {
	return s.update(func(txn *badger.Txn) error {
		in, err := getInode(txn, ino)
		if err != nil {
			return err
		}
		_, err = txn.Get(xattrKey(ino, name))
		exists := err == nil
		if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		switch {
		case exists && flags&XattrCreate != 0:
			return syscall.EEXIST
		case !exists && flags&XattrReplace != 0:
			return syscall.ENODATA
		}
		total := len(name) + len(value)
		if err := eachXattr(txn, ino, func(n string, v []byte) {
			if n != name {
				total += len(n) + len(v)
			}
		}); err != nil {
			return err
		}
		if total > maxXattrBytes {
			return syscall.ENOSPC
		}
		if err := txn.Set(xattrKey(ino, name), append([]byte(nil), value...)); err != nil {
			return err
		}
		in.Ctime = now()
		return putInode(txn, in)
	})
}

// RemoveXattr removes an extended attribute, or fails with ENODATA.
func (s *Store) RemoveXattr(ino uint64, name string) error {
	return s.update(func(txn *badger.Txn) error {
		in, err := getInode(txn, ino)
		if err != nil {
			return err
		}
		if _, err := txn.Get(xattrKey(ino, name)); errors.Is(err, badger.ErrKeyNotFound) {
			return syscall.ENODATA
		} else if err != nil {
			return err
		}
		if err := txn.Delete(xattrKey(ino, name)); err != nil {
			return err
		}
		in.Ctime = now()
		return putInode(txn, in)
	})
}

// ListXattr returns the names of an inode's extended attributes.
func (s *Store) ListXattr(ino uint64) ([]string, error) {
	var names []string
	err := s.db.View(func(txn *badger.Txn) error {
		return eachXattr(txn, ino, func(n string, _ []byte) { names = append(names, n) })
	})
	return names, err
}

func eachXattr(txn *badger.Txn, ino uint64, fn func(name string, value []byte)) error {
	prefix := xattrKey(ino, "")
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		name := string(item.Key()[len(prefix):])
		if err := item.Value(func(v []byte) error { fn(name, v); return nil }); err != nil {
			return err
		}
	}
	return nil
}
