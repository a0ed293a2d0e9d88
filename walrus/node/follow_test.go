package node_test

// Tests of how a node follows the chain's events (R9 of the 2026-12
// review): it backs off while the chain fails, sets aside an event that
// keeps failing instead of stalling behind it, and removes expired blobs
// without asking the chain about each one.

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/client"
	"github.com/walrusfs/walrusfs/walrus/embedded"
	"github.com/walrusfs/walrusfs/walrus/node"
	"github.com/walrusfs/walrusfs/walrus/store"
)

func startFollowNet(t *testing.T) *embedded.Network {
	t.Helper()
	n, err := embedded.Start(context.Background(), embedded.Config{Dir: t.TempDir(), Nodes: rejectNodes, NShards: rejectShards})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	return n
}

func storeBlob(t *testing.T, n *embedded.Network, seed byte, epochs uint32) encoding.BlobID {
	t.Helper()
	c := n.Client(chain.Address{0x42}, client.Options{RequestTimeout: 10 * time.Second, Retries: 2})
	res, err := c.Store(context.Background(), patternBytes(seed, rejectBlobSize), epochs, false)
	if err != nil {
		t.Fatal(err)
	}
	return res.BlobID
}

// TestFollowBacksOffWhileTheChainFails: while the chain fails, the node
// asks it for events a few times, not in a tight loop, whether reading
// events fails or handling one (an epoch change, which needs the
// committee) does; and it catches up once the chain answers again.
func TestFollowBacksOffWhileTheChainFails(t *testing.T) {
	n := startFollowNet(t)
	cc := &countingChain{}
	tn := startTestNode(t, n, testNodeOptions{chain: func(c chain.Chain) chain.Chain { cc.Chain = c; return cc }, run: true})
	waitFor(t, "test node follows the chain", 20*time.Second, func() bool { return caughtUp(tn.store, n) })

	for _, failEvents := range []bool{false, true} {
		before := cc.events.Load()
		cc.fail(2*time.Second, failEvents)
		if _, err := n.Ledger.AdvanceEpoch(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second)
		if got := cc.events.Load() - before; got > 5 {
			t.Errorf("events failing %v: %d Events calls in the 2 s the chain failed, want at most 5", failEvents, got)
		}
		waitFor(t, "test node catches up after the chain recovers", 30*time.Second, func() bool { return caughtUp(tn.store, n) })
	}
}

// failingStore fails every call about one blob while fail is set.
type failingStore struct {
	node.Store
	mu   sync.Mutex
	blob encoding.BlobID
	fail bool
}

func (s *failingStore) failsFor(id encoding.BlobID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail && id == s.blob {
		return errInjected
	}
	return nil
}

func (s *failingStore) ApplyEvent(ev chain.Event) (store.BlobState, error) {
	if err := s.failsFor(ev.BlobID); err != nil {
		return store.BlobState{}, err
	}
	return s.Store.ApplyEvent(ev)
}

func (s *failingStore) ReapplyEvent(ev chain.Event) (store.BlobState, error) {
	if err := s.failsFor(ev.BlobID); err != nil {
		return store.BlobState{}, err
	}
	return s.Store.ReapplyEvent(ev)
}

func (s *failingStore) Promote(id encoding.BlobID) error {
	if err := s.failsFor(id); err != nil {
		return err
	}
	return s.Store.Promote(id)
}

func (s *failingStore) QueueRecovery(id encoding.BlobID) error {
	if err := s.failsFor(id); err != nil {
		return err
	}
	return s.Store.QueueRecovery(id)
}

