package store

import (
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/walrusfs/walrusfs/encoding"
)

// DeleteBlob removes everything of a blob: metadata and slivers, stored and
// pending, its state and its recovery-queue entry. Deleting a blob the
// store does not have does nothing.
func (s *Store) DeleteBlob(id encoding.BlobID) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.exit()
	defer s.lockBlob(id, true)()
	err := s.removeLocked(id, func(txn *badger.Txn) (Stats, error) {
		return Stats{}, txn.Delete(blobKey(tagState, id))
	})
	if err != nil {
		return fmt.Errorf("store: delete %s: %w", id, err)
	}
	return nil
}

// removeLocked removes a blob's metadata, slivers, markers and recovery
// entry; final (if not nil) runs in the last transaction.
func (s *Store) removeLocked(id encoding.BlobID, final func(*badger.Txn) (Stats, error)) error {
	e, err := s.loadEntries(id, true)
	if err != nil {
		return err
	}
	ops := e.removals()
	if e.recovery {
		ops = append(ops, op{keys: [][]byte{blobKey(tagRecovery, id)}, d: Stats{RecoveryQueue: -1}})
	}
	if err := s.commit(ops, final); err != nil {
		return err
	}
	// Every sliver key is gone: so can their bytes.
	if err := s.files.remove(id); err != nil {
		return err
	}
	if len(ops) > 0 {
		s.log.Debug("removed blob data", "blob", id, "entries", len(ops))
	}
	return nil
}

// dropFileIfUnused removes a blob's sliver file once no sliver key of the
// blob is left. The caller holds the blob's lock exclusively.
func (s *Store) dropFileIfUnused(id encoding.BlobID) error {
	used := false
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: blobKey(tagSliver, id)})
		defer it.Close()
		it.Rewind()
		used = it.Valid()
		return nil
	})
	if err != nil || used {
		return err
	}
	return s.files.remove(id)
}
