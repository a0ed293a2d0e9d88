package cache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/cache/state"
	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/fs/meta"
)

// fakeChain keeps end epochs of blob objects and an epoch the test moves.
type fakeChain struct {
	mu       sync.Mutex
	epoch    chain.Epoch
	ends     map[chain.ObjectID]chain.Epoch
	extended []chain.ObjectID
	fail     error
}

func (f *fakeChain) Committee(ctx context.Context) (*chain.Committee, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return &chain.Committee{Epoch: f.epoch}, nil
}

func (f *fakeChain) ExtendBlob(ctx context.Context, blob chain.ObjectID, epochs uint32) (chain.Blob, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return chain.Blob{}, f.fail
	}
	f.ends[blob] += epochs
	f.extended = append(f.extended, blob)
	return chain.Blob{ID: blob, Storage: chain.Storage{EndEpoch: f.ends[blob]}}, nil
}

func openMeta(t *testing.T) *meta.Store {
	t.Helper()
	m, err := meta.Open(t.TempDir(), 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// file makes a certified file pointing at blob.
func file(t *testing.T, m *meta.Store, name string, blob encoding.BlobID) {
	t.Helper()
	in, err := m.Create(meta.RootIno, name, meta.Inode{Mode: 0o100644})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Update(in.Ino, func(x *meta.Inode) error { x.Version, x.Size = 1, 1; return nil }); err != nil {
		t.Fatal(err)
	}
	e, err := m.Enqueue(in.Ino, name)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := m.Certified(in.Ino, e.Version, []state.Chunk{{Blob: blob, Size: 1}}, [][32]byte{{blob[0]}}); !ok || err != nil {
		t.Fatalf("certify %s: %v %v", name, ok, err)
	}
}

// TestRenewerExtendsWhatTheTreeUses: blobs the files point at are extended
// back to Keep epochs ahead once half of Keep is left; a blob nothing points
// at is left to expire; a failure is shown and retried.
func TestRenewerExtendsWhatTheTreeUses(t *testing.T) {
	m := openMeta(t)
	used, unused := encoding.BlobID{1}, encoding.BlobID{2}
	usedObj, unusedObj := chain.ObjectID{0xa1}, chain.ObjectID{0xa2}
	file(t, m, "f", used)
	for _, b := range []state.BlobInfo{{Blob: used, Object: usedObj, EndEpoch: 4, Size: 5}, {Blob: unused, Object: unusedObj, EndEpoch: 4, Size: 7}} {
		if err := m.Book().RecordBlob(b); err != nil {
			t.Fatal(err)
		}
	}
	ch := &fakeChain{ends: map[chain.ObjectID]chain.Epoch{usedObj: 4, unusedObj: 4}}
	r := NewRenewer(m.Book(), ch, RenewerOptions{Keep: 6, MaxAhead: 53, CostPerEpoch: func(size uint64) uint64 { return 10 * size }})
	ctx := context.Background()

	if err := r.Check(ctx); err != nil || len(ch.extended) != 0 {
		t.Fatalf("epoch 0, 4 epochs left of 6: extended %v (%v), want nothing yet", ch.extended, err)
	}
	if !r.Fresh(used) {
		t.Fatal("a blob with 4 of 6 epochs left is not fresh")
	}
	if st := r.Status(); st.NextDue != 1 || st.CostPerEpoch != 50 {
		t.Fatalf("status %+v: want the next renewal due in epoch 1 (4 − 3) and the used blob's 50 per epoch", st)
	}
	ch.epoch = 1 // 3 left: due
	if err := r.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if len(ch.extended) != 1 || ch.extended[0] != usedObj || ch.ends[usedObj] != 7 {
		t.Fatalf("extended %v to %d; want only the used blob, to epoch 1+6", ch.extended, ch.ends[usedObj])
	}
	if b, _, _ := m.Book().BlobInfo(used); b.EndEpoch != 7 {
		t.Fatalf("record says end epoch %d, want 7", b.EndEpoch)
	}
	if st := r.Status(); st.Blobs != 1 || st.Renewed != 1 || st.EarliestEnd != 7 || st.LastError != "" {
		t.Fatalf("status %+v", st)
	}

	ch.epoch, ch.fail = 4, errors.New("not enough WAL")
	if err := r.Check(ctx); err == nil {
		t.Fatal("a failing renewal reported no error")
	}
	if st := r.Status(); !strings.Contains(st.LastError, "not enough WAL") || st.EarliestEnd != 7 {
		t.Fatalf("status after a failure: %+v", st)
	}
	if r.Fresh(used) {
		t.Fatal("a blob due for renewal (3 of 6 left) is offered to dedup")
	}
	ch.fail = nil
	if err := r.Check(ctx); err != nil || ch.ends[usedObj] != 10 {
		t.Fatalf("retry: %v, end epoch %d, want 10", err, ch.ends[usedObj])
	}
	if st := r.Status(); st.LastError != "" || st.Renewed != 2 {
		t.Fatalf("status after the retry: %+v", st)
	}
	ch.epoch = 20
	if err := r.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if st := r.Status(); st.Expired != 1 {
		t.Fatalf("a blob past its end: status %+v, want it counted expired", st)
	}
}

// batchChain extends several blobs per transaction.
type batchChain struct {
	*fakeChain
	calls []int
}

func (b *batchChain) ExtendBlobs(ctx context.Context, blobs []chain.ObjectID, epochs []uint32) ([]chain.Blob, error) {
	b.calls = append(b.calls, len(blobs))
	out := make([]chain.Blob, len(blobs))
	for i := range blobs {
		var err error
		if out[i], err = b.ExtendBlob(ctx, blobs[i], epochs[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// TestRenewerBatches: 250 due blobs take 3 transactions of at most 100.
func TestRenewerBatches(t *testing.T) {
	m := openMeta(t)
	ch := &batchChain{fakeChain: &fakeChain{epoch: 2, ends: map[chain.ObjectID]chain.Epoch{}}}
	for i := range 250 {
		id := encoding.BlobID{byte(i), byte(i >> 8), 1}
		obj := chain.ObjectID{byte(i), byte(i >> 8), 2}
		file(t, m, fmt.Sprint("f", i), id)
		ch.ends[obj] = 3
		if err := m.Book().RecordBlob(state.BlobInfo{Blob: id, Object: obj, EndEpoch: 3}); err != nil {
			t.Fatal(err)
		}
	}
	r := NewRenewer(m.Book(), ch, RenewerOptions{Keep: 4, MaxAhead: 53})
	if err := r.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ch.calls) != "[100 100 50]" {
		t.Fatalf("transactions of %v blobs, want [100 100 50]", ch.calls)
	}
	if st := r.Status(); st.Renewed != 250 || st.Transactions != 3 || st.EarliestEnd != 6 {
		t.Fatalf("status %+v", st)
	}
}

// TestRenewerLooksAgainWhenTheEpochMoves: between epochs, Run reads the
// epoch alone (a full check reads every kept blob's record); once the
// epoch moves it checks, and renews what fell due.
func TestRenewerLooksAgainWhenTheEpochMoves(t *testing.T) {
	m := openMeta(t)
	blob, obj := encoding.BlobID{3}, chain.ObjectID{0xa3}
	file(t, m, "f", blob)
	if err := m.Book().RecordBlob(state.BlobInfo{Blob: blob, Object: obj, EndEpoch: 4, Size: 5}); err != nil {
		t.Fatal(err)
	}
	ch := &fakeChain{ends: map[chain.ObjectID]chain.Epoch{obj: 4}}
	r := NewRenewer(m.Book(), ch, RenewerOptions{Keep: 6, MaxAhead: 53, Interval: 5 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx)
	waitUntil(t, "the first check", func() bool { return !r.Status().Checked.IsZero() })
	first := r.Status().Checked
	time.Sleep(100 * time.Millisecond) // some 20 looks
	if got := r.Status().Checked; !got.Equal(first) {
		t.Fatalf("checked again at %v (first %v) within one epoch", got, first)
	}
	ch.mu.Lock()
	ch.epoch = 1 // 3 of 6 left: due
	ch.mu.Unlock()
	waitUntil(t, "the renewal in the next epoch", func() bool {
		ch.mu.Lock()
		defer ch.mu.Unlock()
		return len(ch.extended) == 1
	})
}
