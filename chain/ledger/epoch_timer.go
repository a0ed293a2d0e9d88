package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// errNotDue stops an automatic epoch change that a manual one overtook.
var errNotDue = errors.New("epoch change not due yet")

// runEpochTimer advances the epoch once d has passed since the last change,
// one epoch at a time: after downtime the first change comes at once and
// the next a full d later, as Sui's initiate_epoch_change behaves.
func (l *Ledger) runEpochTimer(d time.Duration) {
	defer l.bg.Done()
	for {
		l.mu.RLock()
		due := l.st.epochStarted.Add(d)
		l.mu.RUnlock()
		if wait := due.Sub(l.now()); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-l.done:
				t.Stop()
				return
			case <-t.C:
			}
			continue // a manual change may have moved the due time
		}
		res, err := l.submit(context.Background(), &record{Epoch: &epochTx{}}, func(s *state) error {
			if l.now().Before(s.epochStarted.Add(d)) {
				return errNotDue
			}
			return nil
		})
		switch {
		case err == nil:
			l.log.Info("epoch changed", "epoch", res.committee.Epoch, "members", len(res.committee.Members), "by", "timer")
		case errors.Is(err, errNotDue):
		case errors.Is(err, ErrClosed):
			return
		default:
			l.log.Error("automatic epoch change", "err", fmt.Errorf("ledger %s: %w", l.dir, err))
			select {
			case <-l.done:
				return
			case <-time.After(min(d, time.Second)):
			}
		}
	}
}
