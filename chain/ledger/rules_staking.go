package ledger

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/protocol/bls"
	"github.com/walrusfs/walrusfs/protocol/messages"
)

// DefaultStakePerShard is the stake a genesis node gets per shard when its
// registration names none: stakes in proportion to the genesis shards, so
// that the first election keeps the genesis committee.
const DefaultStakePerShard = 1_000_000_000 // 1 WAL in FROST

// epochPhase is Walrus's EpochState.
type epochPhase uint8

const (
	// phaseDone: the epoch change completed at phaseAt.
	phaseDone epochPhase = iota
	// phaseSelected: the next committee is chosen; the change that
	// completed at phaseAt is still the last.
	phaseSelected
	// phaseSync: the committee changed and its members are taking over
	// their shards.
	phaseSync
)

func (p epochPhase) String() string {
	switch p {
	case phaseDone:
		return "EpochChangeDone"
	case phaseSelected:
		return "NextParamsSelected"
	}
	return "EpochChangeSync"
}

// staking is the staking side of the state: the nodes that may be elected
// (pools), the active set with each one's stake, and where the epoch stands
// in Walrus's epoch state machine. Epochs change in three steps: half an
// epoch after the last change completed the next committee is elected from
// stake (EpochParametersSelected); a full epoch after it, the committee
// rotates (EpochChangeStart) and the epoch is syncing; once members holding
// a quorum of shards have reported their new shards synced, the change is
// done (EpochChangeDone).
type staking struct {
	pools      map[chain.ObjectID]*pool
	active     []activeEntry
	phase      epochPhase
	phaseAt    time.Time // Done and Selected: when the last change completed
	syncWeight int       // Sync: shards of the members that reported
	synced     map[chain.ObjectID]bool
	previous   *chain.Committee // the committee before the last change
	next       []chain.Node     // Selected: the elected committee
}

// pool is a registered storage node, elected or not.
type pool struct {
	node  chain.Node // without shards
	stake uint64
}

func newStaking() *staking {
	return &staking{pools: map[chain.ObjectID]*pool{}, synced: map[chain.ObjectID]bool{}}
}

// stakeTx sets a node's stake for the next election, registering the node
// first when Register is set; stake 0 takes it out of the active set (it
// leaves the committee at the next election). This is the administrator's
// call, standing in for Walrus's staking with WAL.
type stakeTx struct {
	Node     id32        `json:"node"`
	Stake    uint64      `json:"stake"`
	Register *nodeRecord `json:"register,omitempty"`
}

// votingTx elects the next committee (voting_end).
type votingTx struct{}

// syncDoneTx is a member's signed report that it holds its shards of the
// epoch (epoch_sync_done).
type syncDoneTx struct {
	Node      id32   `json:"node"`
	Epoch     uint32 `json:"epoch"`
	Signature []byte `json:"signature"`
}

// initStaking registers the genesis committee's nodes with their stake.
func (s *state) initStaking(regs []NodeRegistration, members []chain.Node, at time.Time) {
	s.staking = newStaking()
	for i, m := range members {
		stake := regs[i].Stake
		if stake == 0 {
			stake = uint64(len(m.Shards)) * DefaultStakePerShard
		}
		s.staking.addPool(m, stake)
	}
	s.staking.phaseAt = at
}

func (st *staking) addPool(n chain.Node, stake uint64) {
	n.Shards = nil
	st.pools[n.ID] = &pool{node: n, stake: stake}
	st.active = setActive(st.active, n.ID, stake)
}

func (st *staking) totalStake() uint64 {
	var total uint64
	for _, e := range st.active {
		total += e.stake
	}
	return total
}

