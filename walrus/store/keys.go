package store

import (
	"encoding/binary"
	"fmt"

	"github.com/walrusfs/walrusfs/encoding"
)

// Key tags; see the key layout in doc.go.
const (
	tagCursor   byte = 'c'
	tagFollowed byte = 'f'
	tagHeld     byte = 'h'
	tagParked   byte = 'k'
	tagMetadata byte = 'm'
	tagPending  byte = 'p'
	tagRecovery byte = 'r'
	tagState    byte = 's'
	tagSliver   byte = 'v'
	tagStats    byte = 'y'
	tagSchema   byte = 'z'
)

const (
	blobKeyLen   = 1 + len(encoding.BlobID{}) // tag | blob ID
	sliverKeyLen = blobKeyLen + 2 + 1         // | shard | axis
)

var (
	cursorKey   = []byte{tagCursor}
	followedKey = []byte{tagFollowed}
	heldKey     = []byte{tagHeld}
	statsKey    = []byte{tagStats}
	schemaKey   = []byte{tagSchema}
)

// blobKey returns tag | blob ID, the key of per-blob records and the prefix
// of a blob's slivers and markers.
func blobKey(tag byte, id encoding.BlobID) []byte {
	k := make([]byte, blobKeyLen)
	k[0] = tag
	copy(k[1:], id[:])
	return k
}

func metadataKey(id encoding.BlobID) []byte { return blobKey(tagMetadata, id) }

func checkShardAxis(shard uint16, axis encoding.Axis) error {
	if shard >= encoding.MaxShards {
		return fmt.Errorf("%w: shard %d (at most %d)", ErrMalformed, shard, encoding.MaxShards-1)
	}
	if axis != encoding.Primary && axis != encoding.Secondary {
		return fmt.Errorf("%w: %v", ErrMalformed, axis)
	}
	return nil
}

// sliverKey returns 'v' | blob ID | shard | axis.
func sliverKey(id encoding.BlobID, shard uint16, axis encoding.Axis) []byte {
	k := make([]byte, sliverKeyLen)
	k[0] = tagSliver
	copy(k[1:], id[:])
	binary.BigEndian.PutUint16(k[blobKeyLen:], shard)
	k[blobKeyLen+2] = byte(axis)
	return k
}

// parseSliverKey returns the shard and axis of a sliver key.
func parseSliverKey(k []byte) (uint16, encoding.Axis, error) {
	if len(k) != sliverKeyLen || k[0] != tagSliver {
		return 0, 0, fmt.Errorf("%w: sliver key %x", ErrCorrupt, k)
	}
	shard := binary.BigEndian.Uint16(k[blobKeyLen:])
	axis := encoding.Axis(k[blobKeyLen+2])
	if err := checkShardAxis(shard, axis); err != nil {
		return 0, 0, fmt.Errorf("%w: sliver key %x", ErrCorrupt, k)
	}
	return shard, axis, nil
}

// markerKey returns the pending marker of a metadata or sliver key:
// 'p' | blob ID | data tag | rest of the data key.
func markerKey(dataKey []byte) []byte {
	k := make([]byte, len(dataKey)+1)
	k[0] = tagPending
	copy(k[1:blobKeyLen], dataKey[1:blobKeyLen])
	k[blobKeyLen] = dataKey[0]
	copy(k[blobKeyLen+1:], dataKey[blobKeyLen:])
	return k
}

// dataKeyOf is the inverse of markerKey.
func dataKeyOf(marker []byte) ([]byte, error) {
	if len(marker) < blobKeyLen+1 || marker[0] != tagPending {
		return nil, fmt.Errorf("%w: pending key %x", ErrCorrupt, marker)
	}
	k := make([]byte, len(marker)-1)
	k[0] = marker[blobKeyLen]
	copy(k[1:blobKeyLen], marker[1:blobKeyLen])
	copy(k[blobKeyLen:], marker[blobKeyLen+1:])
	switch {
	case k[0] == tagMetadata && len(k) == blobKeyLen:
	case k[0] == tagSliver && len(k) == sliverKeyLen:
	default:
		return nil, fmt.Errorf("%w: pending key %x", ErrCorrupt, marker)
	}
	return k, nil
}

// blobIDOf returns the blob ID of a per-blob key.
func blobIDOf(k []byte) encoding.BlobID {
	var id encoding.BlobID
	copy(id[:], k[1:blobKeyLen])
	return id
}
