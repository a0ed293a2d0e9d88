package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
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
			if ev.Kind == chain.EventBlobCertified || ev.Kind == chain.EventEpochChangeDone {
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
	case chain.EventEpochChangeDone:
		prev, before, _ := n.view()
		if err := n.refreshCommittee(ctx); err != nil {
			return err
		}
		if err := n.takeOverShards(ctx, prev, before); err != nil {
			return err
		}
		return n.dropExpired(ctx)
	}
	return nil
}

// takeOverShards fills the shards the new committee gave this node: their
// slivers are pulled from the previous owners (sync-shard), and every
// stored blob is queued for recovery, which rebuilds from the other nodes'
// recovery symbols whatever the pull did not bring.
func (n *Node) takeOverShards(ctx context.Context, prev *chain.Committee, before map[uint16]bool) error {
	_, after, _ := n.view()
	var gained []uint16
	for s := range after {
		if !before[s] {
			gained = append(gained, s)
		}
	}
	if len(gained) == 0 || before == nil {
		return nil
	}
	slices.Sort(gained)
	synced := n.SliversSynced()
	if err := n.pullShards(ctx, prev, gained); err != nil {
		n.log.Warn("shards not all pulled from their previous owners; rebuilding the rest from recovery symbols", "err", err)
	}
	queued := 0
	err := n.store.ForEachBlob(encoding.BlobID{}, func(id encoding.BlobID) error {
		queued++
		return n.store.QueueRecovery(id)
	})
	if err != nil {
		return fmt.Errorf("queue the blobs of new shards: %w", err)
	}
	n.log.Info("new shards this epoch", "shards", len(gained), "slivers_pulled", n.SliversSynced()-synced, "blobs_checked", queued)
	return nil
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
