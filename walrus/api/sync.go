package api

import (
	"fmt"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/encoding/bcs"
)

// SyncShardPath is POST of a signed sync-shard request: a node that gained
// a shard pulls its slivers from the previous owner. The requester's BLS
// public key goes, base64, in the Authorization header.
const SyncShardPath = "/v1/migrate/sync_shard"

// MaxSyncShardCount bounds the slivers one sync-shard response carries.
const MaxSyncShardCount = 1000

// ShardSliver is one sliver of a sync-shard response.
type ShardSliver struct {
	BlobID encoding.BlobID
	Sliver *encoding.Sliver
}

// EncodeSyncShardResponse writes Walrus's SyncShardResponse::V1: a vector
// of (blob ID, Sliver) with Sliver the enum Primary | Secondary of the
// sliver's BCS.
func EncodeSyncShardResponse(items []ShardSliver) []byte {
	size := 8
	for _, it := range items {
		size += 32 + 1 + len(it.Sliver.Data) + 16
	}
	w := bcs.NewWriter(size)
	w.U8(0) // V1
	w.ULEB128(uint64(len(items)))
	for _, it := range items {
		w.Fixed(it.BlobID[:])
		w.U8(uint8(it.Sliver.Axis))
		w.Fixed(it.Sliver.MarshalBCS())
	}
	return w.Bytes()
}

// DecodeSyncShardResponse parses a sync-shard response of at most max
// slivers, each of the given axis.
func DecodeSyncShardResponse(b []byte, axis encoding.Axis, max int) ([]ShardSliver, error) {
	r := bcs.NewReader(b)
	v, err := r.U8()
	if err != nil || v != 0 {
		return nil, fmt.Errorf("sync-shard response: variant %d: %w", v, bcs.ErrInvalid)
	}
	n, err := r.Len(32 + 1 + 1 + 4)
	if err != nil {
		return nil, fmt.Errorf("sync-shard response: %w", err)
	}
	if n > max {
		return nil, fmt.Errorf("sync-shard response of %d slivers, at most %d asked: %w", n, max, bcs.ErrInvalid)
	}
	out := make([]ShardSliver, n)
	for i := range out {
		id, err := r.Fixed(32)
		if err != nil {
			return nil, fmt.Errorf("sync-shard response: %w", err)
		}
		copy(out[i].BlobID[:], id)
		tag, err := r.U8()
		if err != nil || tag != uint8(axis) {
			return nil, fmt.Errorf("sync-shard response: sliver %d of type %d, want %d: %w", i, tag, axis, bcs.ErrInvalid)
		}
		s := &encoding.Sliver{Axis: axis}
		data, err := r.Vec()
		if err == nil {
			s.Data = append([]byte(nil), data...)
			if s.SymbolSize, err = r.U16(); err == nil {
				s.Index, err = r.U16()
			}
		}
		if err != nil {
			return nil, fmt.Errorf("sync-shard response: sliver %d: %w", i, err)
		}
		out[i].Sliver = s
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("sync-shard response: %w", err)
	}
	return out, nil
}
