package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/cache/state"
	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
)

// The collector gives back the storage of blobs nothing points at any more:
// content of deleted and overwritten files, and manifests older than the
// kept snapshots. The tree keeps a count of the files that point at each
// blob (cache/state's reference counts) and lists the blobs whose count fell to
// zero; a listed blob that no kept snapshot holds (as its manifest or
// content) and that stayed unused for Grace is marked deleted, so that new
// content never points at it again, then deleted on chain, which returns
// its Storage resource to the wallet for the next registrations. Permanent
// blobs cannot be deleted: they are left to expire.

// CollectChain deletes blobs; chain.Chain does.
type CollectChain interface {
	Committee(ctx context.Context) (*chain.Committee, error)
	DeleteBlob(ctx context.Context, blob chain.ObjectID) (chain.Storage, error)
}

// CollectorOptions configures a Collector.
type CollectorOptions struct {
	// Grace is how long a blob must stay unused before it goes; it covers
	// content an upload just stored and has not yet pointed a file at.
	Grace time.Duration
	// InUse serialises the collector's decisions with the uploader's: the
	// uploader holds it for reading from choosing a known blob until the
	// file points at it.
	InUse  *sync.RWMutex
	Logger *slog.Logger
}

// CollectStatus is what the collector did.
type CollectStatus struct {
	Deleted        int    `json:"deleted"`        // blobs deleted since start
	ReclaimedBytes uint64 `json:"reclaimedBytes"` // their unencoded size
	Waiting        int    `json:"waiting"`        // unused blobs in their grace period
	LastError      string `json:"lastError,omitempty"`
}

// Collector deletes the tree's unused deletable blobs.
type Collector struct {
	book  *state.Book
	chain CollectChain
	opts  CollectorOptions
	log   *slog.Logger

	// pending are the blobs given up and not yet deleted on chain; only
	// Collect's caller touches them, one pass at a time.
	pending []state.BlobInfo
	resumed bool

	mu     sync.Mutex
	status CollectStatus
}

// NewCollector returns a collector of m's blobs.
func NewCollector(book *state.Book, ch CollectChain, opts CollectorOptions) *Collector {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.InUse == nil {
		opts.InUse = new(sync.RWMutex)
	}
	return &Collector{book: book, chain: ch, opts: opts, log: log}
}

// Status returns what the collector has done.
func (c *Collector) Status() CollectStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

// Run collects every interval until ctx ends.
func (c *Collector) Run(ctx context.Context, interval time.Duration) {
	for {
		if err := c.Collect(ctx); err != nil && ctx.Err() == nil {
			c.log.Warn("blob collection", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// Collect makes one pass: it marks the blobs unused past their grace, then
// deletes the marked ones still on chain.
func (c *Collector) Collect(ctx context.Context) error {
	err := c.collect(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status.LastError = ""
	if err != nil {
		c.status.LastError = err.Error()
	}
	return err
}

func (c *Collector) collect(ctx context.Context) error {
	com, err := c.chain.Committee(ctx)
	if err != nil {
		return fmt.Errorf("read the epoch: %w", err)
	}
	if !c.resumed {
		// Blobs given up before a restart, not yet deleted on chain: the
		// only walk of the blob records, once.
		blobs, err := c.book.Blobs()
		if err != nil {
			return err
		}
		for _, b := range blobs {
			if b.Deleted && !b.Reclaimed {
				c.pending = append(c.pending, b)
			}
		}
		c.resumed = true
	}
	if err := c.mark(com.Epoch, time.Now()); err != nil {
		return err
	}
	for len(c.pending) > 0 {
		b := c.pending[0]
		st, err := c.chain.DeleteBlob(ctx, chain.ObjectID(b.Object))
		switch {
		case err == nil:
			c.log.Info("blob deleted; its storage is back in the wallet", "blob", b.Blob, "bytes", b.Size, "storage_end", st.EndEpoch)
		case errors.Is(err, chain.ErrNotFound), errors.Is(err, chain.ErrExpired):
			// Deleted before a crash, or its storage ran out: nothing to give back.
		default:
			return fmt.Errorf("delete blob %s: %w", b.Blob, err)
		}
		b.Reclaimed = true
		if err := c.book.RecordBlob(b); err != nil {
			return err
		}
		c.pending = c.pending[1:]
		c.mu.Lock()
		c.status.Deleted++
		c.status.ReclaimedBytes += b.Size
		c.mu.Unlock()
	}
	return nil
}

// mark gives up the blobs unused past their grace. It holds InUse, so
// that no upload is between choosing a known blob and pointing its file at
// it; if an upload holds it, the pass is skipped.
func (c *Collector) mark(epoch uint32, now time.Time) error {
	if !c.opts.InUse.TryLock() {
		return nil
	}
	defer c.opts.InUse.Unlock()
	unused, err := c.book.UnusedBlobs()
	if err != nil {
		return err
	}
	if len(unused) == 0 {
		c.setWaiting(0)
		return nil
	}
	// Kept snapshots hold what they point at, and the chain's record names
	// the last published manifest whatever the snapshots say (a state from
	// before they were kept).
	kept := map[encoding.BlobID]bool{}
	snaps, err := c.book.Snapshots()
	if err != nil {
		return err
	}
	for _, s := range snaps {
		kept[s.Manifest] = true
		for _, id := range s.Blobs {
			kept[id] = true
		}
	}
	if pub, err := c.book.Published(); err == nil {
		if id, err := encoding.ParseBlobID(pub.Manifest); err == nil {
			kept[id] = true
		}
	}
	waiting := 0
	for _, u := range unused {
		if kept[u.Blob] {
			continue // until the snapshot goes
		}
		b, ok, err := c.book.BlobInfo(u.Blob)
		if err != nil {
			return err
		}
		switch {
		case !ok || !b.Deletable || b.Deleted || b.EndEpoch <= epoch:
			// Not ours to delete (stored before records were kept),
			// permanent, given up already, or expired: nothing to do.
			if err := c.book.ForgetUnused(u.Blob); err != nil {
				return err
			}
		case now.Sub(u.Since) >= c.opts.Grace:
			b.Deleted = true
			if err := c.book.RecordBlob(b); err != nil {
				return err
			}
			if err := c.book.ForgetUnused(u.Blob); err != nil {
				return err
			}
			c.pending = append(c.pending, b)
		default:
			waiting++
		}
	}
	c.setWaiting(waiting)
	return nil
}

func (c *Collector) setWaiting(n int) {
	c.mu.Lock()
	c.status.Waiting = n
	c.mu.Unlock()
}
