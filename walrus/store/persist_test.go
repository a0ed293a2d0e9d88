package store

import (
	"slices"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
)

func TestCursorAndRecoveryQueueSurviveRestart(t *testing.T) {
	s, dir := fresh(t, Options{})
	if c, err := s.Cursor(); err != nil || c != 0 {
		t.Fatalf("cursor of a new store = %d, %v", c, err)
	}
	must(t, s.SetCursor(41))
	must(t, s.SetCursor(42))
	a, b, c := blobID(1), blobID(2), blobID(3)
	for _, id := range []encoding.BlobID{a, b, c, a} {
		must(t, s.QueueRecovery(id))
	}
	must(t, s.RecoveryDone(b))
	must(t, s.RecoveryDone(b)) // not queued: no-op

	s = reopen(t, s, dir, Options{})
	if cur, err := s.Cursor(); err != nil || cur != 42 {
		t.Fatalf("cursor after restart = %d, %v", cur, err)
	}
	ids, err := s.PendingRecoveries()
	must(t, err)
	want := []encoding.BlobID{a, c}
	slices.SortFunc(want, func(x, y encoding.BlobID) int { return slices.Compare(x[:], y[:]) })
	if !slices.Equal(ids, want) {
		t.Fatalf("recovery queue %v, want %v", ids, want)
	}
	if st := s.Stats(); st.RecoveryQueue != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// TestCountersWithoutCleanClose: after a crash (no counters saved), Open
// recounts.
func TestCountersWithoutCleanClose(t *testing.T) {
	s, dir := fresh(t, Options{NoSync: true})
	id := blobID(1)
	putBlob(t, s, id)
	must(t, s.PutSliver(blobID(2), 4, sliver(encoding.Primary, 4, 2, 20, 1), true))
	must(t, s.QueueRecovery(id))
	want := s.Stats()
	must(t, s.Close())

	db, err := badger.Open(badgerOptions(dir, Options{}.withDefaults()))
	must(t, err)
	must(t, db.Update(func(txn *badger.Txn) error { return txn.Delete(statsKey) }))
	must(t, db.Close())

	s = open(t, dir, Options{NoSync: true})
	if got := s.Stats(); got != want {
		t.Fatalf("recounted %+v, want %+v", got, want)
	}
}

func TestClosed(t *testing.T) {
	s, dir := fresh(t, Options{NoSync: true})
	must(t, s.Close())
	wantErr(t, s.Close(), ErrClosed)
	id := blobID(1)
	for name, err := range map[string]error{
		"PutMetadata": s.PutMetadata(id, metadata(4, 1), false),
		"Metadata":    func() error { _, err := s.Metadata(id, true); return err }(),
		"PutSliver":   s.PutSliver(id, 0, sliver(encoding.Primary, 0, 2, 2, 1), false),
		"Promote":     s.Promote(id),
		"DeleteBlob":  s.DeleteBlob(id),
		"SetCursor":   s.SetCursor(1),
		"ApplyEvent":  func() error { _, err := s.ApplyEvent(chain.Event{Kind: chain.EventBlobRegistered}); return err }(),
		"ForEachBlob": s.ForEachBlob(id, func(encoding.BlobID) error { return nil }),
	} {
		if !errorsIs(err, ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
	open(t, dir, Options{NoSync: true}) // the directory lock was released
}

func TestOpenLockedDirectory(t *testing.T) {
	_, dir := fresh(t, Options{NoSync: true})
	if s, err := Open(dir, Options{}); err == nil {
		s.Close()
		t.Fatal("opened a directory another store holds")
	}
}

func TestIteration(t *testing.T) {
	s, _ := fresh(t, Options{NoSync: true})
	var stored []encoding.BlobID
	for i := range uint64(3*iteratePage + 17) {
		id := blobID(i)
		pending := i%5 == 0
		must(t, s.PutMetadata(id, metadata(4, i), pending))
		if !pending || i%3 == 0 { // registration promotes
			stored = append(stored, id)
		}
		if i%3 == 0 {
			_, err := s.ApplyEvent(chain.Event{Cursor: chain.Cursor(i), Kind: chain.EventBlobRegistered, BlobID: id, ObjectID: chain.ObjectID{byte(i)}, EndEpoch: 9})
			must(t, err)
		}
	}
	slices.SortFunc(stored, func(x, y encoding.BlobID) int { return slices.Compare(x[:], y[:]) })
	var got []encoding.BlobID
	must(t, s.ForEachBlob(encoding.BlobID{}, func(id encoding.BlobID) error {
		got = append(got, id)
		return s.DeleteBlob(blobID(1 << 40)) // the callback may call the store
	}))
	if !slices.Equal(got, stored) {
		t.Fatalf("ForEachBlob listed %d blobs, want %d in order", len(got), len(stored))
	}
	from := stored[len(stored)/2]
	got = got[:0]
	must(t, s.ForEachBlob(from, func(id encoding.BlobID) error { got = append(got, id); return nil }))
	if !slices.Equal(got, stored[len(stored)/2:]) {
		t.Fatalf("ForEachBlob from the middle listed %d blobs, want %d", len(got), len(stored)-len(stored)/2)
	}
	stop := errorsNew("stop")
	n := 0
	err := s.ForEachBlob(encoding.BlobID{}, func(encoding.BlobID) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatalf("stopping ForEachBlob: %v after %d calls", err, n)
	}
	states := 0
	must(t, s.ForEachBlobState(encoding.BlobID{}, func(id encoding.BlobID, st BlobState) error {
		if !st.Registered() || st.EndEpoch() != 9 {
			t.Fatalf("state of %s: %+v", id, st)
		}
		states++
		return nil
	}))
	if states != (3*iteratePage+17+2)/3 {
		t.Fatalf("ForEachBlobState listed %d states", states)
	}
}
