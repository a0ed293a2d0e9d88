package store

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/walrusfs/walrusfs/encoding"
)

// scan calls fn for every key with a prefix, in order, in txn. fn may read
// the item's value only if values is set (which prefetches them).
func scan(txn *badger.Txn, prefix []byte, values bool, fn func(*badger.Item) error) error {
	return scanFrom(txn, prefix, prefix, values, fn)
}

func scanFrom(txn *badger.Txn, prefix, start []byte, values bool, fn func(*badger.Item) error) error {
	o := badger.DefaultIteratorOptions
	o.Prefix = prefix
	o.PrefetchValues = values
	it := txn.NewIterator(o)
	defer it.Close()
	for it.Seek(start); it.ValidForPrefix(prefix); it.Next() {
		if err := fn(it.Item()); err != nil {
			return err
		}
	}
	return nil
}

// iteratePage is the number of entries read per transaction by the ForEach
// methods, which call back outside transactions.
const iteratePage = 256

// ForEachBlob calls fn, in blob-ID order from from on, for every blob whose
// metadata is stored (not pending). fn runs outside any transaction and may
// call the store; blobs added or removed meanwhile may or may not be seen.
// An error from fn stops the iteration and is returned as is.
func (s *Store) ForEachBlob(from encoding.BlobID, fn func(encoding.BlobID) error) error {
	return s.forEach(tagMetadata, from, func(txn *badger.Txn, item *badger.Item) (bool, error) {
		marked, err := exists(txn, markerKey(item.Key()))
		return !marked, err
	}, func(id encoding.BlobID, _ []byte) error { return fn(id) })
}

// ForEachBlobState calls fn, in blob-ID order from from on, for every blob
// with a state, as ForEachBlob does.
func (s *Store) ForEachBlobState(from encoding.BlobID, fn func(encoding.BlobID, BlobState) error) error {
	return s.forEach(tagState, from, nil, func(id encoding.BlobID, v []byte) error {
		st, err := decodeState(v)
		if err != nil {
			return fmt.Errorf("store: state of %s: %w", id, err)
		}
		return fn(id, st)
	})
}

// forEach pages through the per-blob keys of a tag; keep (if not nil)
// filters them; values are passed for tagState only.
func (s *Store) forEach(tag byte, from encoding.BlobID, keep func(*badger.Txn, *badger.Item) (bool, error), fn func(encoding.BlobID, []byte) error) error {
	start := blobKey(tag, from)
	withValues := tag == tagState
	for start != nil {
		type entry struct {
			id encoding.BlobID
			v  []byte
		}
		var page []entry
		var next []byte
		err := func() error {
			if err := s.enter(); err != nil {
				return err
			}
			defer s.exit()
			return s.db.View(func(txn *badger.Txn) error {
				return scanFrom(txn, []byte{tag}, start, withValues, func(item *badger.Item) error {
					if len(page) == iteratePage {
						next = item.KeyCopy(nil)
						return errPageFull
					}
					if len(item.Key()) != blobKeyLen {
						return fmt.Errorf("%w: key %x", ErrCorrupt, item.Key())
					}
					if keep != nil {
						ok, err := keep(txn, item)
						if err != nil || !ok {
							return err
						}
					}
					e := entry{id: blobIDOf(item.Key())}
					if withValues {
						var err error
						if e.v, err = item.ValueCopy(nil); err != nil {
							return err
						}
					}
					page = append(page, e)
					return nil
				})
			})
		}()
		if err != nil && !errors.Is(err, errPageFull) {
			return fmt.Errorf("store: iterate: %w", err)
		}
		for _, e := range page {
			if err := fn(e.id, e.v); err != nil {
				return err
			}
		}
		start = next
	}
	return nil
}

// errPageFull ends the scan of a page.
var errPageFull = errors.New("page full")
