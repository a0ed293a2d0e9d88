package localnet

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/walrus/client"
	"github.com/walrusfs/walrusfs/walrus/messages"
)

// epochChangingChain advances the epoch just before the first certify,
// as if the epoch ended while the slivers were uploaded.
type epochChangingChain struct {
	chain.Chain
	n       *Network
	changed bool
}

func (c *epochChangingChain) CertifyBlob(ctx context.Context, blob chain.ObjectID, cert messages.Certificate) (chain.Blob, error) {
	if !c.changed {
		c.changed = true
		if _, err := c.n.Ledger.AdvanceEpoch(ctx, nil); err != nil {
			return chain.Blob{}, err
		}
	}
	return c.Chain.CertifyBlob(ctx, blob, cert)
}

// TestStoreAcrossAnEpochChange: a certificate gathered in one epoch is
// refused in the next; the client notices the new epoch, gets the nodes'
// confirmations for it and certifies, without the caller retrying.
func TestStoreAcrossAnEpochChange(t *testing.T) {
	n, _ := startNet(t, nil)
	ch := &epochChangingChain{Chain: n.Chain(chain.Address{2}), n: n}
	c := client.New(ch, client.Options{RequestTimeout: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	data := randomBlob(7, 50_000)
	res, err := c.Store(ctx, data, 3, false)
	if err != nil {
		t.Fatalf("store across an epoch change: %v", err)
	}
	if !ch.changed || res.Object.CertifiedEpoch == nil || *res.Object.CertifiedEpoch != 1 {
		t.Fatalf("certified in epoch %v (epoch changed: %v), want 1", res.Object.CertifiedEpoch, ch.changed)
	}
	got, err := c.Read(ctx, res.BlobID)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back: %v", err)
	}
}
