package encoding

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/walrusfs/walrusfs/encoding/internal/slab"
	"github.com/walrusfs/walrusfs/encoding/rs"
)

// Encoder encodes blobs for a committee of n shards. It caches the codes of
// each symbol size and is safe for concurrent use.
type Encoder struct {
	nShards          int
	opts             EncoderOptions
	primarySymbols   int // k_p
	secondarySymbols int // k_s

	mu    sync.Mutex
	codes map[int]*codes

	// slabs is where sliver memory comes from and returns to, shared by all
	// encoders: reusing it avoids faulting fresh pages in, which costs more
	// than the encoding itself on some machines.
	slabs *slab.Pool
}

// codes are the two 1-D codes for one symbol size.
type codes struct {
	primary   *rs.Code // k_p → n, down a column
	secondary *rs.Code // k_s → n, along a row
}

// along returns the code whose codewords run along a sliver of axis a: the
// secondary code for a primary sliver (a row), the primary code for a
// secondary sliver (a column).
func (c *codes) along(a Axis) *rs.Code {
	if a == Primary {
		return c.secondary
	}
	return c.primary
}

// EncoderOptions tune an encoder.
type EncoderOptions struct {
	// LowMemory avoids the 74 MB of tables that the fastest high-rate
	// Reed–Solomon path builds per process, at some cost in speed; for
	// storage nodes, which only verify and rebuild slivers.
	LowMemory bool
}

// NewEncoder returns an encoder for n shards.
func NewEncoder(nShards int) (*Encoder, error) {
	return NewEncoderWith(nShards, EncoderOptions{})
}

// NewEncoderWith is NewEncoder with options.
func NewEncoderWith(nShards int, opts EncoderOptions) (*Encoder, error) {
	p, s, err := SourceSymbols(nShards)
	if err != nil {
		return nil, err
	}
	return &Encoder{nShards: nShards, opts: opts, primarySymbols: p, secondarySymbols: s, codes: map[int]*codes{}, slabs: slab.Shared()}, nil
}

// NShards returns n.
func (e *Encoder) NShards() int { return e.nShards }

// Params returns the parameters of a blob of the given length.
func (e *Encoder) Params(length uint64) (Params, error) { return NewParams(e.nShards, length) }

func (e *Encoder) codesFor(symbolSize int) (*codes, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c, ok := e.codes[symbolSize]; ok {
		return c, nil
	}
	n := e.nShards
	ro := rs.Options{NoLibrary: e.opts.LowMemory}
	p, err := rs.NewWith(e.primarySymbols, n-e.primarySymbols, symbolSize, ro)
	if err != nil {
		return nil, fmt.Errorf("primary code: %w", err)
	}
	s, err := rs.NewWith(e.secondarySymbols, n-e.secondarySymbols, symbolSize, ro)
	if err != nil {
		return nil, fmt.Errorf("secondary code: %w", err)
	}
	c := &codes{primary: p, secondary: s}
	e.codes[symbolSize] = c
	return c, nil
}

// EncodedBlob is a blob's slivers and metadata. Its slivers may share memory
// with the encoded input; the rest is freed by Release.
type EncodedBlob struct {
	Params   Params
	ID       BlobID
	Metadata *Metadata
	// Primary[i] is primary sliver i's data, Secondary[j] secondary sliver j's.
	Primary, Secondary [][]byte

	slabs []*slab.Slab
	pool  *slab.Pool
}

// Release frees the sliver buffers, which may be mapped outside the Go heap
// and are then not reclaimed by the garbage collector: whoever encodes a blob
// calls Release once done with its slivers, and uses none of them after.
func (b *EncodedBlob) Release() {
	for _, s := range b.slabs {
		b.pool.Put(s)
	}
	b.slabs = nil
	b.Primary, b.Secondary = nil, nil
}

// Sliver returns pair p's sliver of axis a.
func (b *EncodedBlob) Sliver(a Axis, pair int) *Sliver {
	idx := SliverIndex(a, pair, b.Params.NShards)
	data := b.Primary
	if a == Secondary {
		data = b.Secondary
	}
	return &Sliver{Axis: a, Index: uint16(idx), SymbolSize: uint16(b.Params.SymbolSize), Data: data[idx]}
}

// Encode encodes blob into its slivers and metadata. The systematic primary
// slivers alias blob where they lie wholly inside it, so blob must not change
// while the result is used.
func (e *Encoder) Encode(blob []byte) (*EncodedBlob, error) {
	params, err := e.Params(uint64(len(blob)))
	if err != nil {
		return nil, err
	}
	return e.encode(params, sliceRows(blob, params), true)
}

