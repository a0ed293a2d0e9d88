package ledger_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/ledger/ledgertest"
)

func TestAssignShards(t *testing.T) {
	got, err := ledger.AssignShards(10, 4)
	want := [][]uint16{{0, 1, 2}, {3, 4, 5}, {6, 7}, {8, 9}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("10 shards on 4 nodes: %v, %v", got, err)
	}
	for _, bad := range [][2]int{{3, 4}, {10, 0}, {1 << 16, 3}} {
		if _, err := ledger.AssignShards(bad[0], bad[1]); !errors.Is(err, chain.ErrInvalidArgument) {
			t.Fatalf("%d shards on %d nodes: %v", bad[0], bad[1], err)
		}
	}
}

// TestGenesisRules breaks one rule of a genesis at a time; Create refuses
// it and writes nothing.
func TestGenesisRules(t *testing.T) {
	com := ledgertest.NewCommittee(t, 4, 8)
	edit := func(f func(g *ledger.Genesis)) ledger.Genesis {
		g := com.Genesis()
		g.Nodes = slices.Clone(g.Nodes)
		for i := range g.Nodes {
			g.Nodes[i].Node.Shards = slices.Clone(g.Nodes[i].Node.Shards)
		}
		f(&g)
		return g
	}
	other := ledgertest.Key(t, 99)
	for name, g := range map[string]ledger.Genesis{
		"proof by another key": edit(func(g *ledger.Genesis) {
			g.Nodes[1].ProofOfPossession = ledger.NewNodeRegistration(other, g.Nodes[1].Node, g.Nodes[1].Account, 0).ProofOfPossession
		}),
		"proof for another account": edit(func(g *ledger.Genesis) { g.Nodes[2].Account = alice }),
		"proof for epoch 1": edit(func(g *ledger.Genesis) {
			g.Nodes[0] = ledger.NewNodeRegistration(com.Keys[0], g.Nodes[0].Node, g.Nodes[0].Account, 1)
		}),
		"shard twice":        edit(func(g *ledger.Genesis) { g.Nodes[0].Node.Shards[0] = g.Nodes[1].Node.Shards[0] }),
		"shard missing":      edit(func(g *ledger.Genesis) { g.Nodes[3].Node.Shards = g.Nodes[3].Node.Shards[:1] }),
		"shard out of range": edit(func(g *ledger.Genesis) { g.Nodes[3].Node.Shards[0] = 8 }),
		"node without shards": edit(func(g *ledger.Genesis) {
			g.Nodes[0].Node.Shards = append(g.Nodes[0].Node.Shards, g.Nodes[3].Node.Shards...)
			g.Nodes[3].Node.Shards = nil
		}),
		"same key twice": edit(func(g *ledger.Genesis) { g.Nodes = append(g.Nodes, g.Nodes[0]) }),
		"same ID twice": edit(func(g *ledger.Genesis) {
			g.Nodes[0].Node.ID = chain.ObjectID{1}
			g.Nodes[1].Node.ID = chain.ObjectID{1}
		}),
		"no nodes":             edit(func(g *ledger.Genesis) { g.Nodes = nil }),
		"3 shards":             edit(func(g *ledger.Genesis) { g.NShards = 3 }),
		"negative epoch timer": edit(func(g *ledger.Genesis) { g.EpochDuration = -1 }),
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := ledger.Create(dir, g, ledger.Options{})
			if !errors.Is(err, chain.ErrInvalidArgument) {
				t.Fatalf("create: %v", err)
			}
			t.Log(err)
			if _, err := ledger.Open(dir, ledger.Options{}); !errors.Is(err, ledger.ErrNoLedger) {
				t.Fatalf("open after a refused create: %v", err)
			}
		})
	}
}

// TestGenesisNodeIDs: given node IDs are kept, missing ones derived from the
// key, so that they stay across epochs.
func TestGenesisNodeIDs(t *testing.T) {
	com := ledgertest.NewCommittee(t, 4, 4)
	com.Nodes[2].Node.ID = chain.ObjectID{42}
	l, _ := ledgertest.Open(t, com.Genesis(), ledger.Options{})
	c, err := l.As(alice).Committee(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[chain.ObjectID]bool{}
	for _, m := range c.Members {
		ids[m.ID] = true
	}
	if c.Members[2].ID != (chain.ObjectID{42}) || len(ids) != 4 || ids[chain.ObjectID{}] {
		t.Fatalf("member IDs %v", ids)
	}
	next, err := l.AdvanceEpoch(testContext(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range next.Members {
		if next.Members[i].ID != c.Members[i].ID {
			t.Fatalf("member %d changed ID", i)
		}
	}
	// The committee handed out is a copy.
	next.Members[0].Shards[0] = 99
	if again, _ := l.As(alice).Committee(testContext(t)); again.Members[0].Shards[0] == 99 {
		t.Fatal("caller changed the ledger's committee")
	}
}

// TestCommitteeChange moves shards at an epoch change through the admin
// call; registrations must prove possession for the current epoch.
func TestCommitteeChange(t *testing.T) {
	transports(t, func(t *testing.T, h *harness) {
		h.advance(t, 1)
		rotate := func(epoch chain.Epoch) []ledger.NodeRegistration {
			shards, _ := ledger.AssignShards(testShards, testNodes)
			slices.Reverse(shards) // the last node takes the first shards
			var regs []ledger.NodeRegistration
			for i, r := range h.com.Nodes {
				r.Node.Shards = shards[i]
				regs = append(regs, ledger.NewNodeRegistration(h.com.Keys[i], r.Node, r.Account, epoch))
			}
			return regs
		}
		before := h.l.NextCursor()
		if _, err := h.admin(testContext(t), rotate(0)); !errors.Is(err, chain.ErrInvalidArgument) {
			t.Fatalf("proofs of epoch 0 in epoch 1: %v", err)
		}
		if h.l.NextCursor() != before {
			t.Fatal("refused epoch change emitted events")
		}
		com, err := h.admin(testContext(t), rotate(1))
		if err != nil {
			t.Fatal(err)
		}
		if com.Epoch != 2 || !slices.Equal(com.Members[4].Shards, []uint16{0, 1, 2}) || !slices.Equal(com.Members[0].Shards, []uint16{10, 11}) {
			t.Fatalf("new committee %+v", com)
		}
		// Certificates now weigh members by their new shards: members 3 and
		// 4 hold 3 each now, so 0, 1, 3, 4 (2+2+3+3 = 10) make a quorum.
		a := h.as(alice)
		b := h.store(t, a, 100, "rotated", 2, false)
		cert := h.com.Confirm(t, []int{0, 1, 3, 4}, confirmation(b, 2))
		if _, err := a.CertifyBlob(testContext(t), b.ID, cert); err != nil {
			t.Fatal(err)
		}
	})
}
