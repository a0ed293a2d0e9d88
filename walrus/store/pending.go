package store

import (
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/walrusfs/walrusfs/encoding"
)

// Promote turns a blob's pending metadata and slivers into stored ones, once
// the blob is registered. It copies no data (see doc.go) and does nothing
// when nothing is pending.
func (s *Store) Promote(id encoding.BlobID) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.exit()
	defer s.lockBlob(id, true)()
	if err := s.promoteLocked(id, nil); err != nil {
		return fmt.Errorf("store: promote %s: %w", id, err)
	}
	return nil
}

// promoteLocked promotes a blob's pending entries; final (if not nil) runs
// in the last transaction.
func (s *Store) promoteLocked(id encoding.BlobID, final func(*badger.Txn) (Stats, error)) error {
	e, err := s.loadEntries(id, false)
	if err != nil {
		return err
	}
	if len(e.markers) == 0 && final == nil {
		return nil
	}
	return s.commit(e.promotions(), final)
}

// EvictPending drops the pending entries of blobs that received none since
// before, unless the blob's state shows it registered, in which case they are
// promoted. It returns the number of entries dropped. The store calls it
// every Options.GCInterval with now − Options.PendingTTL.
func (s *Store) EvictPending(before time.Time) (int, error) {
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.exit()
	latest := map[encoding.BlobID]time.Time{}
	err := s.db.View(func(txn *badger.Txn) error {
		return scan(txn, []byte{tagPending}, true, func(item *badger.Item) error {
			id := blobIDOf(item.Key())
			return item.Value(func(v []byte) error {
				m, err := decodeMarker(v)
				if t, ok := latest[id]; !ok || m.at.After(t) {
					latest[id] = m.at
				}
				return err
			})
		})
	})
	if err != nil {
		return 0, fmt.Errorf("store: evict pending entries: %w", err)
	}
	dropped := 0
	for id, t := range latest {
		if !t.Before(before) {
			continue
		}
		n, err := s.evictBlob(id, before)
		if err != nil {
			return dropped, fmt.Errorf("store: evict pending entries of %s: %w", id, err)
		}
		dropped += n
	}
	return dropped, nil
}

func (s *Store) evictBlob(id encoding.BlobID, before time.Time) (int, error) {
	defer s.lockBlob(id, true)()
	e, err := s.loadEntries(id, false)
	if err != nil {
		return 0, err
	}
	var st BlobState
	err = s.db.View(func(txn *badger.Txn) error {
		st, _, err = loadState(txn, id)
		return err
	})
	if err != nil {
		return 0, err
	}
	if st.Registered() {
		return 0, s.commit(e.promotions(), nil)
	}
	var ops []op
	for k, m := range e.markers {
		if !m.at.Before(before) {
			return 0, nil // the blob received data meanwhile
		}
		keys := [][]byte{markerKey([]byte(k))}
		if e.hasData(k) {
			keys = append(keys, []byte(k))
		}
		ops = append(ops, op{keys: keys, d: Stats{PendingEntries: -1, PendingBytes: -m.size}})
	}
	if len(ops) == 0 {
		return 0, nil
	}
	if err := s.commit(ops, nil); err != nil {
		return 0, err
	}
	if err := s.dropFileIfUnused(id); err != nil {
		return 0, err
	}
	s.log.Debug("dropped pending entries of an unregistered blob", "blob", id, "entries", len(ops))
	return len(ops), nil
}
