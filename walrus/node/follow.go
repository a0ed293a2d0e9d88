package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/messages"
	"github.com/walrusfs/walrusfs/walrus/api"
)

// eventBatch is how many events the node asks the chain for at a time.
const eventBatch = 256

// Following the chain: a failure to read events or to apply one is retried
// after a pause that doubles from followBackoffMin to followBackoffMax, so
// that a chain or store in trouble is not hammered. A blob event that fails
// maxEventAttempts times in a row is parked (kept in the store, retried
// every parkedRetryInterval) and the node moves on: one event must not hold
// back every later one. Epoch events are never parked: without the
// committee they bring, the node cannot tell which shards it serves.
const (
	followBackoffMin = 250 * time.Millisecond
	followBackoffMax = 30 * time.Second
	maxEventAttempts = 5
)

// parkedRetryInterval is how often parked events are retried (a variable
// for tests).
var parkedRetryInterval = time.Minute

// backoff is a pause that doubles up to a cap.
type backoff struct{ next time.Duration }

// wait sleeps for the current pause and doubles it; false if ctx ended.
func (b *backoff) wait(ctx context.Context) bool {
	b.next = min(max(b.next, followBackoffMin), followBackoffMax)
	t := time.NewTimer(b.next)
	defer t.Stop()
	b.next *= 2
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (b *backoff) reset() { b.next = 0 }

// parkable tells whether an event may be set aside when it keeps failing.
func parkable(k chain.EventKind) bool {
	switch k {
	case chain.EventBlobRegistered, chain.EventBlobCertified, chain.EventBlobDeleted, chain.EventInvalidBlobID:
		return true
	}
	return false
}

// Run follows the chain's events from the stored cursor, and rebuilds the
// slivers of certified blobs this node missed, until ctx ends. It returns
// ctx's error then, or the first error it cannot get past.
func (n *Node) Run(ctx context.Context) error {
	wake := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.recoverLoop(ctx, wake)
	}()
	defer func() { <-done }()
	poke := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	// Taking shards over runs beside the events, which keep flowing
	// (a node behind on them would not know of new blobs meanwhile).
	// Shards gained while this node was down are filled now; those of a
	// change still ahead in the events, when its start is handled.
	n.takeovers = make(chan takeover, 1)
	tdone := make(chan struct{})
	go func() {
		defer close(tdone)
		n.takeoverLoop(ctx, poke)
	}()
	defer func() { <-tdone }()
	n.requestTakeover(takeover{})
	poke() // resume the recovery queue of the previous run

	if err := n.rebuildStates(ctx); err != nil {
		return err
	}
	parked, err := n.store.ParkedEvents()
	if err != nil {
		return err
	}
	n.metrics.parked.Set(float64(len(parked)))
	f := &follow{parked: len(parked), nextParked: time.Now().Add(parkedRetryInterval)}
	for {
		if time.Now().After(f.nextParked) {
			f.parked = n.retryParked(ctx)
			f.nextParked = time.Now().Add(parkedRetryInterval)
		}
		cursor, err := n.store.Cursor()
		if err != nil {
			return err
		}
		poll := 20 * time.Second
		if f.parked > 0 {
			// A quiet chain must not put the retry off.
			poll = max(min(poll, time.Until(f.nextParked)), time.Millisecond)
		}
		pollCtx, cancel := context.WithTimeout(ctx, poll)
		events, err := n.chain.Events(pollCtx, cursor, eventBatch)
		cancel()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		failed := false
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			n.metrics.eventFailures.Inc()
			n.followLog(f.pause.next == 0, "reading chain events; will retry", "err", err)
			failed = true
		} else if failed, err = n.applyEvents(ctx, f, events, poke); err != nil {
			return err
		}
		if !failed {
			f.pause.reset()
		} else if !f.pause.wait(ctx) {
			return ctx.Err()
		}
	}
}

// follow is the state of Run's loop over the events.
type follow struct {
	pause      backoff
	failing    chain.Cursor // the event failing now, attempts times in a row
	attempts   int
	parked     int // events parked
	nextParked time.Time
}

