package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/walrusfs/walrusfs/chain"
)

// Followed reports whether the blob states cover every event before the
// cursor: true once SetFollowed was called, and for a store whose cursor is
// still 0. A store written by a node that moved its cursor without applying
// events to states (before states existed) answers false until its events
// are replayed with RebuildState.
func (s *Store) Followed() (bool, error) {
	if err := s.enter(); err != nil {
		return false, err
	}
	defer s.exit()
	var followed bool
	err := s.db.View(func(txn *badger.Txn) error {
		_, err := txn.Get(followedKey)
		if err == nil {
			followed = true
			return nil
		}
		if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		cur, err := readCursor(txn)
		followed = cur == 0
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store: followed: %w", err)
	}
	return followed, nil
}

// SetFollowed records that the blob states cover every event before the
// cursor, from now on.
func (s *Store) SetFollowed() error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.exit()
	if err := s.update(func(txn *badger.Txn) error { return txn.Set(followedKey, []byte{valueFormat}) }); err != nil {
		return fmt.Errorf("store: set followed: %w", err)
	}
	return nil
}

func parkedKey(c chain.Cursor) []byte {
	return binary.BigEndian.AppendUint64([]byte{tagParked}, uint64(c))
}

// ParkEvent keeps an event the node could not apply, to retry later, under
// its cursor.
func (s *Store) ParkEvent(ev chain.Event) error {
	v, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("store: park event %d: %w", ev.Cursor, err)
	}
	if err := s.enter(); err != nil {
		return err
	}
	defer s.exit()
	if err := s.update(func(txn *badger.Txn) error { return txn.Set(parkedKey(ev.Cursor), append([]byte{valueFormat}, v...)) }); err != nil {
		return fmt.Errorf("store: park event %d: %w", ev.Cursor, err)
	}
	return nil
}

// UnparkEvent forgets a parked event.
func (s *Store) UnparkEvent(c chain.Cursor) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.exit()
	if err := s.update(func(txn *badger.Txn) error { return txn.Delete(parkedKey(c)) }); err != nil {
		return fmt.Errorf("store: unpark event %d: %w", c, err)
	}
	return nil
}

// ParkedEvents returns the parked events in cursor order.
func (s *Store) ParkedEvents() ([]chain.Event, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.exit()
	var out []chain.Event
	err := s.db.View(func(txn *badger.Txn) error {
		return scan(txn, []byte{tagParked}, true, func(item *badger.Item) error {
			return item.Value(func(v []byte) error {
				var ev chain.Event
				if len(v) == 0 || v[0] != valueFormat || json.Unmarshal(v[1:], &ev) != nil {
					return fmt.Errorf("%w: parked event %x", ErrCorrupt, item.Key())
				}
				out = append(out, ev)
				return nil
			})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: parked events: %w", err)
	}
	return out, nil
}
