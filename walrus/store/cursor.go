package store

import (
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
