// Package ledgertest builds real committees and ledgers for tests: BLS keys
// derived from fixed seeds, registrations with valid proofs of possession,
// certificates signed by chosen members, and ledgers in temporary
// directories that close when the test ends.
package ledgertest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/protocol/messages"
)

// Committee is a committee of storage nodes with their private keys. Member
// i of the ledger's committee is Nodes[i], signing with Keys[i].
type Committee struct {
	NShards int
	Keys    []*bls.PrivateKey
	Nodes   []ledger.NodeRegistration
}

// NewCommittee returns nodes nodes sharing nShards shards evenly, in order,
// registered for epoch 0. Keys depend only on the node's index.
func NewCommittee(tb testing.TB, nodes, nShards int) *Committee {
	tb.Helper()
	shards, err := ledger.AssignShards(nShards, nodes)
	if err != nil {
		tb.Fatal(err)
	}
	c := &Committee{NShards: nShards}
	for i := range nodes {
		key := Key(tb, i)
		node := chain.Node{
			Name:    fmt.Sprintf("node-%d", i),
			Address: fmt.Sprintf("127.0.0.1:%d", 9100+i),
			Shards:  shards[i],
		}
		c.Keys = append(c.Keys, key)
		c.Nodes = append(c.Nodes, ledger.NewNodeRegistration(key, node, Address(100+i), 0))
	}
	return c
}

// Key returns the BLS key of node i.
func Key(tb testing.TB, i int) *bls.PrivateKey {
	tb.Helper()
	seed := sha256.Sum256(fmt.Appendf(nil, "ledgertest node %d", i))
	k, err := bls.KeyFromSeed(seed[:])
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// AccountKey returns the Sui key of test account i, which signs its
// transactions over HTTP.
func AccountKey(i int) *suikey.KeyPair {
	seed := sha256.Sum256(fmt.Appendf(nil, "ledgertest account %d", i))
	k, err := suikey.FromSeed(seed[:])
	if err != nil {
		panic(err) // a 32-byte seed is always a key
	}
	return k
}

// Address returns the address of test account i.
func Address(i int) chain.Address { return chain.Address(AccountKey(i).Address()) }

// Genesis returns a genesis with this committee and manual epochs.
func (c *Committee) Genesis() ledger.Genesis {
	return ledger.Genesis{NShards: c.NShards, Nodes: c.Nodes}
}

// Weight returns the shards that signers hold.
func (c *Committee) Weight(signers []int) int {
	w := 0
	for _, i := range signers {
		w += len(c.Nodes[i].Node.Shards)
	}
	return w
}

// Sign returns a certificate of message signed by signers.
func (c *Committee) Sign(tb testing.TB, signers []int, message []byte) messages.Certificate {
	tb.Helper()
	signed := make([]messages.SignedMessage, len(signers))
	for j, i := range signers {
		signed[j] = messages.Sign(c.Keys[i], message)
	}
	cert, err := messages.Aggregate(signers, signed)
	if err != nil {
		tb.Fatal(err)
	}
	return cert
}

// Confirm returns a certificate of a storage confirmation signed by signers.
func (c *Committee) Confirm(tb testing.TB, signers []int, conf messages.StorageConfirmation) messages.Certificate {
	tb.Helper()
	return c.Sign(tb, signers, conf.Marshal())
}

// Quorum returns the first members whose shards make a quorum.
func (c *Committee) Quorum() []int {
	com := chain.Committee{NShards: c.NShards}
	var out []int
	for i := range c.Nodes {
		out = append(out, i)
		if com.IsQuorum(c.Weight(out)) {
			break
		}
	}
	return out
}

// Open creates a ledger of genesis g in a temporary directory, closed when
// the test ends, and returns it with its directory.
func Open(tb testing.TB, g ledger.Genesis, opts ledger.Options) (*ledger.Ledger, string) {
	tb.Helper()
	dir := tb.TempDir()
	l, err := ledger.Create(dir, g, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	return l, dir
}

// AdminToken is the admin token of the servers Serve starts.
const AdminToken = "ledgertest-admin-token"

// Serve serves l over HTTP on a loopback port until the test ends, with
// AdminToken as its admin token, and returns its base URL, for
// ledger.Dial.
func Serve(tb testing.TB, l *ledger.Ledger) string {
	tb.Helper()
	srv := httptest.NewServer(ledger.NewHandler(l, ledger.HandlerOptions{AdminToken: AdminToken}))
	tb.Cleanup(srv.Close)
	return srv.URL
}

// Blob returns the blob ID and root hash of a made-up blob of size bytes:
// the ledger checks only that the ID derives from the root and size.
func Blob(size uint64, seed string) (encoding.BlobID, encoding.Hash) {
	root := sha256.Sum256([]byte("ledgertest blob " + seed))
	return encoding.DeriveBlobID(encoding.EncodingRS2, size, root), root
}

// EncodedLength returns the storage a blob of size bytes needs on nShards.
func EncodedLength(tb testing.TB, nShards int, size uint64) uint64 {
	tb.Helper()
	p, err := encoding.NewParams(nShards, size)
	if err != nil {
		tb.Fatal(err)
	}
	return p.EncodedLength()
}

// WaitEvent polls ch's events from cursor from until one of kind appears or
// timeout passes, and returns it with the cursor after it.
func WaitEvent(tb testing.TB, ch chain.Chain, from chain.Cursor, kind chain.EventKind, timeout time.Duration) (chain.Event, chain.Cursor) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		evs, err := ch.Events(ctx, from, 0)
		cancel()
		if err != nil {
			tb.Fatalf("events from %d: %v", from, err)
		}
		for _, e := range evs {
			from = e.Cursor + 1
			if e.Kind == kind {
				return e, from
			}
		}
	}
	tb.Fatalf("no %s event within %v", kind, timeout)
	return chain.Event{}, from
}

