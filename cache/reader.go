package cache

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"filippo.io/age"

	"github.com/walrusfs/walrusfs/cache/state"
	"github.com/walrusfs/walrusfs/crypt"
	"github.com/walrusfs/walrusfs/encoding"
)

// RangeReader reads byte ranges of certified blobs; the Walrus client does,
// fetching only the slivers that hold the range and verifying them.
type RangeReader interface {
	ReadRange(ctx context.Context, id encoding.BlobID, off, length uint64) ([]byte, error)
	// ReadColumns reads columns [first, end) of a blob's matrix (its
	// systematic secondary slivers, each verified): a quilt's patch.
	ReadColumns(ctx context.Context, id encoding.BlobID, first, end int) ([]byte, error)
	// Params are a blob's encoding parameters. The network serves a blob
	// in rows (PrimarySliverSize bytes each; windows are whole multiples
	// of it), and a quilt's columns follow from them.
	Params(ctx context.Context, id encoding.BlobID) (encoding.Params, error)
}

// ReaderOptions tune a Reader.
type ReaderOptions struct {
	// Window is about the unit fetched and cached (default 4 MiB),
	// rounded to whole systematic slivers of each blob.
	Window int
	// MaxBytes bounds the cached windows (default 256 MiB).
	MaxBytes int64
	// Timeout bounds one window fetch, so that a sick network gives EIO
	// instead of a hung read (default 30 s).
	Timeout time.Duration
	// Disk, if set, keeps fetched windows on disk too, across restarts:
	// MaxBytes then bounds only the windows kept in memory.
	Disk *DiskCache
	// Identities open encrypted content (chunks stored as age files).
	Identities []age.Identity
	Logger     *slog.Logger
}

// Reader serves reads of files whose content is on the network: it fetches
// aligned windows of their blobs, keeps recently used ones in memory up to
// a bound (least recently used first out), and prefetches the next window
// of a sequential read.
type Reader struct {
	src  RangeReader
	opts ReaderOptions
	log  *slog.Logger

	mu      sync.Mutex
	params  map[encoding.BlobID]encoding.Params
	sizes   map[encoding.BlobID]uint64 // window size of each blob
	windows map[windowKey]*window
	lru     *list.List // of *window, most recent first
	held    int64

	hits, misses, fetchedBytes int64

	opens   openedCache // encrypted chunks' plaintext, by blob and offset
	patches openedCache // quilt patches' contents, by blob and first column
	ahead   prefetcher  // fetches started before reads ask (Prefetch)
}

type windowKey struct {
	blob  encoding.BlobID
	index uint64
}

type window struct {
	key   windowKey
	ready chan struct{} // closed when data or err is set
	data  []byte
	err   error
	elem  *list.Element
}

// fileKeysKept bounds the age file keys a reader remembers (about 100
// bytes each).
const fileKeysKept = 1 << 17

