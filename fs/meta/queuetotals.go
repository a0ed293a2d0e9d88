package meta

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"syscall"

	"github.com/dgraph-io/badger/v4"
)

// The queue's totals (files, bytes) are kept beside it, changed in the
// same transactions as its entries, so that status, metrics and the
// unmount's wait never read the whole queue.
var queueTotalsKey = []byte("zQ")

// setQueueEntry writes a queue entry in place of old (nil: none).
func setQueueEntry(txn *badger.Txn, e, old *QueueEntry) error {
	var files, bytes int64 = 1, int64(e.Bytes)
	if old != nil {
		files, bytes = 0, bytes-int64(old.Bytes)
	}
	if err := addQueueTotals(txn, files, bytes); err != nil {
		return err
	}
	return setJSON(txn, queueKey(e.Ino), e)
}

// deleteQueueEntry removes a file's queue entry, if it has one.
func deleteQueueEntry(txn *badger.Txn, ino uint64) error {
	var old QueueEntry
	switch err := getJSON(txn, queueKey(ino), &old); {
	case errors.Is(err, syscall.ENOENT):
		return nil
	case err != nil:
		return err
	}
	if err := addQueueTotals(txn, -1, -int64(old.Bytes)); err != nil {
		return err
	}
	return txn.Delete(queueKey(ino))
}

func addQueueTotals(txn *badger.Txn, files, bytes int64) error {
	f, b, err := readQueueTotals(txn)
	if err != nil {
		return err
	}
	return writeQueueTotals(txn, uint64(max(int64(f)+files, 0)), uint64(max(int64(b)+bytes, 0)))
}

func readQueueTotals(txn *badger.Txn) (files, bytes uint64, err error) {
	item, err := txn.Get(queueTotalsKey)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	err = item.Value(func(v []byte) error {
		if len(v) != 16 {
			return errors.New("meta: corrupt queue totals")
		}
		files, bytes = binary.BigEndian.Uint64(v), binary.BigEndian.Uint64(v[8:])
		return nil
	})
	return files, bytes, err
}

func writeQueueTotals(txn *badger.Txn, files, bytes uint64) error {
	return txn.Set(queueTotalsKey, binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, files), bytes))
}

// QueueTotals returns how many files the upload queue holds, and their
// bytes (each file's size when it was queued).
func (s *Store) QueueTotals() (files, bytes uint64, err error) {
	err = s.db.View(func(txn *badger.Txn) error {
		files, bytes, err = readQueueTotals(txn)
		return err
	})
	return files, bytes, err
}

// ensureQueueTotals counts the queue once in a store from before its
// totals were kept (entries then had no size: it is read from the inode).
func (s *Store) ensureQueueTotals() error {
	return s.update(func(txn *badger.Txn) error {
		if _, err := txn.Get(queueTotalsKey); err == nil || !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		var files, bytes uint64
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{'q'}})
		var fix []QueueEntry
		for it.Rewind(); it.Valid(); it.Next() {
			var e QueueEntry
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &e) }); err != nil {
				it.Close()
				return fmt.Errorf("meta: corrupt queue entry: %w", err)
			}
			if e.Bytes == 0 {
				if in, err := getInode(txn, e.Ino); err == nil && in.Size > 0 {
					e.Bytes = in.Size
					fix = append(fix, e)
				}
			}
			files++
			bytes += e.Bytes
		}
		it.Close()
		for i := range fix {
			if err := setJSON(txn, queueKey(fix[i].Ino), &fix[i]); err != nil {
				return err
			}
		}
		return writeQueueTotals(txn, files, bytes)
	})
}
