package state

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"syscall"
	"time"

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
	// Unreferenced is when (Unix ms) the collector first found nothing
	// pointing at the blob; 0 while something does.
	Unreferenced int64 `json:"unreferenced,omitempty"`
	// Deleted marks a blob the collector gives up: new content never points
	// at it again; Reclaimed, once its storage came back to the wallet.
	Deleted   bool `json:"deleted,omitempty"`
	Reclaimed bool `json:"reclaimed,omitempty"`
}

func blobKey(id encoding.BlobID) []byte { return append([]byte{'b'}, id[:]...) }

// RecordBlob remembers a blob's object and end epoch; a later record of
// the same blob replaces it. A blob recorded for the first time that no
// file points at yet is listed unused from now: if no file comes to point
// at it (its upload was superseded), it goes after the grace period.
func (b *Book) RecordBlob(info BlobInfo) error {
	return b.h.UpdateTxn(func(txn *badger.Txn) error {
		if _, err := txn.Get(blobKey(info.Blob)); errors.Is(err, badger.ErrKeyNotFound) {
			if err := markUnused(txn, info.Blob, time.Now()); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		return SetJSON(txn, blobKey(info.Blob), info)
	})
}

// BlobInfo returns what is known of a blob, if anything.
func (b *Book) BlobInfo(id encoding.BlobID) (BlobInfo, bool, error) {
	var info BlobInfo
	err := b.h.ViewTxn(func(txn *badger.Txn) error { return GetJSON(txn, blobKey(id), &info) })
	if errors.Is(err, syscall.ENOENT) {
		return BlobInfo{}, false, nil
	}
	if err != nil {
		return BlobInfo{}, false, err
	}
	return info, true, nil
}

// Blobs returns every recorded blob.
func (b *Book) Blobs() ([]BlobInfo, error) {
	var out []BlobInfo
	err := b.h.ViewTxn(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{'b'}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var info BlobInfo
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &info) }); err != nil {
				return fmt.Errorf("state: corrupt blob record: %w", err)
			}
			out = append(out, info)
		}
		return nil
	})
	return out, err
}

// Snapshot is a published manifest kept as a snapshot of the tree, with the
// blobs it points at, which stay stored while it is kept.
type Snapshot struct {
	Version  uint64            `json:"version"`
	Manifest encoding.BlobID   `json:"manifest"`
	Blobs    []encoding.BlobID `json:"blobs"`
}

func snapshotKey(version uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{'S'}, version)
}

// RecordSnapshot keeps a published manifest's record, and drops all but the
// keep newest (keep ≥ 1).
func (b *Book) RecordSnapshot(snap Snapshot, keep int) error {
	return b.h.UpdateTxn(func(txn *badger.Txn) error {
		if err := SetJSON(txn, snapshotKey(snap.Version), snap); err != nil {
			return err
		}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{'S'}, Reverse: true})
		var old []Snapshot
		n := 0
		for it.Seek(snapshotKey(math.MaxUint64)); it.Valid(); it.Next() {
			if n++; n <= max(keep, 1) {
				continue
			}
			var o Snapshot
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &o) }); err != nil {
				it.Close()
				return fmt.Errorf("state: corrupt snapshot record: %w", err)
			}
			old = append(old, o)
		}
		it.Close()
		// What only a dropped snapshot used becomes unused: its manifest
		// (no file points at a manifest) and the content it alone kept,
		// which is listed unused already and was held by the snapshot.
		now := time.Now()
		for _, o := range old {
			if err := txn.Delete(snapshotKey(o.Version)); err != nil {
				return err
			}
			if err := markUnused(txn, o.Manifest, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// Snapshots returns the kept snapshots, newest first.
func (b *Book) Snapshots() ([]Snapshot, error) {
	var out []Snapshot
	err := b.h.ViewTxn(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{'S'}, Reverse: true})
		defer it.Close()
		for it.Seek(snapshotKey(math.MaxUint64)); it.Valid(); it.Next() {
			var snap Snapshot
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &snap) }); err != nil {
				return fmt.Errorf("state: corrupt snapshot record: %w", err)
			}
			out = append(out, snap)
		}
		return nil
	})
	return out, err
}
