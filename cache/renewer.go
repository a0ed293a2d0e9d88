package cache

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/walrusfs/walrusfs/cache/state"
	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/client"
)

// Walrus sells storage for a number of epochs; a blob whose storage ends is
// gone. The renewer keeps the tree's blobs alive: it extends every blob the
// files point at (and those Keep says, such as the latest manifest) before
// fewer than half of Keep epochs are left, back up to Keep epochs ahead.

// RenewChain is what renewal needs of the chain.
type RenewChain interface {
	Committee(ctx context.Context) (*chain.Committee, error)
	ExtendBlob(ctx context.Context, blob chain.ObjectID, epochs uint32) (chain.Blob, error)
}

// RenewerOptions configure a Renewer.
type RenewerOptions struct {
	// Keep is how many epochs ahead the tree's blobs are kept.
	Keep uint32
	// MaxAhead is the most epochs ahead the network sells (0: Keep).
	MaxAhead uint32
	// Interval is how often the blobs are looked at (default 30 s).
	Interval time.Duration
	// Also lists blobs to keep besides those the files point at.
	Also func() []encoding.BlobID
	// Batch is how many blobs one transaction extends, where the chain
	// extends several at once (default 100).
	Batch int
	// CostPerEpoch, if set, prices one epoch of a blob of size bytes (FROST
	// of WAL), for the status's cost of keeping the tree.
	CostPerEpoch func(size uint64) uint64
	Logger       *slog.Logger
}

// RenewStatus is what the renewer shows.
type RenewStatus struct {
	Epoch        uint32    `json:"epoch"`
	Keep         uint32    `json:"keepEpochs"`
	Blobs        int       `json:"blobs"`                  // blobs kept alive
	EarliestEnd  uint32    `json:"earliestEnd,omitempty"`  // the soonest end epoch among them
	EarliestBlob string    `json:"earliestBlob,omitempty"` // and its blob
	Expired      int       `json:"expired"`                // blobs already past their end
	Unknown      int       `json:"unknown"`                // blobs with no record to renew by
	NextDue      uint32    `json:"nextDue,omitempty"`      // the epoch the next renewal is due
	CostPerEpoch uint64    `json:"costPerEpoch,omitempty"` // FROST to keep the tree one epoch
	Renewed      int64     `json:"renewed"`                // extensions since start
	Transactions int64     `json:"transactions"`           // renewal transactions since start
	LastError    string    `json:"lastError,omitempty"`
	LastErrorAt  time.Time `json:"lastErrorAt,omitzero"`
	Checked      time.Time `json:"checked,omitzero"`
}

// Renewer extends the tree's blobs before they expire.
type Renewer struct {
	book  *state.Book
	chain RenewChain
	opts  RenewerOptions
	log   *slog.Logger
	epoch atomic.Uint32
	wake  chan struct{}

	mu     sync.Mutex
	status RenewStatus
}

// NewRenewer returns a renewer of m's blobs through ch.
func NewRenewer(book *state.Book, ch RenewChain, opts RenewerOptions) *Renewer {
	if opts.Interval <= 0 {
		opts.Interval = 30 * time.Second
	}
	if opts.Keep == 0 {
		opts.Keep = 1
	}
	if opts.Batch <= 0 {
		opts.Batch = 100
	}
	if opts.MaxAhead == 0 || opts.MaxAhead < opts.Keep {
		opts.MaxAhead = max(opts.MaxAhead, opts.Keep)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Renewer{book: book, chain: ch, opts: opts, log: opts.Logger, wake: make(chan struct{}, 1),
		status: RenewStatus{Keep: opts.Keep}}
}

// renewBelow is how few epochs left make a blob due: half of Keep, rounded
// up, and at least one.
func (r *Renewer) renewBelow() uint32 { return max(1, (r.opts.Keep+1)/2) }

// Fresh tells whether new content may point at a blob: not when it is due
// for renewal already (its content is then stored anew, for Keep epochs),
// nor when the collector gave it up.
// A blob the tree has no record of is taken as fresh: it was stored before
// records were kept.
func (r *Renewer) Fresh(id encoding.BlobID) bool {
	b, ok, err := r.book.BlobInfo(id)
	if err != nil || !ok {
		return err == nil
	}
	return !b.Deleted && b.EndEpoch > r.epoch.Load()+r.renewBelow()
}

// Status returns the last check's findings.
func (r *Renewer) Status() RenewStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status
}

// fullCheckEvery bounds how long Run goes without a full check while the
// epoch stays the same (new blobs are bought for a while, so nothing falls
// due in between; the status's counts catch up then).
const fullCheckEvery = 10 * time.Minute

// Run looks every Interval until ctx ends. A full check reads every kept
// blob's record, so it runs only when the epoch moved, after a failure,
// when woken, and every fullCheckEvery; other looks read the epoch alone.
func (r *Renewer) Run(ctx context.Context) {
	var last time.Time
	var lastEpoch uint32
	full := true
	for {
		if !full && time.Since(last) < fullCheckEvery {
			com, err := r.chain.Committee(ctx)
			full = err != nil || com.Epoch != lastEpoch
		}
		if full || time.Since(last) >= fullCheckEvery {
			err := r.Check(ctx)
			if err != nil && ctx.Err() == nil {
				r.log.Warn("blob renewal", "err", err)
			}
			last, lastEpoch, full = time.Now(), r.epoch.Load(), err != nil
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(r.opts.Interval):
		case <-r.wake:
			full = true
		}
	}
}

