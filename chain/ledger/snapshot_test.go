package ledger_test

import (
	"reflect"
	"testing"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/encoding"
)

// snapshot is everything a ledger shows through its API about some blobs.
type snapshot struct {
	ChainID   string
	Committee *chain.Committee
	Events    []chain.Event
	Blobs     map[chain.ObjectID]chain.Blob
	Statuses  map[encoding.BlobID]chain.BlobStatus
}

// takeSnapshot reads the ledger's committee, every event, and the blob
// objects and statuses that the events name.
func takeSnapshot(t *testing.T, l *ledger.Ledger) snapshot {
	t.Helper()
	ctx := testContext(t)
	c := l.As(alice)
	com, err := c.Committee(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := snapshot{ChainID: l.ChainID(), Committee: com, Blobs: map[chain.ObjectID]chain.Blob{}, Statuses: map[encoding.BlobID]chain.BlobStatus{}}
	s.Events = readEvents(t, c, 0, l.NextCursor())
	for _, e := range s.Events {
		if e.ObjectID != (chain.ObjectID{}) {
			if b, err := c.Blob(ctx, e.ObjectID); err == nil {
				s.Blobs[e.ObjectID] = b
			}
		}
		if e.BlobID != (encoding.BlobID{}) {
			if s.Statuses[e.BlobID], err = c.BlobStatus(ctx, e.BlobID); err != nil {
				t.Fatal(err)
			}
		}
	}
	return s
}

func (s snapshot) mustEqual(t *testing.T, got snapshot) {
	t.Helper()
	if !reflect.DeepEqual(s, got) {
		t.Fatalf("state differs:\n got %+v\nwant %+v", got, s)
	}
}
