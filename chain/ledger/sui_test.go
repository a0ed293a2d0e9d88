package ledger_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/ledger/ledgertest"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
	"github.com/walrusfs/walrusfs/chain/sui/suitx"
	"github.com/walrusfs/walrusfs/chain/sui/walrusptb"
)

// suiLedger is a ledger whose Sui face funds one key.
type suiLedger struct {
	l   *ledger.Ledger
	dir string
	key *suikey.KeyPair
	d   ledger.SuiDeployment
}

const (
	suiGrant = 100_000_000_000
	walGrant = 100_000_000_000
)

func newSuiLedger(t *testing.T) *suiLedger {
	t.Helper()
	key, err := suikey.FromSeed(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	g := ledgertest.NewCommittee(t, testNodes, testShards).Genesis()
	g.Sui = &ledger.SuiGenesis{Grants: []ledger.Grant{{Owner: key.Address(), SUI: suiGrant, WAL: walGrant}}}
	l, dir := ledgertest.Open(t, g, ledger.Options{})
	return &suiLedger{l: l, dir: dir, key: key, d: l.SuiDeployment()}
}

// coin returns the account's largest coin of a currency.
func (s *suiLedger) coin(t *testing.T, currency moveobj.StructTag) walrusptb.Coin {
	t.Helper()
	want := moveobj.CoinType(currency).String()
	objs, _, err := s.l.SuiOwnedObjects(context.Background(), s.key.Address(), func(t moveobj.StructTag) bool { return t.String() == want }, nil, 10)
	if err != nil || len(objs) == 0 {
		t.Fatalf("no %s coin: %v", currency, err)
	}
	o := objs[0]
	for _, c := range objs {
		if *c.Balance > *o.Balance {
			o = c
		}
	}
	return walrusptb.Coin{Ref: walrusptb.ObjectRef{ID: o.ID, Version: o.Version, Digest: o.Digest}, Balance: *o.Balance}
}

// smallest returns the account's smallest WAL coin.
func (s *suiLedger) smallest(t *testing.T) walrusptb.Coin {
	t.Helper()
	want := moveobj.CoinType(s.d.WALType()).String()
	objs, _, err := s.l.SuiOwnedObjects(context.Background(), s.key.Address(), func(t moveobj.StructTag) bool { return t.String() == want }, nil, 10)
	if err != nil || len(objs) == 0 {
		t.Fatalf("no WAL coin: %v", err)
	}
	o := objs[0]
	for _, c := range objs {
		if *c.Balance < *o.Balance {
			o = c
		}
	}
	return walrusptb.Coin{Ref: walrusptb.ObjectRef{ID: o.ID, Version: o.Version, Digest: o.Digest}, Balance: *o.Balance}
}

func (s *suiLedger) register(t *testing.T, size uint64, seed string, wal walrusptb.Coin) []byte {
	t.Helper()
	id, root := ledgertest.Blob(size, seed)
	owner := s.key.Address()
	f := walrusptb.Register{
		Contract: walrusptb.Contract{Package: s.d.WalrusPackage, System: s.d.System, SystemVersion: 1,
			WAL: walrusptb.StructTag{Address: s.d.WALPackage, Module: "wal", Name: "WAL"}},
		Prices:  walrusptb.Prices{Storage: s.d.StoragePrice, Write: s.d.WritePrice},
		NShards: s.d.NShards, BlobID: id, RootHash: root, Size: size, Epochs: 2, Deletable: true, Owner: owner,
		WAL: []walrusptb.Coin{wal}, Attributes: []walrusptb.Attribute{{Key: "k", Value: seed}},
	}
	gas := walrusptb.GasData{Payment: []walrusptb.ObjectRef{s.coin(t, moveobj.SUIType()).Ref}, Price: s.d.GasPrice, Budget: 50_000_000}
	b, err := walrusptb.Bytes(owner, gas, f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// suiView is everything the Sui face reads about the test's account.
type suiView struct {
	Objects  []*ledger.SuiObject
	Fields   []*ledger.SuiObject
	SUI, WAL uint64
	Cursor   chain.Cursor
	Seq      uint64
}

func (s *suiLedger) view(t *testing.T) suiView {
	t.Helper()
	ctx := context.Background()
	var v suiView
	var err error
	if v.Objects, _, err = s.l.SuiOwnedObjects(ctx, s.key.Address(), nil, nil, 1000); err != nil {
		t.Fatal(err)
	}
	ids := []chain.ObjectID{s.d.System, s.d.Staking, moveobj.InnerStateFieldID(s.d.System, 1)}
	for _, o := range v.Objects {
		ids = append(ids, moveobj.MetadataFieldID(o.ID))
	}
	if v.Fields, err = s.l.SuiObjects(ctx, ids); err != nil {
		t.Fatal(err)
	}
	if v.SUI, _, err = s.l.SuiBalance(ctx, s.key.Address(), moveobj.SUIType()); err != nil {
		t.Fatal(err)
	}
	if v.WAL, _, err = s.l.SuiBalance(ctx, s.key.Address(), s.d.WALType()); err != nil {
		t.Fatal(err)
	}
	v.Cursor, v.Seq = s.l.NextCursor(), s.l.SuiDeployment().Checkpoint
	return v
}

// TestSuiRejectionsChangeNothing checks that ExecuteSui refuses bad bytes and
// signatures with ErrTxRejected, and that neither they nor a dry run change
// anything.
func TestSuiRejectionsChangeNothing(t *testing.T) {
	s := newSuiLedger(t)
	ctx := testContext(t)
	tx := s.register(t, 1000, "a", s.coin(t, s.d.WALType()))
	other, err := suikey.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	before := s.view(t)
	for name, c := range map[string]struct {
		tx   []byte
		sigs [][]byte
	}{
		"truncated":         {tx[:len(tx)-3], [][]byte{s.key.SignTransaction(tx[:len(tx)-3])}},
		"no signature":      {tx, nil},
		"foreign signature": {tx, [][]byte{other.SignTransaction(tx)}},
		"bad signature":     {tx, [][]byte{append([]byte{0}, make([]byte, 96)...)}},
	} {
		exec, err := s.l.ExecuteSui(ctx, c.tx, c.sigs)
		if !errors.Is(err, ledger.ErrTxRejected) {
			t.Errorf("%s: %v, %+v; want ErrTxRejected", name, err, exec)
		}
	}
	td, err := suitx.Decode(tx)
	if err != nil {
		t.Fatal(err)
	}
	dry, err := s.l.DryRunSui(ctx, td)
	if err != nil || dry.Failure != nil || len(dry.Changes) == 0 {
		t.Fatalf("dry run: %v %+v", err, dry)
	}
	if after := s.view(t); !reflect.DeepEqual(before, after) {
		t.Errorf("state changed:\n%+v\n%+v", before, after)
	}
	if _, ok := s.l.SuiTransaction(suikey.TransactionDigest(tx)); ok {
		t.Error("the dry run was recorded")
	}
}

// TestSuiReplay executes Sui transactions that succeed and that fail, then
// reopens the ledger: replaying its log gives the same objects, versions,
// balances and effects.
func TestSuiReplay(t *testing.T) {
	s := newSuiLedger(t)
	ctx := testContext(t)
	var digests [][32]byte
	run := func(tx []byte) *ledger.SuiExecution {
		t.Helper()
		exec, err := s.l.ExecuteSui(ctx, tx, [][]byte{s.key.SignTransaction(tx)})
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, exec.Digest)
		return exec
	}
	first := s.register(t, 1000, "a", s.coin(t, s.d.WALType()))
	exec := run(first)
	if exec.Failure != nil {
		t.Fatalf("register: %+v", exec.Failure)
	}
	// Sent again, it gives the same effects, but only with its sender's
	// signature.
	if again, err := s.l.ExecuteSui(ctx, first, [][]byte{s.key.SignTransaction(first)}); err != nil || again != exec {
		t.Errorf("executing again: %v", err)
	}
	other, err := suikey.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.l.ExecuteSui(ctx, first, [][]byte{other.SignTransaction(first)}); !errors.Is(err, ledger.ErrTxRejected) {
		t.Errorf("executing again with another key's signature: %v", err)
	}
	// Paying from a coin that holds too little fails in the split, natively.
	if err := s.l.Mint(ctx, s.key.Address(), 0, 100); err != nil {
		t.Fatal(err)
	}
	poor := s.smallest(t)
	poor.Balance = walGrant // what the builder is told
	wal := s.view(t).WAL
	failed := run(s.register(t, 1000, "b", poor))
	if failed.Failure == nil || failed.Failure.Kind != "InsufficientCoinBalance" || failed.Failure.Command != 0 {
		t.Fatalf("paying too little: %+v", failed.Failure)
	}
	if got := s.view(t).WAL; got != wal {
		t.Errorf("the failed register took WAL: %d → %d", wal, got)
	}
	sys, err := s.l.SuiObjects(ctx, []chain.ObjectID{s.d.System})
	if err != nil {
		t.Fatal(err)
	}
	if sys[0].Version != failed.Lamport {
		t.Errorf("System at version %d after a failed transaction that took it mutably at %d", sys[0].Version, failed.Lamport)
	}
	if exec := run(s.register(t, 2000, "c", s.coin(t, s.d.WALType()))); exec.Failure != nil {
		t.Fatalf("register: %+v", exec.Failure)
	}
	before := s.view(t)
	var execs []*ledger.SuiExecution
	for _, d := range digests {
		exec, _ := s.l.SuiTransaction(d)
		execs = append(execs, exec)
	}

	if err := s.l.Close(); err != nil {
		t.Fatal(err)
	}
	l, err := ledger.Open(s.dir, ledger.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	s.l = l
	if after := s.view(t); !reflect.DeepEqual(before, after) {
		t.Errorf("after the restart:\n%+v\nbefore:\n%+v", after, before)
	}
	for i, d := range digests {
		exec, ok := s.l.SuiTransaction(d)
		if !ok || !reflect.DeepEqual(exec, execs[i]) {
			t.Errorf("transaction %d after the restart: %+v, before %+v", i, exec, execs[i])
		}
	}
}
