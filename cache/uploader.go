// Package cache is walrusfs's local side: the data files that hold the
// content of files written on this machine (durable before they are
// uploaded), the uploader that turns closed files into certified Walrus
// blobs in the background, and the read cache of content fetched from the
// network.
//
// The uploader works from the persistent queue kept in fs/meta: an entry
// names a file and the version of its content to upload. Content is read
// from the file's data file, cut into chunks of at most ChunkSize bytes,
// and each chunk is stored as a blob (unless a blob with the same content
// is known); once all are certified, the file is pointed at them in one
// transaction, provided its content did not change meanwhile. A crash at
// any point leaves the entry queued and the data file in place, so the next
// start uploads it again.
package cache

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/fs/meta"
	"github.com/walrusfs/walrusfs/walrus/client"
)

// Files names the local data files, one per inode, in a directory.
type Files struct{ Dir string }

// Path returns the data file of an inode.
func (f Files) Path(ino uint64) string {
	return filepath.Join(f.Dir, strconv.FormatUint(ino, 10))
}

// BlobStorer stores blobs: the Walrus client does.
type BlobStorer interface {
	Store(ctx context.Context, blob []byte, epochs uint32, deletable bool) (*client.StoreResult, error)
}

// UploaderOptions configure an Uploader.
type UploaderOptions struct {
	// ChunkSize is the largest blob a file is cut into.
	ChunkSize int
	// Epochs is how long stored blobs are kept.
	Epochs uint32
	// Backoff after a failed attempt starts at MinBackoff and doubles up to
	// MaxBackoff (defaults 1 s and 1 min).
	MinBackoff, MaxBackoff time.Duration
	// OnCertified is called after a file was pointed at its blobs.
	OnCertified func(ino uint64)
	// Busy tells that a file is being written in a way whose changes are
	// not versioned one by one (passthrough); it is uploaded once closed.
	Busy   func(ino uint64) bool
	Logger *slog.Logger
}

// Uploader uploads queued files.
type Uploader struct {
	meta  *meta.Store
	files Files
	blobs BlobStorer
	opts  UploaderOptions
	log   *slog.Logger
	wake  chan struct{}

	mu        sync.Mutex
	current   *Progress
	notBefore map[uint64]time.Time // backoff of failed entries

	stats UploaderStats
}

// UploaderStats count the uploader's work since it started.
type UploaderStats struct {
	Files    int64 `json:"files"`    // files pointed at certified blobs
	Bytes    int64 `json:"bytes"`    // bytes of those files
	Stored   int64 `json:"stored"`   // blobs stored (chunks not known already)
	Deduped  int64 `json:"deduped"`  // chunks whose content was stored before
	Failures int64 `json:"failures"` // failed attempts
}

// Stats returns the uploader's counters.
func (u *Uploader) Stats() UploaderStats {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.stats
}

// Progress describes the upload in progress.
type Progress struct {
	Ino       uint64    `json:"ino"`
	Version   uint64    `json:"version"`
	Bytes     int64     `json:"bytes"`
	DoneBytes int64     `json:"doneBytes"`
	StartedAt time.Time `json:"startedAt"`
}

// NewUploader returns an uploader; Run makes it work.
func NewUploader(m *meta.Store, files Files, blobs BlobStorer, opts UploaderOptions) *Uploader {
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	u := &Uploader{meta: m, files: files, blobs: blobs, opts: opts, log: opts.Logger,
		wake: make(chan struct{}, 1), notBefore: map[uint64]time.Time{}}
	return u
}

// Kick tells the uploader the queue changed.
func (u *Uploader) Kick() {
	select {
	case u.wake <- struct{}{}:
	default:
	}
}

// Current returns the upload in progress, if any.
func (u *Uploader) Current() *Progress {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.current == nil {
		return nil
	}
	p := *u.current
	return &p
}

// Run uploads queued files until ctx ends.
func (u *Uploader) Run(ctx context.Context) {
	for {
		next := u.runOnce(ctx)
		var timer <-chan time.Time
		if next > 0 {
			timer = time.After(next)
		}
		select {
		case <-ctx.Done():
			return
		case <-u.wake:
		case <-timer:
		}
	}
}

