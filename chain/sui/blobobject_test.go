package sui_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui"
	"github.com/walrusfs/walrusfs/chain/suiface/facetest"
	"github.com/walrusfs/walrusfs/walrus/client"
)

// TestBlobAttributesAndTransfer reads a Blob's attributes, none until a
// manifest record writes some, and gives the Blob to another address, after
// which the wallet can no longer give it away.
func TestBlobAttributesAndTransfer(t *testing.T) {
	f := facetest.Start(t, 4, 100)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := dial(t, f, f.Key)
	res, err := client.New(c, client.Options{}).Store(ctx, blobOf(3000, 9), 3, true)
	if err != nil {
		t.Fatal(err)
	}
	blob := res.Object.ID
	if attrs, err := c.BlobAttributes(ctx, blob); err != nil || len(attrs) != 0 {
		t.Fatalf("attributes of a fresh blob: %v, %v; want none", attrs, err)
	}
	if _, err := c.PublishManifest(ctx, "tree", res.BlobID, 0); err != nil {
		t.Fatal(err)
	}
	attrs, err := c.BlobAttributes(ctx, blob)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, a := range attrs {
		keys = append(keys, a.Key)
	}
	if want := []string{sui.FsAttribute, sui.VersionAttribute, sui.SignatureAttribute}; !slices.Equal(keys, want) {
		t.Fatalf("attribute keys %q, want %q in this order", keys, want)
	}
	if attrs[0].Value != "tree" || attrs[1].Value != "1" {
		t.Errorf("attributes %+v", attrs)
	}
	if _, err := c.BlobAttributes(ctx, chain.ObjectID{7}); !errors.Is(err, chain.ErrNotFound) {
		t.Errorf("attributes of no object: %v, want ErrNotFound", err)
	}

	to := chain.Address{0xab, 0xcd}
	if err := c.TransferBlob(ctx, blob, to); err != nil {
		t.Fatal(err)
	}
	if b, err := c.Blob(ctx, blob); err != nil || b.Owner != to {
		t.Fatalf("after the transfer: owner %x, %v; want %x", b.Owner, err, to)
	}
	if err := c.TransferBlob(ctx, blob, f.Key.Address()); !errors.Is(err, chain.ErrNotOwner) {
		t.Fatalf("transferring a blob given away: %v, want ErrNotOwner", err)
	}
}
