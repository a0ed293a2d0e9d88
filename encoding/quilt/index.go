package quilt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/encoding/bcs"
)

// marshal returns the index as the quilt's first columns hold it: the
// version, the u32 length of the BCS that follows, and the BCS
// QuiltIndexV1 (a vector of {end_index u16, identifier, tags}).
func (x *Index) marshal() []byte {
	entries := x.marshalEntries()
	out := make([]byte, 0, prefixSize+len(entries))
	out = append(out, Version)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(entries)))
	return append(out, entries...)
}

func (x *Index) marshalEntries() []byte {
	out := binary.AppendUvarint(nil, uint64(len(x.Patches)))
	for _, p := range x.Patches {
		out = binary.LittleEndian.AppendUint16(out, p.End)
		out = bcsString(out, p.Identifier)
		out = bcsTags(out, p.Tags)
	}
	return out
}

// bcsString appends a BCS string: its ULEB128 byte length, then its bytes.
func bcsString(out []byte, s string) []byte {
	out = binary.AppendUvarint(out, uint64(len(s)))
	return append(out, s...)
}

// bcsTags appends a BCS map<string,string>: entries sorted by their keys'
// BCS bytes (the length first, so "b" sorts before "aa"), as Rust's bcs
// and the TypeScript SDK sort them.
func bcsTags(out []byte, tags map[string]string) []byte {
	type entry struct {
		key   []byte // as BCS writes it
		value string
	}
	entries := make([]entry, 0, len(tags))
	for k, v := range tags {
		entries = append(entries, entry{bcsString(nil, k), v})
	}
	slices.SortFunc(entries, func(a, b entry) int { return bytes.Compare(a.key, b.key) })
	out = binary.AppendUvarint(out, uint64(len(entries)))
	for _, e := range entries {
		out = append(out, e.key...)
		out = bcsString(out, e.value)
	}
	return out
}

// Columns reads columns of a quilt, each a verified secondary sliver.
type Columns func(first, end int) ([]byte, error)

// ReadIndex reads a quilt's index from its first columns, given the
// quilt's length (from its verified metadata) and the committee's size:
// everything a reader of one patch needs first. The index is checked: a
// hostile quilt gives an error, not a huge allocation or a wrong layout.
func ReadIndex(nShards int, length uint64, columns Columns) (*Index, error) {
	p, err := encoding.NewParams(nShards, length)
	if err != nil {
		return nil, err
	}
	x := &Index{NShards: nShards, Rows: p.PrimarySymbols, Cols: p.SecondarySymbols, SymbolSize: p.SymbolSize}
	if x.Length() != length {
		return nil, fmt.Errorf("%w: a blob of %d bytes is not a whole %d×%d matrix of %d-byte symbols", ErrCorrupt, length, x.Rows, x.Cols, x.SymbolSize)
	}
	colSize := x.ColumnSize()
	first, err := columns(0, 1)
	if err != nil {
		return nil, fmt.Errorf("quilt: read the index: %w", err)
	}
	if len(first) < prefixSize || first[0] != Version {
		return nil, fmt.Errorf("%w: not a version %d quilt index", ErrCorrupt, Version)
	}
	total := prefixSize + uint64(binary.LittleEndian.Uint32(first[1:5]))
	x.IndexColumns = int(ceilDiv(total, uint64(colSize)))
	if x.IndexColumns > MaxIndexColumns || x.IndexColumns >= x.Cols {
		return nil, fmt.Errorf("%w: an index of %d bytes", ErrCorrupt, total)
	}
	b := first
	if x.IndexColumns > 1 {
		rest, err := columns(1, x.IndexColumns)
		if err != nil {
			return nil, fmt.Errorf("quilt: read the index: %w", err)
		}
		b = append(first, rest...)
	}
	if uint64(len(b)) < total {
		return nil, fmt.Errorf("%w: index columns hold %d bytes, the index %d", ErrCorrupt, len(b), total)
	}
	if x.Patches, err = unmarshalEntries(b[prefixSize:total], x.IndexColumns, x.Cols); err != nil {
		return nil, err
	}
	return x, nil
}

// ReadIndexFrom reads the index of a whole quilt in memory.
func ReadIndexFrom(nShards int, quilt []byte) (*Index, error) {
	p, err := encoding.NewParams(nShards, uint64(len(quilt)))
	if err != nil {
		return nil, err
	}
	g := &Index{Rows: p.PrimarySymbols, Cols: p.SecondarySymbols, SymbolSize: p.SymbolSize}
	if g.Length() != uint64(len(quilt)) {
		return nil, fmt.Errorf("%w: a blob of %d bytes is not a whole %d×%d matrix of %d-byte symbols", ErrCorrupt, len(quilt), g.Rows, g.Cols, g.SymbolSize)
	}
	return ReadIndex(nShards, uint64(len(quilt)), func(first, end int) ([]byte, error) {
		var out []byte
		for c := first; c < end; c++ {
			out = append(out, g.Column(quilt, c)...)
		}
		return out, nil
	})
}

// unmarshalEntries decodes the BCS QuiltIndexV1 and checks it: patches
// sorted by identifier without repeats, each starting where the previous
// ended (the first after the index) and ending within the matrix.
func unmarshalEntries(b []byte, indexColumns, cols int) ([]Patch, error) {
	r := bcs.NewReader(b)
	n, err := r.Len(2 + 1 + 1) // end_index, an identifier's length, the tags' count
	if err != nil {
		return nil, fmt.Errorf("%w: index: %w", ErrCorrupt, err)
	}
	if n == 0 || n >= cols {
		return nil, fmt.Errorf("%w: an index of %d patches in %d columns", ErrCorrupt, n, cols)
	}
	out := make([]Patch, n)
	start := indexColumns
	for i := range out {
		p := &out[i]
		end, err := r.U16()
		if err != nil {
			return nil, fmt.Errorf("%w: index: %w", ErrCorrupt, err)
		}
		if p.Identifier, err = readString(r); err != nil {
			return nil, fmt.Errorf("%w: index: patch %d: %w", ErrCorrupt, i, err)
		}
		if p.Tags, err = readTags(r); err != nil {
			return nil, fmt.Errorf("%w: index: %q: %w", ErrCorrupt, p.Identifier, err)
		}
		if int(end) <= start || int(end) > cols {
			return nil, fmt.Errorf("%w: index: %q spans columns [%d, %d) of %d", ErrCorrupt, p.Identifier, start, end, cols)
		}
		if i > 0 && strings.Compare(out[i-1].Identifier, p.Identifier) >= 0 {
			return nil, fmt.Errorf("%w: index: %q after %q", ErrCorrupt, p.Identifier, out[i-1].Identifier)
		}
		p.Start, p.End = uint16(start), end
		start = int(end)
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("%w: index: %w", ErrCorrupt, err)
	}
	return out, nil
}

func readString(r *bcs.Reader) (string, error) {
	b, err := r.Vec()
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("a string that is not UTF-8")
	}
	return string(b), nil
}

// readTags reads a BCS map<string,string>, which must be in canonical
// order without repeated keys.
func readTags(r *bcs.Reader) (map[string]string, error) {
	n, err := r.Len(2)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	tags := make(map[string]string, n)
	var prev []byte
	for range n {
		k, err := readString(r)
		if err != nil {
			return nil, err
		}
		v, err := readString(r)
		if err != nil {
			return nil, err
		}
		key := bcsString(nil, k)
		if prev != nil && bytes.Compare(prev, key) >= 0 {
			return nil, fmt.Errorf("tag %q out of order or repeated", k)
		}
		prev = key
		tags[k] = v
	}
	return tags, nil
}
