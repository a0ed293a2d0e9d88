package ledger_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
)

type eventsResult struct {
	evs []chain.Event
	err error
}

func waitEvents(c chain.Chain, ctx context.Context, from chain.Cursor) <-chan eventsResult {
	ch := make(chan eventsResult, 1)
	go func() {
		evs, err := c.Events(ctx, from, 10)
		ch <- eventsResult{evs, err}
	}()
	return ch
}

// TestEventsLongPoll shows a consumer at the end of the stream waiting, not
// spinning, and waking as soon as a transaction emits an event.
func TestEventsLongPoll(t *testing.T) {
	transports(t, func(t *testing.T, h *harness) {
		from := h.l.NextCursor()
		got := waitEvents(h.as(bob), testContext(t), from)
		select {
		case r := <-got:
			t.Fatalf("Events returned before any event: %+v", r)
		case <-time.After(100 * time.Millisecond):
		}
		start := time.Now()
		blob := h.store(t, h.as(alice), 10, "wake", 1, false)
		select {
		case r := <-got:
			if r.err != nil || len(r.evs) != 1 || r.evs[0].Cursor != from || r.evs[0].ObjectID != blob.ID {
				t.Fatalf("woke with %+v", r)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("woke %v after the event", d)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Events did not wake on a new event")
		}
	})
}

// TestEventsDeadline: a poll that meets its deadline returns nothing and no
// error, in time; a context already done is an error.
func TestEventsDeadline(t *testing.T) {
	transports(t, func(t *testing.T, h *harness) {
		c := h.as(alice)
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		evs, err := c.Events(ctx, h.l.NextCursor(), 10)
		if d := time.Since(start); err != nil || evs != nil || d < 200*time.Millisecond || d > 2*time.Second {
			t.Fatalf("poll with a 300ms deadline: %v, %v after %v", evs, err, d)
		}
		if _, err := c.Events(ctx, 0, 10); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("poll with an expired context: %v", err)
		}
		done, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := c.Events(done, 0, 10); !errors.Is(err, context.Canceled) {
			t.Fatalf("poll with a cancelled context: %v", err)
		}
		cancelled, cancel := context.WithCancel(t.Context())
		got := waitEvents(c, cancelled, h.l.NextCursor())
		time.AfterFunc(50*time.Millisecond, cancel)
		if r := <-got; !errors.Is(r.err, context.Canceled) {
			t.Fatalf("poll cancelled while waiting: %+v", r)
		}
	})
}

// TestEventsCursors covers limits and cursors that cannot be.
func TestEventsCursors(t *testing.T) {
	transports(t, func(t *testing.T, h *harness) {
		h.advance(t, 3) // 6 events
		c := h.as(alice)
		ctx := testContext(t)
		if evs, err := c.Events(ctx, 1, 2); err != nil || len(evs) != 2 || evs[0].Cursor != 1 || evs[1].Cursor != 2 {
			t.Fatalf("limit 2 from 1: %+v, %v", evs, err)
		}
		if evs, err := c.Events(ctx, 0, 0); err != nil || len(evs) != 6 {
			t.Fatalf("default limit: %d events, %v", len(evs), err)
		}
		if evs, err := c.Events(ctx, 4, 100); err != nil || len(evs) != 2 {
			t.Fatalf("tail: %+v, %v", evs, err)
		}
		if _, err := c.Events(ctx, 7, 1); !errors.Is(err, chain.ErrInvalidArgument) {
			t.Fatalf("cursor past the end: %v", err)
		}
	})
}

// TestEventsClose: closing the ledger ends waiting polls with ErrClosed.
func TestEventsClose(t *testing.T) {
	transports(t, func(t *testing.T, h *harness) {
		got := waitEvents(h.as(alice), testContext(t), h.l.NextCursor())
		time.AfterFunc(50*time.Millisecond, func() { h.l.Close() })
		select {
		case r := <-got:
			if !errors.Is(r.err, ledger.ErrClosed) {
				t.Fatalf("poll when the ledger closed: %+v", r)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Close did not end the poll")
		}
	})
}
