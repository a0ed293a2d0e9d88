package store

import (
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/walrusfs/walrusfs/encoding"
)

// The recovery queue holds certified blobs whose slivers of the node's
// shards are missing. It survives restarts; DeleteBlob and removals by
// ApplyEvent or ExpireBlobs take blobs out of it.

// QueueRecovery adds a blob to the recovery queue; it is there at most once.
func (s *Store) QueueRecovery(id encoding.BlobID) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.exit()
	defer s.lockBlob(id, false)()
	added := false
	err := s.update(func(txn *badger.Txn) error {
		key := blobKey(tagRecovery, id)
		has, err := exists(txn, key)
		if err != nil || has {
			return err
		}
		added = true
		return txn.Set(key, encodeU64(uint64(time.Now().UnixNano())))
	})
	if err != nil {
		return fmt.Errorf("store: queue %s for recovery: %w", id, err)
	}
	if added {
		s.stats.recovery.Add(1)
	}
	return nil
}

// RecoveryDone takes a blob out of the recovery queue, if it is there.
func (s *Store) RecoveryDone(id encoding.BlobID) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.exit()
	defer s.lockBlob(id, false)()
	removed := false
	err := s.update(func(txn *badger.Txn) error {
		key := blobKey(tagRecovery, id)
		has, err := exists(txn, key)
		if err != nil || !has {
			return err
		}
		removed = true
		return txn.Delete(key)
	})
	if err != nil {
		return fmt.Errorf("store: take %s out of the recovery queue: %w", id, err)
	}
	if removed {
		s.stats.recovery.Add(-1)
	}
	return nil
}

// PendingRecoveries returns the queued blobs in blob-ID order.
func (s *Store) PendingRecoveries() ([]encoding.BlobID, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.exit()
	var ids []encoding.BlobID
	err := s.db.View(func(txn *badger.Txn) error {
		return scan(txn, []byte{tagRecovery}, false, func(item *badger.Item) error {
			if len(item.Key()) != blobKeyLen {
				return fmt.Errorf("%w: recovery key %x", ErrCorrupt, item.Key())
			}
			ids = append(ids, blobIDOf(item.Key()))
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: recovery queue: %w", err)
	}
	return ids, nil
}
