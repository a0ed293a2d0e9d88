package meta

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"syscall"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/walrusfs/walrusfs/encoding"
)

func now() int64 { return time.Now().UnixNano() }

// Enqueue records that a file's current version must be uploaded. An entry
// for an older version is replaced (the newer content supersedes it). path
// names the file, for display.
func (s *Store) Enqueue(ino uint64, path string) (*QueueEntry, error) {
	var e *QueueEntry
	err := s.update(func(txn *badger.Txn) error {
		in, err := getInode(txn, ino)
		if err != nil {
			return err
		}
		if !in.IsRegular() || !in.Local || in.Certified == in.Version {
			return nil // nothing to upload
		}
		old := new(QueueEntry)
		switch err := getJSON(txn, queueKey(ino), old); {
		case err == nil && old.Version == in.Version:
			e = old
			return nil
		case errors.Is(err, syscall.ENOENT):
			old = nil
		case err != nil:
			return err
		}
		e = &QueueEntry{Ino: ino, Path: path, Version: in.Version, Since: time.Now(), Bytes: in.Size}
		return setQueueEntry(txn, e, old)
	})
	return e, err
}

// Queue returns the upload queue, oldest first.
func (s *Store) Queue() ([]QueueEntry, error) {
	var out []QueueEntry
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{'q'}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var e QueueEntry
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &e) }); err != nil {
				return fmt.Errorf("meta: corrupt queue entry: %w", err)
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortQueue(out)
	return out, nil
}

// Queued returns a file's queue entry, or ENOENT.
func (s *Store) Queued(ino uint64) (*QueueEntry, error) {
	e := new(QueueEntry)
	err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, queueKey(ino), e) })
	if err != nil {
		return nil, err
	}
	return e, nil
}

// UploadFailed records a failed attempt of a queue entry.
func (s *Store) UploadFailed(ino, version uint64, cause error) error {
	return s.update(func(txn *badger.Txn) error {
		e := new(QueueEntry)
		if err := getJSON(txn, queueKey(ino), e); err != nil || e.Version != version {
			if errors.Is(err, syscall.ENOENT) {
				return nil
			}
			return err
		}
		e.Attempts++
		e.LastError = cause.Error()
		return setJSON(txn, queueKey(ino), e)
	})
}

// Certified points a file at the certified blobs of a version. If the file
// changed since (its version moved on), it only records the chunks' hashes
// for later dedup and reports false: the newer version has its own entry.
func (s *Store) Certified(ino, version uint64, chunks []Chunk, hashes [][32]byte) (bool, error) {
	done := false
	err := s.update(func(txn *badger.Txn) error {
		for i, h := range hashes {
			if err := txn.Set(hashKey(h), chunkRecord(chunks[i])); err != nil {
				return err
			}
		}
		in, err := getInode(txn, ino)
		if errors.Is(err, syscall.ENOENT) {
			return nil // deleted meanwhile
		}
		if err != nil {
			return err
		}
		if in.Version != version {
			return nil
		}
		if err := moveRefs(txn, in.Chunks, chunks, time.Now()); err != nil {
			return err
		}
		in.Chunks, in.Certified = chunks, version
		if err := putInode(txn, in); err != nil {
			return err
		}
		if err := clearLost(txn, ino); err != nil {
			return err
		}
		done = true
		return deleteQueueEntry(txn, ino)
	})
	return done, err
}

// KnownChunk returns where content with a hash is stored, if known: a
// chunk of Size bytes of a certified blob.
func (s *Store) KnownChunk(sum [32]byte, size uint64) (Chunk, bool, error) {
	var c Chunk
	found := false
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(hashKey(sum))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(b []byte) error {
			switch len(b) {
			case len(c.Blob): // a whole blob
				copy(c.Blob[:], b)
				c.Size = size
			case len(c.Blob) + 16, len(c.Blob) + 24:
				copy(c.Blob[:], b)
				c.Size = size
				c.Off = binary.BigEndian.Uint64(b[32:])
				c.BlobSize = binary.BigEndian.Uint64(b[40:])
				if len(b) == len(c.Blob)+24 {
					c.Enc = binary.BigEndian.Uint64(b[48:])
				}
			default:
				return errors.New("meta: corrupt content hash entry")
			}
			found = true
			return nil
		})
	})
	return c, found, err
}

// RememberChunk records where content with a hash is stored, for dedup.
func (s *Store) RememberChunk(sum [32]byte, c Chunk) error {
	return s.update(func(txn *badger.Txn) error { return txn.Set(hashKey(sum), chunkRecord(c)) })
}

// chunkRecord is the dedup record of where a chunk's content is: the blob
// ID, and for a range of a shared blob or an encrypted chunk its offset,
// the blob's size and the age file's length (what KnownChunk reads back).
func chunkRecord(c Chunk) []byte {
	v := append([]byte(nil), c.Blob[:]...)
	if !c.Whole() || c.Encrypted() {
		v = binary.BigEndian.AppendUint64(v, c.Off)
		v = binary.BigEndian.AppendUint64(v, c.InBlob())
	}
	if c.Encrypted() {
		v = binary.BigEndian.AppendUint64(v, c.Enc)
	}
	return v
}

func sortQueue(q []QueueEntry) {
	slices.SortFunc(q, func(a, b QueueEntry) int { return a.Since.Compare(b.Since) })
}

// RememberBlob records the blob holding content with a hash, for dedup.
func (s *Store) RememberBlob(sum [32]byte, id encoding.BlobID) error {
	return s.update(func(txn *badger.Txn) error { return txn.Set(hashKey(sum), id[:]) })
}

// QueueHead returns at most limit entries of the upload queue, oldest
// first among them: for display, without reading a long queue whole.
func (s *Store) QueueHead(limit int) ([]QueueEntry, error) {
	var out []QueueEntry
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{'q'}})
		defer it.Close()
		for it.Rewind(); it.Valid() && len(out) < limit; it.Next() {
			var e QueueEntry
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &e) }); err != nil {
				return fmt.Errorf("meta: corrupt queue entry: %w", err)
			}
			out = append(out, e)
		}
		return nil
	})
	sortQueue(out)
	return out, err
}