// runOnce works through the queue once; it returns how long until a
// failed entry may be retried (0: none waits).
func (u *Uploader) runOnce(ctx context.Context) time.Duration {
	q, err := u.meta.Queue()
	if err != nil {
		u.log.Error("reading the upload queue", "err", err)
		return u.opts.MinBackoff
	}
	var wait time.Duration
	for _, e := range q {
		if ctx.Err() != nil {
			return 0
		}
		u.mu.Lock()
		nb := u.notBefore[e.Ino]
		u.mu.Unlock()
		if d := time.Until(nb); d > 0 {
			if wait == 0 || d < wait {
				wait = d
			}
			continue
		}
		if u.opts.Busy != nil && u.opts.Busy(e.Ino) {
			if wait == 0 || u.opts.MinBackoff < wait {
				wait = u.opts.MinBackoff
			}
			continue
		}
		if err := u.upload(ctx, e); err != nil {
			if ctx.Err() != nil {
				return 0
			}
			backoff := min(u.opts.MaxBackoff, u.opts.MinBackoff<<min(e.Attempts, 16))
			u.log.Warn("upload failed; will retry", "ino", e.Ino, "version", e.Version, "attempt", e.Attempts+1, "retry_in", backoff, "err", err)
			if err := u.meta.UploadFailed(e.Ino, e.Version, err); err != nil {
				u.log.Error("recording an upload failure", "ino", e.Ino, "err", err)
			}
			u.mu.Lock()
			u.notBefore[e.Ino] = time.Now().Add(backoff)
			u.stats.Failures++
			u.mu.Unlock()
			if wait == 0 || backoff < wait {
				wait = backoff
			}
			continue
		}
		u.mu.Lock()
		delete(u.notBefore, e.Ino)
		u.mu.Unlock()
	}
	return wait
}

// upload stores one queued version of a file and points the file at it.
func (u *Uploader) upload(ctx context.Context, e meta.QueueEntry) error {
	in, err := u.meta.Inode(e.Ino)
	if err != nil {
		return fmt.Errorf("inode %d: %w", e.Ino, err)
	}
	if in.Version != e.Version {
		return nil // superseded; the newer version has its own entry
	}
	f, err := os.Open(u.files.Path(e.Ino))
	if err != nil {
		return fmt.Errorf("open data of inode %d: %w", e.Ino, err)
	}
	defer f.Close()
	size := int64(in.Size)
	u.mu.Lock()
	u.current = &Progress{Ino: e.Ino, Version: e.Version, Bytes: size, StartedAt: time.Now()}
	u.mu.Unlock()
	defer func() {
		u.mu.Lock()
		u.current = nil
		u.mu.Unlock()
	}()
	start := time.Now()
	var chunks []meta.Chunk
	var hashes [][32]byte
	buf := make([]byte, min(int64(u.opts.ChunkSize), max(size, 1)))
	for off := int64(0); off < size; {
		n := min(int64(len(buf)), size-off)
		if k, err := f.ReadAt(buf[:n], off); errors.Is(err, io.EOF) {
			// A data file shorter than the file (a crash before its size
			// was synced) holds zeros past its end, as reads show them.
			clear(buf[k:n])
		} else if err != nil {
			return fmt.Errorf("read data of inode %d at %d: %w", e.Ino, off, err)
		}
		data := buf[:n]
		sum := sha256.Sum256(data)
		id, known, err := u.meta.KnownBlob(sum)
		if err != nil {
			return err
		}
		if !known {
			res, err := u.blobs.Store(ctx, data, u.opts.Epochs, false)
			if err != nil {
				return fmt.Errorf("store chunk at %d of inode %d: %w", off, e.Ino, err)
			}
			id = res.BlobID
			// Known at once: a retry after a later chunk fails stores
			// this one no more.
			if err := u.meta.RememberBlob(sum, id); err != nil {
				return err
			}
		}
		u.mu.Lock()
		if known {
			u.stats.Deduped++
		} else {
			u.stats.Stored++
		}
		u.mu.Unlock()
		chunks = append(chunks, meta.Chunk{Blob: id, Size: uint64(n)})
		hashes = append(hashes, sum)
		off += n
		u.mu.Lock()
		u.current.DoneBytes = off
		u.mu.Unlock()
	}
	// An empty file needs no blob: it is certified with no chunks.
	done, err := u.meta.Certified(e.Ino, e.Version, chunks, hashes)
	if err != nil {
		return fmt.Errorf("point inode %d at its blobs: %w", e.Ino, err)
	}
	if done {
		u.mu.Lock()
		u.stats.Files++
		u.stats.Bytes += size
		u.mu.Unlock()
		u.log.Info("file certified", "ino", e.Ino, "version", e.Version, "bytes", size, "chunks", len(chunks), "took", time.Since(start).Round(time.Millisecond))
		if u.opts.OnCertified != nil {
			u.opts.OnCertified(e.Ino)
		}
	}
	return nil
}

// Drain waits until the queue is empty or ctx ends, calling progress with
// the files and bytes left now and then.
func (u *Uploader) Drain(ctx context.Context, progress func(files int, bytes int64, errs []string)) error {
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		q, err := u.meta.Queue()
		if err != nil {
			return err
		}
		if len(q) == 0 {
			return nil
		}
		var bytes int64
		var errs []string
		for _, e := range q {
			if in, err := u.meta.Inode(e.Ino); err == nil {
				bytes += int64(in.Size)
			}
			if e.LastError != "" {
				errs = append(errs, e.LastError)
			}
		}
		if progress != nil {
			progress(len(q), bytes, errs)
		}
		u.Kick()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// BlobIDs lists the blob IDs of chunks, for display.
func BlobIDs(chunks []meta.Chunk) []encoding.BlobID {
	out := make([]encoding.BlobID, len(chunks))
	for i, c := range chunks {
		out[i] = c.Blob
	}
	return out
}
