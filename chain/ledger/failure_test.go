package ledger

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/protocol/bls"
)

// testGenesis is a genesis of 4 nodes with one shard each (this package's
// own tests cannot use ledgertest, which imports it).
func testGenesis(t *testing.T) (Genesis, []*bls.PrivateKey) {
	g := Genesis{NShards: 4}
	var keys []*bls.PrivateKey
	for i := range 4 {
		seed := sha256.Sum256(fmt.Appendf(nil, "failure test %d", i))
		k, err := bls.KeyFromSeed(seed[:])
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
		g.Nodes = append(g.Nodes, NewNodeRegistration(k, chain.Node{Name: fmt.Sprint(i), Shards: []uint16{uint16(i)}}, chain.Address{byte(i)}, 0))
	}
	return g, keys
}

// TestLogWriteFails: when the log cannot be written and the damage cannot
// be undone, the ledger refuses every further transaction, still answers
// reads, and a reopen finds exactly the acknowledged transactions.
func TestLogWriteFails(t *testing.T) {
	g, _ := testGenesis(t)
	dir := t.TempDir()
	l, err := Create(dir, g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a := l.As(chain.Address{1})
	kept, err := a.ReserveStorage(ctx, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	l.wal.f.Close() // every write and truncation fails from now on
	if _, err := a.ReserveStorage(ctx, 2, 1); !errors.Is(err, ErrFailed) {
		t.Fatalf("write to a broken log: %v", err)
	}
	if _, err := l.AdvanceEpoch(ctx, nil); !errors.Is(err, ErrFailed) {
		t.Fatalf("transaction after the failure: %v", err)
	}
	if _, err := a.Committee(ctx); err != nil {
		t.Fatalf("read after the failure: %v", err)
	}
	l.Close()

	l, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.st.seq != 2 || l.st.storages[kept.ID] == nil || len(l.st.storages) != 1 {
		t.Fatalf("after reopen: %d records, storages %v", l.st.seq, l.st.storages)
	}
}

// TestRecordTooLarge: a record over the size limit is refused before any
// byte is written, and the ledger goes on.
func TestRecordTooLarge(t *testing.T) {
	g, keys := testGenesis(t)
	l, err := Create(t.TempDir(), g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	next := g.Nodes
	next[0] = NewNodeRegistration(keys[0], chain.Node{Name: strings.Repeat("x", maxRecordSize), Shards: []uint16{0}}, chain.Address{0}, 0)
	if _, err := l.AdvanceEpoch(context.Background(), next); !errors.Is(err, errWriteUndone) || !errors.Is(err, chain.ErrInvalidArgument) {
		t.Fatalf("huge record: %v", err)
	}
	if _, err := l.AdvanceEpoch(context.Background(), nil); err != nil {
		t.Fatalf("transaction after a refused record: %v", err)
	}
}
