package ledger_test

import (
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/chain/ledger"
	"github.com/walrusfs/walrusfs/chain/ledger/ledgertest"
)

// TestAutomaticEpochs: with an epoch duration the ledger advances epochs by
// itself, through Walrus's steps (election, change, sync until the nodes
// report), keeps counting across a restart, and a manual change resets the
// timer rather than adding a change.
func TestAutomaticEpochs(t *testing.T) {
	com := ledgertest.NewCommittee(t, 4, 4)
	g := com.Genesis()
	g.EpochDuration = 150 * time.Millisecond
	l, dir := ledgertest.Open(t, g, ledger.Options{})
	c := l.As(alice)

	// Without the nodes' reports the first change never completes.
	start, _ := ledgertest.WaitEvent(t, c, 0, chain.EventEpochChangeStart, 5*time.Second)
	time.Sleep(3 * g.EpochDuration)
	if cur, err := c.Committee(testContext(t)); err != nil || !cur.Syncing || cur.Epoch != 1 || cur.Previous == nil || cur.Previous.Epoch != 0 {
		t.Fatalf("unreported change: %+v, %v", cur, err)
	}
	if evs, _ := c.Events(testContext(t), 0, 100); len(evs) != 2 || evs[0].Kind != chain.EventEpochParametersSelected || evs[1] != start {
		t.Fatalf("events before any report: %+v", evs)
	}
	com.FollowEpochs(t, c)
	e1, next := ledgertest.WaitEvent(t, c, 0, chain.EventEpochChangeDone, 5*time.Second)
	e2, _ := ledgertest.WaitEvent(t, c, next, chain.EventEpochChangeDone, 5*time.Second)
	if e1.Epoch != 1 || e2.Epoch != 2 {
		t.Fatalf("epochs %d then %d", e1.Epoch, e2.Epoch)
	}
	l.Close()
	l, err := ledger.Open(dir, ledger.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	com.FollowEpochs(t, l.As(alice))
	if l.Epoch() < 2 {
		t.Fatalf("epoch %d after restart", l.Epoch())
	}
	e3, _ := ledgertest.WaitEvent(t, l.As(alice), l.NextCursor(), chain.EventEpochChangeDone, 5*time.Second)
	if e3.Epoch < 3 {
		t.Fatalf("epoch %d after restart", e3.Epoch)
	}

	// A manual change moves the next automatic one a full duration later.
	if _, err := l.AdvanceEpoch(testContext(t), nil); err != nil {
		t.Fatal(err)
	}
	at := time.Now()
	manual := l.Epoch()
	ledgertest.WaitEvent(t, l.As(alice), l.NextCursor(), chain.EventEpochChangeStart, 5*time.Second)
	if d := time.Since(at); d < 100*time.Millisecond || l.Epoch() != manual+1 {
		t.Fatalf("automatic change %v after a manual one, epoch %d after %d", d, l.Epoch(), manual)
	}
}
