package state

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"syscall"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// QueueEntry is a file waiting to be uploaded: the version to upload, and
// how the attempts went.
type QueueEntry struct {
	Ino uint64 `json:"ino"`
	// Path is a name of the file when it was queued, for display.
	Path    string `json:"path,omitempty"`
	Version uint64 `json:"version"`
	// Bytes is the file's size when it was queued.
	Bytes     uint64    `json:"bytes,omitempty"`
	Since     time.Time `json:"since"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error,omitempty"`
}

func queueKey(ino uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{'q'}, ino)
}

// The queue's totals (files, bytes) are kept beside it, changed in the
// same transactions as its entries, so that status, metrics and the
// unmount's wait never read the whole queue.
var queueTotalsKey = []byte("zQ")

// Enqueue records, in the tree's transaction, that a file's version (of
// size bytes, named path for display) must be uploaded. An entry for that
// version is kept as it is; one for an older version is replaced (the
// newer content supersedes it).
func Enqueue(txn *badger.Txn, ino uint64, path string, version, size uint64) (*QueueEntry, error) {
	old := new(QueueEntry)
	switch err := GetJSON(txn, queueKey(ino), old); {
	case err == nil && old.Version == version && old.Bytes == size:
		return old, nil
	case err == nil && old.Version == version:
		// The same version grew (a close before the writes, as a shell's
		// redirection makes, queued it empty): the entry keeps its
		// place and attempts, with the size the totals need.
		e := *old
		e.Bytes = size
		return &e, setQueueEntry(txn, &e, old)
	case errors.Is(err, syscall.ENOENT):
		old = nil
	case err != nil:
		return nil, err
	}
	e := &QueueEntry{Ino: ino, Path: path, Version: version, Since: time.Now(), Bytes: size}
	return e, setQueueEntry(txn, e, old)
}

// setQueueEntry writes a queue entry in place of old (nil: none).
func setQueueEntry(txn *badger.Txn, e, old *QueueEntry) error {
	var files, bytes int64 = 1, int64(e.Bytes)
	if old != nil {
		files, bytes = 0, bytes-int64(old.Bytes)
	}
	if err := addQueueTotals(txn, files, bytes); err != nil {
		return err
	}
	return SetJSON(txn, queueKey(e.Ino), e)
}

// Dequeue removes a file's queue entry, if it has one, in the tree's
// transaction (the file was certified or deleted).
func Dequeue(txn *badger.Txn, ino uint64) error {
	var old QueueEntry
	switch err := GetJSON(txn, queueKey(ino), &old); {
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

// Queue returns the upload queue, oldest first.
func (b *Book) Queue() ([]QueueEntry, error) {
	out, err := b.queue(0)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// QueueHead returns at most limit entries of the upload queue, oldest
// first among them: for display, without reading a long queue whole.
func (b *Book) QueueHead(limit int) ([]QueueEntry, error) {
	if limit <= 0 {
		return nil, nil
	}
	return b.queue(limit)
}

// queue reads at most limit entries (0: all), sorted oldest first.
func (b *Book) queue(limit int) ([]QueueEntry, error) {
	var out []QueueEntry
	err := b.h.ViewTxn(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{'q'}})
		defer it.Close()
		for it.Rewind(); it.Valid() && (limit == 0 || len(out) < limit); it.Next() {
			var e QueueEntry
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &e) }); err != nil {
				return fmt.Errorf("state: corrupt queue entry: %w", err)
			}
			out = append(out, e)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b QueueEntry) int { return a.Since.Compare(b.Since) })
	return out, err
}

// Queued returns a file's queue entry, or ENOENT.
func (b *Book) Queued(ino uint64) (*QueueEntry, error) {
	e := new(QueueEntry)
	err := b.h.ViewTxn(func(txn *badger.Txn) error { return GetJSON(txn, queueKey(ino), e) })
	if err != nil {
		return nil, err
	}
	return e, nil
}

// UploadFailed records a failed attempt of a queue entry.
func (b *Book) UploadFailed(ino, version uint64, cause error) error {
	return b.h.UpdateTxn(func(txn *badger.Txn) error {
		e := new(QueueEntry)
		if err := GetJSON(txn, queueKey(ino), e); err != nil || e.Version != version {
			if errors.Is(err, syscall.ENOENT) {
				return nil
			}
			return err
		}
		e.Attempts++
		e.LastError = cause.Error()
		return SetJSON(txn, queueKey(ino), e)
	})
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
			return errors.New("state: corrupt queue totals")
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
func (b *Book) QueueTotals() (files, bytes uint64, err error) {
	err = b.h.ViewTxn(func(txn *badger.Txn) error {
		files, bytes, err = readQueueTotals(txn)
		return err
	})
	return files, bytes, err
}

// EnsureQueueTotals counts the queue once, in the tree's transaction, in a
// store from before its totals were kept. Entries then had no size: size
// reads it from the file's inode (false: none).
func EnsureQueueTotals(txn *badger.Txn, size func(ino uint64) (uint64, bool)) error {
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
			return fmt.Errorf("state: corrupt queue entry: %w", err)
		}
		if e.Bytes == 0 {
			if n, ok := size(e.Ino); ok && n > 0 {
				e.Bytes = n
				fix = append(fix, e)
			}
		}
		files++
		bytes += e.Bytes
	}
	it.Close()
	for i := range fix {
		if err := SetJSON(txn, queueKey(fix[i].Ino), &fix[i]); err != nil {
			return err
		}
	}
	return writeQueueTotals(txn, files, bytes)
}
