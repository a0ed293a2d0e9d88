package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/walrusfs/walrusfs/chain"
)

// Cursor returns the position in the chain's events up to which the node
// has applied them; 0 when none was recorded.
func (s *Store) Cursor() (chain.Cursor, error) {
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.exit()
	var c chain.Cursor
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		c, err = readCursor(txn)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: cursor: %w", err)
	}
	return c, nil
}

// SetCursor records the position in the chain's events up to which the node
// has applied them.
func (s *Store) SetCursor(c chain.Cursor) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.exit()
	err := s.update(func(txn *badger.Txn) error { return txn.Set(cursorKey, encodeU64(uint64(c))) })
	if err != nil {
		return fmt.Errorf("store: set cursor %d: %w", c, err)
	}
	return nil
}

func readCursor(txn *badger.Txn) (chain.Cursor, error) {
	item, err := txn.Get(cursorKey)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var c uint64
	err = item.Value(func(v []byte) error {
		c, err = decodeU64("cursor", v)
		return err
	})
	return chain.Cursor(c), err
}

// HeldShards returns the shards the node holds as of an epoch, as
// SetHeldShards last recorded them; ok is false when none was.
func (s *Store) HeldShards() (epoch chain.Epoch, shards []uint16, ok bool, err error) {
	if err := s.enter(); err != nil {
		return 0, nil, false, err
	}
	defer s.exit()
	err = s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(heldKey)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			if len(v) < 4 || len(v)%2 != 0 {
				return fmt.Errorf("%w: held shards record of %d bytes", ErrCorrupt, len(v))
			}
			epoch = chain.Epoch(binary.LittleEndian.Uint32(v))
			for i := 4; i < len(v); i += 2 {
				shards = append(shards, binary.LittleEndian.Uint16(v[i:]))
			}
			ok = true
			return nil
		})
	})
	if err != nil {
		return 0, nil, false, fmt.Errorf("store: held shards: %w", err)
	}
	return epoch, shards, ok, nil
}

// SetHeldShards records the shards the node holds (their slivers present
// or queued for recovery) as of an epoch.
func (s *Store) SetHeldShards(epoch chain.Epoch, shards []uint16) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.exit()
	v := binary.LittleEndian.AppendUint32(make([]byte, 0, 4+2*len(shards)), epoch)
	for _, sh := range shards {
		v = binary.LittleEndian.AppendUint16(v, sh)
	}
	if err := s.update(func(txn *badger.Txn) error { return txn.Set(heldKey, v) }); err != nil {
		return fmt.Errorf("store: set held shards: %w", err)
	}
	return nil
}
