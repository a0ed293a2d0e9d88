package ledger_test

import (
	"errors"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/ledger/ledgertest"
	"github.com/walrusfs/walrusfs/protocol/messages"
)

// busyLedger leaves a ledger with some of everything: blobs permanent and
// deletable, certified, extended, deleted, an invalid blob ID, and an epoch
// change to a committee with shards moved.
func busyLedger(t *testing.T, h *harness) {
	t.Helper()
	ctx := testContext(t)
	a, b := h.as(alice), h.as(bob)
	perm := h.certify(t, a, h.store(t, a, 1234, "busy", 4, false))
	if _, err := a.ExtendBlob(ctx, perm.ID, 3); err != nil {
		t.Fatal(err)
	}
	del := h.certify(t, b, h.store(t, b, 1234, "busy", 2, true))
	h.store(t, b, 99, "uncertified", 2, true)
	if _, err := b.DeleteBlob(ctx, del.ID); err != nil {
		t.Fatal(err)
	}
	bad := h.store(t, a, 55, "bad", 2, false)
	if err := a.InvalidateBlobID(ctx, h.com.Sign(t, []int{0, 1}, messages.InvalidBlobID{BlobID: bad.BlobID}.Marshal())); err != nil {
		t.Fatal(err)
	}
	// Epoch 1: the last node's shards go to the first.
	next := slices.Clone(h.com.Nodes)
	next[0].Node.Shards = append(slices.Clone(next[0].Node.Shards), next[4].Node.Shards...)
	next = next[:4]
	for i := range next {
		next[i] = ledger.NewNodeRegistration(h.com.Keys[i], next[i].Node, next[i].Account, 0)
	}
	if _, err := h.admin(ctx, next); err != nil {
		t.Fatal(err)
	}
	h.store(t, a, 4321, "epoch 1", 2, false)
}

// TestRestart closes and reopens a ledger and finds the same committee,
// events (same cursors and IDs), blobs and statuses, then goes on with
// fresh IDs.
func TestRestart(t *testing.T) {
	h := newHarness(t, "local")
	busyLedger(t, h)
	before := takeSnapshot(t, h.l)
	if err := h.l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := h.l.As(alice).ReserveStorage(testContext(t), 1, 1); !errors.Is(err, ledger.ErrClosed) {
		t.Fatalf("transaction on a closed ledger: %v", err)
	}

	l, err := ledger.Open(h.dir, ledger.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	after := takeSnapshot(t, l)
	before.mustEqual(t, after)
	if after.Committee.Epoch != 1 || len(after.Committee.Members) != 4 || len(after.Committee.Members[0].Shards) != 5 {
		t.Fatalf("committee after restart: %+v", after.Committee)
	}

	// Transactions after the restart get IDs and digests never seen before.
	ctx := testContext(t)
	st, err := l.As(alice).ReserveStorage(ctx, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := after.Blobs[st.ID]; ok {
		t.Fatalf("storage %x reuses a blob's ID", st.ID)
	}
	if _, err := l.AdvanceEpoch(ctx, nil); err != nil {
		t.Fatal(err)
	}
	evs := readEvents(t, l.As(alice), chain.Cursor(len(after.Events)), l.NextCursor())
	for _, old := range after.Events {
		if old.ID.TxDigest == evs[0].ID.TxDigest {
			t.Fatalf("digest %s reused", old.ID.TxDigest)
		}
	}
	if evs[0].Cursor != chain.Cursor(len(after.Events)) || evs[0].Epoch != 2 {
		t.Fatalf("first event after restart: %+v", evs[0])
	}
}

// TestRestartBehindHTTP follows the stream over HTTP across a restart of
// the ledger and its server: the consumer's cursor stays good.
func TestRestartBehindHTTP(t *testing.T) {
	h := newHarness(t, "local")
	busyLedger(t, h)
	srv := httptest.NewServer(ledger.NewHandler(h.l, ledger.HandlerOptions{}))
	cursor := h.l.NextCursor()
	seen := readEvents(t, ledger.Dial(srv.URL, accountKey(t, alice)), 0, cursor)
	srv.Close()
	h.l.Close()

	l, err := ledger.Open(h.dir, ledger.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	srv = httptest.NewServer(ledger.NewHandler(l, ledger.HandlerOptions{}))
	defer srv.Close()
	c := ledger.Dial(srv.URL, accountKey(t, alice))
	if again := readEvents(t, c, 0, cursor); !slices.EqualFunc(seen, again, func(a, b chain.Event) bool { return a == b }) {
		t.Fatal("events differ after restart")
	}
	go l.AdvanceEpoch(testContext(t), nil)
	e, next := ledgertest.WaitEvent(t, c, cursor, chain.EventEpochChangeStart, 5*time.Second)
	if e.Cursor != cursor || next != cursor+1 {
		t.Fatalf("event after restart at cursor %d, want %d", e.Cursor, cursor)
	}
}
