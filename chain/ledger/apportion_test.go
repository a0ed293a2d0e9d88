package ledger

import (
	"slices"
	"testing"

	"github.com/walrusfs/walrusfs/chain"
)

// TestDhondt checks the apportionment against the cases of Walrus's own
// Move tests (staking_inner_tests.move): even and uneven stake, ties broken
// towards earlier nodes, the per-node cap, and tiny and huge stakes.
func TestDhondt(t *testing.T) {
	tab := func(n int, f func(i int) uint64) []uint64 {
		out := make([]uint64, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	for _, c := range []struct {
		shards uint64
		stake  []uint64
		want   []uint64
	}{
		{4, []uint64{25000, 25000, 25000, 25000}, []uint64{1, 1, 1, 1}},
		{778, []uint64{25000, 25000, 25000, 25000}, []uint64{195, 195, 194, 194}},
		{1000, []uint64{25000, 25000, 25000, 25000}, []uint64{250, 250, 250, 250}},
		{4, []uint64{50000, 30000, 15000, 5000}, []uint64{2, 2, 0, 0}},
		{777, []uint64{50000, 30000, 15000, 5000}, []uint64{389, 234, 116, 38}},
		{1000, []uint64{50000, 30000, 15000, 5000}, []uint64{500, 300, 150, 50}},
		{4, []uint64{50000, 50000, 30000, 15000, 15000, 5000}, []uint64{2, 1, 1, 0, 0, 0}},
		{777, []uint64{50000, 50000, 30000, 15000, 15000, 5000}, []uint64{236, 236, 142, 70, 70, 23}},
		{1000, []uint64{50000, 50000, 30000, 15000, 15000, 5000}, []uint64{303, 303, 182, 91, 91, 30}},
		{7, []uint64{25000, 25000, 25000, 25000}, []uint64{2, 2, 2, 1}},
		{6, []uint64{25000, 25000, 25000, 25000}, []uint64{2, 2, 1, 1}},
		{7, []uint64{200, 200, 200, 100}, []uint64{2, 2, 2, 1}},
		{9, []uint64{200, 200, 200, 100, 100, 100}, []uint64{2, 2, 2, 1, 1, 1}},
		{18, []uint64{780_000, 650_000, 520_000, 390_000, 260_000}, []uint64{6, 5, 4, 2, 1}},
		{0, []uint64{100, 90, 80}, []uint64{0, 0, 0}},
		{5, []uint64{1, 0, 0}, []uint64{4, 1, 0}},
		{3, []uint64{1_000_000, 999_999}, []uint64{2, 1}},
		{500, []uint64{1_000_000_000_000, 900_000_000_000, 100_000_000_000}, []uint64{250, 225, 25}},
		{1000, []uint64{600, 100, 200, 100}, []uint64{500, 125, 250, 125}},
		{1000, tab(21, func(i int) uint64 { return map[bool]uint64{true: 200, false: 20}[i == 5] }),
			tab(21, func(i int) uint64 { return map[bool]uint64{true: 100, false: 45}[i == 5] })},
	} {
		if got := dhondt(c.shards, c.stake); !slices.Equal(got, c.want) {
			t.Errorf("dhondt(%d, %v) = %v, want %v", c.shards, c.stake, got, c.want)
		}
	}

	// 100 nodes, a total of 10^19: the ten big ones get every shard.
	stake := tab(100, func(i int) uint64 {
		bp := uint64(1)
		switch {
		case i < 5:
			bp = 1250
		case i < 9:
			bp = 733
		case i < 10:
			bp = 728
		}
		return bp * 1_000_000_000_000_000
	})
	got := dhondt(1000, stake)
	var sum uint64
	with := 0
	for _, n := range got {
		sum += n
		if n > 0 {
			with++
		}
	}
	if sum != 1000 || with != 10 {
		t.Errorf("100 nodes: %d shards over %d nodes", sum, with)
	}
}

// TestTransition: shards stay with their owners as far as the new counts
// allow; the freed ones go to the nodes that grow or join.
func TestTransition(t *testing.T) {
	id := func(b byte) chain.ObjectID { return chain.ObjectID{b} }
	prev := []chain.Node{
		{ID: id(1), Shards: []uint16{0, 1, 2}},
		{ID: id(2), Shards: []uint16{3, 4, 5}},
		{ID: id(3), Shards: []uint16{6, 7, 8, 9}},
	}
	// Node 3 leaves, node 4 joins with 2, node 1 grows to 5, node 2 shrinks to 3.
	got := transition(prev, []shardCount{{id(1), 5}, {id(2), 3}, {id(4), 2}})
	want := []chain.Node{
		{ID: id(2), Shards: []uint16{3, 4, 5}},
		{ID: id(4), Shards: []uint16{9, 8}},
		{ID: id(1), Shards: []uint16{0, 1, 2, 7, 6}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i].ID != want[i].ID || !slices.Equal(got[i].Shards, want[i].Shards) {
			t.Fatalf("member %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	// A node that shrinks gives up its last shards.
	got = transition(prev, []shardCount{{id(1), 1}, {id(2), 3}, {id(3), 6}})
	if !slices.Equal(got[0].Shards, []uint16{0}) || !slices.Equal(got[2].Shards, []uint16{6, 7, 8, 9, 1, 2}) {
		t.Fatalf("shrink: %+v", got)
	}
}
