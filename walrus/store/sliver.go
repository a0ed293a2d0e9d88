package store

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/internal/bufpool"
)

// PutSliver stores the sliver of a shard on sl.Axis for a blob, or buffers
// it if pending (the blob is not registered yet). Storing a sliver that is
// already stored does nothing; storing it unpending when it is pending
// promotes it. The node verifies it against the metadata first.
func (s *Store) PutSliver(id encoding.BlobID, shard uint16, sl *encoding.Sliver, pending bool) error {
	if err := checkSliver(sl); err != nil {
		return fmt.Errorf("store: put sliver of %s shard %d: %w", id, shard, err)
	}
	if err := checkShardAxis(shard, sl.Axis); err != nil {
		return fmt.Errorf("store: put sliver of %s shard %d: %w", id, shard, err)
	}
	encode := func() []byte { return encodeSliver(sl) }
	err := s.put(id, sliverKey(id, shard, sl.Axis), encode, int64(len(sl.Data)), pending)
	if err != nil {
		return fmt.Errorf("store: put %s sliver of %s shard %d: %w", sl.Axis, id, shard, err)
	}
	return nil
}

// Sliver returns the stored sliver of a shard on an axis for a blob, with
// its own copy of the data, taken from bufpool: the caller may give s.Data
// back once done with it. Pending slivers are not returned: it fails with
// ErrNotFound until they are promoted.
func (s *Store) Sliver(id encoding.BlobID, shard uint16, axis encoding.Axis) (*encoding.Sliver, error) {
	if err := checkShardAxis(shard, axis); err != nil {
		return nil, fmt.Errorf("store: sliver of %s shard %d: %w", id, shard, err)
	}
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.exit()
	var sl *encoding.Sliver
	err := s.db.View(func(txn *badger.Txn) error {
		return getStored(txn, sliverKey(id, shard, axis), false, func(v []byte) error {
			var err error
			if sl, err = decodeSliver(axis, v); err != nil {
				return err
			}
			sl.Data = append(bufpool.Get(len(sl.Data))[:0], sl.Data...)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: %s sliver of %s shard %d: %w", axis, id, shard, err)
	}
	return sl, nil
}

// HasSliver reports whether the sliver of a shard on an axis is stored
// (pending slivers do not count).
func (s *Store) HasSliver(id encoding.BlobID, shard uint16, axis encoding.Axis) (bool, error) {
	if err := checkShardAxis(shard, axis); err != nil {
		return false, fmt.Errorf("store: sliver of %s shard %d: %w", id, shard, err)
	}
	if err := s.enter(); err != nil {
		return false, err
	}
	defer s.exit()
	err := s.db.View(func(txn *badger.Txn) error {
		return getStored(txn, sliverKey(id, shard, axis), false, nil)
	})
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: %s sliver of %s shard %d: %w", axis, id, shard, err)
	}
	return true, nil
}