func (s *state) prepareStake(t *txn, sigs sigPolicy) (commitFunc, error) {
	if s.staking == nil {
		return nil, fmt.Errorf("%w: this ledger predates staking", chain.ErrUnsupported)
	}
	in := t.rec.Stake
	id := chain.ObjectID(in.Node)
	var node *chain.Node
	if in.Register != nil {
		regs, err := registrations([]nodeRecord{*in.Register})
		if err != nil {
			return nil, err
		}
		r := regs[0]
		if r.Node.ID == (chain.ObjectID{}) {
			r.Node.ID = nodeID(r.Node.PublicKey)
		}
		if r.Node.ID != id {
			return nil, fmt.Errorf("%w: registration of node %s under ID %s", chain.ErrInvalidArgument, FormatObjectID(r.Node.ID), FormatObjectID(id))
		}
		if _, ok := s.staking.pools[id]; ok {
			return nil, fmt.Errorf("%w: node %s is registered already", chain.ErrInvalidArgument, FormatObjectID(id))
		}
		if _, err := bls.ParsePublicKey(r.Node.PublicKey[:]); err != nil {
			return nil, fmt.Errorf("%w: node %q: %w", chain.ErrInvalidArgument, r.Node.Name, err)
		}
		for _, p := range s.staking.pools {
			if p.node.PublicKey == r.Node.PublicKey {
				return nil, fmt.Errorf("%w: node %q repeats the public key of node %q", chain.ErrInvalidArgument, r.Node.Name, p.node.Name)
			}
		}
		if !sigs.skip {
			if err := verifyPossession(r, s.epoch); err != nil {
				return nil, fmt.Errorf("%w: %w", chain.ErrInvalidArgument, err)
			}
		}
		node = &r.Node
	} else if _, ok := s.staking.pools[id]; !ok {
		return nil, fmt.Errorf("%w: no registered node %s", chain.ErrNotFound, FormatObjectID(id))
	}
	var others uint64
	for _, e := range s.staking.active {
		if e.id != id {
			others += e.stake
		}
	}
	if in.Stake > math.MaxUint64-others {
		return nil, fmt.Errorf("%w: stake %d would overflow the total", chain.ErrInvalidArgument, in.Stake)
	}
	return func() result {
		if node != nil {
			s.staking.addPool(*node, in.Stake)
		} else {
			s.staking.pools[id].stake = in.Stake
			s.staking.active = setActive(s.staking.active, id, in.Stake)
		}
		s.bumpStaking()
		return result{}
	}, nil
}

// elect computes the next committee from the active set's stake.
func (s *state) elect() ([]chain.Node, error) {
	st := s.staking
	stake := make([]uint64, len(st.active))
	for i, e := range st.active {
		stake[i] = e.stake
	}
	if st.totalStake() == 0 {
		return nil, fmt.Errorf("%w: no stake to elect a committee from", chain.ErrInvalidArgument)
	}
	counts := dhondt(uint64(s.nShards), stake)
	next := make([]shardCount, 0, len(counts))
	for i, c := range counts {
		if c > 0 {
			next = append(next, shardCount{st.active[i].id, int(c)})
		}
	}
	members := transition(s.committee.Members, next)
	for i, m := range members {
		n := st.pools[m.ID].node
		n.Shards = m.Shards
		slices.Sort(n.Shards)
		members[i] = n
	}
	return members, nil
}

func (s *state) prepareVoting(t *txn) (commitFunc, error) {
	if s.staking == nil {
		return nil, fmt.Errorf("%w: this ledger predates staking", chain.ErrUnsupported)
	}
	if s.staking.phase != phaseDone {
		return nil, fmt.Errorf("%w: the next committee cannot be elected during %s", chain.ErrInvalidArgument, s.staking.phase)
	}
	next, err := s.elect()
	if err != nil {
		return nil, err
	}
	return func() result {
		s.staking.next = next
		s.staking.phase = phaseSelected
		s.emit(t, chain.Event{Kind: chain.EventEpochParametersSelected, Epoch: s.epoch + 1})
		s.bumpStaking()
		return result{}
	}, nil
}

