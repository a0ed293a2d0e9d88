package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// errNotDue stops an automatic step that a manual one overtook.
var errNotDue = errors.New("epoch step not due yet")

// syncPoll is how often the timer looks again while an epoch is syncing:
// the nodes' reports, not the clock, end that phase.
const syncPoll = 200 * time.Millisecond

// runEpochTimer drives the epochs with period d. With staking it takes
// Walrus's steps: the election half an epoch after the last change was
// done, the change a full epoch after it; while the change syncs, the
// nodes' reports move it on. Ledgers from before staking change once d has
// passed since the last change. After downtime the overdue step comes at
// once and the next a full period later, as Sui's calls behave.
func (l *Ledger) runEpochTimer(d time.Duration) {
	defer l.bg.Done()
	var warned time.Time
	for {
		l.mu.RLock()
		due, rec, guard := l.st.nextEpochStep(d, l.now)
		stalled := l.st.syncStalled(l.now(), d)
		l.mu.RUnlock()
		if stalled != "" && l.now().Sub(warned) >= d {
			// A change that waits longer than an epoch: nodes down or
			// unable to fill their shards.
			l.log.Warn("epoch change waiting for the nodes' sync reports", "status", stalled)
			warned = l.now()
		}
		if wait := due.Sub(l.now()); rec == nil || wait > 0 {
			if rec == nil {
				wait = min(syncPoll, d)
			}
			t := time.NewTimer(wait)
			select {
			case <-l.done:
				t.Stop()
				return
			case <-t.C:
			}
			continue // a manual step may have moved the due time
		}
		res, err := l.submit(context.Background(), rec, guard)
		switch {
		case err == nil && rec.Voting != nil:
			l.log.Info("next committee elected", "epoch", l.Epoch()+1)
		case err == nil:
			l.log.Info("epoch changed", "epoch", res.committee.Epoch, "members", len(res.committee.Members), "by", "timer")
		case errors.Is(err, errNotDue):
		case errors.Is(err, ErrClosed):
			return
		default:
			l.log.Error("automatic epoch step", "err", fmt.Errorf("ledger %s: %w", l.dir, err))
			select {
			case <-l.done:
				return
			case <-time.After(min(d, time.Second)):
			}
		}
	}
}

// nextEpochStep returns the next automatic step and when it is due, with a
// guard that refuses it if the state moved on meanwhile; no record means
// the nodes' reports are awaited.
func (s *state) nextEpochStep(d time.Duration, now func() time.Time) (time.Time, *record, func(*state) error) {
	if s.staking == nil {
		due := s.epochStarted.Add(d)
		return due, &record{Epoch: &epochTx{}}, func(s *state) error {
			if now().Before(s.epochStarted.Add(d)) {
				return errNotDue
			}
			return nil
		}
	}
	st := s.staking
	var due time.Time
	var rec *record
	switch st.phase {
	case phaseSync:
		return time.Time{}, nil, nil
	case phaseDone:
		due, rec = st.phaseAt.Add(d/2), &record{Voting: &votingTx{}}
	case phaseSelected:
		due, rec = st.phaseAt.Add(d), &record{Epoch: &epochTx{}}
	}
	phase, epoch := st.phase, s.epoch
	return due, rec, func(s *state) error {
		if s.staking.phase != phase || s.epoch != epoch || now().Before(due) {
			return errNotDue
		}
		return nil
	}
}

// syncStalled describes an epoch change that has been syncing for longer
// than d, or returns "".
func (s *state) syncStalled(now time.Time, d time.Duration) string {
	if s.staking == nil || s.staking.phase != phaseSync || now.Sub(s.epochStarted) < d {
		return ""
	}
	need := (2*s.nShards)/3 + 1
	return fmt.Sprintf("epoch %d started %v ago; members holding %d of %d shards reported, %d needed",
		s.epoch, now.Sub(s.epochStarted).Round(time.Second), s.staking.syncWeight, s.nShards, need)
}
