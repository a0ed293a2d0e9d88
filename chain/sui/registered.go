package sui

import (
	"context"
	"fmt"

	v2 "github.com/block-vision/sui-go-sdk/pb/sui/rpc/v2"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
)

// RegisteredBlobs returns the Walrus Blob objects that the transaction with
// this digest created, read as they are now: what an upload relay checks a
// client's registration against. Deleted ones are left out.
func (c *Client) RegisteredBlobs(ctx context.Context, digest string) ([]chain.Blob, error) {
	if _, err := parseDigest(digest); err != nil {
		return nil, fmt.Errorf("sui: %w: transaction %v", chain.ErrInvalidArgument, err)
	}
	d, err := c.stateFor(ctx, false)
	if err != nil {
		return nil, err
	}
	resp, err := c.ledger.GetTransaction(ctx, &v2.GetTransactionRequest{
		Digest:   &digest,
		ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"digest", "effects"}},
	})
	if err != nil {
		return nil, rpcError("read transaction "+digest, err)
	}
	eff := resp.GetTransaction().GetEffects()
	if !eff.GetStatus().GetSuccess() {
		return nil, fmt.Errorf("sui: %w: transaction %s failed", chain.ErrInvalidArgument, digest)
	}
	blobType := moveobj.BlobType(d.typeOrigin)
	var created []chain.ObjectID
	for _, co := range eff.GetChangedObjects() {
		if co.GetIdOperation() != v2.ChangedObject_CREATED {
			continue
		}
		// Full nodes name the type; where one does not, the read below
		// tells Blobs apart.
		if t, err := moveobj.ParseStructTag(co.GetObjectType()); err == nil && !t.Equal(blobType) {
			continue
		}
		id, err := parseID(co.GetObjectId())
		if err != nil {
			return nil, fmt.Errorf("sui: transaction %s created %q: %w", digest, co.GetObjectId(), err)
		}
		created = append(created, id)
	}
	objs, err := c.objects(ctx, created)
	if err != nil {
		return nil, err
	}
	var out []chain.Blob
	for _, o := range objs {
		if o == nil || !o.typ.Equal(blobType) {
			continue
		}
		b, err := blobFromObject(o)
		if err != nil {
			return nil, fmt.Errorf("sui: transaction %s: %w", digest, err)
		}
		out = append(out, b)
	}
	return out, nil
}
