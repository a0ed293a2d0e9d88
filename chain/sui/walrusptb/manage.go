package walrusptb

import (
	"fmt"

	"github.com/block-vision/sui-go-sdk/transaction"

	"github.com/walrusfs/walrusfs/chain"
)

// Certify certifies a registered Blob with an aggregate certificate, as the
// SDK's certifyBlobTransaction does: system::certify_blob.
type Certify struct {
	Contract  Contract
	Blob      ObjectRef
	Signature []byte // aggregate BLS signature (96 bytes)
	// SignersBitmap marks the committee members that signed; see
	// SignersBitmap.
	SignersBitmap []byte
	Message       []byte // the confirmation message all signers signed
}

func (Certify) name() string { return "certify blob" }

func (c Certify) build(b *ptb) {
	sig, bitmap, msg := b.vector(c.Signature), b.vector(c.SignersBitmap), b.vector(c.Message)
	system := b.shared(c.Contract.System, c.Contract.SystemVersion, false)
	blob := b.owned(c.Blob)
	b.moveCall(c.Contract.Package, "system", "certify_blob", nil, system, blob, sig, bitmap, msg)
}

// SignersBitmap is the signer set certify_blob takes: bit i%8 of byte i/8
// set for member i of a committee of members, ceil(members/8) bytes.
func SignersBitmap(signers []int, members int) ([]byte, error) {
	bitmap := make([]byte, (members+7)/8)
	for _, s := range signers {
		if s < 0 || s >= members {
			return nil, fmt.Errorf("walrusptb: signer %d outside a committee of %d: %w", s, members, chain.ErrInvalidArgument)
		}
		bitmap[s/8] |= 1 << (s % 8)
	}
	return bitmap, nil
}

// Extend adds epochs to a certified Blob's storage, paid from WAL, as the
// SDK's extendBlobTransaction does: system::extend_blob.
type Extend struct {
	Contract     Contract
	StoragePrice uint64 // current price per unit and epoch
	Blob         ObjectRef
	StorageSize  uint64 // the Blob's storage.storage_size
	Epochs       uint32 // epochs to add
	WAL          []Coin
}

// Cost returns what the transaction pays.
func (e Extend) Cost() (uint64, error) { return StorageCost(e.StoragePrice, e.StorageSize, e.Epochs) }

func (Extend) name() string { return "extend blob" }

func (e Extend) build(b *ptb) {
	// The SDK builds nothing for zero epochs; an empty transaction is no use.
	if e.Epochs == 0 {
		b.fail(fmt.Errorf("zero epochs: %w", chain.ErrInvalidArgument))
		return
	}
	cost, err := e.Cost()
	if err != nil {
		b.fail(err)
		return
	}
	c := e.Contract
	system := b.shared(c.System, c.SystemVersion, true)
	blob := b.owned(e.Blob)
	epochs := b.u32(e.Epochs)
	payment := b.walInputs(e.WAL, cost)

	coin := b.pay(c.WAL, payment)[0]
	b.moveCall(c.Package, "system", "extend_blob", nil, system, blob, epochs, coin)
	b.destroyZero(c.WAL, coin)
}

// Delete deletes a deletable Blob and sends its Storage to Owner, as the
// SDK's deleteBlobTransaction does: system::delete_blob.
type Delete struct {
	Contract Contract
	Blob     ObjectRef
	Owner    chain.Address
}

func (Delete) name() string { return "delete blob" }

func (d Delete) build(b *ptb) {
	system := b.shared(d.Contract.System, d.Contract.SystemVersion, false)
	blob := b.owned(d.Blob)
	owner := b.bytes32(d.Owner)
	storage := b.moveCall(d.Contract.Package, "system", "delete_blob", nil, system, blob)
	b.transfer([]transaction.Argument{storage}, owner)
}

// Transfer gives an owned Blob to another address, as a publisher does with
// the Blob it stored for a send_object_to request: one TransferObjects.
type Transfer struct {
	Blob ObjectRef
	To   chain.Address
}

func (Transfer) name() string { return "transfer blob" }

func (t Transfer) build(b *ptb) {
	blob := b.owned(t.Blob)
	b.transfer([]transaction.Argument{blob}, b.bytes32(t.To))
}

// ExtendMany extends several certified Blobs in one transaction: one split
// of the WAL coins into each blob's cost, then system::extend_blob and
// coin::destroy_zero per blob. The SDK has no such flow; it is Extend's
// calls, repeated, so that renewing many blobs costs one transaction's gas.
type ExtendMany struct {
	Contract     Contract
	StoragePrice uint64
	Blobs        []ExtendItem
	WAL          []Coin
}

// ExtendItem is one blob of an ExtendMany.
type ExtendItem struct {
	Blob        ObjectRef
	StorageSize uint64
	Epochs      uint32
}

// MaxExtendBatch bounds the blobs of one ExtendMany: each takes two
// commands, and Sui allows 1024 per transaction.
const MaxExtendBatch = 400

// Cost returns what the transaction pays.
func (e ExtendMany) Cost() (uint64, error) {
	var total uint64
	for _, it := range e.Blobs {
		c, err := StorageCost(e.StoragePrice, it.StorageSize, it.Epochs)
		if err == nil {
			total, err = add(total, c)
		}
		if err != nil {
			return 0, err
		}
	}
	return total, nil
}

func (ExtendMany) name() string { return "extend blobs" }

func (e ExtendMany) build(b *ptb) {
	if len(e.Blobs) == 0 || len(e.Blobs) > MaxExtendBatch {
		b.fail(fmt.Errorf("%d blobs, from 1 to %d: %w", len(e.Blobs), MaxExtendBatch, chain.ErrInvalidArgument))
		return
	}
	c := e.Contract
	system := b.shared(c.System, c.SystemVersion, true)
	costs := make([]uint64, len(e.Blobs))
	blobs := make([]transaction.Argument, len(e.Blobs))
	epochs := make([]transaction.Argument, len(e.Blobs))
	for i, it := range e.Blobs {
		if it.Epochs == 0 {
			b.fail(fmt.Errorf("blob %d: zero epochs: %w", i, chain.ErrInvalidArgument))
			return
		}
		cost, err := StorageCost(e.StoragePrice, it.StorageSize, it.Epochs)
		if err != nil {
			b.fail(err)
			return
		}
		costs[i] = cost
		blobs[i] = b.owned(it.Blob)
		epochs[i] = b.u32(it.Epochs)
	}
	coins := b.pay(c.WAL, b.walInputs(e.WAL, costs...))
	for i := range e.Blobs {
		b.moveCall(c.Package, "system", "extend_blob", nil, system, blobs[i], epochs[i], coins[i])
		b.destroyZero(c.WAL, coins[i])
	}
}
