package state

import (
	"errors"
	"sync"
	"syscall"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// host is a Badger store of its own: the bookkeeping needs nothing of the
// tree but its transactions.
type host struct {
	db *badger.DB
	mu sync.Mutex
}

func (h *host) ViewTxn(fn func(*badger.Txn) error) error { return h.db.View(fn) }
func (h *host) UpdateTxn(fn func(*badger.Txn) error) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.db.Update(fn)
}

func openHost(t *testing.T) *host {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(t.TempDir()).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &host{db: db}
}

// TestQueueTotalsFollowEntries: the queue's totals move with every entry
// queued, superseded, lost and dequeued, and a loss drops the entry only
// for its own version.
func TestQueueTotalsFollowEntries(t *testing.T) {
	h := openHost(t)
	b := New(h)
	enqueue := func(ino, version, size uint64) {
		t.Helper()
		if err := h.UpdateTxn(func(txn *badger.Txn) error {
			_, err := Enqueue(txn, ino, "f", version, size)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	totals := func(files, bytes uint64) {
		t.Helper()
		f, by, err := b.QueueTotals()
		if err != nil || f != files || by != bytes {
			t.Fatalf("totals %d files, %d bytes (%v); want %d, %d", f, by, err, files, bytes)
		}
	}
	enqueue(1, 1, 100)
	enqueue(2, 1, 10)
	totals(2, 110)
	enqueue(1, 1, 999) // the same version, grown: its size follows
	totals(2, 1009)
	if e, err := b.Queued(1); err != nil || e.Bytes != 999 || e.Version != 1 {
		t.Fatalf("entry after the same version grew: %+v, %v", e, err)
	}
	enqueue(1, 2, 50) // a newer version supersedes it
	totals(2, 60)
	markLost := func(f LostFile) (first bool, err error) {
		err = h.UpdateTxn(func(txn *badger.Txn) error { first, err = MarkLost(txn, f); return err })
		return first, err
	}
	if first, err := markLost(LostFile{Ino: 2, Version: 7}); err != nil || !first {
		t.Fatalf("MarkLost of another version: %v %v", first, err)
	}
	totals(2, 60) // version 1 is still to upload
	if first, err := markLost(LostFile{Ino: 2, Version: 1}); err != nil || !first {
		t.Fatalf("MarkLost: %v %v", first, err)
	}
	totals(1, 50)
	if err := h.UpdateTxn(func(txn *badger.Txn) error { return Dequeue(txn, 1) }); err != nil {
		t.Fatal(err)
	}
	totals(0, 0)
	if _, err := b.Queued(1); !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("a dequeued file's entry: %v", err)
	}
}

// TestKnownChunkRoundTrip: what RememberChunk records, KnownChunk gives
// back, for a whole blob, a range of a shared one, an encrypted chunk and
// patches of quilts (plain and encrypted).
func TestKnownChunkRoundTrip(t *testing.T) {
	b := New(openHost(t))
	for i, c := range []Chunk{
		{Blob: [32]byte{1}, Size: 10},
		{Blob: [32]byte{2}, Size: 10, Off: 30, BlobSize: 100},
		{Blob: [32]byte{3}, Size: 10, Off: 0, BlobSize: 300, Enc: 200},
		{Blob: [32]byte{4}, Size: 10, BlobSize: 5000, Patch: Patch{Start: 3, End: 5}},
		{Blob: [32]byte{5}, Size: 10, BlobSize: 5000, Enc: 300, Patch: Patch{Start: 1, End: 2}},
	} {
		sum := [32]byte{byte(i), 0xee}
		if err := b.RememberChunk(sum, c); err != nil {
			t.Fatal(err)
		}
		got, found, err := b.KnownChunk(sum, c.Size)
		if err != nil || !found || got.Blob != c.Blob || got.Size != c.Size || got.Off != c.Off ||
			got.InBlob() != c.InBlob() || got.Enc != c.Enc || got.Patch != c.Patch {
			t.Errorf("chunk %d: got %+v %v %v, want %+v", i, got, found, err, c)
		}
	}
	if _, found, err := b.KnownChunk([32]byte{9}, 1); found || err != nil {
		t.Errorf("an unknown hash found: %v %v", found, err)
	}
}