// applyEvents handles events in order, moving the cursor past each. It
// stops at one that fails (failed, to be retried after a pause) unless it
// parks it; err is an error Run cannot get past.
func (n *Node) applyEvents(ctx context.Context, f *follow, events []chain.Event, poke func()) (failed bool, err error) {
	// Until the next read, those not applied stay pending.
	n.pendingEvents.Store(int64(len(events)))
	for _, ev := range events {
		if err := n.handle(ctx, ev, false); err != nil {
			n.metrics.eventFailures.Inc()
			if ev.Cursor != f.failing || f.attempts == 0 {
				f.failing, f.attempts = ev.Cursor, 0
			}
			f.attempts++
			if !parkable(ev.Kind) || f.attempts < maxEventAttempts {
				// The cursor stays before this event, which is retried.
				n.followLog(f.attempts == 1, "handling chain event; will retry", "kind", ev.Kind, "cursor", ev.Cursor, "blob", ev.BlobID, "attempt", f.attempts, "err", err)
				return true, nil
			}
			if err := n.store.ParkEvent(ev); err != nil {
				return false, fmt.Errorf("node: park event %d: %w", ev.Cursor, err)
			}
			f.parked++
			n.metrics.parked.Inc()
			n.metrics.parkedTotal.Inc()
			n.log.Warn("chain event keeps failing; parked, to retry later", "kind", ev.Kind, "cursor", ev.Cursor, "blob", ev.BlobID, "attempts", f.attempts, "err", err)
			f.attempts = 0
			f.pause.reset() // the next failure is another event's first
		} else if ev.Kind == chain.EventBlobCertified || ev.Kind == chain.EventEpochChangeStart || ev.Kind == chain.EventEpochChangeDone {
			poke()
		}
		if err := n.store.SetCursor(ev.Cursor + 1); err != nil {
			return false, err
		}
		n.pendingEvents.Add(-1)
	}
	return false, nil
}

// followLog logs a failure of the follow loop: at warning level when first
// seen, at debug level while it repeats.
func (n *Node) followLog(first bool, msg string, args ...any) {
	if first {
		n.log.Warn(msg, args...)
		return
	}
	n.log.Debug(msg, args...)
}

// retryParked applies the parked events again; those that succeed are
// forgotten. It returns how many remain.
func (n *Node) retryParked(ctx context.Context) int {
	parked, err := n.store.ParkedEvents()
	if err != nil {
		n.log.Warn("reading parked chain events", "err", err)
		return 1 // try again at the next retry
	}
	left := len(parked)
	for _, ev := range parked {
		if err := n.handle(ctx, ev, true); err != nil {
			n.log.Debug("parked chain event still fails", "kind", ev.Kind, "cursor", ev.Cursor, "blob", ev.BlobID, "err", err)
			continue
		}
		if err := n.store.UnparkEvent(ev.Cursor); err != nil {
			n.log.Warn("forgetting a parked chain event", "cursor", ev.Cursor, "err", err)
			continue
		}
		left--
		n.log.Info("parked chain event applied", "kind", ev.Kind, "cursor", ev.Cursor, "blob", ev.BlobID)
	}
	n.metrics.parked.Set(float64(left))
	return left
}

// rebuildStates gives a store that followed the chain before it kept blob
// states (see store.Followed) the states of every event before its cursor,
// replayed from the chain once, so that expiry and deletion can be decided
// locally.
func (n *Node) rebuildStates(ctx context.Context) error {
	followed, err := n.store.Followed()
	if err != nil || followed {
		return err
	}
	until, err := n.store.Cursor()
	if err != nil {
		return err
	}
	n.log.Info("rebuilding blob states from the chain's events", "events", until)
	var pause backoff
	for from := chain.Cursor(0); from < until; {
		rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		events, err := n.chain.Events(rctx, from, eventBatch)
		cancel()
		if err == nil && len(events) == 0 {
			return fmt.Errorf("node: rebuild blob states: the chain has no events from %d, before the store's cursor %d", from, until)
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			n.followLog(pause.next == 0, "rebuilding blob states; will retry", "err", err)
			if !pause.wait(ctx) {
				return ctx.Err()
			}
			continue
		}
		pause.reset()
		for _, ev := range events {
			if ev.Cursor >= until {
				break
			}
			if parkable(ev.Kind) {
				if err := n.store.RebuildState(ev); err != nil {
					return err
				}
			}
			from = ev.Cursor + 1
		}
	}
	if err := n.store.SetFollowed(); err != nil {
		return err
	}
	c, _, _ := n.view()
	return n.expire(c.Epoch)
}

