package client_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/internal/testutil"
	"github.com/walrusfs/walrusfs/walrus/client"
	"github.com/walrusfs/walrusfs/walrus/embedded"
)

// stalled is an embedded network's handler wrapper under which the given nodes accept
// every request and never answer, as a stopped process or a black-holed
// route would, until the test ends. It counts the requests they swallow.
type stalled struct {
	nodes []int
	stop  chan struct{}
	held  atomic.Int64
}

func (s *stalled) wrap(i int, h http.Handler) http.Handler {
	if !slices.Contains(s.nodes, i) {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.held.Add(1)
		<-s.stop
	})
}

// startStalled starts a network whose nodes in stall never answer, and a
// client of it with opts.
func startStalled(t *testing.T, cfg embedded.Config, opts client.Options, stall ...int) (*embedded.Network, *client.Client, *stalled) {
	t.Helper()
	s := &stalled{nodes: stall, stop: make(chan struct{})}
	t.Cleanup(func() { close(s.stop) }) // last: after the network stopped
	cfg.Dir, cfg.Handler = t.TempDir(), s.wrap
	n, err := embedded.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	c := n.Client(chain.Address{1}, opts)
	t.Cleanup(func() { c.Close() })
	return n, c, s
}

// TestStoreWithAStalledNode: with one node that never answers, each store
// returns once the others confirmed (plus the grace period), with a
// certificate the chain accepted and without the stalled node's shards;
// ten in a row take seconds, not the minutes per blob that waiting for
// every node cost; the blobs read back; and the stores left in the
// background stay within MaxBackground.
func TestStoreWithAStalledNode(t *testing.T) {
	const stalledNode = 2
	n, c, s := startStalled(t, embedded.Config{Nodes: 7, NShards: 100}, client.Options{}, stalledNode)
	ctx := context.Background()
	com, err := n.Chain(chain.Address{}).Committee(ctx)
	if err != nil {
		t.Fatal(err)
	}
	healthy := com.NShards - com.Weight(stalledNode)

	var blobs [][]byte
	var stored []*client.StoreResult
	start := time.Now()
	for i := range 10 {
		blob := testutil.RandomBytes(uint64(i), 300<<10)
		t0 := time.Now()
		res, err := c.Store(ctx, blob, 3, false)
		if err != nil {
			t.Fatalf("store %d: %v", i, err)
		}
		if d := time.Since(t0); d > 10*time.Second {
			t.Fatalf("store %d took %v with one node stalled", i, d)
		}
		if res.Object.CertifiedEpoch == nil {
			t.Fatalf("store %d: blob not certified", i)
		}
		if !com.IsQuorum(res.ConfirmedShards) || res.ConfirmedShards > healthy {
			t.Fatalf("store %d: %d shards confirmed; want a quorum of the %d that answer", i, res.ConfirmedShards, healthy)
		}
		blobs, stored = append(blobs, blob), append(stored, res)
	}
	if d := time.Since(start); d > time.Minute {
		t.Fatalf("10 stores took %v with one node stalled", d)
	}
	t.Logf("10 stores of 300 KiB in %v with node %d stalled", time.Since(start), stalledNode)
	if s.held.Load() == 0 {
		t.Fatal("the stalled node was never asked: the test proves nothing")
	}
	// The stalled node's uploads would last until its requests time out
	// (twice 5 s): those past MaxBackground are cancelled instead.
	waitFor(t, 3*time.Second, func() bool { return c.BackgroundUploads() <= 4 })

	// Another client, which did not compute the metadata itself.
	reader := n.Client(chain.Address{2}, client.Options{RequestTimeout: time.Second})
	defer reader.Close()
	for _, i := range []int{0, 9} {
		got, err := reader.Read(ctx, stored[i].BlobID)
		if err != nil || !bytes.Equal(got, blobs[i]) {
			t.Fatalf("read blob %d back: %v", i, err)
		}
	}
}

