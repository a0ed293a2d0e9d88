package client_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/internal/testutil"
	"github.com/walrusfs/walrusfs/protocol/messages"
	"github.com/walrusfs/walrusfs/walrus/client"
)

// TestUploadRegistered: a blob registered by the wallet is uploaded as a
// relay does, its certificate certifies it, and it reads back; bytes of
// another blob ID are refused.
func TestUploadRegistered(t *testing.T) {
	ch, c := suiClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	enc, err := encoding.NewEncoder(100)
	if err != nil {
		t.Fatal(err)
	}
	blob := testutil.RandomBytes(7, 20_000)
	meta, id, err := enc.ComputeMetadata(blob)
	if err != nil {
		t.Fatal(err)
	}
	for _, deletable := range []bool{false, true} {
		obj, err := ch.ReserveAndRegister(ctx, 2, id, meta.RootHash(), uint64(len(blob)), encoding.EncodingRS2, deletable)
		if err != nil {
			t.Fatal(err)
		}
		var object *messages.ObjectID
		if deletable {
			object = (*messages.ObjectID)(&obj.ID)
		}
		if _, err := c.UploadRegistered(ctx, append(bytes.Clone(blob), 0), id, object); !errors.Is(err, client.ErrBlobIDMismatch) {
			t.Fatalf("other bytes: %v, want ErrBlobIDMismatch", err)
		}
		cert, err := c.UploadRegistered(ctx, blob, id, object)
		if err != nil {
			t.Fatalf("deletable %v: %v", deletable, err)
		}
		if _, err := ch.CertifyBlob(ctx, obj.ID, cert); err != nil {
			t.Fatalf("deletable %v: certify with the relay's certificate: %v", deletable, err)
		}
	}
	got, err := c.Read(ctx, id)
	if err != nil || !bytes.Equal(got, blob) {
		t.Fatalf("read back: %d bytes, %v", len(got), err)
	}
}
