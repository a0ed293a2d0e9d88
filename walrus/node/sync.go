package node

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/protocol/messages"
	"github.com/walrusfs/walrusfs/walrus/api"
)

// Shard migration: a node that gains a shard at an epoch change asks the
// shard's previous owner for its slivers with Walrus's signed sync-shard
// request, in batches in blob-ID order, each sliver checked against the
// blob's metadata; what it cannot get that way (the owner is gone, lies or
// lacks slivers) it rebuilds from recovery symbols afterwards.

// syncBatchSize is how many slivers one sync-shard request asks for.
const syncBatchSize = 256

// syncPeerBehindWait bounds the wait for a previous owner that has not yet
// seen the epoch change; after it, its shards go to recovery.
const syncPeerBehindWait = 30 * time.Second

// errSyncStop ends a walk of the store once a response is full.
var errSyncStop = errors.New("sync response full")

// syncShard serves a sync-shard request: the slivers this node holds of a
// shard that the requester, a member of the current committee, now holds.
func (n *Node) syncShard(w http.ResponseWriter, r *http.Request) {
	raw, err := base64.StdEncoding.DecodeString(r.Header.Get("Authorization"))
	var pk bls.PublicKey
	if err == nil {
		pk, err = bls.ParsePublicKey(raw)
	}
	if err != nil {
		fail(w, http.StatusUnauthorized, api.ReasonInvalidRequest, "Authorization: the requesting node's BLS public key, base64: %v", err)
		return
	}
	body, release, ok := n.readBody(w, r, 1024, api.ReasonInvalidRequest)
	if !ok {
		return
	}
	defer release()
	sm, err := messages.ParseSignedMessageBCS(body)
	if err == nil {
		err = sm.Verify(pk)
	}
	if err != nil {
		fail(w, http.StatusUnauthorized, api.ReasonInvalidRequest, "signed sync-shard request: %v", err)
		return
	}
	req, err := messages.ParseSyncShardRequest(sm.Serialized)
	if err != nil {
		fail(w, http.StatusBadRequest, api.ReasonInvalidRequest, "%v", err)
		return
	}
	c, _, _ := n.view()
	if req.Epoch > c.Epoch {
		// This node has not seen the epoch change yet: the requester
		// retries shortly rather than falling back to recovery.
		fail(w, http.StatusServiceUnavailable, api.ReasonUnavailable, "request for epoch %d, this node is still in epoch %d", req.Epoch, c.Epoch)
		return
	}
	if req.Epoch != c.Epoch {
		fail(w, http.StatusBadRequest, api.ReasonInvalidRequest, "request for epoch %d, the current epoch is %d", req.Epoch, c.Epoch)
		return
	}
	if !holds(c, pk, req.Shard) {
		fail(w, http.StatusForbidden, api.ReasonInvalidRequest, "the requester does not hold shard %d in epoch %d", req.Shard, c.Epoch)
		return
	}
	count := min(req.Count, api.MaxSyncShardCount)
	var items []api.ShardSliver
	err = n.store.ForEachBlob(req.StartingBlobID, func(id encoding.BlobID) error {
		s, err := n.store.Sliver(id, req.Shard, req.Axis)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		items = append(items, api.ShardSliver{BlobID: id, Sliver: s})
		if uint64(len(items)) == count {
			return errSyncStop
		}
		return nil
	})
	if err != nil && !errors.Is(err, errSyncStop) {
		n.internal(w, r, err)
		return
	}
	writeBCS(w, api.EncodeSyncShardResponse(items))
}

// holds tells whether the member with key pk holds shard in c.
func holds(c *chain.Committee, pk bls.PublicKey, shard uint16) bool {
	for _, m := range c.Members {
		if m.PublicKey == pk {
			for _, s := range m.Shards {
				if s == shard {
					return true
				}
			}
		}
	}
	return false
}