// ReportSync has every member of com whose key c holds report its shards
// of com's epoch synced, as storage nodes do once they hold them; the epoch
// change is then done.
func (c *Committee) ReportSync(tb testing.TB, r chain.EpochSyncReporter, com chain.Committee) {
	tb.Helper()
	if err := c.reportSync(r, com); err != nil {
		tb.Error(err)
	}
}

func (c *Committee) reportSync(r chain.EpochSyncReporter, com chain.Committee) error {
	var errs []error
	for _, m := range com.Members {
		for _, key := range c.Keys {
			if key.PublicKey() != m.PublicKey {
				continue
			}
			msg := messages.EpochSyncDone{Epoch: com.Epoch, NodeID: m.ID}
			if err := r.ReportEpochSync(context.Background(), com.Epoch, m.ID, key.Sign(msg.Marshal())); err != nil && !errors.Is(err, chain.ErrSyncReported) {
				errs = append(errs, fmt.Errorf("report sync of %s for epoch %d: %w", m.Name, com.Epoch, err))
			}
		}
	}
	return errors.Join(errs...)
}

// FollowEpochs reports every member's sync at each EpochChangeStart of ch
// until the test ends, standing in for the storage nodes.
func (c *Committee) FollowEpochs(tb testing.TB, ch interface {
	chain.Chain
	chain.EpochSyncReporter
}) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	tb.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		var cursor chain.Cursor
		for ctx.Err() == nil {
			evs, err := ch.Events(ctx, cursor, 100)
			if err != nil {
				return
			}
			for _, ev := range evs {
				cursor = ev.Cursor + 1
				if ev.Kind != chain.EventEpochChangeStart {
					continue
				}
				com, err := ch.Committee(ctx)
				if err != nil || com.Epoch != ev.Epoch {
					continue // a later change overtook it
				}
				// Errors are the ledger moving on or closing under a
				// test that no longer looks.
				_ = c.reportSync(ch, *com)
			}
		}
	}()
}
