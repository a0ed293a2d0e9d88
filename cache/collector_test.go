package cache

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/cache/state"
	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
)

// deletingChain records deletions.
type deletingChain struct {
	fakeChain
	deleted []chain.ObjectID
}

func (d *deletingChain) DeleteBlob(ctx context.Context, blob chain.ObjectID) (chain.Storage, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.deleted = append(d.deleted, blob)
	return chain.Storage{ID: blob, EndEpoch: d.ends[blob]}, nil
}

// TestCollectorDeletesWhatNothingUses: a deletable blob no file and no kept
// snapshot points at is deleted once unused for the grace period, and is
// never offered to new content again; blobs in use, permanent blobs and
// those of kept snapshots stay; a pass during an upload changes nothing.
func TestCollectorDeletesWhatNothingUses(t *testing.T) {
	m := openMeta(t)
	used, unused, perm, snapBlob, snapManifest := encoding.BlobID{1}, encoding.BlobID{2}, encoding.BlobID{3}, encoding.BlobID{4}, encoding.BlobID{5}
	file(t, m, "f", used)
	ch := &deletingChain{fakeChain: fakeChain{epoch: 1, ends: map[chain.ObjectID]chain.Epoch{}}}
	for i, id := range []encoding.BlobID{used, unused, perm, snapBlob, snapManifest} {
		if err := m.Book().RecordBlob(state.BlobInfo{Blob: id, Object: chain.ObjectID{0xa0 + byte(i)}, EndEpoch: 10, Size: uint64(100 * (i + 1)), Deletable: id != perm}); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Book().RecordSnapshot(state.Snapshot{Version: 1, Manifest: snapManifest, Blobs: []encoding.BlobID{snapBlob}}, 1); err != nil {
		t.Fatal(err)
	}
	var inUse sync.RWMutex
	c := NewCollector(m.Book(), ch, CollectorOptions{Grace: 50 * time.Millisecond, InUse: &inUse})
	r := NewRenewer(m.Book(), ch, RenewerOptions{Keep: 4})
	ctx := context.Background()

	// First pass: the unused blobs start their grace.
	if err := c.Collect(ctx); err != nil {
		t.Fatal(err)
	}
	if st := c.Status(); st.Waiting != 1 || st.Deleted != 0 || len(ch.deleted) != 0 {
		t.Fatalf("first pass: %+v, deleted %v", st, ch.deleted)
	}
	time.Sleep(60 * time.Millisecond)
	// An upload in progress holds the blobs: the pass does nothing.
	inUse.RLock()
	if err := c.Collect(ctx); err != nil || len(ch.deleted) != 0 {
		t.Fatalf("pass during an upload: %v, deleted %v", err, ch.deleted)
	}
	inUse.RUnlock()
	if err := c.Collect(ctx); err != nil {
		t.Fatal(err)
	}
	if st := c.Status(); st.Deleted != 1 || st.ReclaimedBytes != 200 || len(ch.deleted) != 1 || ch.deleted[0] != (chain.ObjectID{0xa1}) {
		t.Fatalf("after the grace: %+v, deleted %v", st, ch.deleted)
	}
	if r.Fresh(unused) || !r.Fresh(used) {
		t.Fatal("a deleted blob is offered to new content, or a used one is not")
	}
	// A second pass deletes nothing twice.
	if err := c.Collect(ctx); err != nil || len(ch.deleted) != 1 {
		t.Fatalf("second pass: %v, deleted %v", err, ch.deleted)
	}

	// The snapshot goes when a newer one replaces it (keep 1): its blobs
	// and manifest follow after their grace.
	if err := m.Book().RecordSnapshot(state.Snapshot{Version: 2, Manifest: encoding.BlobID{6}, Blobs: []encoding.BlobID{used}}, 1); err != nil {
		t.Fatal(err)
	}
	c.Collect(ctx)
	time.Sleep(60 * time.Millisecond)
	c.Collect(ctx)
	if len(ch.deleted) != 3 {
		t.Fatalf("after the snapshot went: deleted %v", ch.deleted)
	}
}