// pullShards asks each gained shard's previous owner for its slivers. A
// shard whose owner fails is left to recovery; the error says which.
func (n *Node) pullShards(ctx context.Context, prev *chain.Committee, gained []uint16) error {
	c, _, enc := n.view()
	var errs []error
	failed := map[chain.ObjectID]bool{} // owners that failed once: the rest of theirs go to recovery
	for _, shard := range gained {
		owner := -1
		if prev != nil {
			owner = prev.ShardOwner(shard)
		}
		if owner < 0 || prev.Members[owner].ID == n.id || failed[prev.Members[owner].ID] {
			continue
		}
		peer := n.peers.Get(prev.Members[owner])
		for _, axis := range []encoding.Axis{encoding.Primary, encoding.Secondary} {
			if err := n.pullShardAxis(ctx, peer, c, enc, shard, axis); err != nil {
				errs = append(errs, fmt.Errorf("shard %d from %s: %w", shard, prev.Members[owner].Name, err))
				failed[prev.Members[owner].ID] = true
				break
			}
		}
	}
	return errors.Join(errs...)
}

func (n *Node) pullShardAxis(ctx context.Context, peer syncPeer, c *chain.Committee, enc *encoding.Encoder, shard uint16, axis encoding.Axis) error {
	var start encoding.BlobID
	for {
		req := messages.SyncShardRequest{Epoch: c.Epoch, Shard: shard, Axis: axis, StartingBlobID: start, Count: syncBatchSize}
		items, err := n.syncBatch(ctx, peer, req)
		if err != nil {
			return err
		}
		for _, it := range items {
			if err := n.keepSynced(ctx, enc, c, shard, it); err != nil {
				return err
			}
		}
		if len(items) < syncBatchSize {
			return nil
		}
		start = next(items[len(items)-1].BlobID)
	}
}

// syncBatch asks peer for one batch, waiting while the peer has not yet
// seen the epoch change (it follows the chain a moment behind this node).
func (n *Node) syncBatch(ctx context.Context, peer syncPeer, req messages.SyncShardRequest) ([]api.ShardSliver, error) {
	deadline := time.Now().Add(syncPeerBehindWait)
	for {
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		items, _, err := peer.SyncShard(rctx, n.key, req) // the peers' transport counts the bytes
		cancel()
		var apiErr *api.Error
		if err == nil || !errors.As(err, &apiErr) || apiErr.Code != http.StatusServiceUnavailable || time.Now().After(deadline) {
			return items, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// keepSynced checks a sliver from the previous owner against the blob's
// metadata, fetched from the committee first if this node (a newcomer)
// lacks it, and stores it; a wrong one means the owner lies.
func (n *Node) keepSynced(ctx context.Context, enc *encoding.Encoder, c *chain.Committee, shard uint16, it api.ShardSliver) error {
	m, err := n.store.Metadata(it.BlobID, false)
	if errors.Is(err, ErrNotFound) {
		if st, err := n.chain.BlobStatus(ctx, it.BlobID); err != nil || !st.Exists || st.Invalid != nil {
			return err // not a live blob (any more): nothing to keep
		}
		if m, err = n.fetchMetadata(ctx, it.BlobID, c.NShards); err != nil {
			return nil // recovery tries again
		}
		if err := n.store.PutMetadata(it.BlobID, m, false); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	want := encoding.SliverIndex(it.Sliver.Axis, it.BlobID.PairForShard(int(shard), c.NShards), c.NShards)
	if int(it.Sliver.Index) != want {
		return fmt.Errorf("blob %s: sliver %d for shard %d, want %d", it.BlobID, it.Sliver.Index, shard, want)
	}
	if err := enc.VerifySliver(m, it.Sliver); err != nil {
		return fmt.Errorf("blob %s: %w", it.BlobID, err)
	}
	if err := n.store.PutSliver(it.BlobID, shard, it.Sliver, false); err != nil {
		return err
	}
	n.metrics.synced.Inc()
	return nil
}

// next is the blob ID right after id in the store's order.
func next(id encoding.BlobID) encoding.BlobID {
	for i := len(id) - 1; i >= 0; i-- {
		id[i]++
		if id[i] != 0 {
			break
		}
	}
	return id
}

// syncPeer is the previous owner as pullShards asks it.
type syncPeer interface {
	SyncShard(ctx context.Context, key *bls.PrivateKey, req messages.SyncShardRequest) ([]api.ShardSliver, int, error)
}
