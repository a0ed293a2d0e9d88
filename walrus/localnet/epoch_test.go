package localnet

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
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

// TestShardsMoveWithTheCommittee: node 0 leaves the committee at an epoch
// change and node 1 takes its shards; node 1 rebuilds their slivers from the
// other nodes, so that with node 0 gone and four more nodes down (56 of 100
// shards: a read needs 34) every blob still reads from nodes 1 and 6 alone,
// which it could not if node 1 lacked its new 15 shards.
func TestShardsMoveWithTheCommittee(t *testing.T) {
	n, c := startNet(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var blobs []*client.StoreResult
	var data [][]byte
	for i := range 3 {
		d := randomBlob(uint64(100+i), 20_000*(i+1))
		res, err := c.Store(ctx, d, 5, false)
		if err != nil {
			t.Fatal(err)
		}
		blobs, data = append(blobs, res), append(data, d)
	}
	com, err := n.Ledger.As(chain.Address{}).Committee(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var next []ledger.NodeRegistration
	for i, m := range com.Members {
		if i == 0 {
			continue // leaves
		}
		node := m
		if i == 1 {
			node.Shards = append(append([]uint16(nil), com.Members[0].Shards...), m.Shards...)
		}
		var account chain.Address
		account[0], account[1] = 0xee, byte(i)
		next = append(next, ledger.NewNodeRegistration(n.Nodes[i].Key, node, account, com.Epoch))
	}
	if _, err := n.Ledger.AdvanceEpoch(ctx, next); err != nil {
		t.Fatal(err)
	}
	want := len(com.Members[0].Shards) + len(com.Members[1].Shards)
	for deadline := time.Now().Add(time.Minute); ; {
		missing := 0
		if len(n.Nodes[1].Node.Shards()) != want {
			missing = 1 // the epoch change has not reached node 1 yet
		}
		for _, b := range blobs {
			m, err := n.Nodes[1].Node.MissingSlivers(b.BlobID)
			if err != nil {
				t.Fatal(err)
			}
			missing += m
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node 1 still misses %d slivers of its new shards", missing)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, i := range []int{0, 2, 3, 4, 5} {
		n.Nodes[i].Stop()
	}
	for i, b := range blobs {
		got, err := c.Read(ctx, b.BlobID)
		if err != nil || !bytes.Equal(got, data[i]) {
			t.Fatalf("blob %d after the shards moved: %v", i, err)
		}
	}
}
