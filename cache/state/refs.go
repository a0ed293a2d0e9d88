package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/walrusfs/walrusfs/encoding"
)

// Blob reference counts: how many files point at each blob, kept as files
// are certified and forgotten, so that the blobs nothing uses any more are
// known without walking the tree. A blob whose count falls to zero is
// listed as unused, with the time it became so, until it is used again or
// given up (ForgetUnused).

func refKey(id encoding.BlobID) []byte    { return append([]byte{'R'}, id[:]...) }
func unusedKey(id encoding.BlobID) []byte { return append([]byte{'U'}, id[:]...) }

var refsBuiltKey = []byte("zR")

// DistinctBlobs lists the blobs of chunks, each once.
func DistinctBlobs(chunks []Chunk) []encoding.BlobID {
	var out []encoding.BlobID
	for _, c := range chunks {
		dup := false
		for _, id := range out {
			if id == c.Blob {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, c.Blob)
		}
	}
	return out
}

// MoveRefs updates the counts, in the tree's transaction, for a file that
// pointed at from and now points at to.
func MoveRefs(txn *badger.Txn, from, to []Chunk, now time.Time) error {
	delta := map[encoding.BlobID]int64{}
	for _, id := range DistinctBlobs(from) {
		delta[id]--
	}
	for _, id := range DistinctBlobs(to) {
		delta[id]++
	}
	for id, d := range delta {
		if d == 0 {
			continue
		}
		n, err := ReadU64(txn, refKey(id))
		if err != nil {
			return err
		}
		if d < 0 && n < uint64(-d) {
			return fmt.Errorf("state: reference count of blob %s would go below zero", id)
		}
		n = uint64(int64(n) + d)
		if err := setRefs(txn, id, n, now); err != nil {
			return err
		}
	}
	return nil
}

// setRefs stores a blob's count, listing it as unused when it is zero.
func setRefs(txn *badger.Txn, id encoding.BlobID, n uint64, now time.Time) error {
	if n == 0 {
		if err := txn.Delete(refKey(id)); err != nil {
			return err
		}
		return txn.Set(unusedKey(id), u64(uint64(now.UnixMilli())))
	}
	if err := txn.Delete(unusedKey(id)); err != nil {
		return err
	}
	return txn.Set(refKey(id), u64(n))
}

// RefsBuilt tells whether the counts cover the whole tree.
func RefsBuilt(txn *badger.Txn) (bool, error) {
	_, err := txn.Get(refsBuiltKey)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}

// WriteRefs writes counts built afresh from the whole tree (for a tree from
// before the counts, or one just loaded) into wb, and marks them built.
// Recorded blobs nothing points at are listed as unused from now.
func WriteRefs(wb *badger.WriteBatch, counts map[encoding.BlobID]uint64, recorded []BlobInfo, now time.Time) error {
	for id, n := range counts {
		if err := wb.Set(refKey(id), u64(n)); err != nil {
			return err
		}
	}
	for _, b := range recorded {
		if counts[b.Blob] == 0 && !b.Deleted {
			if err := wb.Set(unusedKey(b.Blob), u64(uint64(now.UnixMilli()))); err != nil {
				return err
			}
		}
	}
	return wb.Set(refsBuiltKey, nil)
}

// ReferencedBlobs returns the blobs the tree's files point at.
func (b *Book) ReferencedBlobs() (map[encoding.BlobID]bool, error) {
	out := make(map[encoding.BlobID]bool)
	err := b.h.ViewTxn(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{'R'}, PrefetchValues: false})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var id encoding.BlobID
			copy(id[:], it.Item().Key()[1:])
			out[id] = true
		}
		return nil
	})
	return out, err
}

// UnusedBlob is a blob no file points at any more, since a time.
type UnusedBlob struct {
	Blob  encoding.BlobID
	Since time.Time
}

// UnusedBlobs lists the blobs no file points at.
func (b *Book) UnusedBlobs() ([]UnusedBlob, error) {
	var out []UnusedBlob
	err := b.h.ViewTxn(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{'U'}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var u UnusedBlob
			copy(u.Blob[:], it.Item().Key()[1:])
			err := it.Item().Value(func(v []byte) error {
				if len(v) != 8 {
					return fmt.Errorf("state: corrupt unused-blob record of %s", u.Blob)
				}
				u.Since = time.UnixMilli(int64(binary.BigEndian.Uint64(v)))
				return nil
			})
			if err != nil {
				return err
			}
			out = append(out, u)
		}
		return nil
	})
	return out, err
}

// MarkUnused lists a blob no file points at (a manifest that is no longer
// kept, say) as unused from now, unless a file points at it.
func (b *Book) MarkUnused(id encoding.BlobID) error {
	return b.h.UpdateTxn(func(txn *badger.Txn) error { return markUnused(txn, id, time.Now()) })
}

func markUnused(txn *badger.Txn, id encoding.BlobID, now time.Time) error {
	n, err := ReadU64(txn, refKey(id))
	if err != nil || n > 0 {
		return err
	}
	return txn.Set(unusedKey(id), u64(uint64(now.UnixMilli())))
}

// ForgetUnused takes a blob off the unused list: it was given up, or cannot
// be.
func (b *Book) ForgetUnused(id encoding.BlobID) error {
	return b.h.UpdateTxn(func(txn *badger.Txn) error { return txn.Delete(unusedKey(id)) })
}
