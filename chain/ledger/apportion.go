package ledger

import (
	"math/bits"
	"slices"

	"github.com/walrusfs/walrusfs/chain"
)

// Walrus's staking rules (staking_inner.move, committee.move): the next
// committee's shard counts come from stake by D'Hondt apportionment, and the
// shard indices stay with their owners as far as the counts allow.

const (
	// maxActiveSet bounds the nodes that can be elected at once
	// (TEMP_ACTIVE_SET_SIZE_LIMIT).
	maxActiveSet = 111
	// minNodesForShardsLimit and shardsLimitDenominator cap one node's
	// shards: n/10 from 20 nodes on, more for smaller sets.
	minNodesForShardsLimit = 20
	shardsLimitDenominator = 10
)

// maxShardsPerNode is max_shards_per_node.
func maxShardsPerNode(nNodes, nShards uint64) uint64 {
	if nNodes >= minNodesForShardsLimit {
		return nShards / shardsLimitDenominator
	}
	num, den := nShards*minNodesForShardsLimit, nNodes*shardsLimitDenominator
	return (num + den - 1) / den
}

// uq64 is a UQ64.64 fixed-point number, as std::uq64_64 computes
// from_quotient: the quotient rounded down to 64 fraction bits.
type uq64 struct{ hi, lo uint64 }

func quotient(num, den uint64) uq64 {
	hi := num / den
	lo, _ := bits.Div64(num%den, 0, den)
	return uq64{hi, lo}
}

func (a uq64) cmp(b uq64) int {
	if a.hi != b.hi {
		if a.hi < b.hi {
			return -1
		}
		return 1
	}
	switch {
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

// dhondt apportions nShards shards to nodes by stake, as Walrus's dhondt
// does: a Hagenbach-Bischoff lower bound, then one shard at a time to the
// node with the largest stake/(shards+1), ties going to the higher priority
// (earlier in the active set), no node above maxShardsPerNode.
func dhondt(nShards uint64, stake []uint64) []uint64 {
	n := uint64(len(stake))
	shards := make([]uint64, n)
	if n == 0 {
		return shards
	}
	var total uint64
	for _, s := range stake {
		total += s // the caller bounds the sum
	}
	if total == 0 {
		return shards
	}
	limit := maxShardsPerNode(n, nShards)
	dist := total/(nShards+1) + 1
	var given uint64
	for i, s := range stake {
		shards[i] = min(s/dist, limit)
		given += shards[i]
	}
	open := func(i int) bool { return shards[i] != limit }
	for given < nShards {
		best := -1
		var bestQ uq64
		for i := range stake {
			if !open(i) {
				continue
			}
			q := quotient(stake[i], shards[i]+1)
			// Priority n-i: on equal quotients the earlier node wins, so
			// only a strictly larger quotient replaces the best.
			if best < 0 || q.cmp(bestQ) > 0 {
				best, bestQ = i, q
			}
		}
		if best < 0 {
			break // every node is at the cap: cannot happen with caps ≥ n/nodes
		}
		shards[best]++
		given++
	}
	return shards
}

// activeEntry is a node in the active set with its stake for the next
// committee.
type activeEntry struct {
	id    chain.ObjectID
	stake uint64
}

// setActive inserts, updates or (stake 0) removes a node of the active set,
// as active_set::insert_or_update: new nodes go at the end, removals swap
// the last node into the hole, and a full set makes room by evicting the
// smallest stake below the newcomer's.
func setActive(set []activeEntry, id chain.ObjectID, stake uint64) []activeEntry {
	i := slices.IndexFunc(set, func(e activeEntry) bool { return e.id == id })
	switch {
	case stake == 0 && i >= 0:
		set[i] = set[len(set)-1]
		return set[:len(set)-1]
	case stake == 0:
		return set
	case i >= 0:
		set[i].stake = stake
		return set
	case len(set) < maxActiveSet:
		return append(set, activeEntry{id, stake})
	}
	minIdx, minStake := -1, stake
	for j, e := range set {
		if e.stake < minStake {
			minIdx, minStake = j, e.stake
		}
	}
	if minIdx >= 0 {
		set[minIdx] = activeEntry{id, stake}
	}
	return set
}

// shardCount is a node and the number of shards apportioned to it.
type shardCount struct {
	id    chain.ObjectID
	count int
}

// transition gives the next committee's shard indices, moving as few shards
// as possible, as committee::transition does: nodes keep their shards (the
// last ones go when their count shrinks), freed shards go to nodes that grow
// or join. The result is in the Move map's order: the nodes that kept or
// shrank in prev's order, then the joiners in next's order, then the nodes
// that grew.
func transition(prev []chain.Node, next []shardCount) []chain.Node {
	want := make(map[chain.ObjectID]int, len(next))
	for _, n := range next {
		want[n.id] = n.count
	}
	var out []chain.Node
	var free []uint16
	var growing []shardCount // nodes of prev that need more, in prev's order
	prevShards := make(map[chain.ObjectID][]uint16, len(prev))
	for _, m := range prev {
		prevShards[m.ID] = m.Shards
		count, ok := want[m.ID]
		cur := slices.Clone(m.Shards)
		switch {
		case !ok || count == 0:
			free = append(free, cur...)
		case len(cur) >= count:
			free = append(free, reverse(cur[count:])...)
			out = append(out, chain.Node{ID: m.ID, Shards: cur[:count]})
		default:
			growing = append(growing, shardCount{m.ID, count})
		}
		delete(want, m.ID)
	}
	var rest []shardCount
	for _, n := range next {
		if _, ok := want[n.id]; ok {
			rest = append(rest, n)
		}
	}
	rest = append(rest, growing...)
	for _, n := range rest {
		if n.count == 0 {
			continue
		}
		cur := slices.Clone(prevShards[n.id])
		for len(cur) < n.count && len(free) > 0 {
			cur = append(cur, free[len(free)-1])
			free = free[:len(free)-1]
		}
		out = append(out, chain.Node{ID: n.id, Shards: cur})
	}
	return out
}

// reverse returns s's elements last first, the order in which Move's
// pop_back moves them.
func reverse(s []uint16) []uint16 {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}
