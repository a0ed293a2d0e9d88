package moveobj

import (
	"errors"
	"fmt"
	"math/bits"

	"github.com/walrusfs/walrusfs/encoding"
)

// BytesPerUnit is Walrus's storage unit, 1 MiB: prices are per unit, and
// sizes are rounded up to whole units.
const BytesPerUnit = 1 << 20

// ErrCostOverflow means a cost exceeds u64, where Move aborts.
var ErrCostOverflow = errors.New("moveobj: cost overflows u64")

// StorageUnits returns size in units of BytesPerUnit, rounded up.
func StorageUnits(size uint64) uint64 {
	units := size / BytesPerUnit
	if size%BytesPerUnit != 0 {
		units++
	}
	return units
}

// EncodedBlobLength returns what a blob of size bytes occupies once encoded
// for nShards shards, the size its Storage must cover.
func EncodedBlobLength(size uint64, nShards uint16) (uint64, error) {
	p, err := encoding.NewParams(int(nShards), size)
	if err != nil {
		return 0, fmt.Errorf("moveobj: encoded length of %d bytes: %w", size, err)
	}
	return p.EncodedLength(), nil
}

// StorageCost returns what reserve_space and extend_blob charge for
// storageSize bytes over epochs epochs: price × units × epochs.
func StorageCost(pricePerUnit, storageSize uint64, epochs uint32) (uint64, error) {
	perEpoch, err := mul(pricePerUnit, StorageUnits(storageSize))
	if err != nil {
		return 0, err
	}
	return mul(perEpoch, uint64(epochs))
}

// WriteCost returns what register_blob charges for a blob whose encoded
// length is encodedSize: write price × units.
func WriteCost(writePricePerUnit, encodedSize uint64) (uint64, error) {
	return mul(writePricePerUnit, StorageUnits(encodedSize))
}

// BlobCosts returns the storage and write cost of registering a blob of
// size bytes for epochs epochs at s's prices and shard count, the amounts
// the SDK splits off a WAL coin for the register transaction.
func (s SystemStateInnerV1) BlobCosts(size uint64, epochs uint32) (storage, write uint64, err error) {
	encoded, err := EncodedBlobLength(size, s.Committee.NShards)
	if err != nil {
		return 0, 0, err
	}
	if storage, err = StorageCost(s.StoragePricePerUnitSize, encoded, epochs); err != nil {
		return 0, 0, err
	}
	if write, err = WriteCost(s.WritePricePerUnitSize, encoded); err != nil {
		return 0, 0, err
	}
	return storage, write, nil
}

func mul(a, b uint64) (uint64, error) {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		return 0, fmt.Errorf("%w: %d × %d", ErrCostOverflow, a, b)
	}
	return lo, nil
}
