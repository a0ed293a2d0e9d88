package ledger_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/ledger/ledgertest"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/messages"
)

// The test committee: 5 nodes sharing 12 shards as 3, 3, 2, 2, 2. A quorum
// needs 9 shards (3·9 ≥ 25), validity 5 (3·5 ≥ 13).
const (
	testNodes  = 5
	testShards = 12
)

var (
	alice = ledgertest.Address(1)
	bob   = ledgertest.Address(2)
)

// harness is one ledger reached through one transport, so that every test
// of the chain.Chain contract runs in process and over HTTP alike.
type harness struct {
	com   *ledgertest.Committee
	l     *ledger.Ledger
	dir   string
	as    func(chain.Address) chain.Chain
	admin func(context.Context, []ledger.NodeRegistration) (chain.Committee, error)
}

func newHarness(t *testing.T, transport string) *harness {
	t.Helper()
	com := ledgertest.NewCommittee(t, testNodes, testShards)
	l, dir := ledgertest.Open(t, com.Genesis(), ledger.Options{})
	h := &harness{com: com, l: l, dir: dir}
	switch transport {
	case "local":
		h.as = func(a chain.Address) chain.Chain { return l.As(a) }
		h.admin = l.AdvanceEpoch
	case "http":
		url := ledgertest.Serve(t, l) // closes before the ledger does
		h.as = func(a chain.Address) chain.Chain { return ledger.Dial(url, accountKey(t, a)) }
		h.admin = ledger.Dial(url, nil).WithAdminToken(ledgertest.AdminToken).AdvanceEpoch
	default:
		t.Fatalf("unknown transport %q", transport)
	}
	return h
}

// transports runs a test on a fresh ledger per transport.
func transports(t *testing.T, run func(t *testing.T, h *harness)) {
	for _, tr := range []string{"local", "http"} {
		t.Run(tr, func(t *testing.T) {
			t.Parallel()
			run(t, newHarness(t, tr))
		})
	}
}

// accountKeys maps the test accounts' addresses to their keys.
var accountKeys = sync.OnceValue(func() map[chain.Address]*suikey.KeyPair {
	m := map[chain.Address]*suikey.KeyPair{}
	for i := range 256 {
		k := ledgertest.AccountKey(i)
		m[chain.Address(k.Address())] = k
	}
	return m
})

// accountKey returns the key of a test account (ledgertest.Address(i) for
// i < 256).
func accountKey(t testing.TB, a chain.Address) *suikey.KeyPair {
	t.Helper()
	k, ok := accountKeys()[a]
	if !ok {
		t.Fatalf("no key for account %s", ledger.FormatAddress(a))
	}
	return k
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// store reserves storage for epochs epochs and registers a made-up blob.
func (h *harness) store(t *testing.T, c chain.Chain, size uint64, seed string, epochs uint32, deletable bool) chain.Blob {
	t.Helper()
	ctx := testContext(t)
	id, root := ledgertest.Blob(size, seed)
	st, err := c.ReserveStorage(ctx, ledgertest.EncodedLength(t, testShards, size), epochs)
	if err != nil {
		t.Fatalf("reserve: %v", err)
	}
	b, err := c.RegisterBlob(ctx, st.ID, id, root, size, encoding.EncodingRS2, deletable)
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	return b
}

// confirmation is the storage confirmation nodes sign for b in epoch.
func confirmation(b chain.Blob, epoch chain.Epoch) messages.StorageConfirmation {
	c := messages.StorageConfirmation{Epoch: epoch, BlobID: b.BlobID, Deletable: b.Deletable}
	if b.Deletable {
		c.ObjectID = b.ID
	}
	return c
}

// certify certifies b with a quorum's certificate of the current epoch.
func (h *harness) certify(t *testing.T, c chain.Chain, b chain.Blob) chain.Blob {
	t.Helper()
	cert := h.com.Confirm(t, h.com.Quorum(), confirmation(b, h.epoch(t)))
	out, err := c.CertifyBlob(testContext(t), b.ID, cert)
	if err != nil {
		t.Fatalf("certify: %v", err)
	}
	return out
}

func (h *harness) epoch(t *testing.T) chain.Epoch {
	t.Helper()
	c, err := h.as(alice).Committee(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	return c.Epoch
}

func (h *harness) advance(t *testing.T, n int) {
	t.Helper()
	for range n {
		com, err := h.admin(testContext(t), nil)
		if err != nil {
			t.Fatalf("advance epoch: %v", err)
		}
		h.com.ReportSync(t, h.as(alice).(chain.EpochSyncReporter), com)
	}
}

func (h *harness) status(t *testing.T, id encoding.BlobID) chain.BlobStatus {
	t.Helper()
	st, err := h.as(alice).BlobStatus(testContext(t), id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// allEvents reads the whole stream.
func (h *harness) allEvents(t *testing.T) []chain.Event {
	t.Helper()
	return readEvents(t, h.as(alice), 0, h.l.NextCursor())
}

// readEvents reads events [from, to) in pages.
func readEvents(t *testing.T, c chain.Chain, from, to chain.Cursor) []chain.Event {
	t.Helper()
	var out []chain.Event
	for from < to {
		evs, err := c.Events(testContext(t), from, 3)
		if err != nil {
			t.Fatalf("events from %d: %v", from, err)
		}
		if len(evs) == 0 || len(evs) > 3 {
			t.Fatalf("events from %d: %d events, want 1 to 3", from, len(evs))
		}
		out = append(out, evs...)
		from += chain.Cursor(len(evs))
	}
	return out
}

// rejects checks that a transaction fails with want and changes nothing
// that emits an event.
func (h *harness) rejects(t *testing.T, want error, what string, tx func(ctx context.Context) error) {
	t.Helper()
	before := h.l.NextCursor()
	err := tx(testContext(t))
	t.Logf("%s: %v", what, err)
	if !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %v", what, err, want)
	}
	if after := h.l.NextCursor(); after != before {
		t.Errorf("%s: rejected transaction emitted %d events", what, after-before)
	}
}

func epochPtr(e chain.Epoch) *chain.Epoch { return &e }