// Check extends every kept blob that is due, and updates the status. The
// first failure stops it; it is retried at the next check.
func (r *Renewer) Check(ctx context.Context) error {
	err := r.check(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status.Checked = time.Now()
	if err != nil {
		r.status.LastError, r.status.LastErrorAt = err.Error(), time.Now()
	}
	return err
}

func (r *Renewer) check(ctx context.Context) error {
	com, err := r.chain.Committee(ctx)
	if err != nil {
		return fmt.Errorf("read the epoch: %w", err)
	}
	epoch := com.Epoch
	r.epoch.Store(epoch)
	kept, err := r.book.ReferencedBlobs()
	if err != nil {
		return err
	}
	if r.opts.Also != nil {
		for _, id := range r.opts.Also() {
			kept[id] = true
		}
	}
	st := RenewStatus{Epoch: epoch, Keep: r.opts.Keep}
	target := epoch + min(r.opts.Keep, r.opts.MaxAhead)
	var due []state.BlobInfo
	ends := map[encoding.BlobID]uint32{}
	for id := range kept {
		b, ok, err := r.book.BlobInfo(id)
		if err != nil {
			return err
		}
		if !ok {
			st.Unknown++
			continue
		}
		st.Blobs++
		if r.opts.CostPerEpoch != nil {
			st.CostPerEpoch += r.opts.CostPerEpoch(b.Size)
		}
		switch {
		case b.EndEpoch <= epoch:
			st.Expired++
		case b.EndEpoch-epoch <= r.renewBelow():
			due = append(due, b)
		}
		ends[id] = b.EndEpoch
	}
	firstErr := r.renew(ctx, due, target, ends, &st)
	for id, end := range ends {
		if end > epoch && (st.EarliestEnd == 0 || end < st.EarliestEnd) {
			st.EarliestEnd, st.EarliestBlob = end, id.String()
		}
	}
	if st.EarliestEnd != 0 {
		st.NextDue = max(st.EarliestEnd-min(st.EarliestEnd, r.renewBelow()), epoch)
	}
	r.mu.Lock()
	st.Renewed += r.status.Renewed
	st.Transactions += r.status.Transactions
	st.LastError, st.LastErrorAt = r.status.LastError, r.status.LastErrorAt
	if firstErr == nil {
		st.LastError, st.LastErrorAt = "", time.Time{}
	}
	r.status = st
	r.mu.Unlock()
	return firstErr
}

// renew extends the due blobs to target, in batches where the chain can,
// recording each new end epoch; the first failure stops it.
func (r *Renewer) renew(ctx context.Context, due []state.BlobInfo, target uint32, ends map[encoding.BlobID]uint32, st *RenewStatus) error {
	batch := 1
	many, ok := r.chain.(chain.BlobsExtender)
	if ok {
		batch = r.opts.Batch
	}
	for len(due) > 0 {
		n := min(len(due), batch)
		part := due[:n]
		due = due[n:]
		ids := make([]chain.ObjectID, n)
		epochs := make([]uint32, n)
		for i, b := range part {
			ids[i], epochs[i] = chain.ObjectID(b.Object), target-b.EndEpoch
		}
		var ext []chain.Blob
		var err error
		if ok {
			ext, err = many.ExtendBlobs(ctx, ids, epochs)
		} else {
			var one chain.Blob
			one, err = r.chain.ExtendBlob(ctx, ids[0], epochs[0])
			ext = []chain.Blob{one}
		}
		if err != nil {
			return fmt.Errorf("extend %d blob(s) to epoch %d: %w", n, target, err)
		}
		for i, b := range part {
			b.EndEpoch = ext[i].Storage.EndEpoch
			if err := r.book.RecordBlob(b); err != nil {
				return err
			}
			ends[b.Blob] = b.EndEpoch
			st.Renewed++
		}
		st.Transactions++
		r.log.Info("blobs renewed", "blobs", n, "end_epoch", target)
	}
	return nil
}

// RecordingStorer stores blobs and records each one's object and end epoch
// in the tree, for renewal.
type RecordingStorer struct {
	BlobStorer
	Book *state.Book
}

// Store stores a blob and records it.
func (s RecordingStorer) Store(ctx context.Context, blob []byte, epochs uint32, deletable bool) (*client.StoreResult, error) {
	res, err := s.BlobStorer.Store(ctx, blob, epochs, deletable)
	if err != nil {
		return nil, err
	}
	o := res.Object
	if err := s.Book.RecordBlob(state.BlobInfo{Blob: res.BlobID, Object: o.ID, EndEpoch: o.Storage.EndEpoch, Deletable: o.Deletable, Size: o.Size}); err != nil {
		return nil, fmt.Errorf("record blob %s: %w", res.BlobID, err)
	}
	return res, nil
}
