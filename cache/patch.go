package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/walrusfs/walrusfs/cache/state"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/encoding/quilt"
)

// Reading small files stored as patches of a Walrus quilt. A patch lies in
// columns of the blob's matrix of its own, while windows are rows: one
// file read alone fetches just its columns (secondary slivers); when the
// quilt's windows are fetched or being fetched anyway (read-ahead fetches
// a pack whole), its columns are cut from them instead.

// readPatch reads plaintext at pos of an unencrypted chunk stored as a
// patch into dest, which does not reach past the chunk's end.
func (r *Reader) readPatch(ctx context.Context, c state.Chunk, dest []byte, pos uint64) (int, error) {
	contents, err := r.patch(ctx, c)
	if err != nil {
		return 0, err
	}
	k, err := contents.ReadAt(dest, int64(pos))
	if errors.Is(err, io.EOF) && k == len(dest) {
		err = nil
	}
	if err != nil {
		return k, fmt.Errorf("read patch [%d, %d) of quilt %s at %d: %w", c.Patch.Start, c.Patch.End, c.Blob, pos, err)
	}
	return k, nil
}

// patch returns the stored bytes of a chunk stored as a patch (an age file
// when encrypted), fetching the patch once.
func (r *Reader) patch(ctx context.Context, c state.Chunk) (io.ReaderAt, error) {
	return r.patches.get(windowKey{c.Blob, uint64(c.Patch.Start)}, int64(c.Stored()), func() (io.ReaderAt, error) {
		b, err := r.fetchPatch(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("read patch [%d, %d) of quilt %s: %w", c.Patch.Start, c.Patch.End, c.Blob, err)
		}
		return bytes.NewReader(b), nil
	})
}

// fetchPatch reads a patch's columns and checks that the patch holds as
// many bytes as the tree says the chunk stores.
func (r *Reader) fetchPatch(ctx context.Context, c state.Chunk) ([]byte, error) {
	var cols []byte
	if r.windowsOf(ctx, c) {
		p, err := r.blobParams(ctx, c.Blob)
		if err != nil {
			return nil, err
		}
		if cols, err = r.columnsFromWindows(ctx, c, p); err != nil {
			return nil, err
		}
	} else {
		fctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
		defer cancel()
		var err error
		if cols, err = r.src.ReadColumns(fctx, c.Blob, int(c.Patch.Start), int(c.Patch.End)); err != nil {
			return nil, err
		}
		r.mu.Lock()
		r.fetchedBytes += int64(len(cols))
		r.mu.Unlock()
	}
	f, err := quilt.ParsePatch(cols)
	if err != nil {
		return nil, err
	}
	if uint64(len(f.Data)) != c.Stored() {
		return nil, fmt.Errorf("the patch holds %d bytes, the tree says %d", len(f.Data), c.Stored())
	}
	return f.Data, nil
}

// columnsFromWindows cuts a patch's columns from its quilt's windows,
// which hold whole rows: row by row, only the symbols of the patch's
// columns are copied (copying the whole quilt for each of its files made
// reading a quilt's files quadratic in their number).
func (r *Reader) columnsFromWindows(ctx context.Context, c state.Chunk, p encoding.Params) ([]byte, error) {
	first, end := int(c.Patch.Start), int(c.Patch.End)
	s, rowSize, height := p.SymbolSize, p.PrimarySliverSize(), p.PrimarySymbols
	blob := state.Chunk{Blob: c.Blob, Size: c.InBlob()}
	cols := make([]byte, (end-first)*height*s)
	row := make([]byte, (end-first)*s)
	for i := range height {
		off := uint64(i*rowSize + first*s)
		if off >= blob.Size {
			break // past the blob's end: zeros
		}
		part := row[:min(uint64(len(row)), blob.Size-off)]
		clear(row[len(part):]) // a last row cut by the blob's end
		if _, err := r.ReadAt(ctx, []state.Chunk{blob}, part, int64(off)); err != nil {
			return nil, err
		}
		for col := range end - first {
			copy(cols[(col*height+i)*s:][:s], row[col*s:])
		}
	}
	return cols, nil
}

// windowsOf tells whether the first window of a chunk's quilt is cached,
// being fetched, or on disk: its columns are then cut from the quilt's
// windows rather than fetched again.
func (r *Reader) windowsOf(ctx context.Context, c state.Chunk) bool {
	if c.InBlob() > wholePackMax {
		return false
	}
	r.mu.Lock()
	size, known := r.sizes[c.Blob]
	_, cached := r.windows[windowKey{c.Blob, 0}]
	r.mu.Unlock()
	if cached || r.opts.Disk == nil {
		return cached
	}
	if !known {
		var err error
		if size, err = r.windowSize(ctx, c.Blob); err != nil {
			return false
		}
	}
	return r.opts.Disk.Has(c.Blob, size, 0)
}