// ComputeMetadata returns the metadata and blob ID of blob without keeping
// its slivers.
func (e *Encoder) ComputeMetadata(blob []byte) (*Metadata, BlobID, error) {
	params, err := e.Params(uint64(len(blob)))
	if err != nil {
		return nil, BlobID{}, err
	}
	return e.metadataOnly(params, sliceRows(blob, params))
}

// ComputeMetadataFrom reads a blob of the given length from r, row by row, and
// returns its metadata and blob ID. It holds about 1.5 times the blob in
// memory (the secondary slivers) instead of the blob plus its slivers.
func (e *Encoder) ComputeMetadataFrom(r io.Reader, length uint64) (*Metadata, BlobID, error) {
	params, err := e.Params(length)
	if err != nil {
		return nil, BlobID{}, err
	}
	return e.metadataOnly(params, readRows(r, params))
}

func (e *Encoder) metadataOnly(params Params, rows rowSource) (*Metadata, BlobID, error) {
	b, err := e.encode(params, rows, false)
	if err != nil {
		return nil, BlobID{}, err
	}
	defer b.Release()
	return b.Metadata, b.ID, nil
}

// rowSource yields the rows of the message matrix in order: row r is primary
// sliver r. It returns the row itself when it can alias the input, or fills dst.
type rowSource func(r int, dst []byte) ([]byte, error)

func sliceRows(blob []byte, p Params) rowSource {
	rowLen := p.PrimarySliverSize()
	return func(r int, dst []byte) ([]byte, error) {
		start := r * rowLen
		if start+rowLen <= len(blob) {
			return blob[start : start+rowLen : start+rowLen], nil
		}
		clear(dst)
		if start < len(blob) {
			copy(dst, blob[start:])
		}
		return dst, nil
	}
}

func readRows(rd io.Reader, p Params) rowSource {
	rowLen := p.PrimarySliverSize()
	remaining := p.UnencodedLength
	return func(r int, dst []byte) ([]byte, error) {
		want := min(uint64(rowLen), remaining)
		if _, err := io.ReadFull(rd, dst[:want]); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("read blob row %d: %w", r, err)
		}
		clear(dst[want:])
		remaining -= want
		return dst, nil
	}
}

// encode computes the expanded matrix column by column, keeping in memory the
// secondary slivers and (if keepPrimary) the primary slivers, and hashing every
// cell of it on the way.
func (e *Encoder) encode(params Params, rows rowSource, keepPrimary bool) (*EncodedBlob, error) {
	c, err := e.codesFor(params.SymbolSize)
	if err != nil {
		return nil, err
	}
	n, kp, ks, S := params.NShards, params.PrimarySymbols, params.SecondarySymbols, params.SymbolSize
	out := &EncodedBlob{Params: params, pool: e.slabs}

	secSlab := e.slabs.Get(n * kp * S)
	out.slabs = append(out.slabs, secSlab)
	out.Secondary = splitSlab(secSlab.Bytes(), n, kp*S)

	// Primary slivers: systematic rows alias the input where possible; the
	// others, and all parity rows, get their own memory when kept.
	out.Primary = make([][]byte, n)
	if keepPrimary {
		parity := e.slabs.Get((n - kp) * ks * S)
		out.slabs = append(out.slabs, parity)
		copy(out.Primary[kp:], splitSlab(parity.Bytes(), n-kp, ks*S))
	}
	// Rows that cannot alias the input need their own memory: all of them when
	// the slivers are kept (mapped pages that stay untouched cost nothing),
	// one batch at a time otherwise.
	rowsHeld := kp
	if !keepPrimary {
		rowsHeld = min(kp, rowBatch)
	}
	rowBuf := e.slabs.Get(rowsHeld * ks * S)
	out.slabs = append(out.slabs, rowBuf)
	if err := e.secondaryPass(params, c, rows, out, rowBuf.Bytes(), rowsHeld); err != nil {
		out.Release()
		return nil, err
	}
	pairs := e.primaryPass(params, c, out, keepPrimary)
	if !keepPrimary {
		out.Primary = nil
	}
	out.Metadata = &Metadata{EncodingType: EncodingRS2, UnencodedLength: params.UnencodedLength, Pairs: pairs}
	out.ID = out.Metadata.BlobID()
	return out, nil
}

func splitSlab(b []byte, count, size int) [][]byte {
	out := make([][]byte, count)
	for i := range out {
		out[i] = b[i*size : (i+1)*size : (i+1)*size]
	}
	return out
}

// rowBatch is the number of rows read before they are encoded in parallel.
const rowBatch = 64