// apply records a blob event in the store: in order, moving the cursor, or
// late for a parked one.
func (n *Node) apply(ev chain.Event, late bool) error {
	var err error
	if late {
		_, err = n.store.ReapplyEvent(ev)
	} else {
		_, err = n.store.ApplyEvent(ev)
	}
	return err
}

// handle applies one event to the node's state; late is set for a parked
// event applied after later ones.
func (n *Node) handle(ctx context.Context, ev chain.Event, late bool) error {
	switch ev.Kind {
	case chain.EventBlobRegistered, chain.EventBlobDeleted, chain.EventInvalidBlobID:
		// The store's blob states promote pending data on registration and
		// remove the data of a blob no live object covers any more.
		return n.apply(ev, late)
	case chain.EventBlobCertified:
		if err := n.apply(ev, late); err != nil {
			return err
		}
		if ev.IsExtension {
			return nil
		}
		missing, err := n.missingSlivers(ev.BlobID)
		if err != nil {
			return err
		}
		stored, err := n.store.HasMetadata(ev.BlobID, false)
		if err != nil {
			return err
		}
		if !stored || missing > 0 {
			n.log.Info("blob certified with slivers missing here; queued for recovery", "blob", ev.BlobID, "missing", missing)
			return n.store.QueueRecovery(ev.BlobID)
		}
		return nil
	case chain.EventEpochChangeStart:
		prev, before, _ := n.view()
		if err := n.refreshCommittee(ctx); err != nil {
			return err
		}
		n.requestTakeover(takeover{prev: prev, before: before})
		return nil
	case chain.EventEpochChangeDone:
		// The handover is over: the shards this node gave up are no longer
		// served, and storage that ended with the last epoch goes.
		if err := n.refreshCommittee(ctx); err != nil {
			return err
		}
		if err := n.expire(ev.Epoch); err != nil {
			// What is left expires at the next epoch change.
			n.log.Warn("removing expired blobs", "epoch", ev.Epoch, "err", err)
		}
		return nil
	}
	return nil
}

// expire removes the data of blobs whose every object ended by epoch, as
// the store's blob states know them: no chain call per blob.
func (n *Node) expire(epoch chain.Epoch) error {
	removed, err := n.store.ExpireBlobs(epoch)
	if removed > 0 {
		n.log.Info("removed the data of expired blobs", "epoch", epoch, "blobs", removed)
	}
	return err
}

// takeover asks for the shards the committee gave this node to be filled;
// prev and before are the committee and shards before the change, as this
// node saw them (see takeOverShards).
type takeover struct {
	prev   *chain.Committee
	before map[uint16]bool
}

// requestTakeover queues a takeover, replacing one not yet started: the
// newer knows the newer committee.
func (n *Node) requestTakeover(t takeover) {
	for {
		select {
		case n.takeovers <- t:
			return
		default:
		}
		select {
		case <-n.takeovers:
		default:
		}
	}
}

// takeoverLoop runs the requested takeovers one at a time, retrying a
// failed one with a backoff unless a newer request replaces it, until ctx
// ends.
func (n *Node) takeoverLoop(ctx context.Context, poke func()) {
	for {
		var t takeover
		select {
		case <-ctx.Done():
			return
		case t = <-n.takeovers:
		}
		for backoff := time.Second; ; backoff = min(2*backoff, 30*time.Second) {
			err := n.takeOverShards(ctx, t.prev, t.before)
			if err == nil {
				poke()
				break
			}
			n.log.Warn("taking shards over; will retry", "err", err)
			select {
			case <-ctx.Done():
				return
			case t = <-n.takeovers:
				continue
			case <-time.After(backoff):
			}
		}
	}
}

