package node_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/walrus/embedded"
	"github.com/walrusfs/walrusfs/walrus/node"
	"github.com/walrusfs/walrusfs/walrus/store"
)

// testNodeOptions shape a test node.
type testNodeOptions struct {
	chain    func(chain.Chain) chain.Chain // wraps the ledger
	store    func(node.Store) node.Store   // wraps the Badger store
	prepare  func(*store.Store)            // runs on the store before the node starts
	limits   node.Limits
	server   node.ServerOptions
	maxConns int
	run      bool // follow the chain
}

// testNode is a second node with the identity of an embedded network's node 0: its
// own Badger store, its own view of the ledger (which a test may wrap to
// count or fail calls) and its own HTTP server on loopback. Clients keep
// talking to the real node 0; the test talks to this one.
type testNode struct {
	node  *node.Node
	store *store.Store
	base  string // http://host:port
}

func startTestNode(t *testing.T, net_ *embedded.Network, o testNodeOptions) *testNode {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if o.prepare != nil {
		o.prepare(st)
	}
	nd0 := net_.Nodes[0]
	var ch chain.Chain = net_.Ledger.As(chain.Address{0xee, 0})
	if o.chain != nil {
		ch = o.chain(ch)
	}
	var ns node.Store = st
	if o.store != nil {
		ns = o.store(st)
	}
	ctx, cancel := context.WithCancel(context.Background())
	wn, err := node.New(ctx, node.Config{Key: nd0.Key, ID: nd0.ID, Chain: ch, Store: ns, Limits: o.limits})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	srv := node.NewServer(wn.Handler(), o.server)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(node.LimitListener(lis, o.maxConns))
	}()
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		if o.run {
			_ = wn.Run(ctx)
		}
	}()
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-served
		<-ran
	})
	return &testNode{node: wn, store: st, base: "http://" + lis.Addr().String()}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// caughtUp tells whether a store applied every event of the ledger.
func caughtUp(st *store.Store, n *embedded.Network) bool {
	c, err := st.Cursor()
	return err == nil && c >= n.Ledger.NextCursor()
}

var errInjected = errors.New("injected failure")

// countingChain counts a node's chain calls and fails some of them while
// told to.
type countingChain struct {
	chain.Chain
	events, blobStatus, blob, committee atomic.Int64

	mu          sync.Mutex
	failUntil   time.Time // Committee, BlobStatus and Blob fail until then
	eventsUntil time.Time // Events fails until then
}

func (c *countingChain) failing(events bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if events {
		return time.Now().Before(c.eventsUntil)
	}
	return time.Now().Before(c.failUntil)
}

func (c *countingChain) fail(d time.Duration, events bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failUntil = time.Now().Add(d)
	if events {
		c.eventsUntil = c.failUntil
	}
}

func (c *countingChain) Events(ctx context.Context, from chain.Cursor, limit int) ([]chain.Event, error) {
	c.events.Add(1)
	if c.failing(true) {
		return nil, errInjected
	}
	return c.Chain.Events(ctx, from, limit)
}

func (c *countingChain) Committee(ctx context.Context) (*chain.Committee, error) {
	c.committee.Add(1)
	if c.failing(false) {
		return nil, errInjected
	}
	return c.Chain.Committee(ctx)
}

func (c *countingChain) BlobStatus(ctx context.Context, id encoding.BlobID) (chain.BlobStatus, error) {
	c.blobStatus.Add(1)
	if c.failing(false) {
		return chain.BlobStatus{}, errInjected
	}
	return c.Chain.BlobStatus(ctx, id)
}

func (c *countingChain) Blob(ctx context.Context, id chain.ObjectID) (chain.Blob, error) {
	c.blob.Add(1)
	if c.failing(false) {
		return chain.Blob{}, errInjected
	}
	return c.Chain.Blob(ctx, id)
}

// ReportEpochSync passes through, so that the wrapper keeps the interface.
func (c *countingChain) ReportEpochSync(ctx context.Context, epoch chain.Epoch, id chain.ObjectID, sig bls.Signature) error {
	r, ok := c.Chain.(chain.EpochSyncReporter)
	if !ok {
		return chain.ErrUnsupported
	}
	return r.ReportEpochSync(ctx, epoch, id, sig)
}
