package walrusptb

import (
	"fmt"

	"github.com/block-vision/sui-go-sdk/transaction"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
)

// encodingRS2 is the encoding type register_blob records (RedStuff, RS2).
const encodingRS2 = 1

// Register buys storage for a blob and registers it, as the SDK's
// registerBlobTransaction (and writeBlob's register step) does:
// system::reserve_space, system::register_blob, optional attributes, and the
// new Blob transferred to Owner, paid from WAL.
type Register struct {
	Contract Contract
	Prices   Prices
	NShards  int // of the current committee; fixes the encoded length

	BlobID    encoding.BlobID
	RootHash  encoding.Hash
	Size      uint64 // unencoded length in bytes
	Epochs    uint32 // epochs ahead, from the current one
	Deletable bool
	Owner     chain.Address

	// WAL are the coins to pay from, all of them used; they must hold at
	// least the storage and write costs together.
	WAL []Coin
	// Attributes, when not empty, create the Blob's metadata field with
	// these pairs in this order. Entries with Remove are skipped.
	Attributes []Attribute
}

// Costs returns the encoded length and what the transaction pays.
func (r Register) Costs() (encodedLength, storageCost, writeCost uint64, err error) {
	if encodedLength, err = EncodedLength(r.NShards, r.Size); err != nil {
		return 0, 0, 0, err
	}
	if storageCost, err = StorageCost(r.Prices.Storage, encodedLength, r.Epochs); err != nil {
		return 0, 0, 0, err
	}
	if writeCost, err = WriteCost(r.Prices.Write, encodedLength); err != nil {
		return 0, 0, 0, err
	}
	return encodedLength, storageCost, writeCost, nil
}

func (Register) name() string { return "register blob" }

func (r Register) build(b *ptb) {
	if r.Epochs == 0 {
		b.fail(fmt.Errorf("zero epochs: %w", chain.ErrInvalidArgument))
		return
	}
	if err := checkAttributes(r.Attributes); err != nil {
		b.fail(err)
		return
	}
	encoded, storageCost, writeCost, err := r.Costs()
	if err != nil {
		b.fail(err)
		return
	}
	// Inputs in the SDK's order (the WAL payment last), then the commands.
	c := r.Contract
	system := b.shared(c.System, c.SystemVersion, true)
	storageAmount, epochs := b.u64(encoded), b.u32(r.Epochs)
	blobArgs := []transaction.Argument{
		b.bytes32(r.BlobID), b.bytes32(r.RootHash), b.u64(r.Size), b.u8(encodingRS2), b.bool(r.Deletable),
	}
	attrs := attributeInputs(b, r.Attributes, nil)
	owner := b.bytes32(r.Owner)
	payment := b.walInputs(r.WAL, writeCost, storageCost)

	coins := b.pay(c.WAL, payment)
	writeCoin, storageCoin := coins[0], coins[1]
	storage := b.moveCall(c.Package, "system", "reserve_space", nil, system, storageAmount, epochs, storageCoin)
	b.destroyZero(c.WAL, storageCoin)
	args := append([]transaction.Argument{system, storage}, blobArgs...)
	blob := b.moveCall(c.Package, "system", "register_blob", nil, append(args, writeCoin)...)
	if len(r.Attributes) > 0 {
		addMetadata(b, c.Package, blob)
		attrs.commands(b, c.Package, blob)
	}
	b.destroyZero(c.WAL, writeCoin)
	b.transfer([]transaction.Argument{blob}, owner)
}

// Reserve buys storage and sends the Storage object to Owner:
// system::reserve_space alone, for registrations on it later.
type Reserve struct {
	Contract     Contract
	StoragePrice uint64
	Size         uint64 // bytes of encoded length
	Epochs       uint32
	Owner        chain.Address
	WAL          []Coin
}

// Cost returns what the transaction pays.
func (r Reserve) Cost() (uint64, error) { return StorageCost(r.StoragePrice, r.Size, r.Epochs) }

func (Reserve) name() string { return "reserve storage" }

func (r Reserve) build(b *ptb) {
	if r.Epochs == 0 || r.Size == 0 {
		b.fail(fmt.Errorf("%d bytes for %d epochs: %w", r.Size, r.Epochs, chain.ErrInvalidArgument))
		return
	}
	cost, err := r.Cost()
	if err != nil {
		b.fail(err)
		return
	}
	c := r.Contract
	system := b.shared(c.System, c.SystemVersion, true)
	size, epochs := b.u64(r.Size), b.u32(r.Epochs)
	owner := b.bytes32(r.Owner)
	coin := b.pay(c.WAL, b.walInputs(r.WAL, cost))[0]
	storage := b.moveCall(c.Package, "system", "reserve_space", nil, system, size, epochs, coin)
	b.destroyZero(c.WAL, coin)
	b.transfer([]transaction.Argument{storage}, owner)
}

// RegisterOn registers a blob on a Storage object the sender owns, paying
// the write cost: system::register_blob, as reusing storage does.
type RegisterOn struct {
	Contract   Contract
	WritePrice uint64
	NShards    int
	Storage    ObjectRef
	BlobID     encoding.BlobID
	RootHash   encoding.Hash
	Size       uint64
	Deletable  bool
	Owner      chain.Address
	WAL        []Coin
}

// Cost returns what the transaction pays: the write cost.
func (r RegisterOn) Cost() (uint64, error) {
	encoded, err := EncodedLength(r.NShards, r.Size)
	if err != nil {
		return 0, err
	}
	return WriteCost(r.WritePrice, encoded)
}

func (RegisterOn) name() string { return "register blob on storage" }

func (r RegisterOn) build(b *ptb) {
	cost, err := r.Cost()
	if err != nil {
		b.fail(err)
		return
	}
	c := r.Contract
	system := b.shared(c.System, c.SystemVersion, true)
	storage := b.owned(r.Storage)
	args := []transaction.Argument{system, storage,
		b.bytes32(r.BlobID), b.bytes32(r.RootHash), b.u64(r.Size), b.u8(encodingRS2), b.bool(r.Deletable)}
	owner := b.bytes32(r.Owner)
	coin := b.pay(c.WAL, b.walInputs(r.WAL, cost))[0]
	blob := b.moveCall(c.Package, "system", "register_blob", nil, append(args, coin)...)
	b.destroyZero(c.WAL, coin)
	b.transfer([]transaction.Argument{blob}, owner)
}
