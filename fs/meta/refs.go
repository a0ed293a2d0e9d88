package meta

import (
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/walrusfs/walrusfs/cache/state"
	"github.com/walrusfs/walrusfs/encoding"
)

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
	n, err := state.ReadU64(txn, publicKey)
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
		n, err = state.ReadU64(txn, publicKey)
		return err
	})
	return n, err
}

// buildRefs counts every file's blobs afresh, once, with the public files:
// for a tree from before the counts, or one just loaded (cache/state keeps
// the blob counts as files change from then on).
func (s *Store) buildRefs() error {
	counts := map[encoding.BlobID]uint64{}
	var public uint64
	if _, err := s.inodesWhere(func(in *Inode) bool {
		for _, id := range state.DistinctBlobs(in.Chunks) {
			counts[id]++
		}
		if publicFile(in) {
			public++
		}
		return false
	}); err != nil {
		return err
	}
	recorded, err := s.book.Blobs()
	if err != nil {
		return err
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	if err := wb.Set(publicKey, u64(public)); err != nil {
		return err
	}
	if err := state.WriteRefs(wb, counts, recorded, time.Now()); err != nil {
		return err
	}
	return wb.Flush()
}

// ensureRefs builds the counts if this tree has none yet.
func (s *Store) ensureRefs() error {
	built := false
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		built, err = state.RefsBuilt(txn)
		return err
	})
	if err != nil || built {
		return err
	}
	return s.buildRefs()
}
