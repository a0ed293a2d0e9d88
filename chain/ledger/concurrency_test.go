package ledger_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger/ledgertest"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/messages"
)

// TestConcurrentClients runs several accounts' writes at once while a
// consumer follows the stream by long-polling: every event arrives once, in
// cursor order, with distinct IDs, and every object ID is distinct.
func TestConcurrentClients(t *testing.T) {
	transports(t, func(t *testing.T, h *harness) {
		const writers, blobs = 4, 5
		total := chain.Cursor(writers * blobs * 2) // registered and certified

		var consumed []chain.Event
		done := make(chan error, 1)
		go func() {
			c := h.as(alice)
			var from chain.Cursor
			for from < total {
				evs, err := c.Events(testContext(t), from, 7)
				if err != nil {
					done <- err
					return
				}
				consumed = append(consumed, evs...)
				from += chain.Cursor(len(evs))
			}
			done <- nil
		}()

		var wg sync.WaitGroup
		objects := make(chan chain.ObjectID, writers*blobs*2)
		errs := make(chan error, writers)
		for w := range writers {
			wg.Go(func() { errs <- write(h, ledgertest.Address(10+w), w, blobs, objects) })
		}
		wg.Wait()
		close(objects)
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		ids := map[chain.ObjectID]bool{}
		for id := range objects {
			if ids[id] {
				t.Fatalf("object ID %x given twice", id)
			}
			ids[id] = true
		}
		seen := map[chain.EventID]bool{}
		for i, e := range consumed {
			if e.Cursor != chain.Cursor(i) || seen[e.ID] {
				t.Fatalf("event %d: %+v", i, e)
			}
			seen[e.ID] = true
		}
	})
}

// write stores and certifies blobs blobs as sender and sends the IDs of
// their objects to objects.
func write(h *harness, sender chain.Address, w, blobs int, objects chan<- chain.ObjectID) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := h.as(sender)
	for i := range blobs {
		size := uint64(100 + i)
		id, root := ledgertest.Blob(size, fmt.Sprintf("w%d-%d", w, i))
		st, err := c.ReserveStorage(ctx, 1<<20, 2)
		if err != nil {
			return err
		}
		b, err := c.RegisterBlob(ctx, st.ID, id, root, size, encoding.EncodingRS2, i%2 == 0)
		if err != nil {
			return err
		}
		com, err := c.Committee(ctx)
		if err != nil {
			return err
		}
		signers := []int{0, 1, 2, 3}
		signed := make([]messages.SignedMessage, len(signers))
		for j, m := range signers {
			signed[j] = messages.Sign(h.com.Keys[m], confirmation(b, com.Epoch).Marshal())
		}
		cert, err := messages.Aggregate(signers, signed)
		if err != nil {
			return err
		}
		if _, err := c.CertifyBlob(ctx, b.ID, cert); err != nil {
			return err
		}
		objects <- b.ID
		objects <- st.ID
	}
	return nil
}
