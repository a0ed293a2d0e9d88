package sui

import (
	"context"
	"fmt"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/chain/sui/walrusptb"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/messages"
)

// ReserveAndRegister buys storage and registers a blob in one transaction,
// the one @mysten/walrus's writeBlob sends.
func (c *Client) ReserveAndRegister(ctx context.Context, epochs uint32, blobID encoding.BlobID, root encoding.Hash, size uint64, encodingType byte, deletable bool) (chain.Blob, error) {
	c.txMu.Lock()
	defer c.txMu.Unlock()
	what := fmt.Sprintf("register blob %s", blobID)
	if err := chain.CheckBlobIdentity(blobID, root, size, encodingType); err != nil {
		return chain.Blob{}, fmt.Errorf("sui: %s: %w", what, err)
	}
	d, err := c.deploymentState(ctx)
	if err != nil {
		return chain.Blob{}, err
	}
	if epochs == 0 || epochs > d.maxEpochsAhead {
		return chain.Blob{}, fmt.Errorf("sui: %s: %w: %d epochs, allowed 1 to %d", what, chain.ErrInvalidArgument, epochs, d.maxEpochsAhead)
	}
	reg := walrusptb.Register{
		Contract: d.contract,
		Prices:   walrusptb.Prices{Storage: d.system.StoragePricePerUnitSize, Write: d.system.WritePricePerUnitSize},
		NShards:  int(d.system.Committee.NShards),
		BlobID:   blobID, RootHash: root, Size: size, Epochs: epochs, Deletable: deletable,
		Owner: c.Address(),
	}
	_, storageCost, writeCost, err := reg.Costs()
	if err != nil {
		return chain.Blob{}, fmt.Errorf("sui: %s: %w", what, err)
	}
	r, err := c.paid(ctx, what, d, storageCost+writeCost, func(w []walrusptb.Coin) walrusptb.Flow { reg.WAL = w; return reg })
	if err != nil {
		return chain.Blob{}, err
	}
	b, err := c.createdBlob(ctx, r, d)
	if err != nil {
		return chain.Blob{}, fmt.Errorf("sui: %s: %w", what, err)
	}
	if b.BlobID != blobID || b.Size != size || b.Deletable != deletable || b.Owner != c.Address() {
		return chain.Blob{}, fmt.Errorf("sui: %s: the created Blob object %s does not match what was registered", what, hexID(b.ID))
	}
	c.log.Debug("registered blob", "blob", blobID, "object", hexID(b.ID), "wal", FormatWAL(storageCost+writeCost), "gas", FormatSUI(r.GasUsed))
	return b, nil
}

// createdBlob finds the Blob object a transaction created, as the SDK does:
// among the created objects, the one of type <type origin>::blob::Blob.
func (c *Client) createdBlob(ctx context.Context, r *Receipt, d *deployment) (chain.Blob, error) {
	ids := createdIDs(r.Effects)
	objs, err := c.objects(ctx, ids)
	if err != nil {
		return chain.Blob{}, err
	}
	want := moveobj.BlobType(d.typeOrigin).String()
	for _, o := range objs {
		if o != nil && o.typ.String() == want {
			return blobFromObject(o)
		}
	}
	return chain.Blob{}, fmt.Errorf("no %s among the objects transaction %s created", want, r.Digest)
}

// ReserveStorage buys size bytes of encoded length for epochs epochs and
// keeps the Storage object in the wallet, for RegisterBlob.
func (c *Client) ReserveStorage(ctx context.Context, size uint64, epochs uint32) (chain.Storage, error) {
	c.txMu.Lock()
	defer c.txMu.Unlock()
	what := fmt.Sprintf("reserve %d bytes for %d epochs", size, epochs)
	d, err := c.deploymentState(ctx)
	if err != nil {
		return chain.Storage{}, err
	}
	if epochs == 0 || epochs > d.maxEpochsAhead || size == 0 {
		return chain.Storage{}, fmt.Errorf("sui: %s: %w: epochs from 1 to %d, size above 0", what, chain.ErrInvalidArgument, d.maxEpochsAhead)
	}
	flow := walrusptb.Reserve{Contract: d.contract, StoragePrice: d.system.StoragePricePerUnitSize, Size: size, Epochs: epochs, Owner: c.Address()}
	cost, err := flow.Cost()
	if err != nil {
		return chain.Storage{}, fmt.Errorf("sui: %s: %w", what, err)
	}
	r, err := c.paid(ctx, what, d, cost, func(w []walrusptb.Coin) walrusptb.Flow { flow.WAL = w; return flow })
	if err != nil {
		return chain.Storage{}, err
	}
	objs, err := c.objects(ctx, createdIDs(r.Effects))
	if err != nil {
		return chain.Storage{}, err
	}
	want := moveobj.StorageType(d.typeOrigin)
	for _, o := range objs {
		if o != nil && o.typ.Equal(want) {
			st, err := moveobj.DecodeStorage(o.contents)
			if err != nil {
				return chain.Storage{}, fmt.Errorf("sui: %s: %w", what, err)
			}
			return chain.Storage{ID: st.ID, StartEpoch: st.StartEpoch, EndEpoch: st.EndEpoch, Size: st.StorageSize}, nil
		}
	}
	return chain.Storage{}, fmt.Errorf("sui: %s: no %s among the objects transaction %s created", what, want, r.Digest)
}

