package moveobj

import (
	"fmt"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/encoding/bcs"
)

// Storage is a storage_resource::Storage: StorageSize bytes (of encoded
// blob) reserved for epochs [StartEpoch, EndEpoch).
type Storage struct {
	ID          chain.ObjectID
	StartEpoch  uint32
	EndEpoch    uint32 // exclusive
	StorageSize uint64
}

func writeStorage(w *bcs.Writer, s Storage) {
	writeID(w, s.ID)
	w.U32(s.StartEpoch)
	w.U32(s.EndEpoch)
	w.U64(s.StorageSize)
}

func readStorage(r *bcs.Reader) (s Storage, err error) {
	if s.ID, err = readID(r); err != nil {
		return s, err
	}
	if s.StartEpoch, err = r.U32(); err != nil {
		return s, err
	}
	if s.EndEpoch, err = r.U32(); err != nil {
		return s, err
	}
	s.StorageSize, err = r.U64()
	return s, err
}

// MarshalBCS returns the object's Move contents (48 bytes).
func (s Storage) MarshalBCS() []byte { return marshal(48, func(w *bcs.Writer) { writeStorage(w, s) }) }

// DecodeStorage decodes a Storage object's contents.
func DecodeStorage(b []byte) (Storage, error) { return decode("Storage", b, readStorage) }

// Blob is a blob::Blob: a registered blob, certified once CertifiedEpoch is
// set, stored as long as its Storage lasts. Size is the unencoded length.
type Blob struct {
	ID              chain.ObjectID
	RegisteredEpoch uint32
	BlobID          encoding.BlobID // u256
	Size            uint64
	EncodingType    uint8
	CertifiedEpoch  *uint32
	Storage         Storage
	Deletable       bool
}

// MarshalBCS returns the object's Move contents (131 bytes when certified).
func (b Blob) MarshalBCS() []byte {
	return marshal(131, func(w *bcs.Writer) {
		writeID(w, b.ID)
		w.U32(b.RegisteredEpoch)
		writeID(w, b.BlobID)
		w.U64(b.Size)
		w.U8(b.EncodingType)
		writeOption(w, b.CertifiedEpoch, func(w *bcs.Writer, e uint32) { w.U32(e) })
		writeStorage(w, b.Storage)
		w.Bool(b.Deletable)
	})
}

// DecodeBlob decodes a Blob object's contents.
func DecodeBlob(data []byte) (Blob, error) {
	return decode("Blob", data, func(r *bcs.Reader) (b Blob, err error) {
		if b.ID, err = readID(r); err != nil {
			return b, err
		}
		if b.RegisteredEpoch, err = r.U32(); err != nil {
			return b, err
		}
		if b.BlobID, err = readBlobID(r); err != nil {
			return b, err
		}
		if b.Size, err = r.U64(); err != nil {
			return b, err
		}
		if b.EncodingType, err = r.U8(); err != nil {
			return b, err
		}
		if b.CertifiedEpoch, err = readOption(r, (*bcs.Reader).U32); err != nil {
			return b, fmt.Errorf("certified_epoch: %w", err)
		}
		if b.Storage, err = readStorage(r); err != nil {
			return b, fmt.Errorf("storage: %w", err)
		}
		b.Deletable, err = r.Bool()
		return b, err
	})
}

// Attribute is one key-value pair of a blob's metadata.
type Attribute struct {
	Key, Value string
}

// Metadata is a metadata::Metadata, the value of a Blob's "metadata" dynamic
// field: a VecMap<String, String> in insertion order (updating a key moves
// it to the end, as Move's remove-then-insert does).
type Metadata []Attribute

func writeMetadata(w *bcs.Writer, m Metadata) {
	writeVec(w, m, func(w *bcs.Writer, a Attribute) {
		writeString(w, a.Key)
		writeString(w, a.Value)
	})
}

func readMetadata(r *bcs.Reader) (Metadata, error) {
	return readVec(r, 2, func(r *bcs.Reader) (a Attribute, err error) {
		if a.Key, err = readString(r); err != nil {
			return a, err
		}
		a.Value, err = readString(r)
		return a, err
	})
}

// MarshalBCS returns the Move value.
func (m Metadata) MarshalBCS() []byte {
	return marshal(64, func(w *bcs.Writer) { writeMetadata(w, m) })
}

// DecodeMetadata decodes a Metadata value.
func DecodeMetadata(b []byte) (Metadata, error) { return decode("Metadata", b, readMetadata) }
