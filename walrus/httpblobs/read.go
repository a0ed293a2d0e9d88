package httpblobs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/walrusfs/walrusfs/encoding"
)

// blob is a verified blob: in memory, or spooled to a temporary file
// that release removes.
type blob struct {
	data []byte
	file *os.File
	size int64
}

func (b *blob) release() {
	if b.file != nil {
		b.file.Close()
		os.Remove(b.file.Name())
	}
}

// readAt copies length bytes from off.
func (b *blob) readAt(off, length uint64) ([]byte, error) {
	if off > uint64(b.size) || length > uint64(b.size)-off {
		return nil, fmt.Errorf("bytes [%d, %d) are not within the blob's %d", off, off+length, b.size)
	}
	out := make([]byte, length)
	if b.file == nil {
		copy(out, b.data[off:])
		return out, nil
	}
	if _, err := b.file.ReadAt(out, int64(off)); err != nil {
		return nil, fmt.Errorf("spooled blob: %w", err)
	}
	return out, nil
}

// whole returns the blob's bytes, reading a spooled one into memory.
func (b *blob) whole() ([]byte, error) { return b.readAt(0, uint64(b.size)) }

// verified returns blob id, verified: from memory if it was read (or
// stored) lately, else fetched from the aggregator, sharing a fetch
// under way. The caller releases it.
func (c *Client) verified(ctx context.Context, id encoding.BlobID) (*blob, error) {
	for {
		if data, ok := c.cache.get(id); ok {
			return &blob{data: data, size: int64(len(data))}, nil
		}
		f, leader := c.cache.join(id)
		if leader {
			b, err := c.fetch(ctx, id)
			var data []byte
			if b != nil {
				data = b.data
			}
			c.cache.finish(id, f, data, err)
			return b, err
		}
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		switch {
		case f.err == nil && f.data != nil:
			return &blob{data: f.data, size: int64(len(f.data))}, nil
		case f.err == nil, errors.Is(f.err, context.Canceled), errors.Is(f.err, context.DeadlineExceeded):
			// Spooled, or the fetch's own caller gave up: fetch again.
			continue
		}
		return nil, f.err
	}
}

// fetch reads blob id from the aggregator and checks that its bytes
// encode to id: in memory up to MaxInMemory bytes, beyond through a
// temporary file.
func (c *Client) fetch(ctx context.Context, id encoding.BlobID) (*blob, error) {
	if c.aggreg == nil {
		return nil, errors.New("read: no aggregator URL given")
	}
	target := endpoint(c.aggreg, "/v1/blobs/"+id.String(), nil)
	resp, err := c.do(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", id, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read blob %s: %w", id, statusError(http.MethodGet, target, resp))
	}
	defer resp.Body.Close()
	maxBlob, err := encoding.MaxBlobSize(c.opts.NShards)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > int64(maxBlob) {
		return nil, fmt.Errorf("read blob %s: aggregator %s sends %d bytes, more than a blob holds with %d shards", id, c.aggreg, resp.ContentLength, c.opts.NShards)
	}
	head, err := readHead(resp.Body, resp.ContentLength, c.opts.MaxInMemory)
	switch {
	case err == nil && int64(len(head)) <= c.opts.MaxInMemory:
		data, n := head, len(head)
		_, got, err := c.enc.ComputeMetadata(data)
		if err != nil {
			return nil, fmt.Errorf("read blob %s: encode: %w", id, err)
		}
		if got != id {
			return nil, &MismatchError{Aggregator: c.aggreg.String(), Want: id, Got: got, Size: int64(n)}
		}
		return &blob{data: data, size: int64(n)}, nil
	case err != nil:
		return nil, fmt.Errorf("read blob %s from %s: %w", id, c.aggreg, err)
	}
	return c.spool(id, head, resp.Body, int64(maxBlob))
}

// readHead reads up to limit+1 bytes of body: a body that ends within
// limit is whole. The buffer is sized from the announced length when
// there is one, so that small blobs cost no more than their size.
func readHead(body io.Reader, announced, limit int64) ([]byte, error) {
	size := limit + 1
	if announced >= 0 && announced < size {
		size = announced + 1 // + 1: a body longer than announced shows
	}
	buf := bytes.NewBuffer(make([]byte, 0, min(size, 1<<20)))
	if size > 1<<20 {
		buf.Grow(int(size))
	}
	_, err := io.Copy(buf, io.LimitReader(body, limit+1))
	return buf.Bytes(), err
}