// RegisterBlob registers a blob on a Storage object of the wallet's,
// paying only the write cost.
func (c *Client) RegisterBlob(ctx context.Context, storage chain.ObjectID, blobID encoding.BlobID, root encoding.Hash, size uint64, encodingType byte, deletable bool) (chain.Blob, error) {
	c.txMu.Lock()
	defer c.txMu.Unlock()
	what := fmt.Sprintf("register blob %s on storage %s", blobID, hexID(storage))
	if err := chain.CheckBlobIdentity(blobID, root, size, encodingType); err != nil {
		return chain.Blob{}, fmt.Errorf("sui: %s: %w", what, err)
	}
	d, err := c.deploymentState(ctx)
	if err != nil {
		return chain.Blob{}, err
	}
	objs, err := c.objects(ctx, []chain.ObjectID{storage})
	if err != nil {
		return chain.Blob{}, err
	}
	if objs[0] == nil || !objs[0].typ.Equal(moveobj.StorageType(d.typeOrigin)) {
		return chain.Blob{}, fmt.Errorf("sui: %s: %w: no Storage object %s", what, chain.ErrNotFound, hexID(storage))
	}
	flow := walrusptb.RegisterOn{Contract: d.contract, WritePrice: d.system.WritePricePerUnitSize, NShards: int(d.system.Committee.NShards),
		Storage: objs[0].ref, BlobID: blobID, RootHash: root, Size: size, Deletable: deletable, Owner: c.Address()}
	cost, err := flow.Cost()
	if err != nil {
		return chain.Blob{}, fmt.Errorf("sui: %s: %w", what, err)
	}
	r, err := c.paid(ctx, what, d, cost, func(w []walrusptb.Coin) walrusptb.Flow { flow.WAL = w; return flow })
	if err != nil {
		return chain.Blob{}, err
	}
	b, err := c.createdBlob(ctx, r, d)
	if err != nil {
		return chain.Blob{}, fmt.Errorf("sui: %s: %w", what, err)
	}
	return b, nil
}

// ownedBlob reads a blob object of the signer's, with its reference.
func (c *Client) ownedBlob(ctx context.Context, id chain.ObjectID) (*object, chain.Blob, error) {
	objs, err := c.objects(ctx, []chain.ObjectID{id})
	if err != nil {
		return nil, chain.Blob{}, err
	}
	if objs[0] == nil {
		return nil, chain.Blob{}, fmt.Errorf("sui: %w: blob object %s", chain.ErrNotFound, hexID(id))
	}
	b, err := blobFromObject(objs[0])
	if err != nil {
		return nil, chain.Blob{}, err
	}
	if b.Owner != c.Address() {
		return nil, chain.Blob{}, fmt.Errorf("sui: %w: blob object %s belongs to %s", chain.ErrNotOwner, hexID(id), hexID(b.Owner))
	}
	return objs[0], b, nil
}

// blobToChange reads the deployment and one of the signer's Blob objects,
// the start of every transaction on a single blob.
func (c *Client) blobToChange(ctx context.Context, blob chain.ObjectID) (*deployment, *object, chain.Blob, error) {
	d, err := c.deploymentState(ctx)
	if err != nil {
		return nil, nil, chain.Blob{}, err
	}
	o, b, err := c.ownedBlob(ctx, blob)
	if err != nil {
		return nil, nil, chain.Blob{}, err
	}
	return d, o, b, nil
}

// CertifyBlob certifies a registered blob with a certificate of the
// committee's storage confirmations.
func (c *Client) CertifyBlob(ctx context.Context, blob chain.ObjectID, cert messages.Certificate) (chain.Blob, error) {
	c.txMu.Lock()
	defer c.txMu.Unlock()
	what := fmt.Sprintf("certify blob object %s", hexID(blob))
	d, o, _, err := c.blobToChange(ctx, blob)
	if err != nil {
		return chain.Blob{}, err
	}
	bitmap, err := walrusptb.SignersBitmap(cert.Signers, len(d.committee.Members))
	if err != nil {
		return chain.Blob{}, fmt.Errorf("sui: %s: %w: %w", what, chain.ErrInvalidCertificate, err)
	}
	flow := walrusptb.Certify{Contract: d.contract, Blob: o.ref, Signature: cert.Signature[:], SignersBitmap: bitmap, Message: cert.Message}
	if _, err := c.transact(ctx, what, flow, d); err != nil {
		c.forget() // a certificate for another epoch: the committee may have moved
		return chain.Blob{}, err
	}
	return c.Blob(ctx, blob)
}

