package meta

import (
	"encoding/json"
	"errors"
	"fmt"
	"syscall"

	"github.com/dgraph-io/badger/v4"

	"github.com/walrusfs/walrusfs/encoding"
)

// BlobInfo is what the tree knows of one of its blobs on the network: the
// Blob object that keeps it stored, until which epoch, and whether it can be
// deleted. The renewal of blobs before they expire works from these.
type BlobInfo struct {
	Blob      encoding.BlobID `json:"blob"`
	Object    [32]byte        `json:"object"`
	EndEpoch  uint32          `json:"endEpoch"` // exclusive
	Deletable bool            `json:"deletable"`
	Size      uint64          `json:"size"` // unencoded
}

func blobKey(id encoding.BlobID) []byte { return append([]byte{'b'}, id[:]...) }

// RecordBlob remembers a blob's object and end epoch; a later record of
// the same blob replaces it.
func (s *Store) RecordBlob(b BlobInfo) error {
	return s.update(func(txn *badger.Txn) error { return setJSON(txn, blobKey(b.Blob), b) })
}

// BlobInfo returns what is known of a blob, if anything.
func (s *Store) BlobInfo(id encoding.BlobID) (BlobInfo, bool, error) {
	var b BlobInfo
	err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, blobKey(id), &b) })
	if errors.Is(err, syscall.ENOENT) {
		return BlobInfo{}, false, nil
	}
	if err != nil {
		return BlobInfo{}, false, err
	}
	return b, true, nil
}

// Blobs returns every recorded blob.
func (s *Store) Blobs() ([]BlobInfo, error) {
	var out []BlobInfo
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{'b'}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var b BlobInfo
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &b) }); err != nil {
				return fmt.Errorf("meta: corrupt blob record: %w", err)
			}
			out = append(out, b)
		}
		return nil
	})
	return out, err
}

// ReferencedBlobs returns the blobs the tree's files point at.
func (s *Store) ReferencedBlobs() (map[encoding.BlobID]bool, error) {
	out := make(map[encoding.BlobID]bool)
	_, err := s.inodesWhere(func(in *Inode) bool {
		for _, c := range in.Chunks {
			out[c.Blob] = true
		}
		return false
	})
	return out, err
}
