package quilt

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/encoding/bcs"
)

// PatchID names one patch of one quilt, as Walrus prints it: base64url of
// the BCS {quilt_id: the quilt's blob ID, version: 1, start_index u16,
// end_index u16}. Its first 43 characters are the quilt's blob ID.
type PatchID struct {
	Quilt      encoding.BlobID
	Start, End uint16 // columns [Start, End)
}

// patchIDSize is the BCS length of a patch ID.
const patchIDSize = 32 + 1 + 2 + 2

// ID returns the patch ID of a patch of the quilt stored as blob quilt.
func (p Patch) ID(quilt encoding.BlobID) PatchID {
	return PatchID{Quilt: quilt, Start: p.Start, End: p.End}
}

// Bytes returns the patch ID's BCS bytes.
func (id PatchID) Bytes() []byte {
	out := make([]byte, 0, patchIDSize)
	out = append(out, id.Quilt[:]...)
	out = append(out, Version)
	out = binary.LittleEndian.AppendUint16(out, id.Start)
	return binary.LittleEndian.AppendUint16(out, id.End)
}

func (id PatchID) String() string { return base64.RawURLEncoding.EncodeToString(id.Bytes()) }

// MarshalText and UnmarshalText let patch IDs be JSON strings.
func (id PatchID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

func (id *PatchID) UnmarshalText(b []byte) error {
	p, err := ParsePatchID(string(b))
	if err != nil {
		return err
	}
	*id = p
	return nil
}

// ParsePatchID parses a printed patch ID.
func ParsePatchID(s string) (PatchID, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != patchIDSize {
		return PatchID{}, fmt.Errorf("quilt patch ID %q: want %d bytes of unpadded base64url", s, patchIDSize)
	}
	var id PatchID
	copy(id.Quilt[:], b)
	if b[32] != Version {
		return PatchID{}, fmt.Errorf("quilt patch ID %q: version %d, want %d", s, b[32], Version)
	}
	id.Start, id.End = binary.LittleEndian.Uint16(b[33:]), binary.LittleEndian.Uint16(b[35:])
	if id.Start >= id.End {
		return PatchID{}, fmt.Errorf("quilt patch ID %q: columns [%d, %d)", s, id.Start, id.End)
	}
	return id, nil
}

// IsPatchID tells whether s has a patch ID's length, to tell one from a
// blob ID (43 characters) where either is accepted.
func IsPatchID(s string) bool { return base64.RawURLEncoding.DecodedLen(len(s)) == patchIDSize }

// ParsePatch reads a file out of its patch: the bytes of the patch's
// columns, one after the other (secondary slivers Start to End). The
// file's data aliases b.
func ParsePatch(b []byte) (File, error) {
	if len(b) < headerSize || b[0] != Version {
		return File{}, fmt.Errorf("%w: not a version %d patch header", ErrCorrupt, Version)
	}
	length := uint64(binary.LittleEndian.Uint32(b[1:5]))
	mask := b[5]
	if length > uint64(len(b)-headerSize) {
		return File{}, fmt.Errorf("%w: a patch of %d bytes in %d bytes of columns", ErrCorrupt, length, len(b)-headerSize)
	}
	r := bcs.NewReader(b[headerSize : headerSize+length])
	var f File
	id, err := field(r)
	if err != nil {
		return File{}, fmt.Errorf("%w: patch identifier: %w", ErrCorrupt, err)
	}
	if f.Identifier, err = readString(id); err == nil {
		err = id.Done()
	}
	if err != nil {
		return File{}, fmt.Errorf("%w: patch identifier: %w", ErrCorrupt, err)
	}
	if mask&maskTags != 0 {
		tags, err := field(r)
		if err != nil {
			return File{}, fmt.Errorf("%w: tags of %q: %w", ErrCorrupt, f.Identifier, err)
		}
		if f.Tags, err = readTags(tags); err == nil {
			err = tags.Done()
		}
		if err != nil {
			return File{}, fmt.Errorf("%w: tags of %q: %w", ErrCorrupt, f.Identifier, err)
		}
	}
	f.Data, _ = r.Fixed(r.Remaining())
	return f, nil
}

// field reads a u16-length-prefixed part of a patch's head.
func field(r *bcs.Reader) (*bcs.Reader, error) {
	n, err := r.U16()
	if err != nil {
		return nil, err
	}
	b, err := r.Fixed(int(n))
	if err != nil {
		return nil, err
	}
	return bcs.NewReader(b), nil
}
