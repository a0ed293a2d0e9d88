package ledger

import (
	"context"
	"errors"
	"testing"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
	"github.com/walrusfs/walrusfs/chain/sui/walrusptb"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/messages"
)

// suiEnv is a ledger with a funded key that sends Walrus's transactions.
type suiEnv struct {
	t   *testing.T
	dir string
	l   *Ledger
	key *suikey.KeyPair
}

func newSuiEnv(t *testing.T) *suiEnv {
	t.Helper()
	key, err := suikey.NewKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	g, _ := testGenesis(t)
	g.Sui = &SuiGenesis{Grants: []Grant{{Owner: key.Address(), SUI: 10e9, WAL: 10e9}}}
	dir := t.TempDir()
	l, err := Create(dir, g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := &suiEnv{t: t, dir: dir, l: l, key: key}
	t.Cleanup(func() { e.l.Close() })
	return e
}

// coin returns the key's coin of a type.
func (e *suiEnv) coin(typ moveobj.StructTag) walrusptb.Coin {
	e.t.Helper()
	owned, _, err := e.l.SuiOwnedObjects(context.Background(), e.key.Address(), nil, nil, 100)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, o := range owned {
		if o.Type.String() == moveobj.CoinType(typ).String() {
			return walrusptb.Coin{Ref: walrusptb.ObjectRef{ID: o.ID, Version: o.Version, Digest: o.Digest}, Balance: *o.Balance}
		}
	}
	e.t.Fatalf("no coin of %s", typ)
	return walrusptb.Coin{}
}

func (e *suiEnv) contract() walrusptb.Contract {
	d := e.l.SuiDeployment()
	return walrusptb.Contract{Package: d.WalrusPackage, System: d.System, SystemVersion: sharedInitialVersion,
		WAL: walrusptb.StructTag{Address: d.WALPackage, Module: "wal", Name: "WAL"}}
}

// exec signs and executes a flow, paying gas with the key's SUI coin.
func (e *suiEnv) exec(flow walrusptb.Flow) *SuiExecution {
	e.t.Helper()
	gas := e.coin(moveobj.SUIType())
	tx, err := walrusptb.Bytes(e.key.Address(), walrusptb.GasData{Payment: []walrusptb.ObjectRef{gas.Ref}, Price: e.l.SuiDeployment().GasPrice, Budget: 1e9}, flow)
	if err != nil {
		e.t.Fatal(err)
	}
	exec, err := e.l.ExecuteSui(context.Background(), tx, [][]byte{e.key.SignTransaction(tx)})
	if err != nil {
		e.t.Fatal(err)
	}
	return exec
}

// register registers a made-up blob and returns its object.
func (e *suiEnv) register(size uint64) chain.Blob {
	e.t.Helper()
	d := e.l.SuiDeployment()
	root := encoding.Hash{byte(size)}
	id := encoding.DeriveBlobID(encoding.EncodingRS2, size, root)
	exec := e.exec(walrusptb.Register{Contract: e.contract(), Prices: walrusptb.Prices{Storage: d.StoragePrice, Write: d.WritePrice},
		NShards: d.NShards, BlobID: id, RootHash: root, Size: size, Epochs: 2, Owner: e.key.Address(),
		WAL: []walrusptb.Coin{e.coin(d.WALType())}})
	if exec.Failure != nil {
		e.t.Fatalf("register: %+v", exec.Failure)
	}
	for _, c := range exec.Changes {
		if c.Op == ChangeCreated && c.Type == moveobj.BlobType(d.WalrusPackage).String() {
			b, err := e.l.As(e.key.Address()).Blob(context.Background(), c.ID)
			if err != nil {
				e.t.Fatal(err)
			}
			return b
		}
	}
	e.t.Fatal("no blob created")
	return chain.Blob{}
}

// TestRegisterWrapsStorage: the storage a register transaction buys is
// wrapped in the blob; the sender owns no loose Storage to register again.
func TestRegisterWrapsStorage(t *testing.T) {
	e := newSuiEnv(t)
	e.register(1000)
	owned, _, err := e.l.SuiOwnedObjects(context.Background(), e.key.Address(), func(st moveobj.StructTag) bool {
		return st.Module == "storage_resource"
	}, nil, 100)
	if err != nil || len(owned) != 0 {
		t.Fatalf("the sender owns %d Storage objects after registering (err %v), want none", len(owned), err)
	}
}

// TestBogusCertificateStaysRefusedOnReplay: a certify with a signature that
// does not verify fails, and still fails when the log is replayed.
func TestBogusCertificateStaysRefusedOnReplay(t *testing.T) {
	e := newSuiEnv(t)
	b := e.register(1000)
	d := e.l.SuiDeployment()
	objs, err := e.l.SuiObjects(context.Background(), []chain.ObjectID{b.ID})
	if err != nil {
		t.Fatal(err)
	}
	conf := messages.StorageConfirmation{Epoch: 0, BlobID: b.BlobID}
	exec := e.exec(walrusptb.Certify{Contract: e.contract(), Blob: walrusptb.ObjectRef{ID: b.ID, Version: objs[0].Version, Digest: objs[0].Digest},
		Signature: make([]byte, 96), SignersBitmap: []byte{0x0f}, Message: conf.Marshal()})
	if exec.Failure == nil {
		t.Fatal("a certificate with a zero signature certified the blob")
	}
	if err := e.l.Close(); err != nil {
		t.Fatal(err)
	}
	if e.l, err = Open(e.dir, Options{}); err != nil {
		t.Fatal(err)
	}
	again, ok := e.l.SuiTransaction(exec.Digest)
	if !ok || again.Failure == nil {
		t.Fatalf("after replay the bogus certify is %+v", again)
	}
	got, err := e.l.As(e.key.Address()).Blob(context.Background(), b.ID)
	if err != nil || got.CertifiedEpoch != nil {
		t.Fatalf("after replay the blob is %+v (%v), want it uncertified", got, err)
	}
	_ = d
}

// TestGasPriceOverflowRefused: a gas price whose products overflow is
// refused before execution.
func TestGasPriceOverflowRefused(t *testing.T) {
	e := newSuiEnv(t)
	gas := e.coin(moveobj.SUIType())
	tx, err := walrusptb.Bytes(e.key.Address(), walrusptb.GasData{Payment: []walrusptb.ObjectRef{gas.Ref}, Price: 18446744073709552, Budget: 384},
		walrusptb.Delete{Contract: e.contract(), Blob: walrusptb.ObjectRef{ID: gas.Ref.ID, Version: gas.Ref.Version, Digest: gas.Ref.Digest}, Owner: e.key.Address()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.l.ExecuteSui(context.Background(), tx, [][]byte{e.key.SignTransaction(tx)}); !errors.Is(err, ErrTxRejected) {
		t.Fatalf("gas price 2^64/1000: %v, want a rejection", err)
	}
}
