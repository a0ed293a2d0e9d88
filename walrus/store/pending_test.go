package store

import (
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
)

func TestPendingKeptApartAndPromoted(t *testing.T) {
	s, dir := fresh(t, Options{})
	id := blobID(1)
	m := metadata(10, 1)
	p, q := sliver(encoding.Primary, 4, 2, 14, 1), sliver(encoding.Secondary, 5, 2, 8, 2)
	must(t, s.PutMetadata(id, m, true))
	must(t, s.PutSliver(id, 3, p, true))
	must(t, s.PutSliver(id, 3, q, true))
	must(t, s.PutSliver(id, 3, q, true)) // twice: counted once

	hidden := func() {
		t.Helper()
		_, err := s.Metadata(id, false)
		wantErr(t, err, ErrNotFound)
		_, err = s.Sliver(id, 3, encoding.Primary)
		wantErr(t, err, ErrNotFound)
		if has, err := s.HasSliver(id, 3, encoding.Secondary); err != nil || has {
			t.Fatalf("HasSliver of a pending sliver = %v, %v", has, err)
		}
		got, err := s.Metadata(id, true)
		must(t, err)
		if !sameMetadata(got, m) {
			t.Fatal("pending metadata changed")
		}
		count := 0
		must(t, s.ForEachBlob(encoding.BlobID{}, func(encoding.BlobID) error { count++; return nil }))
		if count != 0 {
			t.Fatalf("ForEachBlob lists %d pending blobs", count)
		}
		want := int64(len(m.MarshalBCS()) + len(p.Data) + len(q.Data))
		if st := s.Stats(); st != (Stats{PendingEntries: 3, PendingBytes: want}) {
			t.Fatalf("stats %+v, want 3 entries of %d bytes pending", st, want)
		}
	}
	hidden()
	s = reopen(t, s, dir, Options{})
	hidden()

	must(t, s.Promote(id))
	must(t, s.Promote(id)) // nothing left: no-op
	got, err := s.Sliver(id, 3, encoding.Secondary)
	must(t, err)
	if !sameSliver(got, q) {
		t.Fatal("promoted sliver changed")
	}
	if has, err := s.HasMetadata(id, false); err != nil || !has {
		t.Fatalf("HasMetadata after Promote = %v, %v", has, err)
	}
	if st := s.Stats(); st.PendingEntries != 0 || st.PendingBytes != 0 || st.Slivers != 2 || st.Blobs != 1 {
		t.Fatalf("stats after Promote %+v", st)
	}
	checkCounts(t, s)
}

// TestStoredPutPromotesOne: a stored put of a pending entry promotes just it.
func TestStoredPutPromotesOne(t *testing.T) {
	s, _ := fresh(t, Options{NoSync: true})
	id := blobID(1)
	p, q := sliver(encoding.Primary, 0, 2, 6, 1), sliver(encoding.Primary, 1, 2, 6, 2)
	must(t, s.PutSliver(id, 0, p, true))
	must(t, s.PutSliver(id, 1, q, true))
	must(t, s.PutSliver(id, 0, p, false))
	if has, _ := s.HasSliver(id, 0, encoding.Primary); !has {
		t.Fatal("stored put did not promote the pending sliver")
	}
	if has, _ := s.HasSliver(id, 1, encoding.Primary); has {
		t.Fatal("stored put promoted another sliver")
	}
	must(t, s.PutSliver(id, 0, p, true)) // pending put of a stored sliver: no-op
	if has, _ := s.HasSliver(id, 0, encoding.Primary); !has {
		t.Fatal("pending put demoted a stored sliver")
	}
	checkCounts(t, s)
}