// NewReader returns a reader over src.
func NewReader(src RangeReader, opts ReaderOptions) *Reader {
	if opts.Window <= 0 {
		opts.Window = 4 << 20
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 256 << 20
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if len(opts.Identities) > 0 {
		// Files are opened again and again (re-reads, data sets read
		// once per epoch): their keys need unwrapping only once.
		opts.Identities = []age.Identity{crypt.CachingIdentity(opts.Identities, fileKeysKept)}
	}
	return &Reader{src: src, opts: opts, log: opts.Logger, params: map[encoding.BlobID]encoding.Params{}, sizes: map[encoding.BlobID]uint64{}, windows: map[windowKey]*window{}, lru: list.New()}
}

// ReadAt fills dest from offset off of the content made of chunks; it
// returns fewer bytes only at the end of the content.
func (r *Reader) ReadAt(ctx context.Context, chunks []state.Chunk, dest []byte, off int64) (int, error) {
	n := 0
	start := uint64(0)
	for _, c := range chunks {
		end := start + c.Size
		if c.Encrypted() {
			if n < len(dest) && uint64(off)+uint64(n) < end && uint64(off)+uint64(n) >= start {
				k, err := r.readEncrypted(c, dest[n:min(len(dest), n+int(end-uint64(off)-uint64(n)))], uint64(off)+uint64(n)-start)
				n += k
				if err != nil {
					return n, err
				}
			}
			start = end
			if n == len(dest) {
				break
			}
			continue
		}
		if c.InQuilt() {
			if n < len(dest) && uint64(off)+uint64(n) < end && uint64(off)+uint64(n) >= start {
				k, err := r.readPatch(ctx, c, dest[n:min(len(dest), n+int(end-uint64(off)-uint64(n)))], uint64(off)+uint64(n)-start)
				n += k
				if err != nil {
					return n, err
				}
			}
			start = end
			if n == len(dest) {
				break
			}
			continue
		}
		for n < len(dest) && uint64(off)+uint64(n) < end && uint64(off)+uint64(n) >= start {
			pos := uint64(off) + uint64(n) - start // within the chunk
			at := c.Off + pos                      // within the blob
			w, err := r.windowSize(ctx, c.Blob)
			if err != nil {
				return n, err
			}
			index := at / w
			data, err := r.window(ctx, c, index, w)
			if err != nil {
				return n, err
			}
			// A window of a shared blob may hold other files' bytes past
			// this chunk's end: copy no further than the chunk.
			avail := data[at-index*w:]
			if rest := c.Size - pos; uint64(len(avail)) > rest {
				avail = avail[:rest]
			}
			copied := copy(dest[n:], avail)
			n += copied
			// Reading to the end of a window: the next one is likely next.
			if at+uint64(copied) >= (index+1)*w-w/2 && (index+1)*w < min(c.Off+c.Size, c.InBlob()) {
				r.get(c, index+1, w)
			}
		}
		start = end
		if n == len(dest) {
			break
		}
	}
	return n, nil
}

// readEncrypted reads plaintext at pos of an encrypted chunk into dest,
// which does not reach past the chunk's end. The age file's chunks come
// through the same windows as plain content: only those that hold the
// range (and, once, the header and the last chunk) are fetched.
func (r *Reader) readEncrypted(c state.Chunk, dest []byte, pos uint64) (int, error) {
	plain, err := r.open(c)
	if err != nil {
		return 0, err
	}
	k, err := plain.ReadAt(dest, int64(pos))
	if errors.Is(err, io.EOF) && k == len(dest) {
		err = nil
	}
	if err != nil {
		return k, fmt.Errorf("read encrypted content of blob %s at %d: %w", c.Blob, c.Off, err)
	}
	return k, nil
}

// open returns the plaintext of an encrypted chunk, opening its age file
// once (see openedCache).
func (r *Reader) open(c state.Chunk) (io.ReaderAt, error) {
	held := int64(min(c.Size, ageChunk)) // the last age chunk, kept in plaintext
	return r.opens.get(openKey(c), held, func() (io.ReaderAt, error) {
		if len(r.opts.Identities) == 0 {
			return nil, fmt.Errorf("blob %s holds encrypted content and no identity was given", c.Blob)
		}
		var src io.ReaderAt = storedAt{r: r, c: state.Chunk{Blob: c.Blob, Off: c.Off, Size: c.Enc, BlobSize: c.InBlob()}}
		if c.InQuilt() {
			var err error
			if src, err = r.patch(context.Background(), c); err != nil {
				return nil, err
			}
		}
		plain, n, err := crypt.OpenAt(src, int64(c.Enc), r.opts.Identities)
		if err != nil {
			return nil, fmt.Errorf("open encrypted content of blob %s at %d: %w", c.Blob, c.Off, err)
		}
		if uint64(n) != c.Size {
			return nil, fmt.Errorf("encrypted content of blob %s at %d holds %d bytes, the tree says %d", c.Blob, c.Off, n, c.Size)
		}
		return wholeIfSmall(plain, c.Size)
	})
}

// openKey names an encrypted chunk among the opened ones: by its blob and
// offset, or for a patch of a quilt (at offset 0 all), its first column.
func openKey(c state.Chunk) windowKey {
	if c.InQuilt() {
		return windowKey{c.Blob, 1<<63 | uint64(c.Patch.Start)}
	}
	return windowKey{c.Blob, c.Off}
}

// storedAt reads a chunk's bytes as stored (an age file) through the
// reader's windows.
type storedAt struct {
	r *Reader
	c state.Chunk
}

func (s storedAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := s.r.ReadAt(context.Background(), []state.Chunk{s.c}, p, off)
	if err == nil && n < len(p) {
		err = io.EOF
	}
	return n, err
}

// windowSize returns the window size of a blob: whole systematic slivers,
// about opts.Window bytes.
func (r *Reader) windowSize(ctx context.Context, id encoding.BlobID) (uint64, error) {
	r.mu.Lock()
	w, ok := r.sizes[id]
	r.mu.Unlock()
	if ok {
		return w, nil
	}
	p, err := r.blobParams(ctx, id)
	if err != nil {
		return 0, err
	}
	row := uint64(max(p.PrimarySliverSize(), 1))
	w = max(1, uint64(r.opts.Window)/row) * row
	r.mu.Lock()
	if len(r.sizes) > 4096 {
		clear(r.sizes)
	}
	r.sizes[id] = w
	r.mu.Unlock()
	return w, nil
}

// blobParams returns a blob's encoding parameters, asked once.
func (r *Reader) blobParams(ctx context.Context, id encoding.BlobID) (encoding.Params, error) {
	r.mu.Lock()
	p, ok := r.params[id]
	r.mu.Unlock()
	if ok {
		return p, nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	p, err := r.src.Params(ctx, id)
	if err != nil {
		return p, fmt.Errorf("read blob %s: %w", id, err)
	}
	r.mu.Lock()
	if len(r.params) > 4096 {
		clear(r.params)
	}
	r.params[id] = p
	r.mu.Unlock()
	return p, nil
}

// window returns a window's bytes, fetching it if it is not cached.
func (r *Reader) window(ctx context.Context, c state.Chunk, index, size uint64) ([]byte, error) {
	w := r.get(c, index, size)
	select {
	case <-w.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return w.data, w.err
}

// get returns the window's entry, starting its fetch if there is none.
func (r *Reader) get(c state.Chunk, index, size uint64) *window {
	key := windowKey{c.Blob, index}
	r.mu.Lock()
	if w, ok := r.windows[key]; ok {
		r.lru.MoveToFront(w.elem)
		r.hits++
		r.mu.Unlock()
		return w
	}
	r.misses++
	w := &window{key: key, ready: make(chan struct{})}
	w.elem = r.lru.PushFront(w)
	r.windows[key] = w
	r.mu.Unlock()
	go r.fetch(w, c.InBlob(), size)
	return w
}

func (r *Reader) fetch(w *window, blobSize, size uint64) {
	off := w.key.index * size
	length := min(size, blobSize-off)
	if r.opts.Disk != nil {
		if data, ok := r.opts.Disk.Get(w.key.blob, size, w.key.index); ok && uint64(len(data)) == length {
			r.fetched(w, data, false)
			return
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.opts.Timeout)
	defer cancel()
	data, err := r.src.ReadRange(ctx, w.key.blob, off, length)
	if err == nil && uint64(len(data)) != length {
		err = fmt.Errorf("read of %s [%d, %d) returned %d bytes", w.key.blob, off, off+length, len(data))
	}
	if err != nil {
		r.log.Warn("cannot read file content from the network", "blob", w.key.blob, "offset", off, "err", err)
		r.mu.Lock()
		defer r.mu.Unlock()
		w.err = fmt.Errorf("read blob %s at %d: %w", w.key.blob, off, err)
		// Not kept: the next read tries again.
		if r.windows[w.key] == w {
			delete(r.windows, w.key)
			r.lru.Remove(w.elem)
		}
		close(w.ready)
		return
	}
	r.fetched(w, data, true)
	if r.opts.Disk != nil {
		r.opts.Disk.Put(w.key.blob, size, w.key.index, data) // after the readers have it
	}
}

// fetched hands a window's data to its readers and keeps it in memory.
func (r *Reader) fetched(w *window, data []byte, fromNetwork bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	w.data = data
	r.held += int64(len(data))
	if fromNetwork {
		r.fetchedBytes += int64(len(data))
	}
	close(w.ready)
	r.evictLocked()
}

// evictLocked drops the least recently used fetched windows over the bound.
func (r *Reader) evictLocked() {
	for e := r.lru.Back(); e != nil && r.held > r.opts.MaxBytes; {
		prev := e.Prev()
		w := e.Value.(*window)
		select {
		case <-w.ready:
			r.lru.Remove(e)
			delete(r.windows, w.key)
			r.held -= int64(len(w.data))
		default: // still being fetched
		}
		e = prev
	}
}

// ReaderStats describe the read cache.
type ReaderStats struct {
	Bytes        int64 `json:"bytes"`
	MaxBytes     int64 `json:"maxBytes"`
	Hits         int64 `json:"hits"`
	Misses       int64 `json:"misses"`
	FetchedBytes int64 `json:"fetchedBytes"`
	// Prefetched counts the windows fetched ahead of reads (Prefetch).
	Prefetched int64 `json:"prefetched"`
	// Disk is the on-disk cache's, if there is one.
	Disk *DiskCacheStats `json:"disk,omitempty"`
}

// Stats returns the read cache's figures.
func (r *Reader) Stats() ReaderStats {
	r.mu.Lock()
	st := ReaderStats{Bytes: r.held, MaxBytes: r.opts.MaxBytes, Hits: r.hits, Misses: r.misses, FetchedBytes: r.fetchedBytes, Prefetched: r.ahead.windows.Load()}
	r.mu.Unlock()
	if r.opts.Disk != nil {
		d := r.opts.Disk.Stats()
		st.Disk = &d
	}
	return st
}

// Download writes the whole content made of chunks to w, window by window
// aligned to whole systematic slivers as reads are (so that no sliver is
// fetched and verified twice), without keeping it in the cache.
func (r *Reader) Download(ctx context.Context, chunks []state.Chunk, w io.WriterAt) error {
	var off int64
	for _, c := range chunks {
		if c.Encrypted() {
			buf := make([]byte, min(c.Size, 1<<20))
			for pos := uint64(0); pos < c.Size; {
				k, err := r.readEncrypted(c, buf[:min(uint64(len(buf)), c.Size-pos)], pos)
				if err == nil && k == 0 {
					err = fmt.Errorf("encrypted content of blob %s ends at %d of %d bytes", c.Blob, pos, c.Size)
				}
				if err != nil {
					return err
				}
				if _, err := w.WriteAt(buf[:k], off+int64(pos)); err != nil {
					return err
				}
				pos += uint64(k)
			}
			off += int64(c.Size)
			continue
		}
		if c.InQuilt() {
			buf := make([]byte, c.Size)
			if _, err := r.readPatch(ctx, c, buf, 0); err != nil {
				return err
			}
			if _, err := w.WriteAt(buf, off); err != nil {
				return err
			}
			off += int64(c.Size)
			continue
		}
		win, err := r.windowSize(ctx, c.Blob)
		if err != nil {
			return err
		}
		for at, end := c.Off, c.Off+c.Size; at < end; {
			length := min((at/win+1)*win, end) - at
			wctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
			data, err := r.src.ReadRange(wctx, c.Blob, at, length)
			cancel()
			if err != nil {
				return fmt.Errorf("read blob %s at %d: %w", c.Blob, at, err)
			}
			if uint64(len(data)) != length {
				return fmt.Errorf("read of blob %s at %d returned %d bytes, want %d", c.Blob, at, len(data), length)
			}
			if _, err := w.WriteAt(data, off+int64(at-c.Off)); err != nil {
				return err
			}
			at += length
		}
		off += int64(c.Size)
	}
	return nil
}
