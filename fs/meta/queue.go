package meta

import (
	"errors"
	"syscall"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/walrusfs/walrusfs/cache/state"
)

func now() int64 { return time.Now().UnixNano() }

// Enqueue records that a file's current version must be uploaded. An entry
// for an older version is replaced (the newer content supersedes it). path
// names the file, for display.
func (s *Store) Enqueue(ino uint64, path string) (*state.QueueEntry, error) {
	var e *state.QueueEntry
	err := s.update(func(txn *badger.Txn) error {
		in, err := getInode(txn, ino)
		if err != nil {
			return err
		}
		e, err = enqueue(txn, in, path)
		return err
	})
	return e, err
}

// enqueue is Enqueue within a transaction, of an inode read in it; it
// returns nil for a file with nothing to upload.
func enqueue(txn *badger.Txn, in *Inode, path string) (*state.QueueEntry, error) {
	if !in.IsRegular() || !in.Local || in.Certified == in.Version {
		return nil, nil // nothing to upload
	}
	return state.Enqueue(txn, in.Ino, path, in.Version, in.Size)
}

// UpdateAndEnqueue is Update (with fn nil: no change) followed, if
// queue, by Enqueue, in one transaction: what a close of a written file
// stores.
func (s *Store) UpdateAndEnqueue(ino uint64, fn func(*Inode) error, queue bool, path string) (*Inode, error) {
	var in *Inode
	err := s.update(func(txn *badger.Txn) error {
		var err error
		if fn != nil {
			in, err = updateInode(txn, ino, fn)
		} else {
			in, err = getInode(txn, ino)
		}
		if err != nil || !queue {
			return err
		}
		_, err = enqueue(txn, in, path)
		return err
	})
	return in, err
}

// FileContent is what the uploader reads of a file's inode.
func (s *Store) FileContent(ino uint64) (state.FileContent, error) {
	in, err := s.Inode(ino)
	if err != nil {
		return state.FileContent{}, err
	}
	return state.FileContent{Size: in.Size, Version: in.Version, Public: in.Public}, nil
}

// Certified points a file at the certified blobs of a version. If the file
// changed since (its version moved on), it only records the chunks' hashes
// for later dedup and reports false: the newer version has its own entry.
// The chunks' hashes, the file's chunks, the blobs' reference counts, its
// lost mark and its queue entry change in one transaction.
func (s *Store) Certified(ino, version uint64, chunks []Chunk, hashes [][32]byte) (bool, error) {
	done := false
	err := s.update(func(txn *badger.Txn) error {
		if err := state.RememberChunks(txn, chunks, hashes); err != nil {
			return err
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
		if err := state.MoveRefs(txn, in.Chunks, chunks, time.Now()); err != nil {
			return err
		}
		in.Chunks, in.Certified = chunks, version
		if err := putInode(txn, in); err != nil {
			return err
		}
		if err := state.ClearLost(txn, ino); err != nil {
			return err
		}
		done = true
		return state.Dequeue(txn, ino)
	})
	return done, err
}

// MarkLost records a file's version as lost (see state.MarkLost) if the
// file still exists at that version; a file deleted or changed meanwhile
// (its data file removed with it, or replaced) is not lost. It tells
// whether this is news.
func (s *Store) MarkLost(f state.LostFile) (bool, error) {
	first := false
	err := s.update(func(txn *badger.Txn) error {
		in, err := getInode(txn, f.Ino)
		if errors.Is(err, syscall.ENOENT) {
			return nil
		}
		if err != nil {
			return err
		}
		if in.Nlink == 0 || in.Version != f.Version || !in.Local {
			return nil
		}
		first, err = state.MarkLost(txn, f)
		return err
	})
	return first, err
}
