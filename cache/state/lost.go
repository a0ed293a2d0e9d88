package state

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"syscall"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// LostFile is a file whose only copy of its current content was local and
// is gone (its data file deleted or cut short behind the mount's back):
// recorded once, so that status can name it and reads need not log.
type LostFile struct {
	Ino     uint64 `json:"ino"`
	Path    string `json:"path"`
	Version uint64 `json:"version"`
	Reason  string `json:"reason"`
	At      int64  `json:"at"` // Unix milliseconds
}

func lostKey(ino uint64) []byte { return binary.BigEndian.AppendUint64([]byte{'L'}, ino) }

// MarkLost records a file's current content as lost, drops its queue entry
// for that version, and tells whether this is news (the first time for this
// version). The tree's MarkLost checks first, in the same transaction, that
// the file still is at that version: a deleted file is not lost.
func MarkLost(txn *badger.Txn, f LostFile) (bool, error) {
	var old LostFile
	switch err := GetJSON(txn, lostKey(f.Ino), &old); {
	case err == nil && old.Version == f.Version:
		return false, nil
	case err != nil && !errors.Is(err, syscall.ENOENT):
		return false, err
	}
	if f.At == 0 {
		f.At = time.Now().UnixMilli()
	}
	// Nothing is left to upload of that version.
	var e QueueEntry
	switch err := GetJSON(txn, queueKey(f.Ino), &e); {
	case err == nil && e.Version == f.Version:
		if err := Dequeue(txn, f.Ino); err != nil {
			return false, err
		}
	case err != nil && !errors.Is(err, syscall.ENOENT):
		return false, err
	}
	return true, SetJSON(txn, lostKey(f.Ino), f)
}

// IsLost tells whether a file's version is recorded as lost.
func (b *Book) IsLost(ino, version uint64) (bool, error) {
	var f LostFile
	err := b.h.ViewTxn(func(txn *badger.Txn) error { return GetJSON(txn, lostKey(ino), &f) })
	if errors.Is(err, syscall.ENOENT) {
		return false, nil
	}
	return err == nil && f.Version == version, err
}

// Lost returns the files recorded as lost, at most limit of them (0: all),
// and how many there are.
func (b *Book) Lost(limit int) ([]LostFile, int, error) {
	var files []LostFile
	count := 0
	err := b.h.ViewTxn(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{'L'}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			count++
			if limit > 0 && len(files) >= limit {
				continue
			}
			var f LostFile
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &f) }); err != nil {
				return err
			}
			files = append(files, f)
		}
		return nil
	})
	return files, count, err
}

// ClearLost forgets a lost mark, in the tree's transaction: the file got
// new content, or is gone.
func ClearLost(txn *badger.Txn, ino uint64) error { return txn.Delete(lostKey(ino)) }
