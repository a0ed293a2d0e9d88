package moveobj

import (
	"encoding/binary"
	"fmt"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding/bcs"
	"golang.org/x/crypto/blake2b"
)

// childObjectIDScope is HashingIntentScope::ChildObjectId, the first byte
// of the preimage of a dynamic field's ID.
const childObjectIDScope = 0xf0

// MetadataFieldName is the key of a Blob's metadata dynamic field, a
// vector<u8>.
const MetadataFieldName = "metadata"

// DynamicFieldID returns the object ID of parent's dynamic field whose key
// has the given BCS TypeTag and BCS value:
// Blake2b-256(0xF0 ‖ parent ‖ u64 LE len(key) ‖ key ‖ type tag).
func DynamicFieldID(parent chain.ObjectID, keyTypeTag, keyBCS []byte) chain.ObjectID {
	h, _ := blake2b.New256(nil) // cannot fail without a key
	h.Write([]byte{childObjectIDScope})
	h.Write(parent[:])
	h.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(keyBCS))))
	h.Write(keyBCS)
	h.Write(keyTypeTag)
	return chain.ObjectID(h.Sum(nil))
}

// InnerStateFieldID returns the ID of the field holding a System's or
// Staking's state, keyed by the object's version (u64).
func InnerStateFieldID(parent chain.ObjectID, version uint64) chain.ObjectID {
	return DynamicFieldID(parent, TypeTag{Kind: KindU64}.MarshalBCS(), binary.LittleEndian.AppendUint64(nil, version))
}

// MetadataFieldID returns the ID of a Blob's metadata field, keyed by the
// vector<u8> "metadata".
func MetadataFieldID(blob chain.ObjectID) chain.ObjectID {
	key := marshal(1+len(MetadataFieldName), func(w *bcs.Writer) { w.Vec([]byte(MetadataFieldName)) })
	return DynamicFieldID(blob, VectorOf(TypeTag{Kind: KindU8}).MarshalBCS(), key)
}

// SystemInnerField is the dynamic field object
// 0x2::dynamic_field::Field<u64, SystemStateInnerV1> under the System object.
type SystemInnerField struct {
	ID    chain.ObjectID
	Name  uint64 // the System's version
	Value SystemStateInnerV1
}

// NewSystemInnerField returns the field holding inner under system at
// version, with its derived ID.
func NewSystemInnerField(system chain.ObjectID, version uint64, inner SystemStateInnerV1) SystemInnerField {
	return SystemInnerField{ID: InnerStateFieldID(system, version), Name: version, Value: inner}
}

// MarshalBCS returns the field object's Move contents.
func (f SystemInnerField) MarshalBCS() []byte {
	return marshal(40+len(f.Value.Committee.Members)*134+256, func(w *bcs.Writer) {
		writeID(w, f.ID)
		w.U64(f.Name)
		writeSystemStateInner(w, f.Value)
	})
}

// DecodeSystemInnerField decodes the field object's contents.
func DecodeSystemInnerField(b []byte) (SystemInnerField, error) {
	return decode("Field<u64, SystemStateInnerV1>", b, func(r *bcs.Reader) (f SystemInnerField, err error) {
		if f.ID, f.Name, err = readU64FieldHeader(r); err != nil {
			return f, err
		}
		f.Value, err = readSystemStateInner(r)
		return f, err
	})
}

// StakingInnerField is the dynamic field object
// 0x2::dynamic_field::Field<u64, StakingInnerV1> under the Staking object.
type StakingInnerField struct {
	ID    chain.ObjectID
	Name  uint64 // the Staking's version
	Value StakingInnerV1
}

// NewStakingInnerField returns the field holding inner under staking at
// version, with its derived ID.
func NewStakingInnerField(staking chain.ObjectID, version uint64, inner StakingInnerV1) StakingInnerField {
	return StakingInnerField{ID: InnerStateFieldID(staking, version), Name: version, Value: inner}
}

// MarshalBCS returns the field object's Move contents.
func (f StakingInnerField) MarshalBCS() []byte {
	return marshal(40+len(f.Value.Committee)*40+256, func(w *bcs.Writer) {
		writeID(w, f.ID)
		w.U64(f.Name)
		writeStakingInner(w, f.Value)
	})
}

// DecodeStakingInnerField decodes the field object's contents.
func DecodeStakingInnerField(b []byte) (StakingInnerField, error) {
	return decode("Field<u64, StakingInnerV1>", b, func(r *bcs.Reader) (f StakingInnerField, err error) {
		if f.ID, f.Name, err = readU64FieldHeader(r); err != nil {
			return f, err
		}
		f.Value, err = readStakingInner(r)
		return f, err
	})
}

func readU64FieldHeader(r *bcs.Reader) (id chain.ObjectID, name uint64, err error) {
	if id, err = readID(r); err != nil {
		return id, 0, err
	}
	name, err = r.U64()
	return id, name, err
}

// MetadataField is the dynamic field object
// 0x2::dynamic_field::Field<vector<u8>, Metadata> under a Blob. Name is
// "metadata" for every field Walrus creates; the decoder keeps what it
// reads and leaves the check to the caller.
type MetadataField struct {
	ID    chain.ObjectID
	Name  []byte
	Value Metadata
}

// NewMetadataField returns blob's metadata field holding m, with its
// derived ID.
func NewMetadataField(blob chain.ObjectID, m Metadata) MetadataField {
	return MetadataField{ID: MetadataFieldID(blob), Name: []byte(MetadataFieldName), Value: m}
}

// MarshalBCS returns the field object's Move contents.
func (f MetadataField) MarshalBCS() []byte {
	return marshal(64, func(w *bcs.Writer) {
		writeID(w, f.ID)
		w.Vec(f.Name)
		writeMetadata(w, f.Value)
	})
}

// DecodeMetadataField decodes the field object's contents.
func DecodeMetadataField(b []byte) (MetadataField, error) {
	return decode("Field<vector<u8>, Metadata>", b, func(r *bcs.Reader) (f MetadataField, err error) {
		if f.ID, err = readID(r); err != nil {
			return f, err
		}
		if f.Name, err = readBytes(r); err != nil {
			return f, err
		}
		if f.Value, err = readMetadata(r); err != nil {
			return f, fmt.Errorf("metadata: %w", err)
		}
		return f, nil
	})
}
