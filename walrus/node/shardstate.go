package node

import (
	"slices"

	"github.com/walrusfs/walrusfs/walrus/api"
)

// What health reports of a shard the node holds: unknown until a takeover
// has compared it with the shards the node held before (at start-up and
// after each epoch change), ready when it was held before, in transfer while
// a gained shard's slivers are pulled from its previous owner, in recovery
// from then until the recovery queue has gone through every blob once
// without a failure (takeOverShards queues them all). A node restarted
// while such a queue was still running reports its shards ready: it keeps
// no record of which shard the queue was filling.

// shardState is what the node knows of one of its shards' data.
type shardState struct {
	status api.ShardStatus
	// gen is the fill generation at which the status became in recovery:
	// a recovery pass that read the queue at gen or later saw every blob
	// queued for the shard.
	gen uint64
}

// shardsChecked records the shards a takeover found held before: ready,
// unless an earlier fill of theirs is still under way.
func (n *Node) shardsChecked(shards []uint16) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, s := range shards {
		if _, ok := n.shardStates[s]; !ok && n.shards[s] {
			n.shardStates[s] = shardState{status: api.ShardReady}
		}
	}
}

// shardsFilling records that gained shards are being filled, in transfer or
// in recovery.
func (n *Node) shardsFilling(shards []uint16, status api.ShardStatus) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.fillGen++
	for _, s := range shards {
		if n.shards[s] {
			n.shardStates[s] = shardState{status: status, gen: n.fillGen}
		}
	}
}

// fillGeneration returns the current fill generation, to be taken before
// the recovery queue is read.
func (n *Node) fillGeneration() uint64 {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.fillGen
}

// shardsFilled marks ready the shards in recovery whose blobs a pass of the
// recovery queue, read at fill generation gen, all recovered.
func (n *Node) shardsFilled(gen uint64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for s, st := range n.shardStates {
		if st.status == api.ShardInRecovery && st.gen <= gen {
			n.shardStates[s] = shardState{status: api.ShardReady}
		}
	}
}

// shardHealth returns the status of each shard the node holds (owned) and
// of each it still serves without holding it (other), in shard order.
func (n *Node) shardHealth() (owned, other []api.ShardHealth) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	owned = make([]api.ShardHealth, 0, len(n.shards))
	for s := range n.shards {
		status := api.ShardUnknown
		if st, ok := n.shardStates[s]; ok {
			status = st.status
		}
		owned = append(owned, api.ShardHealth{Shard: s, Status: status})
	}
	other = make([]api.ShardHealth, 0, len(n.leaving))
	for s := range n.leaving {
		other = append(other, api.ShardHealth{Shard: s, Status: api.ShardReadOnly})
	}
	byShard := func(a, b api.ShardHealth) int { return int(a.Shard) - int(b.Shard) }
	slices.SortFunc(owned, byShard)
	slices.SortFunc(other, byShard)
	return owned, other
}
