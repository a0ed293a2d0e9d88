package client_test

import (
	"context"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain/sui"
	"github.com/walrusfs/walrusfs/chain/suiface/facetest"
	"github.com/walrusfs/walrusfs/internal/testutil"
	"github.com/walrusfs/walrusfs/walrus/client"
)

// TestStoreReuseAndStoreNew: a second Store of the same bytes reuses the
// wallet's certified blob object; StoreNew registers another one, on new
// storage.
func TestStoreReuseAndStoreNew(t *testing.T) {
	_, c := suiClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	blob := testutil.RandomBytes(5, 10_000)

	first, err := c.Store(ctx, blob, 2, true)
	if err != nil || first.Reused || first.Resource != client.NewStorage {
		t.Fatalf("first store: %+v, %v", first, err)
	}
	again, err := c.Store(ctx, blob, 2, true)
	if err != nil || !again.Reused || again.Object.ID != first.Object.ID {
		t.Fatalf("second store: %+v, %v; want the first object reused", again, err)
	}
	forced, err := c.StoreNew(ctx, blob, 2, true)
	if err != nil || forced.Reused || forced.Resource != client.NewStorage || forced.Object.ID == first.Object.ID {
		t.Fatalf("StoreNew: %+v, %v; want a new object", forced, err)
	}
	if forced.BlobID != first.BlobID {
		t.Errorf("StoreNew stored %s, Store %s", forced.BlobID, first.BlobID)
	}
}

// suiClient dials a Sui face over a ledger with 4 nodes and 100 shards as
// the chain of a client; both close when the test ends.
func suiClient(t *testing.T) (*sui.Client, *client.Client) {
	t.Helper()
	ch := facetest.Start(t, 4, 100).Dial(t)
	c := client.New(ch, client.Options{})
	t.Cleanup(func() { c.Close() })
	return ch, c
}
