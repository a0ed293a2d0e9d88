package client

import (
	"context"
	"fmt"
	"iter"

	"github.com/walrusfs/walrusfs/encoding"
)

// SpanReader reads byte ranges of blobs from their systematic primary
// slivers, one row of the blob each: the Client does.
type SpanReader interface {
	// Params are a blob's encoding parameters; a row holds
	// PrimarySliverSize bytes of it.
	Params(ctx context.Context, id encoding.BlobID) (encoding.Params, error)
	ReadRange(ctx context.Context, id encoding.BlobID, off, length uint64) ([]byte, error)
}

// Stream reads length bytes of blob id from off window by window, whole
// rows of about window bytes each, and hands each window to fn in order,
// fetching the next one while fn handles one: at most two windows are held,
// whatever the length. Every sliver is verified against the blob's
// metadata, and a row that cannot be had is rebuilt by a full read, whose
// decoding checks the blob's consistency (Walrus's default check). It stops
// at the first error, the read's or fn's, and returns it.
func Stream(ctx context.Context, r SpanReader, id encoding.BlobID, off, length, window uint64, fn func([]byte) error) error {
	if length == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	params, err := r.Params(ctx, id)
	if err != nil {
		return err
	}
	type fetched struct {
		data []byte
		err  error
	}
	results := make(chan fetched) // unbuffered: one window fetched ahead at most
	go func() {
		defer close(results)
		for off, n := range windows(off, length, uint64(params.PrimarySliverSize()), window) {
			data, err := r.ReadRange(ctx, id, off, n)
			select {
			case results <- fetched{data, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	// Nothing outlives the call: stop the fetcher and wait for it.
	defer func() {
		cancel()
		for range results {
		}
	}()
	var handled uint64
	for f := range results {
		if f.err != nil {
			return f.err
		}
		if err := fn(f.data); err != nil {
			return err
		}
		handled += uint64(len(f.data))
	}
	if handled == length {
		return nil // whole, even if ctx ended just after
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return fmt.Errorf("read %s: the stream ended at %d of %d bytes", id, handled, length)
}

// windows splits [off, off+length) into the reads that stream it. A span
// within one window is one read. Otherwise the first read ends with the row
// holding the first byte, so that it needs one sliver, and the others are
// whole rows, window bytes of them (at least one row), the last cut at the
// span's end.
func windows(off, length, rowLen, window uint64) iter.Seq2[uint64, uint64] {
	rows := max(1, window/rowLen)
	return func(yield func(off, n uint64) bool) {
		end := off + length
		if length <= rows*rowLen {
			yield(off, length)
			return
		}
		for at, first := off, true; at < end; first = false {
			next := (at/rowLen + rows) * rowLen
			if first {
				next = (at/rowLen + 1) * rowLen
			}
			next = min(next, end)
			if !yield(at, next-at) {
				return
			}
			at = next
		}
	}
}
