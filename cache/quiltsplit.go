package cache

import (
	"cmp"
	"slices"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/encoding/quilt"
)

// Dividing small files between quilts. In a quilt every column has the
// same height, and each file fills whole columns of its own: a few large
// files among many small ones make every column tall, and the quilt mostly
// padding (Go's source tree in quilts of 66 files over 100 shards: 8.2× the
// files' bytes). Files sorted by size and cut where the two quilts cost
// least keep like sizes together (the same tree: 1.2×).

// wastefulQuilt is how much larger than its files a quilt may be before
// dividing it is tried.
const wastefulQuilt = 1.5

// splitCandidates bounds the cut points tried per division, each a plan
// of both parts.
const splitCandidates = 64

// splitQuilt says whether files should be stored as two quilts rather
// than one, and how: it returns their positions in files as two groups, or
// nil if one quilt of them is right. They must be divided when they do not
// form a quilt or it would exceed maxLen bytes, and are divided when the
// quilt is wasteful and two cost less, counting a blob's fixed cost (the
// smallest quilt there is) against the division.
func splitQuilt(nShards int, files []quilt.File, maxLen int) (a, b []int) {
	if len(files) < 2 {
		return nil, nil
	}
	x, err := quilt.Plan(nShards, files)
	must := err != nil || x.Length() > uint64(maxLen)
	var data uint64
	for _, f := range files {
		data += uint64(len(f.Data))
	}
	if !must && float64(x.Length()) <= wastefulQuilt*float64(data) {
		return nil, nil
	}
	bySize := make([]int, len(files))
	for i := range bySize {
		bySize[i] = i
	}
	slices.SortStableFunc(bySize, func(i, j int) int { return cmp.Compare(len(files[i].Data), len(files[j].Data)) })
	group := func(ks []int) []quilt.File {
		g := make([]quilt.File, len(ks))
		for i, k := range ks {
			g[i] = files[k]
		}
		return g
	}
	best, cut := uint64(0), 0
	step := max(1, len(files)/splitCandidates)
	for k := step; k < len(files); k += step {
		p1, err1 := quilt.Plan(nShards, group(bySize[:k]))
		p2, err2 := quilt.Plan(nShards, group(bySize[k:]))
		if err1 != nil || err2 != nil {
			continue
		}
		if cost := p1.Length() + p2.Length(); cut == 0 || cost < best {
			best, cut = cost, k
		}
	}
	switch {
	case cut == 0 && must:
		cut = len(files) / 2 // neither part plans yet: halve, and divide again
	case cut == 0:
		return nil, nil
	case !must && best+minQuiltLength(nShards) >= x.Length():
		return nil, nil // wasteful, but two blobs would cost more
	}
	return bySize[:cut], bySize[cut:]
}

// minQuiltLength is the length of the smallest quilt over nShards shards
// (two-byte symbols): what one more blob costs at least.
func minQuiltLength(nShards int) uint64 {
	rows, cols, err := encoding.SourceSymbols(nShards)
	if err != nil {
		return 0
	}
	return uint64(rows) * uint64(cols) * 2
}