// takeOverShards fills the shards the committee gave this node since the
// shards it last recorded holding: their slivers are pulled from the
// previous owners (sync-shard) while the change syncs, and every stored
// blob is queued for recovery, which rebuilds from the other nodes'
// recovery symbols whatever the pull did not bring. Once the queue is
// empty, the recovery loop reports the epoch synced. A node with no record
// (its first start) takes its shards as held: a new network has no data
// to fill, and a new store replays every certification anyway. prev and
// before are the committee and shards before the change, used only for
// stores from before the record.
func (n *Node) takeOverShards(ctx context.Context, prev *chain.Committee, before map[uint16]bool) error {
	c, after, _ := n.view()
	heldEpoch, held, ok, err := n.store.HeldShards()
	if err != nil {
		return err
	}
	if ok && heldEpoch >= c.Epoch {
		n.shardsChecked(held)
		n.setTakenOver(c.Epoch)
		return nil // done at start-up, or for a later event of this epoch
	}
	if ok {
		before = map[uint16]bool{}
		for _, s := range held {
			before[s] = true
		}
	} else if prev == nil {
		before = after
	}
	if c.Syncing && c.Previous != nil {
		prev = c.Previous
	}
	var gained, kept []uint16
	for s := range after {
		if !before[s] {
			gained = append(gained, s)
		} else {
			kept = append(kept, s)
		}
	}
	slices.Sort(gained)
	n.shardsChecked(kept)
	if len(gained) > 0 {
		synced := n.SliversSynced()
		if prev != nil && prev.Epoch < c.Epoch {
			n.shardsFilling(gained, api.ShardInTransfer)
			if err := n.pullShards(ctx, prev, gained); err != nil {
				n.log.Warn("shards not all pulled from their previous owners; rebuilding the rest from recovery symbols", "err", err)
			}
		}
		queued := 0
		err := n.store.ForEachBlob(encoding.BlobID{}, func(id encoding.BlobID) error {
			queued++
			return n.store.QueueRecovery(id)
		})
		if err != nil {
			return fmt.Errorf("queue the blobs of new shards: %w", err)
		}
		// Every blob is queued: a clean pass of the queue from now on
		// leaves the new shards filled.
		n.shardsFilling(gained, api.ShardInRecovery)
		n.log.Info("new shards this epoch", "epoch", c.Epoch, "shards", len(gained), "slivers_pulled", n.SliversSynced()-synced, "blobs_checked", queued)
	}
	mine := make([]uint16, 0, len(after))
	for s := range after {
		mine = append(mine, s)
	}
	slices.Sort(mine)
	if err := n.store.SetHeldShards(c.Epoch, mine); err != nil {
		return err
	}
	n.setTakenOver(c.Epoch)
	return nil
}

func (n *Node) takenOverEpoch() chain.Epoch {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.takenOver
}

func (n *Node) setTakenOver(e chain.Epoch) {
	n.mu.Lock()
	n.takenOver = max(n.takenOver, e)
	n.mu.Unlock()
}

// reportSync tells the chain that this node holds all its shards of the
// current epoch, once: when the change syncs, this node is a member, its
// new shards were queued and the recovery queue is empty. It reports
// whether the chain should be asked again later.
func (n *Node) reportSync(ctx context.Context) (retry bool) {
	c, _, _ := n.view()
	n.mu.RLock()
	due := c.Syncing && n.takenOver >= c.Epoch && n.reported < c.Epoch
	n.mu.RUnlock()
	if !due {
		return false
	}
	if _, member := memberShards(c, n.id); !member {
		return false
	}
	if pending, err := n.store.PendingRecoveries(); err != nil || len(pending) > 0 {
		return err != nil
	}
	r, ok := n.chain.(chain.EpochSyncReporter)
	if !ok {
		return false // the chain does not wait for nodes
	}
	msg := messages.EpochSyncDone{Epoch: c.Epoch, NodeID: n.id}
	err := r.ReportEpochSync(ctx, c.Epoch, n.id, n.key.Sign(msg.Marshal()))
	switch {
	case err == nil, errors.Is(err, chain.ErrSyncReported):
		n.log.Info("reported shards synced", "epoch", c.Epoch)
	case errors.Is(err, chain.ErrInvalidArgument):
		n.log.Info("sync report refused: the epoch moved on", "epoch", c.Epoch, "err", err)
	default:
		n.log.Warn("reporting shards synced", "epoch", c.Epoch, "err", err)
		return true
	}
	n.mu.Lock()
	n.reported = max(n.reported, c.Epoch)
	n.mu.Unlock()
	return false
}
