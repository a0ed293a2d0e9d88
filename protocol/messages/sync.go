package messages

import (
	"encoding/binary"
	"fmt"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/encoding/bcs"
	"github.com/walrusfs/walrusfs/protocol/bls"
)

// SyncShardRequest is what a node that gained a shard asks its previous
// owner for: up to Count slivers of one axis of the shard, for the blobs
// from StartingBlobID on, in blob-ID order (Walrus's SyncShardRequest::V1).
type SyncShardRequest struct {
	Epoch          uint32
	Shard          uint16
	Axis           encoding.Axis
	StartingBlobID encoding.BlobID
	Count          uint64
}

// syncShardBodySize is the body's size: variant, shard, sliver type, blob
// ID, count, epoch.
const syncShardBodySize = 1 + 2 + 1 + 32 + 8 + 4

// Marshal returns the protocol message the requesting node signs.
func (r SyncShardRequest) Marshal() []byte {
	b := header(IntentSyncShard, r.Epoch, syncShardBodySize)
	b = append(b, 0) // V1
	b = binary.LittleEndian.AppendUint16(b, r.Shard)
	b = append(b, byte(r.Axis))
	b = append(b, r.StartingBlobID[:]...)
	b = binary.LittleEndian.AppendUint64(b, r.Count)
	return binary.LittleEndian.AppendUint32(b, r.Epoch)
}

// ParseSyncShardRequest parses a sync-shard protocol message.
func ParseSyncShardRequest(b []byte) (SyncShardRequest, error) {
	var r SyncShardRequest
	epoch, body, err := parseHeader(b, IntentSyncShard)
	if err != nil {
		return r, err
	}
	if len(body) != syncShardBodySize {
		return r, fmt.Errorf("%w: sync-shard request body of %d bytes, want %d", ErrInvalidMessage, len(body), syncShardBodySize)
	}
	if body[0] != 0 {
		return r, fmt.Errorf("%w: sync-shard request variant %d, only V1 (0) exists", ErrInvalidMessage, body[0])
	}
	r.Shard = binary.LittleEndian.Uint16(body[1:])
	if body[3] > byte(encoding.Secondary) {
		return r, fmt.Errorf("%w: sliver type %d", ErrInvalidMessage, body[3])
	}
	r.Axis = encoding.Axis(body[3])
	copy(r.StartingBlobID[:], body[4:36])
	r.Count = binary.LittleEndian.Uint64(body[36:])
	r.Epoch = binary.LittleEndian.Uint32(body[44:])
	if r.Epoch != epoch {
		return r, fmt.Errorf("%w: sync-shard request for epoch %d in a message of epoch %d", ErrInvalidMessage, r.Epoch, epoch)
	}
	return r, nil
}

// MarshalBCS returns the signed message as Walrus's BCS SignedMessage:
// the serialized message as a byte vector, then the 96-byte signature.
func (m SignedMessage) MarshalBCS() []byte {
	w := bcs.NewWriter(len(m.Serialized) + 100)
	w.Vec(m.Serialized)
	w.Fixed(m.Signature[:])
	return w.Bytes()
}

// ParseSignedMessageBCS parses MarshalBCS's form.
func ParseSignedMessageBCS(b []byte) (SignedMessage, error) {
	r := bcs.NewReader(b)
	var m SignedMessage
	msg, err := r.Vec()
	if err != nil {
		return m, fmt.Errorf("%w: signed message: %w", ErrInvalidMessage, err)
	}
	sig, err := r.Fixed(bls.SignatureSize)
	if err == nil {
		err = r.Done()
	}
	if err != nil {
		return m, fmt.Errorf("%w: signed message: %w", ErrInvalidMessage, err)
	}
	m.Serialized = append([]byte(nil), msg...)
	copy(m.Signature[:], sig)
	return m, nil
}