func TestPendingBound(t *testing.T) {
	const limit = 10_000
	s, dir := fresh(t, Options{MaxPendingBytes: limit})
	a, b := blobID(1), blobID(2)
	must(t, s.PutSliver(a, 0, sliver(encoding.Primary, 0, 2, 6000, 1), true))
	err := s.PutSliver(b, 0, sliver(encoding.Primary, 0, 2, 6000, 2), true)
	wantErr(t, err, ErrCacheSaturated)
	must(t, s.PutSliver(b, 0, sliver(encoding.Primary, 0, 2, 4000, 3), true)) // exactly at the bound
	wantErr(t, s.PutSliver(b, 1, sliver(encoding.Primary, 0, 2, 2, 3), true), ErrCacheSaturated)
	must(t, s.PutSliver(b, 1, sliver(encoding.Primary, 0, 2, 2, 3), false)) // stored puts are not bounded

	s = reopen(t, s, dir, Options{MaxPendingBytes: limit}) // the bound holds across restarts
	wantErr(t, s.PutSliver(b, 2, sliver(encoding.Primary, 0, 2, 2, 3), true), ErrCacheSaturated)
	must(t, s.Promote(a))
	must(t, s.PutSliver(b, 2, sliver(encoding.Primary, 0, 2, 6000, 4), true))
	must(t, s.DeleteBlob(b))
	if st := s.Stats(); st.PendingBytes != 0 || st.PendingEntries != 0 {
		t.Fatalf("stats after deleting the pending blob %+v", st)
	}
	checkCounts(t, s)
}

func TestEvictPending(t *testing.T) {
	s, _ := fresh(t, Options{NoSync: true})
	old, fresh, registered := blobID(1), blobID(2), blobID(3)
	for _, id := range []encoding.BlobID{old, registered} {
		must(t, s.PutMetadata(id, metadata(4, 1), true))
		must(t, s.PutSliver(id, 0, sliver(encoding.Primary, 0, 2, 6, 1), true))
	}
	_, err := s.ApplyEvent(chain.Event{Cursor: 0, Kind: chain.EventBlobRegistered, BlobID: registered, EndEpoch: 5})
	must(t, err)
	must(t, s.PutSliver(registered, 1, sliver(encoding.Primary, 1, 2, 6, 1), true)) // came late
	cut := time.Now()
	must(t, s.PutSliver(fresh, 0, sliver(encoding.Primary, 0, 2, 6, 1), true))
	must(t, s.PutSliver(old, 0, sliver(encoding.Primary, 0, 2, 6, 1), false)) // stored: must stay

	n, err := s.EvictPending(cut)
	must(t, err)
	if n != 1 { // old's metadata; its sliver is stored now
		t.Fatalf("evicted %d entries, want 1", n)
	}
	if has, _ := s.HasMetadata(old, true); has {
		t.Fatal("expired pending metadata kept")
	}
	if has, _ := s.HasSliver(old, 0, encoding.Primary); !has {
		t.Fatal("stored sliver of a blob with expired pending data dropped")
	}
	if has, _ := s.HasSliver(registered, 1, encoding.Primary); !has {
		t.Fatal("pending sliver of a registered blob dropped instead of promoted")
	}
	if st := s.Stats(); st.PendingEntries != 1 {
		t.Fatalf("stats %+v, want only fresh's sliver pending", st)
	}
	checkCounts(t, s)
}

// TestMaintenanceEvicts lets the background loop drop expired pending data.
func TestMaintenanceEvicts(t *testing.T) {
	s, _ := fresh(t, Options{NoSync: true, PendingTTL: time.Millisecond, GCInterval: 5 * time.Millisecond})
	must(t, s.PutSliver(blobID(1), 0, sliver(encoding.Primary, 0, 2, 1<<16, 1), true))
	deadline := time.Now().Add(5 * time.Second)
	for s.Stats().PendingEntries != 0 {
		if time.Now().After(deadline) {
			t.Fatal("pending sliver not evicted by the maintenance loop")
		}
		time.Sleep(5 * time.Millisecond)
	}
	must(t, s.Close())
	_, err := s.HasSliver(blobID(1), 0, encoding.Primary)
	wantErr(t, err, ErrClosed)
}
