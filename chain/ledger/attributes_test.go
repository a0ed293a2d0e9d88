package ledger_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/walrusfs/walrusfs/chain"
)

// TestBlobAttributes reads through the native account the attributes a
// Sui transaction set on a blob object.
func TestBlobAttributes(t *testing.T) {
	s := newSuiLedger(t)
	ctx := testContext(t)
	tx := s.register(t, 1000, "a", s.coin(t, s.d.WALType()))
	if exec, err := s.l.ExecuteSui(ctx, tx, [][]byte{s.key.SignTransaction(tx)}); err != nil || exec.Failure != nil {
		t.Fatalf("register: %v, %+v", err, exec)
	}
	a := s.l.As(s.key.Address())
	blobs, err := a.OwnedBlobs(ctx)
	if err != nil || len(blobs) != 1 {
		t.Fatalf("owned blobs: %v, %v", blobs, err)
	}
	attrs, err := a.BlobAttributes(ctx, blobs[0].ID)
	if err != nil || !slices.Equal(attrs, []chain.Attribute{{Key: "k", Value: "a"}}) {
		t.Fatalf("attributes %+v, %v; want k=a", attrs, err)
	}
	if _, err := a.BlobAttributes(ctx, chain.ObjectID{9}); !errors.Is(err, chain.ErrNotFound) {
		t.Fatalf("attributes of no object: %v, want ErrNotFound", err)
	}
}
