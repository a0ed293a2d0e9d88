// Package state is the upload side's bookkeeping of a walrusfs mount: the
// queue of files waiting to be uploaded, the content-hash dedup table, what
// is known of each blob on the network (its object, end epoch, how many
// files point at it), the kept snapshots, the last published manifest and
// the files whose only copy was lost. It is kept in the same Badger store as
// the file system's tree (package fs/meta), which it reaches only through
// Host: a file pointed at its certified blobs, or deleted, changes the tree
// and this bookkeeping in one transaction (the tree calls the functions here
// that take a *badger.Txn), so that a crash never leaves the two apart.
//
// The package sits below both the cache (which works from it) and the tree
// (whose inodes hold Chunks), so that neither imports the other.
//
// Key layout (inode numbers big-endian; the tree owns every other key):
//
//	'q' | ino          upload queue entry (JSON)
//	"zQ"               queue totals: files, bytes (u64, u64)
//	'h' | sha256       where content with that hash is stored (dedup)
//	'b' | blob ID      blob record (JSON BlobInfo)
//	'R' | blob ID      how many files point at the blob (u64)
//	'U' | blob ID      unused since (Unix ms, u64)
//	"zR"               present once the counts cover the whole tree
//	'S' | version      kept snapshot (JSON)
//	'm'                last published manifest (JSON)
//	'L' | ino          lost file (JSON)
package state

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"syscall"

	"github.com/dgraph-io/badger/v4"
)

// Host is the Badger store the bookkeeping lives in (the tree's). Its
// read-write transactions are serialized by one lock shared with the
// tree's own, so that they never conflict.
type Host interface {
	// ViewTxn runs fn in a read-only transaction.
	ViewTxn(fn func(*badger.Txn) error) error
	// UpdateTxn runs fn in a read-write transaction under the store's lock.
	UpdateTxn(fn func(*badger.Txn) error) error
}

// Book reads and changes the bookkeeping in its own transactions; changes
// that must go with the tree's are the package's functions taking a
// *badger.Txn, called by the tree.
type Book struct{ h Host }

// New returns the bookkeeping kept in h.
func New(h Host) *Book { return &Book{h: h} }

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// GetJSON reads a JSON value; a missing key is syscall.ENOENT. The tree
// that hosts the bookkeeping stores its values the same way.
func GetJSON(txn *badger.Txn, key []byte, v any) error {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return syscall.ENOENT
	}
	if err != nil {
		return err
	}
	return item.Value(func(b []byte) error {
		if err := json.Unmarshal(b, v); err != nil {
			return fmt.Errorf("corrupt value at %q: %w", key, err)
		}
		return nil
	})
}

// SetJSON writes a JSON value.
func SetJSON(txn *badger.Txn, key []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return txn.Set(key, b)
}

// ReadU64 reads a big-endian counter; a missing key reads 0.
func ReadU64(txn *badger.Txn, key []byte) (uint64, error) {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var n uint64
	err = item.Value(func(v []byte) error {
		if len(v) != 8 {
			return fmt.Errorf("corrupt counter at %q", key)
		}
		n = binary.BigEndian.Uint64(v)
		return nil
	})
	return n, err
}

// FileContent is what the upload side reads of a file in the tree: its
// size, the version of its content, and whether it is stored unencrypted on
// purpose.
type FileContent struct {
	Size    uint64
	Version uint64
	Public  bool
}
