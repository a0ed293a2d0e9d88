package ledger

import (
	"fmt"
	"slices"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/protocol/messages"
)

// DefaultMaxEpochsAhead is how far ahead storage may be bought when Genesis
// does not say: Walrus Mainnet's max_epochs_ahead.
const DefaultMaxEpochsAhead = 53

// Genesis is the first state of a ledger.
type Genesis struct {
	// NShards is the number of shards, fixed for the ledger's life.
	NShards int
	// Nodes is the committee of epoch 0, in the member order that
	// certificates' signer indices refer to. Every shard belongs to exactly
	// one node; AssignShards spreads them evenly.
	Nodes []NodeRegistration
	// EpochDuration advances the epoch automatically once this long has
	// passed since the last change; 0 leaves epochs to AdvanceEpoch.
	EpochDuration time.Duration
	// MaxEpochsAhead bounds how far ahead storage may be reserved or a blob
	// extended; 0 means DefaultMaxEpochsAhead.
	MaxEpochsAhead uint32
	// Sui sets the prices of the ledger's Sui face and funds accounts; nil
	// gives the default prices and no coins.
	Sui *SuiGenesis
}

// NodeRegistration is a storage node joining a committee, with its proof of
// possession: the node's BLS signature over messages.ProofOfPossession{epoch,
// Account, Node.PublicKey}, where epoch is the epoch in which it registers (0
// in Genesis, the current epoch for AdvanceEpoch).
type NodeRegistration struct {
	Node chain.Node `json:"node"`
	// Account is the Sui address of the node's operator, bound by the proof.
	Account           chain.Address `json:"account"`
	ProofOfPossession bls.Signature `json:"proofOfPossession"`
	// Stake is the node's stake in FROST; 0 at genesis means
	// DefaultStakePerShard for each of its shards.
	Stake uint64 `json:"stake,omitempty"`
}

// NewNodeRegistration signs a proof of possession with the node's key, whose
// public half it sets in the node, for registering in the given epoch.
func NewNodeRegistration(key *bls.PrivateKey, node chain.Node, account chain.Address, epoch chain.Epoch) NodeRegistration {
	node.PublicKey = key.PublicKey()
	pop := messages.ProofOfPossession{Epoch: epoch, SuiAddress: account, PublicKey: node.PublicKey}
	return NodeRegistration{Node: node, Account: account, ProofOfPossession: key.Sign(pop.Marshal())}
}

// AssignShards spreads nShards shards over nodes in order, each node taking
// the next run of shards: ⌈n/nodes⌉ for the first n mod nodes nodes and
// ⌊n/nodes⌋ for the rest, as Walrus's first committee assigns them.
func AssignShards(nShards, nodes int) ([][]uint16, error) {
	if nodes <= 0 || nShards < nodes || nShards > encoding.MaxShards {
		return nil, fmt.Errorf("%w: cannot assign %d shards to %d nodes", chain.ErrInvalidArgument, nShards, nodes)
	}
	out := make([][]uint16, nodes)
	next := 0
	for i := range out {
		count := nShards / nodes
		if i < nShards%nodes {
			count++
		}
		out[i] = make([]uint16, count)
		for j := range out[i] {
			out[i][j] = uint16(next)
			next++
		}
	}
	return out, nil
}

// verifyPossession checks a registration's proof of possession for epoch.
func verifyPossession(r NodeRegistration, epoch chain.Epoch) error {
	pop := messages.ProofOfPossession{Epoch: epoch, SuiAddress: r.Account, PublicKey: r.Node.PublicKey}
	if err := r.Node.PublicKey.Verify(pop.Marshal(), r.ProofOfPossession); err != nil {
		return fmt.Errorf("proof of possession of node %q for epoch %d: %w", r.Node.Name, epoch, err)
	}
	return nil
}

// newCommittee checks registrations for a committee of nShards shards and
// returns its members, each a copy with its ID set and its shards sorted.
// Proofs of possession are checked against popEpoch unless sigs skips them.
func newCommittee(nShards int, regs []NodeRegistration, popEpoch chain.Epoch, sigs sigPolicy) ([]chain.Node, error) {
	if _, _, err := encoding.SourceSymbols(nShards); err != nil {
		return nil, fmt.Errorf("%w: %w", chain.ErrInvalidArgument, err)
	}
	if len(regs) == 0 {
		return nil, fmt.Errorf("%w: a committee needs at least one node", chain.ErrInvalidArgument)
	}
	owner := make([]int, nShards)
	for i := range owner {
		owner[i] = -1
	}
	ids := make(map[chain.ObjectID]bool, len(regs))
	keys := make(map[bls.PublicKey]bool, len(regs))
	members := make([]chain.Node, len(regs))
	for i, r := range regs {
		n := r.Node
		if _, err := bls.ParsePublicKey(n.PublicKey[:]); err != nil {
			return nil, fmt.Errorf("%w: node %d (%q): %w", chain.ErrInvalidArgument, i, n.Name, err)
		}
		if keys[n.PublicKey] {
			return nil, fmt.Errorf("%w: node %d (%q) repeats another node's public key", chain.ErrInvalidArgument, i, n.Name)
		}
		keys[n.PublicKey] = true
		if n.ID == (chain.ObjectID{}) {
			n.ID = nodeID(n.PublicKey)
		}
		if ids[n.ID] {
			return nil, fmt.Errorf("%w: node %d (%q) repeats node ID %s", chain.ErrInvalidArgument, i, n.Name, FormatObjectID(n.ID))
		}
		ids[n.ID] = true
		if len(n.Shards) == 0 {
			return nil, fmt.Errorf("%w: node %d (%q) holds no shard", chain.ErrInvalidArgument, i, n.Name)
		}
		for _, s := range n.Shards {
			if int(s) >= nShards {
				return nil, fmt.Errorf("%w: node %d (%q) holds shard %d of %d", chain.ErrInvalidArgument, i, n.Name, s, nShards)
			}
			if owner[s] >= 0 {
				return nil, fmt.Errorf("%w: shard %d belongs to nodes %d and %d", chain.ErrInvalidArgument, s, owner[s], i)
			}
			owner[s] = i
		}
		if !sigs.skip {
			if err := verifyPossession(r, popEpoch); err != nil {
				return nil, fmt.Errorf("%w: node %d: %w", chain.ErrInvalidArgument, i, err)
			}
		}
		n.Shards = slices.Clone(n.Shards)
		slices.Sort(n.Shards)
		n.NetworkPublicKey = slices.Clone(n.NetworkPublicKey)
		members[i] = n
	}
	for s, o := range owner {
		if o < 0 {
			return nil, fmt.Errorf("%w: shard %d belongs to no node", chain.ErrInvalidArgument, s)
		}
	}
	return members, nil
}

// cloneCommittee returns a deep copy, so that callers cannot change the
// ledger's committee through the one they get.
func cloneCommittee(c *chain.Committee) chain.Committee {
	out := *c
	out.Members = slices.Clone(c.Members)
	for i := range out.Members {
		out.Members[i].Shards = slices.Clone(out.Members[i].Shards)
		out.Members[i].NetworkPublicKey = slices.Clone(out.Members[i].NetworkPublicKey)
	}
	return out
}
