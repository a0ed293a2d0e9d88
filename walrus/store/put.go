package store

import (
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/internal/bufpool"
)

// put stores a metadata or sliver value, built by encode when needed, under
// dataKey, stored or pending.
// It writes nothing when the entry is already there: stored, or pending for
// a pending put. A stored put of a pending entry promotes it. A pending put
// for a blob whose state shows it registered stores.
func (s *Store) put(id encoding.BlobID, dataKey []byte, encode func() []byte, size int64, pending bool) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.exit()
	defer s.lockBlob(id, false)()

	// State changes hold the blob's lock exclusively: the state read here
	// holds until the put is done.
	mk := markerKey(dataKey)
	var st BlobState
	var has, marked bool
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		if st, _, err = loadState(txn, id); err != nil {
			return err
		}
		if has, err = exists(txn, dataKey); err != nil {
			return err
		}
		marked, err = exists(txn, mk)
		return err
	})
	switch {
	case err != nil:
		return err
	case st.Invalid:
		return fmt.Errorf("%w: blob %s", ErrInvalidBlob, id)
	}
	pending = pending && !st.Registered()
	if has && (pending || !marked) {
		return nil // there already
	}
	reserved := false
	if pending {
		if err := s.reservePending(size); err != nil {
			return err
		}
		reserved = true
	}
	value := encode()
	if value == nil {
		return nil // encode failed; the caller has its error
	}
	// Badger has copied the value once the transaction is over.
	defer bufpool.Put(value)
	var d Stats
	createdPending := false
	err = s.update(func(txn *badger.Txn) error {
		// Again: a concurrent put of the same entry may have committed.
		d, createdPending = Stats{}, false
		has, err := exists(txn, dataKey)
		if err != nil {
			return err
		}
		m, marked, err := getMarker(txn, mk)
		if err != nil {
			return err
		}
		switch {
		case pending && has:
			return nil // stored or pending already
		case pending:
			createdPending = true
			d.PendingEntries = 1
			if marked { // a marker without data: replace it
				d.PendingEntries, d.PendingBytes = 0, -m.size
			}
			if err := txn.Set(dataKey, value); err != nil {
				return err
			}
			return txn.Set(mk, encodeMarker(marker{size: size, at: time.Now()}))
		case has && !marked:
			return nil
		case has: // promote
			d = countedOf(dataKey, m.size, 1)
			d.PendingEntries, d.PendingBytes = -1, -m.size
			return txn.Delete(mk)
		}
		if marked { // a marker without data: drop it
			d.PendingEntries, d.PendingBytes = -1, -m.size
			if err := txn.Delete(mk); err != nil {
				return err
			}
		}
		d = d.plus(countedOf(dataKey, size, 1))
		return txn.Set(dataKey, value)
	})
	if reserved && (err != nil || !createdPending) {
		s.stats.pendingBytes.Add(-size)
	}
	if err != nil {
		return err
	}
	s.stats.add(d)
	return nil
}

// reservePending counts size more pending bytes, or fails with
// ErrCacheSaturated if that would exceed the bound.
func (s *Store) reservePending(size int64) error {
	for {
		cur := s.stats.pendingBytes.Load()
		if cur+size > s.opts.MaxPendingBytes {
			return fmt.Errorf("%w: %d of %d bytes buffered, %d more asked", ErrCacheSaturated, cur, s.opts.MaxPendingBytes, size)
		}
		if s.stats.pendingBytes.CompareAndSwap(cur, cur+size) {
			return nil
		}
	}
}

// getMarker returns the pending marker under key, if there is one.
func getMarker(txn *badger.Txn, key []byte) (marker, bool, error) {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return marker{}, false, nil
	}
	if err != nil {
		return marker{}, false, err
	}
	var m marker
	err = item.Value(func(v []byte) error {
		m, err = decodeMarker(v)
		return err
	})
	return m, err == nil, err
}

// getStored returns the value under dataKey if it is stored (not pending),
// or pending too when pending is set. With value nil it only checks.
func getStored(txn *badger.Txn, dataKey []byte, pending bool, value func([]byte) error) error {
	item, err := txn.Get(dataKey)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	if !pending {
		marked, err := exists(txn, markerKey(dataKey))
		if err != nil {
			return err
		}
		if marked {
			return ErrNotFound
		}
	}
	if value == nil {
		return nil
	}
	return item.Value(value)
}