// TestBackgroundUploadsEnd: what a store leaves in the background, the
// upload to a node that never answers, ends at BackgroundTimeout even when
// the request's own timeout is far longer, and at once on Close; a store
// after Close fails.
func TestBackgroundUploadsEnd(t *testing.T) {
	n, c, _ := startStalled(t, embedded.Config{Nodes: 7, NShards: 100},
		client.Options{RequestTimeout: 10 * time.Minute, BackgroundTimeout: 2 * time.Second}, 0)
	ctx := context.Background()
	if _, err := c.Store(ctx, testutil.RandomBytes(1, 100<<10), 3, false); err != nil {
		t.Fatal(err)
	}
	returned := time.Now()
	if got := c.BackgroundUploads(); got != 1 {
		t.Fatalf("%d stores uploading in the background right after a store; want 1, to the stalled node", got)
	}
	waitFor(t, 15*time.Second, func() bool { return c.BackgroundUploads() == 0 })
	if d := time.Since(returned); d < time.Second {
		t.Fatalf("the background upload ended after %v, before its deadline, though the node never answered", d)
	}

	closing := n.Client(chain.Address{1}, client.Options{RequestTimeout: 10 * time.Minute, BackgroundTimeout: 10 * time.Minute})
	if _, err := closing.Store(ctx, testutil.RandomBytes(2, 100<<10), 3, false); err != nil {
		t.Fatal(err)
	}
	if got := closing.BackgroundUploads(); got != 1 {
		t.Fatalf("%d stores uploading in the background; want 1", got)
	}
	done := make(chan struct{})
	go func() { closing.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not end the background upload to a stalled node")
	}
	if got := closing.BackgroundUploads(); got != 0 {
		t.Fatalf("%d background uploads after Close", got)
	}
	if _, err := closing.Store(ctx, testutil.RandomBytes(3, 10), 3, false); !errors.Is(err, client.ErrClosed) {
		t.Fatalf("store after Close: %v, want ErrClosed", err)
	}
}

// TestQuorumCountsShards: members hold unequal shard counts, and the quorum
// is n − f shards whoever holds them. One node holding 67 of 100 shards is
// a quorum alone, so a store returns while the three others never answer;
// those three (a quorum of nodes by count) without it are not, so a store
// fails with ErrCertificationFailed instead of handing the chain a
// certificate it would refuse.
func TestQuorumCountsShards(t *testing.T) {
	cfg := embedded.Config{Nodes: 4, NShards: 100, Shards: []int{67, 11, 11, 11}}
	ctx := context.Background()
	t.Run("big node alone", func(t *testing.T) {
		_, c, _ := startStalled(t, cfg, client.Options{}, 1, 2, 3)
		t0 := time.Now()
		res, err := c.Store(ctx, testutil.RandomBytes(4, 200<<10), 3, false)
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(t0); d > 10*time.Second {
			t.Fatalf("store took %v", d)
		}
		if res.ConfirmedShards != 67 || res.Object.CertifiedEpoch == nil {
			t.Fatalf("%d shards confirmed, certified %v; want 67, certified", res.ConfirmedShards, res.Object.CertifiedEpoch)
		}
	})
	t.Run("small nodes without it", func(t *testing.T) {
		_, c, _ := startStalled(t, cfg, client.Options{RequestTimeout: time.Second}, 0)
		t0 := time.Now()
		_, err := c.Store(ctx, testutil.RandomBytes(5, 200<<10), 3, false)
		if !errors.Is(err, client.ErrCertificationFailed) {
			t.Fatalf("store with 33 of 100 shards answering: %v, want ErrCertificationFailed", err)
		}
		if d := time.Since(t0); d > 30*time.Second {
			t.Fatalf("failing took %v", d)
		}
	})
}

// waitFor polls cond until it holds, failing the test after limit.
func waitFor(t *testing.T, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
