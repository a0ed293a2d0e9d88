package walrusptb

import (
	"fmt"
	"math/bits"

	"github.com/walrusfs/walrusfs/chain/sui/moveobj"
	"github.com/walrusfs/walrusfs/encoding"
)

// EncodedLength is the storage a blob of size bytes needs with nShards
// shards: what reserve_space must reserve and register_blob checks.
func EncodedLength(nShards int, size uint64) (uint64, error) {
	if nShards <= 0 || nShards > encoding.MaxShards {
		return 0, fmt.Errorf("encoded length of %d bytes: %d shards", size, nShards)
	}
	return moveobj.EncodedBlobLength(size, uint16(nShards))
}

// StorageCost is what reserve_space and extend_blob charge: the storage
// price for every MiB unit and every epoch (moveobj.StorageCost).
func StorageCost(storagePrice, encodedLength uint64, epochs uint32) (uint64, error) {
	return moveobj.StorageCost(storagePrice, encodedLength, epochs)
}

// WriteCost is what register_blob charges: the write price for every unit.
func WriteCost(writePrice, encodedLength uint64) (uint64, error) {
	return moveobj.WriteCost(writePrice, encodedLength)
}

// add adds like Move's u64: overflow is an error, not a wrap.
func add(a, b uint64) (uint64, error) {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return 0, fmt.Errorf("%d + %d overflows u64", a, b)
	}
	return s, nil
}