// secondaryPass reads the rows, writes them transposed into the systematic
// secondary slivers, and encodes each row with the secondary code into the
// parity secondary slivers. Row r is held in rowBuf slot r mod rowsHeld unless
// it aliases the input; out.Primary[r] keeps it only if rowsHeld covers all rows.
func (e *Encoder) secondaryPass(p Params, c *codes, rows rowSource, out *EncodedBlob, rowBuf []byte, rowsHeld int) error {
	n, kp, ks, S := p.NShards, p.PrimarySymbols, p.SecondarySymbols, p.SymbolSize
	rowLen := ks * S
	batchRows := make([][]byte, rowBatch)
	type scratch struct{ orig, rec [][]byte }
	// Rows are read in order, since the source may be a stream, and encoded
	// in parallel batches.
	for start := 0; start < kp; start += rowBatch {
		end := min(start+rowBatch, kp)
		for r := start; r < end; r++ {
			slot := r % rowsHeld
			row, err := rows(r, rowBuf[slot*rowLen:(slot+1)*rowLen])
			if err != nil {
				return err
			}
			batchRows[r-start] = row
			if rowsHeld == kp {
				out.Primary[r] = row
			}
		}
		// Transpose the rows into the systematic secondary slivers.
		forEach(end-start, func() any { return nil }, func(_ any, i int) {
			r, row := start+i, batchRows[i]
			for col := 0; col < ks; col++ {
				copy(out.Secondary[col][r*S:(r+1)*S], row[col*S:(col+1)*S])
			}
		})
		// Encode the rows a group at a time: the group's symbols of column c
		// are contiguous in secondary sliver c, so each codeword position is
		// one buffer of several symbols and no copy is needed.
		g := codingGroup(S)
		groups := (end - start + g - 1) / g
		forEach(groups, func() any {
			return &scratch{orig: make([][]byte, ks), rec: make([][]byte, n-ks)}
		}, func(w any, gi int) {
			s := w.(*scratch)
			r0 := start + gi*g
			r1 := min(r0+g, end)
			for col := range s.orig {
				s.orig[col] = out.Secondary[col][r0*S : r1*S]
			}
			for j := range s.rec {
				s.rec[j] = out.Secondary[ks+j][r0*S : r1*S]
			}
			if skipZeros && zeroRows(batchRows[r0-start:r1-start]) {
				// Slab memory is not zeroed: the parity must be written.
				for _, rec := range s.rec {
					clear(rec)
				}
				return
			}
			if err := c.secondary.Encode(s.orig, s.rec); err != nil {
				panic(fmt.Sprintf("secondary encode of well-formed rows: %v", err))
			}
		})
	}
	return nil
}

// codingGroup returns how many rows or columns are encoded together: enough
// that each codeword position is a few KiB, which amortizes the per-call cost
// of the FFT kernels over small symbols.
func codingGroup(symbolSize int) int {
	return max(1, min(64, 2048/symbolSize))
}

// columnBatch is the number of columns hashed together: each row's Merkle
// tree gets one subtree root per batch, so rows need no n×n leaf matrix.
func columnBatch(n int) (width, height int) {
	height = min(treeHeight(n), 6)
	return 1 << height, height
}

