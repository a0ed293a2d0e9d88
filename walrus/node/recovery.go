package node

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/walrus/nodeclient"
)

// recoverLoop rebuilds the queued blobs' slivers whenever woken, and retries
// failures with a backoff until ctx ends.
func (n *Node) recoverLoop(ctx context.Context, wake <-chan struct{}) {
	backoff := time.Second
	for {
		gen := n.fillGeneration()
		ids, readErr := n.store.PendingRecoveries()
		if readErr != nil {
			n.log.Error("reading the recovery queue", "err", readErr)
		}
		failed := false
		for _, id := range ids {
			if ctx.Err() != nil {
				return
			}
			if err := n.recoverBlob(ctx, id); err != nil {
				failed = true
				n.metrics.recoveryErrors.Inc()
				n.log.Warn("sliver recovery failed; will retry", "blob", id, "err", err)
				continue
			}
			if err := n.store.RecoveryDone(id); err != nil {
				n.log.Error("updating the recovery queue", "blob", id, "err", err)
			}
			n.dropIfGone(ctx, id)
		}
		if !failed && readErr == nil {
			n.shardsFilled(gen)
		}
		if !failed && n.reportSync(ctx) {
			failed = true
		}
		var retry <-chan time.Time
		if failed {
			retry = time.After(backoff)
			backoff = min(2*backoff, time.Minute)
		} else {
			backoff = time.Second
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-retry:
		}
	}
}

// peers returns clients for the other committee members, in random order.
func (n *Node) peerClients() []*nodeclient.Client {
	c, _, _ := n.view()
	var out []*nodeclient.Client
	for _, m := range c.Members {
		if m.ID == n.id {
			continue
		}
		out = append(out, n.peers.Get(m))
	}
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// recoverBlob fetches a certified blob's metadata if it lacks it, then
// rebuilds every missing sliver of its shards from peers' recovery symbols.
func (n *Node) recoverBlob(ctx context.Context, id encoding.BlobID) error {
	c, _, enc := n.view()
	m, err := n.store.Metadata(id, false)
	if errors.Is(err, ErrNotFound) {
		if m, err = n.fetchMetadata(ctx, id, c.NShards); err != nil {
			return err
		}
		if err := n.store.PutMetadata(id, m, false); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	p, err := m.Params()
	if err != nil {
		return err
	}
	peers := n.peerClients()
	owned := n.ownedPairs(id)
	// Secondary slivers first, all of them: they need fewer symbols (k_p),
	// peers rebuilding primaries need them, and so does this node: a node
	// holding more than f shards cannot get the k_s symbols of a primary
	// sliver from its peers alone.
	for _, axis := range []encoding.Axis{encoding.Secondary, encoding.Primary} {
		for shard, pair := range owned {
			has, err := n.store.HasSliver(id, shard, axis)
			if err != nil {
				return err
			}
			if has {
				continue
			}
			index := encoding.SliverIndex(axis, pair, c.NShards)
			syms := n.collectSymbols(ctx, peers, id, axis, index, p)
			own, err := n.ownSymbols(id, m, enc, owned, axis, index)
			if err != nil {
				return err
			}
			s, proof, err := enc.RecoverSliver(m, axis, index, append(syms, own...))
			if proof != nil {
				n.log.Error("blob is inconsistently encoded", "blob", id, "axis", axis, "sliver", index)
				return fmt.Errorf("recover %s sliver %d: %w", axis, index, err)
			}
			if err != nil {
				return fmt.Errorf("recover %s sliver %d: %w", axis, index, err)
			}
			if err := n.store.PutSliver(id, shard, s, false); err != nil {
				return err
			}
			n.metrics.recovered.Inc()
			n.metrics.stored.WithLabelValues(axis.String()).Inc()
			n.log.Debug("recovered sliver", "blob", id, "shard", shard, "axis", axis)
		}
	}
	// The recovery is done only once its slivers are on disk.
	return n.store.Sync()
}

// ownSymbols returns the recovery symbols for sliver index of the target
// axis that this node's own slivers of the other axis give.
func (n *Node) ownSymbols(id encoding.BlobID, m *encoding.Metadata, enc *encoding.Encoder, owned map[uint16]int, target encoding.Axis, index int) ([]encoding.RecoverySymbol, error) {
	var out []encoding.RecoverySymbol
	for shard := range owned {
		s, err := n.store.Sliver(id, shard, target.Orthogonal())
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		got, err := enc.RecoverySymbols(m, s, []int{index})
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// fetchMetadata asks peers for a blob's metadata; the first that verifies wins.
func (n *Node) fetchMetadata(ctx context.Context, id encoding.BlobID, nShards int) (*encoding.Metadata, error) {
	var lastErr error
	for _, peer := range n.peerClients() {
		reqCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		m, err := peer.GetMetadata(reqCtx, id, nShards)
		cancel()
		if err == nil {
			if err = m.Verify(id, nShards); err == nil {
				return m, nil
			}
			n.log.Warn("peer sent invalid metadata", "peer", peer.BaseURL(), "blob", id, "err", err)
		}
		lastErr = err
	}
	return nil, fmt.Errorf("no peer gave valid metadata for blob %s: %w", id, lastErr)
}

// collectSymbols gathers recovery symbols for one sliver from peers, in
// parallel, stopping once it has more than enough. They are verified by the
// caller (RecoverSliver).
func (n *Node) collectSymbols(ctx context.Context, peers []*nodeclient.Client, id encoding.BlobID, axis encoding.Axis, index int, p encoding.Params) []encoding.RecoverySymbol {
	need := p.SliverSymbols(axis)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu   sync.Mutex
		syms []encoding.RecoverySymbol
		wg   sync.WaitGroup
		sem  = make(chan struct{}, 16)
	)
	maxBytes := p.NShards * (p.SymbolSize + 64 + 33*16)
	for _, peer := range peers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			reqCtx, cancelReq := context.WithTimeout(ctx, 30*time.Second)
			got, err := peer.RecoverySymbols(reqCtx, id, axis, index, maxBytes)
			cancelReq()
			if err != nil {
				if ctx.Err() == nil {
					n.log.Debug("peer gave no recovery symbols", "peer", peer.BaseURL(), "err", err)
				}
				return
			}
			mu.Lock()
			syms = append(syms, got...)
			// Some margin over need, in case a peer lies.
			if len(syms) >= need+need/4+1 {
				cancel()
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	return syms
}

// dropIfGone deletes a blob's data if the chain no longer covers it: a
// deletion event handled while the blob was being recovered would otherwise
// leave the recovered slivers behind.
func (n *Node) dropIfGone(ctx context.Context, id encoding.BlobID) {
	st, err := n.chain.BlobStatus(ctx, id)
	if err != nil || (st.Exists && st.Invalid == nil) {
		return
	}
	if err := n.store.DeleteBlob(id); err != nil {
		n.log.Error("deleting a blob recovered after its deletion", "blob", id, "err", err)
	}
}
