package ledger

import (
	"fmt"
	"math"
	"time"

	"github.com/walrusfs/walrusfs/chain"
)

// prepareGenesis sets the parameters and the committee of epoch 0.
func (s *state) prepareGenesis(t *txn, sigs sigPolicy) (commitFunc, error) {
	g := t.rec.Genesis
	if g.EpochDuration < 0 {
		return nil, fmt.Errorf("%w: negative epoch duration %v", chain.ErrInvalidArgument, g.EpochDuration)
	}
	if g.MaxEpochsAhead == 0 {
		return nil, fmt.Errorf("%w: max epochs ahead is 0", chain.ErrInvalidArgument)
	}
	regs, err := registrations(g.Nodes)
	if err != nil {
		return nil, fmt.Errorf("genesis committee: %w", err)
	}
	members, err := newCommittee(g.NShards, regs, 0, sigs)
	if err != nil {
		return nil, fmt.Errorf("genesis committee: %w", err)
	}
	return func() result {
		s.chainID = g.ChainID
		s.nShards = g.NShards
		s.maxEpochsAhead = g.MaxEpochsAhead
		s.epochDuration = g.EpochDuration
		s.epoch = 0
		s.epochStarted = time.UnixMilli(t.rec.Time)
		s.setCommittee(members)
		s.initSui(t, g.Sui)
		if g.Staking {
			s.initStaking(regs, members, s.epochStarted)
		}
		return result{committee: cloneCommittee(s.committee)}
	}, nil
}

// prepareEpoch starts the next epoch. With staking, its committee is the
// elected one (elected now if the election has not run yet), or the one
// the record names, which the administrator imposes; the epoch then syncs
// until a quorum reports its shards. Ledgers from before staking change
// in one step, to the named committee or the same one.
func (s *state) prepareEpoch(t *txn, sigs sigPolicy) (commitFunc, error) {
	if s.epoch == math.MaxUint32 {
		return nil, fmt.Errorf("%w: epoch %d is the last", chain.ErrInvalidArgument, s.epoch)
	}
	members := s.committee.Members
	named := t.rec.Epoch.Nodes != nil
	if named {
		regs, err := registrations(t.rec.Epoch.Nodes)
		if err == nil {
			members, err = newCommittee(s.nShards, regs, s.epoch, sigs)
		}
		if err != nil {
			return nil, fmt.Errorf("committee of epoch %d: %w", s.epoch+1, err)
		}
	} else if s.staking != nil {
		if s.staking.next != nil {
			members = s.staking.next
		} else {
			next, err := s.elect()
			if err != nil {
				return nil, fmt.Errorf("committee of epoch %d: %w", s.epoch+1, err)
			}
			members = next
		}
	}
	if s.staking != nil {
		return func() result {
			if named {
				s.forceCommittee(members)
			}
			s.rotate(t, members)
			return result{committee: s.committeeView()}
		}, nil
	}
	return func() result {
		s.epoch++
		s.epochStarted = time.UnixMilli(t.rec.Time)
		s.setCommittee(members)
		s.emit(t, chain.Event{Kind: chain.EventEpochChangeStart, Epoch: s.epoch})
		s.emit(t, chain.Event{Kind: chain.EventEpochChangeDone, Epoch: s.epoch})
		s.sui.systemVersion, s.sui.stakingVersion = s.lamport(), s.lamport()
		return result{committee: cloneCommittee(s.committee)}
	}, nil
}
