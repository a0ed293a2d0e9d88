package client

import (
	"context"
	"fmt"
	"sort"

	"github.com/walrusfs/walrusfs/encoding"
)

// ReadColumns returns columns [first, end) of a blob's matrix, one after
// the other: its systematic secondary slivers, each verified against the
// blob's metadata on its own. A quilt's patch lies in columns of its own,
// so one file of a quilt costs only its columns. If the slivers cannot be
// had, the blob is read whole and the columns cut from it.
func (c *Client) ReadColumns(ctx context.Context, id encoding.BlobID, first, end int) ([]byte, error) {
	coms, enc, m, err := c.readSetup(ctx, id)
	if err != nil {
		return nil, err
	}
	p, _ := m.Params()
	if first < 0 || first >= end || end > p.SecondarySymbols {
		return nil, fmt.Errorf("read %s: columns [%d, %d) outside the blob's %d", id, first, end, p.SecondarySymbols)
	}
	pairs := make([]int, 0, end-first)
	for col := first; col < end; col++ {
		pairs = append(pairs, encoding.PairIndex(encoding.Secondary, col, p.NShards))
	}
	var slivers []*encoding.Sliver
	for _, com := range coms {
		if slivers, err = c.fetchSlivers(ctx, com, enc, id, m, encoding.Secondary, pairs, len(pairs)); err == nil || ctx.Err() != nil {
			break
		}
	}
	colSize := p.SecondarySliverSize()
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("read %s: %w", id, err)
		}
		c.log.Info("column read falls back to a full read", "blob", id, "err", err)
		blob, err := c.Read(ctx, id)
		if err != nil {
			return nil, err
		}
		return p.Columns(blob, first, end), nil
	}
	sort.Slice(slivers, func(i, j int) bool { return slivers[i].Index < slivers[j].Index })
	out := make([]byte, 0, (end-first)*colSize)
	for _, s := range slivers {
		out = append(out, s.Data...)
	}
	releaseSlivers(slivers)
	return out, nil
}
