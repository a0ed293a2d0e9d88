package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/messages"
)

// eventBatch is how many events the node asks the chain for at a time.
const eventBatch = 256

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

	for {
		cursor, err := n.store.Cursor()
		if err != nil {
			return err
		}
		pollCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
		events, err := n.chain.Events(pollCtx, cursor, eventBatch)
		cancel()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			n.log.Warn("reading chain events", "err", err)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Second):
			}
			continue
		}
		for _, ev := range events {
			if err := n.handle(ctx, ev); err != nil {
				// The cursor stays before this event, which is retried.
				n.log.Warn("handling chain event", "kind", ev.Kind, "blob", ev.BlobID, "err", err)
				break
			}
			if ev.Kind == chain.EventBlobCertified || ev.Kind == chain.EventEpochChangeStart || ev.Kind == chain.EventEpochChangeDone {
				poke()
			}
			if err := n.store.SetCursor(ev.Cursor + 1); err != nil {
				return err
			}
		}
	}
}

// handle applies one event to the node's state.
func (n *Node) handle(ctx context.Context, ev chain.Event) error {
	switch ev.Kind {
	case chain.EventBlobRegistered:
		return n.store.Promote(ev.BlobID)
	case chain.EventBlobCertified:
		if ev.IsExtension {
			return nil
		}
		if err := n.store.Promote(ev.BlobID); err != nil {
			return err
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
	case chain.EventBlobDeleted:
		st, err := n.chain.BlobStatus(ctx, ev.BlobID)
		if err != nil {
			return err
		}
		if st.Exists {
			return nil // another object still covers the blob
		}
		n.log.Info("deleting data of a deleted blob", "blob", ev.BlobID)
		return n.store.DeleteBlob(ev.BlobID)
	case chain.EventInvalidBlobID:
		n.log.Info("deleting data of an invalid blob", "blob", ev.BlobID)
		return n.store.DeleteBlob(ev.BlobID)
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
		return n.dropExpired(ctx)
	}
	return nil
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
	var gained []uint16
	for s := range after {
		if !before[s] {
			gained = append(gained, s)
		}
	}
	slices.Sort(gained)
	if len(gained) > 0 {
		synced := n.SliversSynced()
		if prev != nil && prev.Epoch < c.Epoch {
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

// dropExpired deletes the data of blobs that no live object covers any more:
// their storage ended with the epoch that just closed.
func (n *Node) dropExpired(ctx context.Context) error {
	var gone []encoding.BlobID
	err := n.store.ForEachBlob(encoding.BlobID{}, func(id encoding.BlobID) error {
		st, err := n.chain.BlobStatus(ctx, id)
		if err != nil {
			return err
		}
		if !st.Exists {
			gone = append(gone, id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("list expired blobs: %w", err)
	}
	for _, id := range gone {
		n.log.Info("deleting data of an expired blob", "blob", id)
		if err := n.store.DeleteBlob(id); err != nil {
			return err
		}
	}
	return nil
}