// primaryPass encodes every column with the primary code, hashes all cells,
// and returns the sliver pairs' hashes.
func (e *Encoder) primaryPass(p Params, c *codes, out *EncodedBlob, keepPrimary bool) []PairHashes {
	n, kp, ks, S := p.NShards, p.PrimarySymbols, p.SecondarySymbols, p.SymbolSize
	width, height := columnBatch(n)
	batches := (n + width - 1) / width
	colRoots := make([]Hash, n)
	rowParts := make([]Hash, n*batches) // row i's subtree root of batch b at i*batches+b

	g := codingGroup(S)
	zeros := &zeroTrees{symbolSize: S}
	type scratch struct {
		zero      []bool // the group's columns that are all zero
		orig, rec [][]byte
		gathered  []byte // kp × g symbols: row r of the group's columns at r*g*S
		coded     []byte // (n−kp) × g symbols, the group's parity cells
		cells     [][]byte
		leaves    []Hash // width × n, column-major
		tmp       []Hash
		tree      treeHasher
	}
	// The workers' large buffers come from one pooled slab: a few MiB per
	// worker that would otherwise be fresh heap for every blob.
	perWorker := n*g*S + width*n*len(Hash{})
	mem := e.slabs.Get(workers(batches) * perWorker)
	defer e.slabs.Put(mem)
	var nextWorker atomic.Int64
	forEach(batches, func() any {
		w := int(nextWorker.Add(1) - 1)
		b := mem.Bytes()[w*perWorker : (w+1)*perWorker]
		gathered, b := b[:kp*g*S:kp*g*S], b[kp*g*S:]
		coded, b := b[:(n-kp)*g*S:(n-kp)*g*S], b[(n-kp)*g*S:]
		return &scratch{
			zero:     make([]bool, g),
			orig:     make([][]byte, kp),
			rec:      make([][]byte, n-kp),
			gathered: gathered,
			coded:    coded,
			cells:    make([][]byte, n),
			leaves:   unsafe.Slice((*Hash)(unsafe.Pointer(unsafe.SliceData(b))), width*n),
			tmp:      make([]Hash, max(n, width)),
		}
	}, func(w any, b int) {
		s := w.(*scratch)
		first := b * width
		cols := min(width, n-first)
		batchZero := true
		for g0 := 0; g0 < cols; g0 += g {
			// Encode a group of columns at once: codeword position r is row
			// r of the group's columns, gathered side by side.
			c0, gc := first+g0, min(g, cols-g0)
			span := gc * S
			groupZero := true
			for x := 0; x < gc; x++ {
				s.zero[x] = skipZeros && isZero(out.Secondary[c0+x][:kp*S])
				groupZero = groupZero && s.zero[x]
			}
			batchZero = batchZero && groupZero
			if groupZero {
				if keep := min(c0+gc, ks) - c0; keepPrimary && keep > 0 {
					for r := kp; r < n; r++ {
						clear(out.Primary[r][c0*S : (c0+keep)*S])
					}
				}
				for x := 0; x < gc; x++ {
					zeroColumn(s.leaves[(g0+x)*n:(g0+x+1)*n], &colRoots[c0+x], zeros, n)
				}
				continue
			}
			for r := 0; r < kp; r++ {
				row := s.gathered[r*span : (r+1)*span]
				for x := 0; x < gc; x++ {
					copy(row[x*S:(x+1)*S], out.Secondary[c0+x][r*S:(r+1)*S])
				}
				s.orig[r] = row
			}
			for r := range s.rec {
				s.rec[r] = s.coded[r*span : (r+1)*span]
			}
			if err := c.primary.Encode(s.orig, s.rec); err != nil {
				panic(fmt.Sprintf("primary encode of well-formed columns: %v", err))
			}
			// Parity cells of systematic columns are primary parity slivers.
			if keep := min(c0+gc, ks) - c0; keepPrimary && keep > 0 {
				for r := range s.rec {
					copy(out.Primary[kp+r][c0*S:(c0+keep)*S], s.rec[r][:keep*S])
				}
			}
			for x := 0; x < gc; x++ {
				col := c0 + x
				if s.zero[x] {
					zeroColumn(s.leaves[(g0+x)*n:(g0+x+1)*n], &colRoots[col], zeros, n)
					continue
				}
				for r := 0; r < kp; r++ {
					s.cells[r] = out.Secondary[col][r*S : (r+1)*S]
				}
				for r := range s.rec {
					s.cells[kp+r] = s.rec[r][x*S : (x+1)*S]
				}
				leaves := s.leaves[(g0+x)*n : (g0+x+1)*n]
				hashLeaves(leaves, s.cells)
				copy(s.tmp, leaves)
				colRoots[col] = s.tree.rootAt(s.tmp[:n], treeHeight(n))
			}
		}
		if batchZero {
			part := zeros.root(cols, height)
			for row := 0; row < n; row++ {
				rowParts[row*batches+b] = part
			}
			return
		}
		for row := 0; row < n; row++ {
			for x := 0; x < cols; x++ {
				s.tmp[x] = s.leaves[x*n+row]
			}
			rowParts[row*batches+b] = s.tree.rootAt(s.tmp[:cols], height)
		}
	})

	pairs := make([]PairHashes, n)
	for i := 0; i < n; i++ {
		pairs[i].Primary = merkleRootAt(rowParts[i*batches:(i+1)*batches], treeHeight(n)-height)
		pairs[i].Secondary = colRoots[n-1-i]
	}
	return pairs
}

// zeroRows reports whether every row is all zero.
func zeroRows(rows [][]byte) bool {
	for _, r := range rows {
		if !isZero(r) {
			return false
		}
	}
	return true
}

// zeroColumn sets the leaves and root of an all-zero column of n cells.
func zeroColumn(leaves []Hash, root *Hash, zeros *zeroTrees, n int) {
	leaf := zeros.leafHash()
	for i := range leaves {
		leaves[i] = leaf
	}
	*root = zeros.root(n, treeHeight(n))
}
