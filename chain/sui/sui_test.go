package sui_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/block-vision/sui-go-sdk/models"
	ptb "github.com/block-vision/sui-go-sdk/transaction"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/sui"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
	"github.com/walrusfs/walrusfs/chain/sui/suitx"
	"github.com/walrusfs/walrusfs/chain/suiface/facetest"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/client"
)

func dial(t *testing.T, f *facetest.Net, key *suikey.KeyPair) *sui.Client {
	t.Helper()
	d := f.Ledger.SuiDeployment()
	c, err := sui.Dial(sui.Config{RPCURL: f.URL, System: d.System, Staking: d.Staking, Signer: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func blobOf(size int, seed byte) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i*7) ^ seed
	}
	return b
}

// TestClientThroughFace stores, reads, extends and deletes blobs through
// Sui gRPC: walrusfs's client over chain/sui over the ledger's Sui face.
func TestClientThroughFace(t *testing.T) {
	f := facetest.Start(t, 4, 100)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := dial(t, f, f.Key)

	com, err := c.Committee(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, err := f.Ledger.As(chain.Address{}).Committee(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if com.Epoch != want.Epoch || com.NShards != want.NShards || len(com.Members) != len(want.Members) {
		t.Fatalf("committee %+v, the ledger's %+v", com, want)
	}
	for i, m := range com.Members {
		w := want.Members[i]
		if m.ID != w.ID || m.PublicKey != w.PublicKey || m.Address != w.Address || !equalShards(m.Shards, w.Shards) {
			t.Errorf("member %d: %+v, the ledger's %+v", i, m, w)
		}
	}

	wc := client.New(c, client.Options{})
	data := blobOf(300_000, 1)
	res, err := wc.Store(ctx, data, 3, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Object.CertifiedEpoch == nil || res.Object.Owner != f.Key.Address() {
		t.Fatalf("stored blob object %+v", res.Object)
	}
	got, err := wc.Read(ctx, res.BlobID)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back: %v", err)
	}
	ext, err := c.ExtendBlob(ctx, res.Object.ID, 2)
	if err != nil || ext.Storage.EndEpoch != res.Object.Storage.EndEpoch+2 {
		t.Fatalf("extend: %v, end epoch %d → %d", err, res.Object.Storage.EndEpoch, ext.Storage.EndEpoch)
	}

	del, err := wc.Store(ctx, blobOf(1000, 2), 1, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteBlob(ctx, del.Object.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Blob(ctx, del.Object.ID); !errors.Is(err, chain.ErrNotFound) {
		t.Fatalf("deleted blob object: %v, want ErrNotFound", err)
	}
	if _, err := c.DeleteBlob(ctx, res.Object.ID); !errors.Is(err, chain.ErrNotDeletable) {
		t.Fatalf("delete of a permanent blob: %v, want ErrNotDeletable", err)
	}
}

func equalShards(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestManifestRecordThroughAttributes keeps a tree's manifest record in the
// attributes of the manifest's Blob object: created, updated with a compare
// and swap on its version, and found again by a fresh client.
func TestManifestRecordThroughAttributes(t *testing.T) {
	f := facetest.Start(t, 4, 100)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := dial(t, f, f.Key)
	wc := client.New(c, client.Options{})
	owner := f.Key.Address()

	if _, err := c.FsRecord(ctx, owner, "home"); !errors.Is(err, chain.ErrNotFound) {
		t.Fatalf("record before any publish: %v, want ErrNotFound", err)
	}
	m1, err := wc.Store(ctx, blobOf(5000, 3), 5, false)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := c.PublishManifest(ctx, "home", m1.BlobID, 0)
	if err != nil || rec.Version != 1 {
		t.Fatalf("first publish: %+v, %v", rec, err)
	}
	if _, err := c.PublishManifest(ctx, "home", m1.BlobID, 0); !errors.Is(err, chain.ErrConflict) {
		t.Fatalf("publish over version 1 as if new: %v, want ErrConflict", err)
	}
	m2, err := wc.Store(ctx, blobOf(6000, 4), 5, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PublishManifest(ctx, "home", m2.BlobID, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PublishManifest(ctx, "other", m1.BlobID, 0); err != nil {
		t.Fatalf("a second tree on an older manifest blob: %v", err)
	}
	fresh := dial(t, f, nil)
	got, err := fresh.FsRecord(ctx, owner, "home")
	if err != nil || got.Version != 2 || got.Manifest != m2.BlobID {
		t.Fatalf("record found by a fresh client: %+v, %v; want version 2 on %s", got, err, m2.BlobID)
	}
	if got, err := fresh.FsRecord(ctx, owner, "other"); err != nil || got.Version != 1 || got.Manifest != m1.BlobID {
		t.Fatalf("second tree's record: %+v, %v", got, err)
	}
}

// TestPaymentErrors: a wallet without SUI or without WAL gets an error that
// says which, and nothing is sent.
func TestPaymentErrors(t *testing.T) {
	f := facetest.Start(t, 4, 100)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d := f.Ledger.SuiDeployment()

	empty, _ := suikey.NewKeyPair()
	if _, err := client.New(dial(t, f, empty), client.Options{}).Store(ctx, blobOf(100, 5), 1, false); !errors.Is(err, chain.ErrInsufficientWAL) && !errors.Is(err, chain.ErrInsufficientGas) {
		t.Fatalf("store from an empty wallet: %v", err)
	}
	gasOnly, _ := suikey.NewKeyPair()
	if err := f.Ledger.Mint(ctx, gasOnly.Address(), 1_000_000_000, 0); err != nil {
		t.Fatal(err)
	}
	before, _, _ := f.Ledger.SuiBalance(ctx, gasOnly.Address(), moveobj.SUIType())
	_, err := client.New(dial(t, f, gasOnly), client.Options{}).Store(ctx, blobOf(100, 6), 1, false)
	if !errors.Is(err, chain.ErrInsufficientWAL) {
		t.Fatalf("store without WAL: %v, want ErrInsufficientWAL", err)
	}
	after, _, _ := f.Ledger.SuiBalance(ctx, gasOnly.Address(), moveobj.SUIType())
	if after != before {
		t.Errorf("a refused store cost gas: %d → %d MIST", before, after)
	}
	walOnly, _ := suikey.NewKeyPair()
	if err := f.Ledger.Mint(ctx, walOnly.Address(), 0, 1_000_000_000); err != nil {
		t.Fatal(err)
	}
	if _, err := client.New(dial(t, f, walOnly), client.Options{}).Store(ctx, blobOf(100, 7), 1, false); !errors.Is(err, chain.ErrInsufficientGas) {
		t.Fatalf("store without SUI: %v, want ErrInsufficientGas", err)
	}
	_ = d
}

// TestPlantedManifestRecordIgnored: an attacker cannot make a victim mount
// the attacker's tree by giving the victim a Blob object whose attributes
// claim to be the victim's record, signed or not by the attacker.
func TestPlantedManifestRecordIgnored(t *testing.T) {
	f := facetest.Start(t, 4, 100)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	victim := dial(t, f, f.Key)
	mine, err := client.New(victim, client.Options{}).Store(ctx, blobOf(3000, 8), 5, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := victim.PublishManifest(ctx, "home", mine.BlobID, 0); err != nil {
		t.Fatal(err)
	}

	attackerKey, _ := suikey.NewKeyPair()
	if err := f.Ledger.Mint(ctx, attackerKey.Address(), 10e9, 10e9); err != nil {
		t.Fatal(err)
	}
	attacker := dial(t, f, attackerKey)
	evil, err := client.New(attacker, client.Options{}).Store(ctx, blobOf(3000, 9), 5, false)
	if err != nil {
		t.Fatal(err)
	}
	// The attacker's own signed record, at a high version, then the Blob
	// given to the victim.
	for v := uint64(0); v < 3; v++ {
		if _, err := attacker.PublishManifest(ctx, "home", evil.BlobID, v); err != nil {
			t.Fatal(err)
		}
	}
	transferBlob(t, f, attackerKey, evil.Object.ID, f.Key.Address())
	got, err := victim.FsRecord(ctx, f.Key.Address(), "home")
	if err != nil {
		t.Fatal(err)
	}
	if got.Manifest != mine.BlobID {
		t.Fatalf("the victim's record points at %s, the attacker's manifest %s; want the victim's own %s", got.Manifest, evil.BlobID, mine.BlobID)
	}
}

// transferBlob sends a blob object of from's to another address.
func transferBlob(t *testing.T, f *facetest.Net, from *suikey.KeyPair, blob chain.ObjectID, to chain.Address) {
	t.Helper()
	ctx := context.Background()
	objs, err := f.Ledger.SuiObjects(ctx, []chain.ObjectID{blob})
	if err != nil || objs[0] == nil {
		t.Fatalf("blob object: %v", err)
	}
	owned, _, err := f.Ledger.SuiOwnedObjects(ctx, from.Address(), func(st moveobj.StructTag) bool {
		return st.String() == moveobj.CoinType(moveobj.SUIType()).String()
	}, nil, 1)
	if err != nil || len(owned) == 0 {
		t.Fatalf("gas coin: %v", err)
	}
	ref := func(o *ledger.SuiObject) ptb.SuiObjectRef {
		return ptb.SuiObjectRef{ObjectId: models.SuiAddressBytes(o.ID), Version: o.Version, Digest: models.ObjectDigestBytes(o.Digest[:])}
	}
	blobRef, gasRef := ref(objs[0]), ref(owned[0])
	sender, dest := models.SuiAddressBytes(from.Address()), models.SuiAddressBytes(to)
	zero, one := uint16(0), uint16(1)
	price, budget := f.Ledger.SuiDeployment().GasPrice, uint64(1e8)
	tx, err := suitx.Encode(&ptb.TransactionData{V1: &ptb.TransactionDataV1{
		Kind: &ptb.TransactionKind{ProgrammableTransaction: &ptb.ProgrammableTransaction{
			Inputs: []*ptb.CallArg{{Object: &ptb.ObjectArg{ImmOrOwnedObject: &blobRef}}, {Pure: &ptb.Pure{Bytes: dest[:]}}},
			Commands: []*ptb.Command{{TransferObjects: &ptb.TransferObjects{
				Objects: []*ptb.Argument{{Input: &zero}}, Address: &ptb.Argument{Input: &one}}}},
		}},
		Sender:  &sender,
		GasData: &ptb.GasData{Payment: &[]ptb.SuiObjectRef{gasRef}, Owner: &sender, Price: &price, Budget: &budget},
	}})
	if err != nil {
		t.Fatal(err)
	}
	exec, err := f.Ledger.ExecuteSui(ctx, tx, [][]byte{from.SignTransaction(tx)})
	if err != nil || exec.Failure != nil {
		t.Fatalf("transfer: %v, %+v", err, exec)
	}
}

// TestExtendBlobsInOneTransaction extends three blobs with one transaction,
// paying exactly Walrus's price for each.
func TestExtendBlobsInOneTransaction(t *testing.T) {
	f := facetest.Start(t, 4, 100)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := dial(t, f, f.Key)
	wc := client.New(c, client.Options{})
	var ids []chain.ObjectID
	var want uint64
	d := f.Ledger.SuiDeployment()
	for i, size := range []int{100, 2 << 20, 5000} {
		res, err := wc.Store(ctx, blobOf(size, byte(40+i)), 2, false)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.Object.ID)
		cost, _ := moveobj.StorageCost(d.StoragePrice, res.Object.Storage.Size, uint32(i+1))
		want += cost
	}
	before := c.Spent()
	out, err := c.ExtendBlobs(ctx, ids, []uint32{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range out {
		if b.Storage.EndEpoch != 2+uint32(i+1) {
			t.Errorf("blob %d ends with epoch %d, want %d", i, b.Storage.EndEpoch, 2+i+1)
		}
	}
	if got := c.Spent().WAL - before.WAL; got != want {
		t.Errorf("the batch cost %d FROST, Walrus's prices say %d", got, want)
	}
}

// TestReserveThenRegister buys storage first and registers a blob on it
// later, as storage kept for reuse is: the write cost alone is paid then.
func TestReserveThenRegister(t *testing.T) {
	f := facetest.Start(t, 4, 100)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := dial(t, f, f.Key)
	d := f.Ledger.SuiDeployment()
	data := blobOf(4000, 11)
	enc, err := encoding.NewEncoder(d.NShards)
	if err != nil {
		t.Fatal(err)
	}
	eb, err := enc.Encode(data)
	if err != nil {
		t.Fatal(err)
	}
	defer eb.Release()
	st, err := c.ReserveStorage(ctx, eb.Params.EncodedLength(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if st.EndEpoch != 3 || st.Size != eb.Params.EncodedLength() {
		t.Fatalf("storage %+v", st)
	}
	before := c.Spent()
	b, err := c.RegisterBlob(ctx, st.ID, eb.ID, eb.Metadata.RootHash(), uint64(len(data)), encoding.EncodingRS2, true)
	if err != nil {
		t.Fatal(err)
	}
	if b.BlobID != eb.ID || b.Storage.ID != st.ID || b.Storage.EndEpoch != 3 {
		t.Fatalf("blob %+v on storage %+v", b, st)
	}
	write, _ := moveobj.WriteCost(d.WritePrice, eb.Params.EncodedLength())
	if got := c.Spent().WAL - before.WAL; got != write {
		t.Fatalf("registering on owned storage cost %d FROST, want the write cost %d", got, write)
	}
	if _, err := c.RegisterBlob(ctx, st.ID, eb.ID, eb.Metadata.RootHash(), uint64(len(data)), encoding.EncodingRS2, true); !errors.Is(err, chain.ErrNotFound) {
		t.Fatalf("a second registration on used storage: %v, want ErrNotFound", err)
	}
}
