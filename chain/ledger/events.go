package ledger

import (
	"context"
	"fmt"
	"time"

	"github.com/walrusfs/walrusfs/chain"
)

// Limits of one Events call.
const (
	// DefaultEventLimit is the limit used when a caller passes 0 or less.
	DefaultEventLimit = 100
	// MaxEventLimit caps the limit a caller passes.
	MaxEventLimit = 1000
)

// waitEvents returns up to limit events from cursor from on. When there are
// none yet it waits until one is appended, the context ends (its error is
// returned) or wait passes (no events and no error); wait < 0 waits for the
// context alone. A cursor past the end of the stream is an error: it cannot
// come from this ledger.
func (l *Ledger) waitEvents(ctx context.Context, from chain.Cursor, limit int, wait time.Duration) ([]chain.Event, error) {
	if limit <= 0 {
		limit = DefaultEventLimit
	}
	limit = min(limit, MaxEventLimit)
	var timeout <-chan time.Time
	if wait >= 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	for {
		l.mu.RLock()
		if l.closed {
			l.mu.RUnlock()
			return nil, ErrClosed
		}
		n := chain.Cursor(len(l.st.events))
		if from > n {
			l.mu.RUnlock()
			return nil, fmt.Errorf("%w: cursor %d is past the end of the stream (%d events)", chain.ErrInvalidArgument, from, n)
		}
		if from < n {
			end := min(n, from+chain.Cursor(limit))
			out := append([]chain.Event(nil), l.st.events[from:end]...)
			l.mu.RUnlock()
			return out, nil
		}
		wake := l.wake
		l.mu.RUnlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timeout:
			return nil, nil
		case <-l.done:
			return nil, ErrClosed
		}
	}
}
