package walrusptb

import (
	"fmt"
	"math/bits"

	"github.com/walrusfs/walrusfs/encoding"
)

// UnitSize is Walrus's storage unit: prices are per MiB of encoded length,
// rounded up (BYTES_PER_UNIT_SIZE in the Move contract).
const UnitSize = 1 << 20

// EncodedLength is the storage a blob of size bytes needs with nShards
// shards: what reserve_space must reserve and register_blob checks.
func EncodedLength(nShards int, size uint64) (uint64, error) {
	p, err := encoding.NewParams(nShards, size)
	if err != nil {
		return 0, fmt.Errorf("encoded length of %d bytes with %d shards: %w", size, nShards, err)
	}
	return p.EncodedLength(), nil
}

// Units is the number of storage units covering encodedLength bytes.
func Units(encodedLength uint64) uint64 {
	return encodedLength/UnitSize + min(encodedLength%UnitSize, 1)
}

// StorageCost is what reserve_space and extend_blob charge: the storage
// price for every unit and every epoch.
func StorageCost(storagePrice, encodedLength uint64, epochs uint32) (uint64, error) {
	perEpoch, err := mul(storagePrice, Units(encodedLength))
	if err != nil {
		return 0, fmt.Errorf("storage cost: %w", err)
	}
	total, err := mul(perEpoch, uint64(epochs))
	if err != nil {
		return 0, fmt.Errorf("storage cost: %w", err)
	}
	return total, nil
}

// WriteCost is what register_blob charges: the write price for every unit.
func WriteCost(writePrice, encodedLength uint64) (uint64, error) {
	c, err := mul(writePrice, Units(encodedLength))
	if err != nil {
		return 0, fmt.Errorf("write cost: %w", err)
	}
	return c, nil
}

// mul multiplies like Move's u64: overflow is an error, not a wrap.
func mul(a, b uint64) (uint64, error) {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		return 0, fmt.Errorf("%d × %d overflows u64", a, b)
	}
	return lo, nil
}

func add(a, b uint64) (uint64, error) {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return 0, fmt.Errorf("%d + %d overflows u64", a, b)
	}
	return s, nil
}
