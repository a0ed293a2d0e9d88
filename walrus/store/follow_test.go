package store

import (
	"testing"

	"github.com/walrusfs/walrusfs/chain"
)

// TestRebuildStateLeavesData: replaying old events into states promotes
// and removes nothing: a deletion from the past must not take the data a
// later registration covers, and states end as in-order application
// leaves them.
func TestRebuildStateLeavesData(t *testing.T) {
	s, _ := fresh(t, Options{})
	var e events
	id := blobID(1)
	end := func(ev *chain.Event) { ev.EndEpoch = 7 }
	putBlob(t, s, id)
	for _, ev := range []chain.Event{
		e.ev(chain.EventBlobRegistered, id, 1, end),
		e.ev(chain.EventBlobDeleted, id, 1, nil), // no object left, for a moment
		e.ev(chain.EventBlobRegistered, id, 2, end),
		e.ev(chain.EventBlobCertified, id, 2, end),
	} {
		must(t, s.RebuildState(ev))
		if !hasData(t, s, id) {
			t.Fatalf("replaying %s removed the blob's data", ev.Kind)
		}
	}
	st, err := s.BlobState(id)
	must(t, err)
	if len(st.Objects) != 1 || st.Objects[0].ID != (chain.ObjectID{2}) || !st.IsCertified() || st.EndEpoch() != 7 {
		t.Fatalf("state after the replay: %+v", st)
	}
	if c, err := s.Cursor(); err != nil || c != 0 {
		t.Fatalf("replay moved the cursor to %d (%v)", c, err)
	}
}

// TestReapplyEventIgnoresTheCursor: an event parked and applied after later
// ones takes effect, data included, and leaves the cursor alone.
func TestReapplyEventIgnoresTheCursor(t *testing.T) {
	s, _ := fresh(t, Options{})
	var e events
	id := blobID(2)
	putBlob(t, s, id)
	reg := e.ev(chain.EventBlobRegistered, id, 1, func(ev *chain.Event) { ev.EndEpoch = 3 })
	del := e.ev(chain.EventBlobDeleted, id, 1, nil)
	must(t, s.SetCursor(e.next+5))
	if st, err := s.ApplyEvent(reg); err != nil || len(st.Objects) != 0 {
		t.Fatalf("ApplyEvent of a stale event: %+v, %v; want it ignored", st, err)
	}
	st, err := s.ReapplyEvent(reg)
	if err != nil || len(st.Objects) != 1 {
		t.Fatalf("ReapplyEvent(registered): %+v, %v", st, err)
	}
	if _, err := s.ReapplyEvent(del); err != nil {
		t.Fatal(err)
	}
	if hasData(t, s, id) {
		t.Fatal("a late deletion of the last object left the data")
	}
	if c, err := s.Cursor(); err != nil || c != e.next+5 {
		t.Fatalf("cursor %d (%v), want %d", c, err, e.next+5)
	}
}

// TestFollowedAndParkedEvents: a fresh store's states follow the events; one
// whose cursor moved without them does not until told; parked events come
// back in cursor order, survive a reopening and can be forgotten.
func TestFollowedAndParkedEvents(t *testing.T) {
	s, dir := fresh(t, Options{})
	if ok, err := s.Followed(); err != nil || !ok {
		t.Fatalf("fresh store: followed %v, %v", ok, err)
	}
	must(t, s.SetCursor(9))
	if ok, err := s.Followed(); err != nil || ok {
		t.Fatalf("store with a cursor and no record: followed %v, %v", ok, err)
	}
	must(t, s.SetFollowed())
	var e events
	e.next = 300
	late := e.ev(chain.EventBlobCertified, blobID(3), 1, func(ev *chain.Event) { ev.EndEpoch = 4 })
	early := chain.Event{Cursor: 2, Kind: chain.EventBlobRegistered, BlobID: blobID(4)}
	must(t, s.ParkEvent(late))
	must(t, s.ParkEvent(early))
	s = reopen(t, s, dir, Options{})
	if ok, err := s.Followed(); err != nil || !ok {
		t.Fatalf("after SetFollowed and a reopening: followed %v, %v", ok, err)
	}
	got, err := s.ParkedEvents()
	must(t, err)
	if len(got) != 2 || got[0].Cursor != 2 || got[1] != late {
		t.Fatalf("parked %+v, want the events at 2 and 300", got)
	}
	must(t, s.UnparkEvent(2))
	if got, err := s.ParkedEvents(); err != nil || len(got) != 1 || got[0].Cursor != 300 {
		t.Fatalf("after unparking 2: %+v, %v", got, err)
	}
}
