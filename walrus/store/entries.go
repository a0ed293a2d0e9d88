package store

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/walrusfs/walrusfs/encoding"
)

// entries are a blob's data keys (metadata and slivers, stored or pending)
// with their payload sizes, its pending markers by data key, and whether it
// is queued for recovery.
type entries struct {
	data     [][]byte
	sizes    map[string]int64 // by data key
	markers  map[string]marker
	recovery bool
}

// loadEntries reads a blob's entries. Unless all is set it reads only the
// markers, with the data keys they mark (what promotion and eviction need).
func (s *Store) loadEntries(id encoding.BlobID, all bool) (entries, error) {
	e := entries{sizes: map[string]int64{}, markers: map[string]marker{}}
	err := s.db.View(func(txn *badger.Txn) error {
		err := scan(txn, blobKey(tagPending, id), true, func(item *badger.Item) error {
			dk, err := dataKeyOf(item.Key())
			if err != nil {
				return err
			}
			return item.Value(func(v []byte) error {
				m, err := decodeMarker(v)
				e.markers[string(dk)] = m
				return err
			})
		})
		if err != nil {
			return err
		}
		if !all {
			for k, m := range e.markers {
				has, err := exists(txn, []byte(k))
				if err != nil {
					return err
				}
				if has {
					e.data = append(e.data, []byte(k))
					e.sizes[k] = m.size
				}
			}
			return nil
		}
		add := func(item *badger.Item) error {
			k := item.KeyCopy(nil)
			return item.Value(func(v []byte) error {
				e.data = append(e.data, k)
				e.sizes[string(k)] = payloadLen(k, v)
				return nil
			})
		}
		item, err := txn.Get(metadataKey(id))
		switch {
		case err == nil:
			if err := add(item); err != nil {
				return err
			}
		case !errors.Is(err, badger.ErrKeyNotFound):
			return err
		}
		if err := scan(txn, blobKey(tagSliver, id), false, add); err != nil {
			return err
		}
		e.recovery, err = exists(txn, blobKey(tagRecovery, id))
		return err
	})
	if err != nil {
		return entries{}, fmt.Errorf("read entries of %s: %w", id, err)
	}
	return e, nil
}

// op is a part of a chunked change: keys to delete and the change of the
// counters once they are.
type op struct {
	keys [][]byte
	d    Stats
}

// removals returns the ops deleting every data key and marker of e.
func (e *entries) removals() []op {
	ops := make([]op, 0, len(e.data)+len(e.markers))
	for _, k := range e.data {
		if m, ok := e.markers[string(k)]; ok {
			ops = append(ops, op{keys: [][]byte{k, markerKey(k)}, d: Stats{PendingEntries: -1, PendingBytes: -m.size}})
			continue
		}
		ops = append(ops, op{keys: [][]byte{k}, d: countedOf(k, e.sizes[string(k)], -1)})
	}
	for k, m := range e.markers { // markers without data, if any
		if !e.hasData(k) {
			ops = append(ops, op{keys: [][]byte{markerKey([]byte(k))}, d: Stats{PendingEntries: -1, PendingBytes: -m.size}})
		}
	}
	return ops
}

// promotions returns the ops deleting every marker of e.
func (e *entries) promotions() []op {
	ops := make([]op, 0, len(e.markers))
	for k, m := range e.markers {
		d := Stats{PendingEntries: -1, PendingBytes: -m.size}
		if e.hasData(k) {
			d = d.plus(countedOf([]byte(k), m.size, 1))
		}
		ops = append(ops, op{keys: [][]byte{markerKey([]byte(k))}, d: d})
	}
	return ops
}

func (e *entries) hasData(k string) bool {
	_, ok := e.sizes[k]
	return ok
}

// deleteBatch bounds the keys one transaction deletes, far below Badger's
// limit on a transaction (see memTableSize).
const deleteBatch = 4096

// commit applies ops in transactions of at most deleteBatch keys; the last
// one also runs final (if not nil), whose counter change is added too. The
// caller holds the blob's lock exclusively.
func (s *Store) commit(ops []op, final func(txn *badger.Txn) (Stats, error)) error {
	for start := 0; ; {
		end, n := start, 0
		for end < len(ops) && (end == start || n+len(ops[end].keys) <= deleteBatch) {
			n += len(ops[end].keys)
			end++
		}
		last := end == len(ops)
		var fd Stats
		err := s.update(func(txn *badger.Txn) error {
			for _, o := range ops[start:end] {
				for _, k := range o.keys {
					if err := txn.Delete(k); err != nil {
						return err
					}
				}
			}
			if !last || final == nil {
				return nil
			}
			var err error
			fd, err = final(txn)
			return err
		})
		if err != nil {
			return err
		}
		for _, o := range ops[start:end] {
			s.stats.add(o.d)
		}
		if last {
			s.stats.add(fd)
			return nil
		}
		start = end
	}
}
