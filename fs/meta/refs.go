package meta

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
//
//	'R' blob ID → count (u64)
//	'U' blob ID → unused since (Unix ms, u64)
//	"zR"        → present once the counts cover the whole tree

func refKey(id encoding.BlobID) []byte    { return append([]byte{'R'}, id[:]...) }
func unusedKey(id encoding.BlobID) []byte { return append([]byte{'U'}, id[:]...) }

var refsBuiltKey = []byte("zR")

// publicKey counts the regular files marked public (stored unencrypted on
// purpose), kept as inodes change.
var publicKey = []byte("zP")

func publicFile(in *Inode) bool { return in.Public && in.IsRegular() }

// countPublic moves the public-file count for an inode that was or was not
// a public file and now is or is not.
func countPublic(txn *badger.Txn, was, is bool) error {
	if was == is {
		return nil
	}
	n, err := readU64(txn, publicKey)
	if err != nil {
		return err
	}
	if is {
		n++
	} else if n > 0 {
		n--
	}
	return txn.Set(publicKey, u64(n))
}

// PublicFiles returns how many files are stored unencrypted on purpose.
func (s *Store) PublicFiles() (uint64, error) {
	var n uint64
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		n, err = readU64(txn, publicKey)
		return err
	})
	return n, err
}

// distinctBlobs lists the blobs of chunks, each once.
func distinctBlobs(chunks []Chunk) []encoding.BlobID {
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

// moveRefs updates the counts for a file that pointed at from and now
// points at to.
func moveRefs(txn *badger.Txn, from, to []Chunk, now time.Time) error {
	delta := map[encoding.BlobID]int64{}
	for _, id := range distinctBlobs(from) {
		delta[id]--
	}
	for _, id := range distinctBlobs(to) {
		delta[id]++
	}
	for id, d := range delta {
		if d == 0 {
			continue
		}
		n, err := readU64(txn, refKey(id))
		if err != nil {
			return err
		}
		if d < 0 && n < uint64(-d) {
			return fmt.Errorf("meta: reference count of blob %s would go below zero", id)
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

func readU64(txn *badger.Txn, key []byte) (uint64, error) {
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
			return fmt.Errorf("meta: corrupt counter at %q", key)
		}
		n = binary.BigEndian.Uint64(v)
		return nil
	})
	return n, err
}

// buildRefs counts every file's blobs afresh, once: for a tree from before
// the counts, or one just loaded. Recorded blobs nothing points at are
// listed as unused from now.
func (s *Store) buildRefs() error {
	counts := map[encoding.BlobID]uint64{}
	var public uint64
	if _, err := s.inodesWhere(func(in *Inode) bool {
		for _, id := range distinctBlobs(in.Chunks) {
			counts[id]++
		}
		if publicFile(in) {
			public++
		}
		return false
	}); err != nil {
		return err
	}
	recorded, err := s.Blobs()
	if err != nil {
		return err
	}
	now := time.Now()
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
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
	if err := wb.Set(publicKey, u64(public)); err != nil {
		return err
	}
	if err := wb.Set(refsBuiltKey, nil); err != nil {
		return err
	}
	return wb.Flush()
}

// ensureRefs builds the counts if this tree has none yet.
func (s *Store) ensureRefs() error {
	built := false
	err := s.db.View(func(txn *badger.Txn) error {
		_, err := txn.Get(refsBuiltKey)
		built = err == nil
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		return err
	})
	if err != nil || built {
		return err
	}
	return s.buildRefs()
}

// ReferencedBlobs returns the blobs the tree's files point at.
func (s *Store) ReferencedBlobs() (map[encoding.BlobID]bool, error) {
	out := make(map[encoding.BlobID]bool)
	err := s.db.View(func(txn *badger.Txn) error {
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
func (s *Store) UnusedBlobs() ([]UnusedBlob, error) {
	var out []UnusedBlob
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{'U'}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var u UnusedBlob
			copy(u.Blob[:], it.Item().Key()[1:])
			err := it.Item().Value(func(v []byte) error {
				if len(v) != 8 {
					return fmt.Errorf("meta: corrupt unused-blob record of %s", u.Blob)
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
func (s *Store) MarkUnused(id encoding.BlobID) error {
	return s.update(func(txn *badger.Txn) error { return markUnused(txn, id, time.Now()) })
}

func markUnused(txn *badger.Txn, id encoding.BlobID, now time.Time) error {
	n, err := readU64(txn, refKey(id))
	if err != nil || n > 0 {
		return err
	}
	return txn.Set(unusedKey(id), u64(uint64(now.UnixMilli())))
}

// ForgetUnused takes a blob off the unused list: it was given up, or cannot
// be.
func (s *Store) ForgetUnused(id encoding.BlobID) error {
	return s.update(func(txn *badger.Txn) error { return txn.Delete(unusedKey(id)) })
}
