package store

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/internal/bufpool"
)

// valueFormat is the first byte of every value the store writes.
const valueFormat byte = 1

// MaxSliverBytes is the largest sliver the store accepts (its data, without
// header). The largest sliver of a Walrus blob on 1000 shards is
// 667 × 65,534 bytes ≈ 43.7 MB.
const MaxSliverBytes = 64 << 20

// sliverHeaderLen is format | symbol size u16 | index u16.
const sliverHeaderLen = 5

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

func encodeSliver(s *encoding.Sliver) []byte {
	v := bufpool.Get(sliverHeaderLen + len(s.Data))
	v[0] = valueFormat
	binary.LittleEndian.PutUint16(v[1:], s.SymbolSize)
	binary.LittleEndian.PutUint16(v[3:], s.Index)
	copy(v[sliverHeaderLen:], s.Data)
	return v
}

// decodeSliver parses a sliver value; Data aliases v.
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
	if s.SymbolSize == 0 || s.SymbolSize%2 != 0 || len(s.Data)%int(s.SymbolSize) != 0 {
		return nil, fmt.Errorf("%w: sliver of %d bytes of %d-byte symbols", ErrCorrupt, len(s.Data), s.SymbolSize)
	}
	return s, nil
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