// ExtendBlob pays for epochs more epochs of a certified blob.
func (c *Client) ExtendBlob(ctx context.Context, blob chain.ObjectID, epochs uint32) (chain.Blob, error) {
	c.txMu.Lock()
	defer c.txMu.Unlock()
	what := fmt.Sprintf("extend blob object %s by %d epochs", hexID(blob), epochs)
	d, o, b, err := c.blobToChange(ctx, blob)
	if err != nil {
		return chain.Blob{}, err
	}
	flow := walrusptb.Extend{Contract: d.contract, StoragePrice: d.system.StoragePricePerUnitSize, Blob: o.ref, StorageSize: b.Storage.Size, Epochs: epochs}
	cost, err := flow.Cost()
	if err != nil {
		return chain.Blob{}, fmt.Errorf("sui: %s: %w", what, err)
	}
	if _, err := c.paid(ctx, what, d, cost, func(w []walrusptb.Coin) walrusptb.Flow { flow.WAL = w; return flow }); err != nil {
		return chain.Blob{}, err
	}
	return c.Blob(ctx, blob)
}

// ExtendBlobs extends several certified blobs in one transaction (up to
// walrusptb.MaxExtendBatch).
func (c *Client) ExtendBlobs(ctx context.Context, blobs []chain.ObjectID, epochs []uint32) ([]chain.Blob, error) {
	c.txMu.Lock()
	defer c.txMu.Unlock()
	what := fmt.Sprintf("extend %d blob objects", len(blobs))
	if len(blobs) != len(epochs) {
		return nil, fmt.Errorf("sui: %s: %w: %d epoch counts", what, chain.ErrInvalidArgument, len(epochs))
	}
	d, err := c.deploymentState(ctx)
	if err != nil {
		return nil, err
	}
	flow := walrusptb.ExtendMany{Contract: d.contract, StoragePrice: d.system.StoragePricePerUnitSize}
	for i, id := range blobs {
		o, b, err := c.ownedBlob(ctx, id)
		if err != nil {
			return nil, err
		}
		flow.Blobs = append(flow.Blobs, walrusptb.ExtendItem{Blob: o.ref, StorageSize: b.Storage.Size, Epochs: epochs[i]})
	}
	cost, err := flow.Cost()
	if err != nil {
		return nil, fmt.Errorf("sui: %s: %w", what, err)
	}
	if _, err := c.paid(ctx, what, d, cost, func(w []walrusptb.Coin) walrusptb.Flow { flow.WAL = w; return flow }); err != nil {
		return nil, err
	}
	out := make([]chain.Blob, len(blobs))
	for i, id := range blobs {
		if out[i], err = c.Blob(ctx, id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DeleteBlob deletes a deletable blob; its storage comes back to the
// signer.
func (c *Client) DeleteBlob(ctx context.Context, blob chain.ObjectID) (chain.Storage, error) {
	c.txMu.Lock()
	defer c.txMu.Unlock()
	what := fmt.Sprintf("delete blob object %s", hexID(blob))
	d, o, b, err := c.blobToChange(ctx, blob)
	if err != nil {
		return chain.Storage{}, err
	}
	if !b.Deletable {
		return chain.Storage{}, fmt.Errorf("sui: %s: %w", what, chain.ErrNotDeletable)
	}
	if _, err := c.transact(ctx, what, walrusptb.Delete{Contract: d.contract, Blob: o.ref, Owner: c.Address()}, d); err != nil {
		return chain.Storage{}, err
	}
	return b.Storage, nil
}

// TransferBlob gives a Blob object of the wallet's to another address.
func (c *Client) TransferBlob(ctx context.Context, blob chain.ObjectID, to chain.Address) error {
	c.txMu.Lock()
	defer c.txMu.Unlock()
	what := fmt.Sprintf("transfer blob object %s to %s", hexID(blob), hexID(to))
	d, o, _, err := c.blobToChange(ctx, blob)
	if err != nil {
		return err
	}
	if _, err := c.transact(ctx, what, walrusptb.Transfer{Blob: o.ref, To: to}, d); err != nil {
		return err
	}
	return nil
}

// paid sends a flow that pays cost FROST of WAL: it picks the wallet's
// coins, lets with put them in the flow, sends it and counts the spending.
func (c *Client) paid(ctx context.Context, what string, d *deployment, cost uint64, with func([]walrusptb.Coin) walrusptb.Flow) (*Receipt, error) {
	coins, err := c.walCoins(ctx, d, cost)
	if err != nil {
		return nil, err
	}
	r, err := c.transact(ctx, what, with(coins), d)
	if err != nil {
		return nil, err
	}
	c.spent.add(d.committee.Epoch, cost, 0)
	return r, nil
}
