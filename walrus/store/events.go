package store

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
)

// BlobState returns what the store knows of a blob ID from the events it
// applied, or ErrNotFound.
func (s *Store) BlobState(id encoding.BlobID) (BlobState, error) {
	if err := s.enter(); err != nil {
		return BlobState{}, err
	}
	defer s.exit()
	var st BlobState
	var found bool
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		st, found, err = loadState(txn, id)
		return err
	})
	if err == nil && !found {
		err = ErrNotFound
	}
	if err != nil {
		return BlobState{}, fmt.Errorf("store: state of %s: %w", id, err)
	}
	return st, nil
}

// ApplyEvent applies a chain event to the blob it concerns and moves the
// cursor past it, in one transaction:
//   - BlobRegistered adds the object and promotes the blob's pending data;
//   - BlobCertified marks the object certified (adding it if its
//     registration was not seen) and sets its end epoch (extensions);
//   - BlobDeleted drops the object; when no live object is left, the blob's
//     data and state are removed;
//   - InvalidBlobID marks the blob invalid and removes its data; puts of it
//     then fail with ErrInvalidBlob;
//   - other kinds only move the cursor.
//
// An event before the cursor was applied already and is ignored. Events must
// be applied in order, by one goroutine. It returns the blob's state after
// the event (the zero state once the blob is removed or for other kinds).
func (s *Store) ApplyEvent(ev chain.Event) (BlobState, error) {
	return s.applyChecked(ev, applyInOrder, "apply")
}

// ReapplyEvent applies a blob event as ApplyEvent does, data included, but
// whatever the cursor and without moving it: for an event the node skipped
// when it failed and retries later. Applying an event twice changes nothing
// more; one applied late may keep a blob longer (a registration after its
// deletion), never remove data a live object covers.
func (s *Store) ReapplyEvent(ev chain.Event) (BlobState, error) {
	return s.applyChecked(ev, applyLate, "reapply")
}

// RebuildState applies a blob event to the blob's state only, whatever the
// cursor: for replaying, in order, the events of a store that followed them
// before it kept states (see Followed). No data is promoted or removed, as
// the events replayed are not the present: a blob deleted then registered
// again has data that its deletion must not remove.
func (s *Store) RebuildState(ev chain.Event) error {
	_, err := s.applyChecked(ev, applyStateOnly, "rebuild state from")
	return err
}

// applyMode is how applyEvent treats the cursor and the blob's data.
type applyMode int

const (
	applyInOrder   applyMode = iota // skip stale events, move the cursor, change data
	applyLate                       // cursor untouched, data changed
	applyStateOnly                  // cursor and data untouched
)

func (s *Store) applyChecked(ev chain.Event, mode applyMode, verb string) (BlobState, error) {
	if len(ev.ID.TxDigest) > maxDigestLen {
		return BlobState{}, fmt.Errorf("store: %s event %d: %w: digest of %d bytes", verb, ev.Cursor, ErrMalformed, len(ev.ID.TxDigest))
	}
	if err := s.enter(); err != nil {
		return BlobState{}, err
	}
	defer s.exit()
	st, err := s.applyEvent(ev, mode)
	if err != nil {
		return BlobState{}, fmt.Errorf("store: %s %s event %d for %s: %w", verb, ev.Kind, ev.Cursor, ev.BlobID, err)
	}
	return st, nil
}

func (s *Store) applyEvent(ev chain.Event, mode applyMode) (BlobState, error) {
	next := encodeU64(uint64(ev.Cursor) + 1)
	switch ev.Kind {
	case chain.EventBlobRegistered, chain.EventBlobCertified, chain.EventBlobDeleted, chain.EventInvalidBlobID:
	default:
		if mode != applyInOrder {
			return BlobState{}, nil
		}
		return BlobState{}, s.update(func(txn *badger.Txn) error {
			if stale, err := isStale(txn, ev.Cursor); stale || err != nil {
				return err
			}
			return txn.Set(cursorKey, next)
		})
	}
	id := ev.BlobID
	defer s.lockBlob(id, true)()
	var st BlobState
	var stale bool
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		if mode == applyInOrder {
			if stale, err = isStale(txn, ev.Cursor); err != nil {
				return err
			}
		}
		st, _, err = loadState(txn, id)
		return err
	})
	if err != nil || stale {
		return st, err
	}
	eff := st.apply(ev)
	final := func(txn *badger.Txn) (Stats, error) {
		if mode == applyInOrder {
			if err := txn.Set(cursorKey, next); err != nil {
				return Stats{}, err
			}
		}
		if eff == removeAll {
			return Stats{}, txn.Delete(blobKey(tagState, id))
		}
		return Stats{}, txn.Set(blobKey(tagState, id), encodeState(&st))
	}
	switch {
	case mode == applyStateOnly:
		err = s.commit(nil, final)
	case eff == promoteData:
		err = s.promoteLocked(id, final)
	case eff == removeData || eff == removeAll:
		err = s.removeLocked(id, final)
	default:
		err = s.commit(nil, final)
	}
	if eff == removeAll {
		st = BlobState{}
	}
	return st, err
}

// isStale reports whether an event at cursor c was applied already.
func isStale(txn *badger.Txn, c chain.Cursor) (bool, error) {
	cur, err := readCursor(txn)
	return c < cur, err
}

// ExpireBlobs drops the objects whose end epoch is at or before epoch (the
// epoch that just started) and removes the blobs left without any. It
// returns the number of blobs removed.
func (s *Store) ExpireBlobs(epoch chain.Epoch) (int, error) {
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.exit()
	var expiring []encoding.BlobID
	err := s.db.View(func(txn *badger.Txn) error {
		return scan(txn, []byte{tagState}, true, func(item *badger.Item) error {
			return item.Value(func(v []byte) error {
				st, err := decodeState(v)
				if err == nil && st.expire(epoch) {
					expiring = append(expiring, blobIDOf(item.Key()))
				}
				return err
			})
		})
	})
	if err != nil {
		return 0, fmt.Errorf("store: expire blobs at epoch %d: %w", epoch, err)
	}
	removed := 0
	for _, id := range expiring {
		gone, err := s.expireBlob(id, epoch)
		if err != nil {
			return removed, fmt.Errorf("store: expire %s at epoch %d: %w", id, epoch, err)
		}
		if gone {
			removed++
		}
	}
	return removed, nil
}

func (s *Store) expireBlob(id encoding.BlobID, epoch chain.Epoch) (bool, error) {
	defer s.lockBlob(id, true)()
	var st BlobState
	var found bool
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		st, found, err = loadState(txn, id)
		return err
	})
	if err != nil || !found || !st.expire(epoch) {
		return false, err
	}
	if st.uncovered() == removeAll {
		return true, s.removeLocked(id, func(txn *badger.Txn) (Stats, error) {
			return Stats{}, txn.Delete(blobKey(tagState, id))
		})
	}
	return false, s.update(func(txn *badger.Txn) error {
		return txn.Set(blobKey(tagState, id), encodeState(&st))
	})
}

// loadState reads a blob's state; found is false if it has none.
func loadState(txn *badger.Txn, id encoding.BlobID) (st BlobState, found bool, err error) {
	item, err := txn.Get(blobKey(tagState, id))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return BlobState{}, false, nil
	}
	if err != nil {
		return BlobState{}, false, err
	}
	err = item.Value(func(v []byte) error {
		st, err = decodeState(v)
		return err
	})
	return st, err == nil, err
}