// spool writes a blob too large for memory to a temporary file, the
// head already read and then the rest, and verifies it from there.
func (c *Client) spool(id encoding.BlobID, head []byte, rest io.Reader, maxBlob int64) (_ *blob, err error) {
	f, err := os.CreateTemp(c.opts.TempDir, "walrusfs-blob-*")
	if err != nil {
		return nil, fmt.Errorf("read blob %s: spool: %w", id, err)
	}
	b := &blob{file: f}
	defer func() {
		if err != nil {
			b.release()
		}
	}()
	if _, err := f.Write(head); err != nil {
		return nil, fmt.Errorf("read blob %s: spool: %w", id, err)
	}
	n, err := io.Copy(f, io.LimitReader(rest, maxBlob+1-int64(len(head))))
	if err != nil {
		return nil, fmt.Errorf("read blob %s from %s: %w", id, c.aggreg, err)
	}
	b.size = int64(len(head)) + n
	if b.size > maxBlob {
		return nil, fmt.Errorf("read blob %s: aggregator %s sends more bytes than a blob holds with %d shards", id, c.aggreg, c.opts.NShards)
	}
	_, got, err := c.enc.ComputeMetadataFrom(bufio.NewReaderSize(io.NewSectionReader(f, 0, b.size), 1<<20), uint64(b.size))
	if err != nil {
		return nil, fmt.Errorf("read blob %s: encode: %w", id, err)
	}
	if got != id {
		return nil, &MismatchError{Aggregator: c.aggreg.String(), Want: id, Got: got, Size: b.size}
	}
	return b, nil
}

// Read returns a blob whole, verified.
func (c *Client) Read(ctx context.Context, id encoding.BlobID) ([]byte, error) {
	b, err := c.verified(ctx, id)
	if err != nil {
		return nil, err
	}
	defer b.release()
	return b.whole()
}

// WriteTo writes a verified blob to w, without holding a large one in
// memory, and returns its size.
func (c *Client) WriteTo(ctx context.Context, id encoding.BlobID, w io.Writer) (int64, error) {
	b, err := c.verified(ctx, id)
	if err != nil {
		return 0, err
	}
	defer b.release()
	if b.file == nil {
		n, err := w.Write(b.data)
		return int64(n), err
	}
	return io.Copy(w, io.NewSectionReader(b.file, 0, b.size))
}

// ReadRange returns length bytes of a blob from off. The whole blob is
// fetched and verified (an aggregator's range cannot be checked alone),
// then kept, so that the next ranges of it cost no fetch.
func (c *Client) ReadRange(ctx context.Context, id encoding.BlobID, off, length uint64) ([]byte, error) {
	b, err := c.verified(ctx, id)
	if err != nil {
		return nil, err
	}
	defer b.release()
	out, err := b.readAt(off, length)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", id, err)
	}
	return out, nil
}

// Size is a blob's size, from its verified bytes.
func (c *Client) Size(ctx context.Context, id encoding.BlobID) (uint64, error) {
	b, err := c.verified(ctx, id)
	if err != nil {
		return 0, err
	}
	defer b.release()
	return uint64(b.size), nil
}

// Params are a blob's encoding parameters: they follow from its size and
// the committee size.
func (c *Client) Params(ctx context.Context, id encoding.BlobID) (encoding.Params, error) {
	size, err := c.Size(ctx, id)
	if err != nil {
		return encoding.Params{}, err
	}
	return encoding.NewParams(c.opts.NShards, size)
}

// ReadColumns returns columns [first, end) of a blob's matrix (a quilt's
// patch), cut from the verified blob.
func (c *Client) ReadColumns(ctx context.Context, id encoding.BlobID, first, end int) ([]byte, error) {
	b, err := c.verified(ctx, id)
	if err != nil {
		return nil, err
	}
	defer b.release()
	p, err := encoding.NewParams(c.opts.NShards, uint64(b.size))
	if err != nil {
		return nil, err
	}
	if first < 0 || first >= end || end > p.SecondarySymbols {
		return nil, fmt.Errorf("read blob %s: columns [%d, %d) outside its %d", id, first, end, p.SecondarySymbols)
	}
	data := b.data
	if data == nil {
		if data, err = b.whole(); err != nil {
			return nil, err
		}
	}
	return p.Columns(data, first, end), nil
}