func (s *state) prepareSyncDone(t *txn, sigs sigPolicy) (commitFunc, error) {
	if s.staking == nil {
		return nil, fmt.Errorf("%w: this ledger predates staking", chain.ErrUnsupported)
	}
	in := t.rec.SyncDone
	id := chain.ObjectID(in.Node)
	if in.Epoch != s.epoch {
		return nil, fmt.Errorf("%w: sync reported for epoch %d in epoch %d", chain.ErrInvalidArgument, in.Epoch, s.epoch)
	}
	member := -1
	for i, m := range s.committee.Members {
		if m.ID == id {
			member = i
		}
	}
	if member < 0 {
		return nil, fmt.Errorf("%w: node %s is not in the committee of epoch %d", chain.ErrInvalidArgument, FormatObjectID(id), s.epoch)
	}
	if s.staking.synced[id] {
		return nil, fmt.Errorf("%w: node %s reported its sync for epoch %d already", chain.ErrSyncReported, FormatObjectID(id), s.epoch)
	}
	if !sigs.skip {
		var sig bls.Signature
		if len(in.Signature) != len(sig) {
			return nil, fmt.Errorf("%w: signature of %d bytes", chain.ErrInvalidArgument, len(in.Signature))
		}
		copy(sig[:], in.Signature)
		msg := messages.EpochSyncDone{Epoch: in.Epoch, NodeID: id}
		if err := s.committee.Members[member].PublicKey.Verify(msg.Marshal(), sig); err != nil {
			return nil, fmt.Errorf("%w: sync report of node %s: %w", chain.ErrInvalidArgument, FormatObjectID(id), err)
		}
	}
	weight := s.committee.Weight(member)
	return func() result {
		st := s.staking
		st.synced[id] = true
		if st.phase == phaseSync {
			st.syncWeight += weight
			if s.committee.IsQuorum(st.syncWeight) {
				st.phase, st.phaseAt = phaseDone, time.UnixMilli(t.rec.Time)
				s.emit(t, chain.Event{Kind: chain.EventEpochChangeDone, Epoch: s.epoch})
			}
		}
		s.bumpStaking()
		return result{}
	}, nil
}

// rotate starts the epoch change to members: the committee of the epoch
// that begins; the old one stays readable as the previous committee until
// the change is done.
func (s *state) rotate(t *txn, members []chain.Node) {
	st := s.staking
	prev := cloneCommittee(s.committee)
	st.previous = &prev
	st.next = nil
	st.phase, st.syncWeight = phaseSync, 0
	clear(st.synced)
	s.epoch++
	s.epochStarted = time.UnixMilli(t.rec.Time)
	s.setCommittee(members)
	s.emit(t, chain.Event{Kind: chain.EventEpochChangeStart, Epoch: s.epoch})
	s.bumpStaking()
}

// forceCommittee makes the administrator's committee the elected one: its
// nodes are registered if new, and the active set becomes exactly them,
// staked in proportion to their shards, so that later elections keep it.
func (s *state) forceCommittee(members []chain.Node) {
	st := s.staking
	st.active = st.active[:0]
	for _, m := range members {
		stake := uint64(len(m.Shards)) * DefaultStakePerShard
		if p, ok := st.pools[m.ID]; ok {
			p.node = m
			p.node.Shards = nil
			p.stake = stake
			st.active = setActive(st.active, m.ID, stake)
		} else {
			st.addPool(m, stake)
		}
	}
	for id, p := range st.pools {
		if !slices.ContainsFunc(members, func(m chain.Node) bool { return m.ID == id }) {
			p.stake = 0
		}
	}
}

// bumpStaking gives the Sui face's System and Staking objects a new version.
func (s *state) bumpStaking() {
	s.sui.systemVersion, s.sui.stakingVersion = s.lamport(), s.lamport()
}

// committeeView is the committee as readers get it: with the previous
// one while shards are moving.
func (s *state) committeeView() chain.Committee {
	c := cloneCommittee(s.committee)
	if s.staking != nil && s.staking.phase == phaseSync && s.staking.previous != nil {
		prev := cloneCommittee(s.staking.previous)
		c.Syncing, c.Previous = true, &prev
	}
	return c
}