// TestFollowParksAnEventThatKeepsFailing: the events of a blob whose every
// store call fails are set aside after a few attempts, the events after
// them are applied, and the parked ones are applied once they succeed.
func TestFollowParksAnEventThatKeepsFailing(t *testing.T) {
	defer node.SetParkedRetryInterval(500 * time.Millisecond)()
	n := startFollowNet(t)
	bad := encodeTestBlob(t, rejectShards, patternBytes(7, rejectBlobSize)).id
	fs := &failingStore{blob: bad, fail: true}
	tn := startTestNode(t, n, testNodeOptions{store: func(s node.Store) node.Store { fs.Store = s; return fs }, run: true})
	waitFor(t, "test node follows the chain", 20*time.Second, func() bool { return caughtUp(tn.store, n) })

	if got := storeBlob(t, n, 7, 5); got != bad {
		t.Fatalf("stored %s, want %s", got, bad)
	}
	good := storeBlob(t, n, 8, 5)
	waitFor(t, "events after the failing ones are applied", 30*time.Second, func() bool {
		st, err := tn.store.BlobState(good)
		return err == nil && st.IsCertified() && caughtUp(tn.store, n)
	})
	if got := tn.node.EventsParked(); got != 2 {
		t.Errorf("%v events parked, want 2 (the failing blob's registration and certification)", got)
	}
	parked, err := tn.store.ParkedEvents()
	if err != nil {
		t.Fatal(err)
	}
	if len(parked) != 2 || parked[0].BlobID != bad || parked[1].BlobID != bad {
		t.Fatalf("parked events %+v, want the two of blob %s", parked, bad)
	}
	if _, err := tn.store.BlobState(bad); err == nil {
		t.Fatal("the failing blob has a state")
	}

	fs.mu.Lock()
	fs.fail = false
	fs.mu.Unlock()
	waitFor(t, "parked events are applied once they succeed", 20*time.Second, func() bool {
		p, err := tn.store.ParkedEvents()
		st, err2 := tn.store.BlobState(bad)
		return err == nil && len(p) == 0 && err2 == nil && st.IsCertified()
	})
}

// TestExpiryDoesNotAskTheChainPerBlob: at the epoch change that ends many
// blobs' storage, the node removes their data from what its store knows of
// them, with no chain call per blob.
func TestExpiryDoesNotAskTheChainPerBlob(t *testing.T) {
	const blobs = 12
	n := startFollowNet(t)
	cc := &countingChain{}
	tn := startTestNode(t, n, testNodeOptions{chain: func(c chain.Chain) chain.Chain { cc.Chain = c; return cc }, run: true})
	for i := range blobs {
		storeBlob(t, n, byte(20+i), 1)
	}
	countBlobs := func() int {
		k := 0
		if err := tn.store.ForEachBlob(encoding.BlobID{}, func(encoding.BlobID) error { k++; return nil }); err != nil {
			t.Fatal(err)
		}
		return k
	}
	// The test node rebuilds its slivers of every blob from the others.
	waitFor(t, "test node holds every blob", 60*time.Second, func() bool {
		q, err := tn.store.PendingRecoveries()
		return err == nil && len(q) == 0 && caughtUp(tn.store, n) && countBlobs() == blobs
	})
	status, objects := cc.blobStatus.Load(), cc.blob.Load()
	if _, err := n.Ledger.AdvanceEpoch(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "expired blobs removed", 30*time.Second, func() bool { return countBlobs() == 0 && caughtUp(tn.store, n) })
	if got := cc.blobStatus.Load() - status + cc.blob.Load() - objects; got > 2 {
		t.Errorf("%d blob lookups on the chain to expire %d blobs, want at most 2", got, blobs)
	}
}

// TestFollowRebuildsStatesOfAnOlderStore: a store that followed the chain
// before it kept blob states gets them from one replay of the events, so
// that deletion and expiry can be decided locally.
func TestFollowRebuildsStatesOfAnOlderStore(t *testing.T) {
	n := startFollowNet(t)
	a, b := storeBlob(t, n, 30, 5), storeBlob(t, n, 31, 5)
	tn := startTestNode(t, n, testNodeOptions{run: true, prepare: func(st *store.Store) {
		// As a node from before states left its store: the cursor moved,
		// no state recorded.
		if err := st.SetCursor(n.Ledger.NextCursor()); err != nil {
			t.Fatal(err)
		}
		if ok, err := st.Followed(); err != nil || ok {
			t.Fatalf("a store with a cursor and no states reports followed (%v, %v)", ok, err)
		}
	}})
	waitFor(t, "states rebuilt", 20*time.Second, func() bool {
		ok, err := tn.store.Followed()
		return err == nil && ok
	})
	for _, id := range []encoding.BlobID{a, b} {
		st, err := tn.store.BlobState(id)
		if err != nil || !st.IsCertified() || len(st.Objects) != 1 || st.Objects[0].EndEpoch == 0 {
			t.Errorf("state of %s after the rebuild: %+v, %v", id, st, err)
		}
	}
}
