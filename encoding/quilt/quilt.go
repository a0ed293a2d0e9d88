// Package quilt builds and reads Walrus quilts (QuiltV1): many small files
// stored as one blob, each readable on its own from the secondary slivers
// of its columns. The bytes are those of Walrus's own encoder (Rust
// walrus-core, and @mysten/walrus's encodeQuilt), so that aggregators and
// the official SDKs read what walrusfs stores, and the other way round.
//
// A quilt is the blob's whole k_p × k_s matrix of symbols, stored row by
// row like any blob, but filled column by column: column c, read top to
// bottom, is systematic secondary sliver c. The first columns hold the
// index (which patch ends at which column, with its identifier and tags);
// each patch then fills whole columns of its own: a header, its
// identifier, its tags and its bytes.
package quilt

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/walrusfs/walrusfs/encoding"
)

// Limits of the format.
const (
	// Version is the only quilt version there is (QuiltV1).
	Version = 1
	// MaxIndexColumns bounds the columns the index may fill.
	MaxIndexColumns = 10
	// prefixSize is the index's version byte and its u32 length.
	prefixSize = 5
	// headerSize is a patch's BlobHeaderV1: version, u32 length, mask.
	headerSize = 6
	// maskTags marks a patch header followed by tags.
	maskTags = 1
	// maxField is the largest identifier or tag map, each behind a u16
	// length.
	maxField = 1<<16 - 1
)

// ErrInvalid means files cannot form a quilt (a bad or repeated
// identifier, too many files, too much data).
var ErrInvalid = errors.New("quilt: invalid")

// ErrCorrupt means bytes read as a quilt, an index or a patch are not one.
var ErrCorrupt = errors.New("quilt: corrupt")

// File is one file to store in a quilt.
type File struct {
	// Identifier names the file in the quilt: unique, non-empty UTF-8.
	Identifier string
	// Tags are the file's key-value attributes (may be nil).
	Tags map[string]string
	Data []byte
}

// Patch is a file's place in a quilt: columns [Start, End).
type Patch struct {
	Identifier string
	Tags       map[string]string
	Start, End uint16
}

// Index is a quilt's table of contents and its geometry.
type Index struct {
	NShards      int
	Rows, Cols   int // k_p symbols down a column, k_s columns
	SymbolSize   int
	IndexColumns int     // columns the index fills; the first patch starts after them
	Patches      []Patch // sorted by identifier
}

// ColumnSize is the bytes of one column: a secondary sliver.
func (x *Index) ColumnSize() int { return x.Rows * x.SymbolSize }

// Length is the quilt's length in bytes: the whole matrix.
func (x *Index) Length() uint64 { return uint64(x.Rows) * uint64(x.Cols) * uint64(x.SymbolSize) }

// Find returns the patch with the identifier.
func (x *Index) Find(identifier string) (Patch, bool) {
	i, ok := slices.BinarySearchFunc(x.Patches, identifier, func(p Patch, id string) int { return strings.Compare(p.Identifier, id) })
	if !ok {
		return Patch{}, false
	}
	return x.Patches[i], true
}

// MaxFiles is the most files a quilt over n shards holds: one column each
// and at least one for the index.
func MaxFiles(nShards int) (int, error) {
	_, cols, err := encoding.SourceSymbols(nShards)
	if err != nil {
		return 0, err
	}
	return cols - 1, nil
}

// Encode lays files out as a quilt for a committee of nShards shards and
// returns its bytes (a blob of exactly the matrix's size) and its index.
// Files are sorted by identifier, as Walrus sorts them.
func Encode(nShards int, files []File) ([]byte, *Index, error) {
	l, err := plan(nShards, files)
	if err != nil {
		return nil, nil, err
	}
	x := l.index
	quilt := make([]byte, x.Length())
	m := matrix{b: quilt, symbol: x.SymbolSize, rows: x.Rows, cols: x.Cols}
	m.fill(0, x.marshal())
	for i, f := range l.sorted {
		m.fill(int(x.Patches[i].Start), l.heads[i], f.Data)
	}
	return quilt, x, nil
}

// Plan returns the index Encode would give the files, without laying out
// their bytes: what a quilt of them would cost (its Length) can be
// weighed before it is built.
func Plan(nShards int, files []File) (*Index, error) {
	l, err := plan(nShards, files)
	if err != nil {
		return nil, err
	}
	return l.index, nil
}

// layout is a quilt planned: its index, the files in its order and each
// one's patch header.
type layout struct {
	index  *Index
	sorted []File
	heads  [][]byte
}

func plan(nShards int, files []File) (layout, error) {
	rows, cols, err := encoding.SourceSymbols(nShards)
	if err != nil {
		return layout{}, err
	}
	if len(files) == 0 {
		return layout{}, fmt.Errorf("%w: no files", ErrInvalid)
	}
	if len(files) > cols-1 {
		return layout{}, fmt.Errorf("%w: %d files, a quilt over %d shards holds at most %d", ErrInvalid, len(files), nShards, cols-1)
	}
	sorted := slices.Clone(files)
	slices.SortFunc(sorted, func(a, b File) int { return strings.Compare(a.Identifier, b.Identifier) })
	heads := make([][]byte, len(sorted))
	sizes := make([]uint64, len(sorted)+1) // the index, then each patch
	for i, f := range sorted {
		if err := checkIdentifier(f.Identifier); err != nil {
			return layout{}, err
		}
		if i > 0 && f.Identifier == sorted[i-1].Identifier {
			return layout{}, fmt.Errorf("%w: identifier %q twice", ErrInvalid, f.Identifier)
		}
		if heads[i], err = patchHead(f); err != nil {
			return layout{}, err
		}
		sizes[i+1] = uint64(len(heads[i])) + uint64(len(f.Data))
	}
	x := &Index{NShards: nShards, Rows: rows, Cols: cols, Patches: make([]Patch, len(sorted))}
	for i, f := range sorted {
		x.Patches[i] = Patch{Identifier: f.Identifier, Tags: f.Tags}
	}
	// The index's length does not depend on the column numbers (u16s),
	// so it is sized before they are known.
	sizes[0] = prefixSize + uint64(len(x.marshalEntries()))
	if x.SymbolSize, err = symbolSize(sizes, rows, cols); err != nil {
		return layout{}, err
	}
	colSize := uint64(x.ColumnSize())
	x.IndexColumns = int(ceilDiv(sizes[0], colSize))
	next := x.IndexColumns
	for i := range x.Patches {
		x.Patches[i].Start = uint16(next)
		next += int(ceilDiv(sizes[i+1], colSize))
		x.Patches[i].End = uint16(next)
	}
	return layout{index: x, sorted: sorted, heads: heads}, nil
}

