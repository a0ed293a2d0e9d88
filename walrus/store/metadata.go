package store

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/walrusfs/walrusfs/encoding"
)

// PutMetadata stores a blob's metadata, or buffers it if pending (the blob
// is not registered yet). Storing metadata that is already stored does
// nothing; storing it unpending when it is pending promotes it. The node
// verifies it against the blob ID first.
func (s *Store) PutMetadata(id encoding.BlobID, m *encoding.Metadata, pending bool) error {
	if err := checkMetadata(m); err != nil {
		return fmt.Errorf("store: put metadata of %s: %w", id, err)
	}
	v := encodeMetadata(m) // its size is needed first; it is small
	if err := s.put(id, metadataKey(id), func() []byte { return v }, int64(len(v)-1), pending); err != nil {
		return fmt.Errorf("store: put metadata of %s: %w", id, err)
	}
	return nil
}

// Metadata returns a blob's stored metadata, or its pending metadata when
// pending is set and none is stored. It fails with ErrNotFound if there is
// none.
func (s *Store) Metadata(id encoding.BlobID, pending bool) (*encoding.Metadata, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.exit()
	var m *encoding.Metadata
	err := s.db.View(func(txn *badger.Txn) error {
		return getStored(txn, metadataKey(id), pending, func(v []byte) error {
			var err error
			m, err = decodeMetadata(v)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: metadata of %s: %w", id, err)
	}
	return m, nil
}

// HasMetadata reports whether a blob's metadata is stored, or also pending
// when pending is set, without decoding it.
func (s *Store) HasMetadata(id encoding.BlobID, pending bool) (bool, error) {
	if err := s.enter(); err != nil {
		return false, err
	}
	defer s.exit()
	err := s.db.View(func(txn *badger.Txn) error {
		return getStored(txn, metadataKey(id), pending, nil)
	})
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: metadata of %s: %w", id, err)
	}
	return true, nil
}
