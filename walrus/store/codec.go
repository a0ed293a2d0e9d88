package store

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/walrusfs/walrusfs/encoding"
)

// valueFormat is the first byte of every value the store writes.
const valueFormat byte = 1

// MaxSliverBytes is the largest sliver the store accepts (its data, without
// header). The largest sliver of a Walrus blob on 1000 shards is
// 667 × 65,534 bytes ≈ 43.7 MB.
const MaxSliverBytes = 64 << 20

// sliverHeaderLen is format | symbol size u16 | index u16: the head of a
// sliver value, whose data follows inline (format 1, earlier stores) or is
// in the blob's sliver file (format 2, sliverRefLen bytes in all).
const sliverHeaderLen = 5

// sliverInFile marks a sliver value whose data is in the blob's sliver
// file: header | offset u64 | length u32 | CRC-32C u32.
const sliverInFile byte = 2

const sliverRefLen = sliverHeaderLen + 8 + 4 + 4

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// sliverRef is where a sliver's data is in its blob's file.
type sliverRef struct {
	symbolSize, index uint16
	off               int64
	length            uint32
	crc               uint32
}

func checkSliver(s *encoding.Sliver) error {
	switch {
	case s == nil:
		return fmt.Errorf("%w: nil sliver", ErrMalformed)
	case s.SymbolSize == 0 || s.SymbolSize%2 != 0:
		return fmt.Errorf("%w: symbol size %d", ErrMalformed, s.SymbolSize)
	case len(s.Data) == 0 || len(s.Data)%int(s.SymbolSize) != 0:
		return fmt.Errorf("%w: %d bytes of %d-byte symbols", ErrMalformed, len(s.Data), s.SymbolSize)
	case len(s.Data) > MaxSliverBytes:
		return fmt.Errorf("%w: sliver of %d bytes (at most %d)", ErrMalformed, len(s.Data), MaxSliverBytes)
	}
	return nil
}

// encodeSliverRef returns the value recording that sl's data is at off in
// its blob's file.
func encodeSliverRef(sl *encoding.Sliver, off int64) []byte {
	v := make([]byte, sliverRefLen)
	v[0] = sliverInFile
	binary.LittleEndian.PutUint16(v[1:], sl.SymbolSize)
	binary.LittleEndian.PutUint16(v[3:], sl.Index)
	binary.LittleEndian.PutUint64(v[5:], uint64(off))
	binary.LittleEndian.PutUint32(v[13:], uint32(len(sl.Data)))
	binary.LittleEndian.PutUint32(v[17:], crc32.Checksum(sl.Data, castagnoli))
	return v
}

// decodeSliverRef parses a sliver value kept in the blob's file.
func decodeSliverRef(v []byte) (sliverRef, bool) {
	if len(v) != sliverRefLen || v[0] != sliverInFile {
		return sliverRef{}, false
	}
	return sliverRef{
		symbolSize: binary.LittleEndian.Uint16(v[1:]),
		index:      binary.LittleEndian.Uint16(v[3:]),
		off:        int64(binary.LittleEndian.Uint64(v[5:])),
		length:     binary.LittleEndian.Uint32(v[13:]),
		crc:        binary.LittleEndian.Uint32(v[17:]),
	}, true
}

// decodeSliver parses a sliver value whose data is inline (format 1);
// Data aliases v.
func decodeSliver(axis encoding.Axis, v []byte) (*encoding.Sliver, error) {
	if len(v) <= sliverHeaderLen || v[0] != valueFormat {
		return nil, fmt.Errorf("%w: sliver value of %d bytes", ErrCorrupt, len(v))
	}
	s := &encoding.Sliver{
		Axis:       axis,
		SymbolSize: binary.LittleEndian.Uint16(v[1:]),
		Index:      binary.LittleEndian.Uint16(v[3:]),
		Data:       v[sliverHeaderLen:],
	}
	if err := checkStoredSliver(s); err != nil {
		return nil, err
	}
	return s, nil
}

func checkStoredSliver(s *encoding.Sliver) error {
	if s.SymbolSize == 0 || s.SymbolSize%2 != 0 || len(s.Data)%int(s.SymbolSize) != 0 {
		return fmt.Errorf("%w: sliver of %d bytes of %d-byte symbols", ErrCorrupt, len(s.Data), s.SymbolSize)
	}
	return nil
}

func checkMetadata(m *encoding.Metadata) error {
	switch {
	case m == nil:
		return fmt.Errorf("%w: nil metadata", ErrMalformed)
	case len(m.Pairs) < encoding.MinShards || len(m.Pairs) > encoding.MaxShards:
		return fmt.Errorf("%w: metadata with %d sliver pairs", ErrMalformed, len(m.Pairs))
	}
	return nil
}

func encodeMetadata(m *encoding.Metadata) []byte {
	return append([]byte{valueFormat}, m.MarshalBCS()...)
}

func decodeMetadata(v []byte) (*encoding.Metadata, error) {
	if len(v) == 0 || v[0] != valueFormat {
		return nil, fmt.Errorf("%w: metadata value of %d bytes", ErrCorrupt, len(v))
	}
	m, err := encoding.UnmarshalMetadata(v[1:])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return m, nil
}

// payloadLen returns the bytes a metadata or sliver value accounts for in
// the stats: the BCS metadata or the sliver data.
func payloadLen(dataKey, v []byte) int64 {
	if dataKey[0] == tagSliver {
		if ref, ok := decodeSliverRef(v); ok {
			return int64(ref.length)
		}
		return int64(len(v) - sliverHeaderLen)
	}
	return int64(len(v) - 1)
}

// marker is the value of a pending marker: the size of the pending payload
// and when it was put.
type marker struct {
	size int64
	at   time.Time
}

const markerLen = 1 + 8 + 8

func encodeMarker(m marker) []byte {
	v := make([]byte, markerLen)
	v[0] = valueFormat
	binary.LittleEndian.PutUint64(v[1:], uint64(m.size))
	binary.LittleEndian.PutUint64(v[9:], uint64(m.at.UnixNano()))
	return v
}

func decodeMarker(v []byte) (marker, error) {
	if len(v) != markerLen || v[0] != valueFormat {
		return marker{}, fmt.Errorf("%w: pending marker of %d bytes", ErrCorrupt, len(v))
	}
	size := binary.LittleEndian.Uint64(v[1:])
	if size > MaxSliverBytes {
		return marker{}, fmt.Errorf("%w: pending marker of size %d", ErrCorrupt, size)
	}
	return marker{size: int64(size), at: time.Unix(0, int64(binary.LittleEndian.Uint64(v[9:])))}, nil
}

func encodeU64(x uint64) []byte {
	v := make([]byte, 9)
	v[0] = valueFormat
	binary.LittleEndian.PutUint64(v[1:], x)
	return v
}

func decodeU64(what string, v []byte) (uint64, error) {
	if len(v) != 9 || v[0] != valueFormat {
		return 0, fmt.Errorf("%w: %s value of %d bytes", ErrCorrupt, what, len(v))
	}
	return binary.LittleEndian.Uint64(v[1:]), nil
}
