package sui_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/chain/sui/suikey"
	"github.com/walrusfs/walrusfs/chain/suiface/facetest"
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
