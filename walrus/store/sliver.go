package store

import (
	"errors"
	"fmt"
	"hash/crc32"

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
	var fileErr error
	encode := func() []byte {
		// The data first, in the blob's file; the key, pointing at it,
		// commits after (a crash in between leaves unreferenced bytes).
		off, err := s.files.append(id, sl.Data)
		if err != nil {
			fileErr = err
			return nil
		}
		return encodeSliverRef(sl, off)
	}
	err := s.put(id, sliverKey(id, shard, sl.Axis), encode, int64(len(sl.Data)), pending)
	if err == nil {
		err = fileErr
	}
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
	var ref sliverRef
	inFile := false
	err := s.db.View(func(txn *badger.Txn) error {
		return getStored(txn, sliverKey(id, shard, axis), false, func(v []byte) error {
			if ref, inFile = decodeSliverRef(v); inFile {
				return nil
			}
			var err error
			if sl, err = decodeSliver(axis, v); err != nil {
				return err
			}
			sl.Data = append(bufpool.Get(len(sl.Data))[:0], sl.Data...)
			return nil
		})
	})
	if err == nil && inFile {
		sl, err = s.readSliver(id, axis, ref)
	}
	if err != nil {
		return nil, fmt.Errorf("store: %s sliver of %s shard %d: %w", axis, id, shard, err)
	}
	return sl, nil
}

// readSliver reads a sliver's data from its blob's file and checks it
// against the checksum taken when it was written.
func (s *Store) readSliver(id encoding.BlobID, axis encoding.Axis, ref sliverRef) (*encoding.Sliver, error) {
	if ref.length == 0 || ref.length > MaxSliverBytes {
		return nil, fmt.Errorf("%w: sliver of %d bytes", ErrCorrupt, ref.length)
	}
	data := bufpool.Get(int(ref.length))
	if err := s.files.read(id, ref.off, data); err != nil {
		bufpool.Put(data)
		return nil, err
	}
	if crc32.Checksum(data, castagnoli) != ref.crc {
		bufpool.Put(data)
		return nil, fmt.Errorf("%w: sliver data at %d fails its checksum", ErrCorrupt, ref.off)
	}
	sl := &encoding.Sliver{Axis: axis, SymbolSize: ref.symbolSize, Index: ref.index, Data: data}
	if err := checkStoredSliver(sl); err != nil {
		bufpool.Put(data)
		return nil, err
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
