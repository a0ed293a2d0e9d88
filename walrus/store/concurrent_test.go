package store

import (
	"fmt"
	"sync"
	"testing"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
)

// TestConcurrentWriters runs writers, readers, promotions, deletions and
// event application at once, then checks every sliver and the counters.
func TestConcurrentWriters(t *testing.T) {
	s, dir := fresh(t, Options{})
	const (
		writers = 6
		perW    = 40
		blobs   = 4
	)
	ids := make([]encoding.BlobID, blobs)
	for i := range ids {
		ids[i] = blobID(uint64(i))
		must(t, s.PutMetadata(ids[i], metadata(10, uint64(i)), i%2 == 0)) // even blobs start pending
	}
	victim := blobID(99) // written and deleted over and over

	// The sliver of (writer w, step k): blob k%blobs, shard w*perW+k, axis k%2.
	want := func(w, k int) (encoding.BlobID, uint16, *encoding.Sliver) {
		axis := encoding.Axis(k % 2)
		return ids[k%blobs], uint16(w*perW + k), sliver(axis, uint16(k), 2, 2*(1+k*37), uint64(w*perW+k))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	report := func(err error) {
		if err != nil {
			select {
			case errs <- err:
			default:
			}
		}
	}
	for w := range writers {
		wg.Go(func() {
			for k := range perW {
				id, shard, sl := want(w, k)
				report(s.PutSliver(id, shard, sl, k%3 == 0))
				if k%4 == 0 { // the same sliver from another writer, as a client retry would
					id, shard, sl := want((w+1)%writers, k)
					report(s.PutSliver(id, shard, sl, false))
				}
			}
		})
	}
	for r := range 2 {
		wg.Go(func() {
			for k := range 200 {
				id := ids[(k+r)%blobs]
				sl, err := s.Sliver(id, uint16(k%(writers*perW)), encoding.Axis(k%2))
				if err == nil && (sl.SymbolSize != 2 || len(sl.Data) == 0) {
					report(fmt.Errorf("read a bad sliver %+v", sl))
				} else if err != nil && !errorsIs(err, ErrNotFound) {
					report(err)
				}
				_, err = s.HasSliver(id, uint16(k), encoding.Primary)
				report(err)
				_, err = s.Metadata(id, true)
				report(err)
			}
		})
	}
	wg.Go(func() { // the chain follower
		for i, id := range ids {
			if i%2 == 0 {
				_, err := s.ApplyEvent(chain.Event{Cursor: chain.Cursor(i), Kind: chain.EventBlobRegistered, BlobID: id, ObjectID: chain.ObjectID{byte(i)}, EndEpoch: 9})
				report(err)
			}
		}
	})
	wg.Go(func() {
		for k := range 30 {
			report(s.PutSliver(victim, uint16(k), sliver(encoding.Primary, 0, 2, 64, 1), k%2 == 0))
			report(s.QueueRecovery(victim))
			report(s.Promote(victim))
			if k%3 == 0 {
				report(s.DeleteBlob(victim))
			}
			report(s.RecoveryDone(ids[k%blobs]))
		}
		report(s.DeleteBlob(victim))
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	// Registration promoted the even blobs; promote the odd ones' pending slivers too.
	for _, id := range ids {
		must(t, s.Promote(id))
	}
	s = reopen(t, s, dir, Options{})
	for w := range writers {
		for k := range perW {
			id, shard, sl := want(w, k)
			got, err := s.Sliver(id, shard, sl.Axis)
			if err != nil {
				t.Fatalf("writer %d step %d: %v", w, k, err)
			}
			if !sameSliver(got, sl) {
				t.Fatalf("writer %d step %d: sliver changed", w, k)
			}
		}
	}
	if has, _ := s.HasMetadata(victim, true); has {
		t.Fatal("deleted blob has metadata")
	}
	if st := s.Stats(); st.Slivers != writers*perW || st.PendingEntries != 0 || st.Blobs != blobs {
		t.Fatalf("stats %+v", st)
	}
	checkCounts(t, s)
}