// symbolSize is the smallest even symbol size at which every item (the
// index, then each patch) fits in whole columns of its own, the index in
// at most MaxIndexColumns. Fitting only gets easier as symbols grow, so
// the search is a binary one.
func symbolSize(sizes []uint64, rows, cols int) (int, error) {
	fits := func(s uint64) bool {
		var used uint64
		for _, n := range sizes {
			used += ceilDiv(n, s*uint64(rows))
		}
		return used <= uint64(cols) && ceilDiv(sizes[0], s*uint64(rows)) <= MaxIndexColumns
	}
	if !fits(encoding.MaxSymbolSize) {
		return 0, fmt.Errorf("%w: the files do not fit a quilt over %d columns (symbols would exceed %d bytes)", ErrInvalid, cols, encoding.MaxSymbolSize)
	}
	lo, hi := uint64(1), uint64(encoding.MaxSymbolSize) // fits(hi)
	for lo < hi {
		mid := (lo + hi) / 2
		if fits(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return int(lo + lo&1), nil // one GF(2^16) element is two bytes
}

// matrix places bytes column by column in a row-major matrix of symbols.
type matrix struct {
	b                  []byte
	symbol, rows, cols int
}

// fill writes parts, one after the other, down the columns from col on.
func (m matrix) fill(col int, parts ...[]byte) {
	rowSize := m.symbol * m.cols
	r := 0 // the row within the column
	at := 0
	for _, p := range parts {
		for len(p) > 0 {
			off := r*rowSize + col*m.symbol + at
			n := copy(m.b[off:off+m.symbol-at], p)
			p = p[n:]
			if at += n; at == m.symbol {
				at = 0
				if r++; r == m.rows {
					r, col = 0, col+1
				}
			}
		}
	}
}

// Column returns column c of a quilt of the index's geometry: what
// secondary sliver c holds.
func (x *Index) Column(quilt []byte, c int) []byte {
	out := make([]byte, 0, x.ColumnSize())
	rowSize := x.SymbolSize * x.Cols
	for r := range x.Rows {
		off := r*rowSize + c*x.SymbolSize
		out = append(out, quilt[off:off+x.SymbolSize]...)
	}
	return out
}

// checkIdentifier refuses identifiers Walrus refuses: empty, not UTF-8,
// with control characters or trailing white space, or too long for the
// header's u16.
func checkIdentifier(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%w: an empty identifier", ErrInvalid)
	case !utf8.ValidString(id):
		return fmt.Errorf("%w: identifier %q is not UTF-8", ErrInvalid, id)
	case strings.IndexFunc(id, unicode.IsControl) >= 0:
		return fmt.Errorf("%w: identifier %q holds a control character", ErrInvalid, id)
	case strings.TrimRightFunc(id, unicode.IsSpace) != id:
		return fmt.Errorf("%w: identifier %q ends with white space", ErrInvalid, id)
	}
	return nil
}

// patchHead returns what precedes a file's bytes in its patch: the
// BlobHeaderV1 (version, the length of all that follows it, the tags
// mask), the identifier, and the tags if there are any.
func patchHead(f File) ([]byte, error) {
	id := bcsString(nil, f.Identifier)
	if len(id) > maxField {
		return nil, fmt.Errorf("%w: identifier of %d bytes (at most %d with its length)", ErrInvalid, len(f.Identifier), maxField)
	}
	var ext bytes.Buffer
	ext.Write(u16(len(id)))
	ext.Write(id)
	mask := byte(0)
	if len(f.Tags) > 0 {
		tags := bcsTags(nil, f.Tags)
		if len(tags) > maxField {
			return nil, fmt.Errorf("%w: tags of %q take %d bytes (at most %d)", ErrInvalid, f.Identifier, len(tags), maxField)
		}
		mask |= maskTags
		ext.Write(u16(len(tags)))
		ext.Write(tags)
	}
	length := uint64(ext.Len()) + uint64(len(f.Data))
	if length > 1<<32-1 {
		return nil, fmt.Errorf("%w: %q is %d bytes, a patch holds less than 4 GiB", ErrInvalid, f.Identifier, len(f.Data))
	}
	head := make([]byte, 0, headerSize+ext.Len())
	head = append(head, Version)
	head = append(head, byte(length), byte(length>>8), byte(length>>16), byte(length>>24))
	head = append(head, mask)
	return append(head, ext.Bytes()...), nil
}

func u16(n int) []byte { return []byte{byte(n), byte(n >> 8)} }

func ceilDiv(a, b uint64) uint64 { return (a + b - 1) / b }
