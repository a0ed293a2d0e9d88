package ledger

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/protocol/bls"
)

// Ledger is an open embedded ledger. It is safe for concurrent use; its
// transactions are applied one at a time, each written and fsynced before
// its effects are visible.
type Ledger struct {
	dir     string
	log     *slog.Logger
	now     func() time.Time
	metrics *metrics

	// Lock order: mu only. Transactions hold it for writing while their
	// record is fsynced; reads hold it for reading. Certificates are checked
	// against a committee snapshot before it is taken.
	mu     sync.RWMutex
	st     *state
	wal    *wal
	wake   chan struct{} // closed and replaced when events are appended
	failed error         // set when the log's content became unknown
	closed bool

	done      chan struct{} // closed by Close; ends waits and the epoch timer
	bg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// Create makes a new ledger in dir (created if missing) from g and opens it.
// Every rule of the genesis is checked, proofs of possession included,
// before anything is written; the log appears atomically.
func Create(dir string, g Genesis, opts Options) (*Ledger, error) {
	opts = opts.withDefaults()
	if g.MaxEpochsAhead == 0 {
		g.MaxEpochsAhead = DefaultMaxEpochsAhead
	}
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, fmt.Errorf("create ledger: %w", err)
	}
	rec := &record{Time: opts.Now().UnixMilli(), Genesis: &genesisTx{
		ChainID:        hex.EncodeToString(nonce[:]),
		NShards:        g.NShards,
		EpochDuration:  g.EpochDuration,
		MaxEpochsAhead: g.MaxEpochsAhead,
		Nodes:          toNodeRecords(g.Nodes),
		Sui:            toSuiGenesisRecord(g.Sui),
		Staking:        true,
	}}
	payload, err := seal(rec, "")
	if err != nil {
		return nil, fmt.Errorf("create ledger: %w", err)
	}
	if _, err := newState().prepare(newTxn(rec), sigPolicy{}); err != nil {
		return nil, fmt.Errorf("create ledger: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create ledger: %w", err)
	}
	if err := createLog(dir, payload); err != nil {
		return nil, err
	}
	return Open(dir, opts)
}

// Open opens the ledger in dir, replaying its log. A record torn by a crash
// at the end of the log is dropped (it was never acknowledged) and logged as
// a warning; other damage fails with ErrCorrupt.
func Open(dir string, opts Options) (*Ledger, error) {
	opts = opts.withDefaults()
	st := newState()
	start := time.Now()
	w, torn, err := openLog(dir, func(payload []byte) error {
		var rec record
		if err := json.Unmarshal(payload, &rec); err != nil {
			return err
		}
		commit, err := st.prepare(newTxn(&rec), sigPolicy{skip: true})
		if err != nil {
			return fmt.Errorf("replay %s %s: %w", rec.kind(), rec.Digest, err)
		}
		commit()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	if st.seq == 0 {
		w.close()
		return nil, fmt.Errorf("open ledger: %w: %s holds no genesis", ErrCorrupt, dir)
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		w.close()
		return nil, fmt.Errorf("open ledger: %w", err)
	}
	l := &Ledger{
		dir:     dir,
		log:     opts.Logger.With("ledger", dir),
		now:     opts.Now,
		metrics: m,
		st:      st,
		wal:     w,
		wake:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	if torn != nil {
		l.log.Warn("dropped torn record at end of log", "offset", torn.offset, "bytes", torn.dropped, "reason", torn.reason)
	}
	l.log.Info("ledger open", "chain", st.chainID, "transactions", st.seq, "epoch", st.epoch,
		"events", len(st.events), "replay", time.Since(start))
	l.updateGauges()
	if st.epochDuration > 0 {
		l.bg.Add(1)
		go l.runEpochTimer(st.epochDuration)
	}
	return l, nil
}

// Close stops the epoch timer, ends pending event waits with ErrClosed and
// closes the log. Every transaction that returned is already on disk.
func (l *Ledger) Close() error {
	l.closeOnce.Do(func() {
		l.mu.Lock()
		l.closed = true
		close(l.done)
		l.mu.Unlock()
		l.bg.Wait()
		l.mu.Lock()
		l.closeErr = l.wal.close()
		l.mu.Unlock()
		l.metrics.unregister()
		l.log.Info("ledger closed")
	})
	return l.closeErr
}

// As returns a client of the ledger whose transactions are sent by sender.
func (l *Ledger) As(sender chain.Address) *Account { return &Account{l: l, sender: sender} }

// ChainID returns the random ID the ledger got at genesis, which tells
// ledgers apart (a consumer's stored cursor is only good for one).
func (l *Ledger) ChainID() string {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.st.chainID
}

// Epoch returns the current epoch.
func (l *Ledger) Epoch() chain.Epoch {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.st.epoch
}

// AdvanceEpoch starts the next epoch, emitting EpochChangeStart and
// EpochChangeDone, and returns its committee. With next nil the committee
// stays; otherwise next is the new one, with proofs of possession for the
// current epoch. This is the administrator's call; it has no sender.
func (l *Ledger) AdvanceEpoch(ctx context.Context, next []NodeRegistration) (chain.Committee, error) {
	res, err := l.submit(ctx, &record{Epoch: &epochTx{Nodes: toNodeRecords(next)}}, nil)
	if err != nil {
		return chain.Committee{}, err
	}
	l.log.Info("epoch changed", "epoch", res.committee.Epoch, "members", len(res.committee.Members), "by", "admin")
	return res.committee, nil
}

// SetStake sets a storage node's stake for the next election; stake 0
// takes it out of the active set, so that it leaves the committee at the
// next epoch change. A node not registered yet needs reg, with a proof of
// possession for the current epoch. This is the administrator's call,
// standing in for staking WAL with the node's pool.
func (l *Ledger) SetStake(ctx context.Context, node chain.ObjectID, stake uint64, reg *NodeRegistration) error {
	tx := &stakeTx{Node: id32(node), Stake: stake}
	if reg != nil {
		tx.Register = &toNodeRecords([]NodeRegistration{*reg})[0]
	}
	if _, err := l.submit(ctx, &record{Stake: tx}, nil); err != nil {
		return fmt.Errorf("set stake of node %s: %w", FormatObjectID(node), err)
	}
	l.log.Info("stake set", "node", FormatObjectID(node), "stake", stake, "registered", reg != nil)
	return nil
}

// ReportEpochSync records a member's signed report that it holds its
// shards of epoch; see chain.EpochSyncReporter.
func (l *Ledger) ReportEpochSync(ctx context.Context, epoch chain.Epoch, node chain.ObjectID, sig bls.Signature) error {
	_, err := l.submit(ctx, &record{SyncDone: &syncDoneTx{Node: id32(node), Epoch: epoch, Signature: sig[:]}}, nil)
	if err != nil {
		return fmt.Errorf("report sync of node %s for epoch %d: %w", FormatObjectID(node), epoch, err)
	}
	return nil
}

// seal sets a record's digest from the previous one and returns the bytes
// to log.
func seal(rec *record, prev string) ([]byte, error) {
	rec.Digest = ""
	body, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("encode record: %w", err)
	}
	rec.Digest = txDigest(prev, body)
	payload, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("encode record: %w", err)
	}
	return payload, nil
}

// submit runs one transaction: the rules, then the record to disk, then its
// effects. guard, when set, runs first under the lock and may refuse.
func (l *Ledger) submit(ctx context.Context, rec *record, guard func(*state) error) (result, error) {
	kind := rec.kind()
	res, err := l.submitLocked(ctx, rec, guard)
	l.metrics.transactions.WithLabelValues(kind, outcome(err)).Inc()
	if err != nil {
		err = fmt.Errorf("%s: %w", kind, err)
		l.log.Debug("transaction rejected", "kind", kind, "sender", rec.Sender, "err", err)
		return result{}, err
	}
	l.log.Debug("transaction", "kind", kind, "sender", rec.Sender, "digest", rec.Digest, "seq", rec.Seq)
	return res, nil
}

func (l *Ledger) submitLocked(ctx context.Context, rec *record, guard func(*state) error) (result, error) {
	if err := ctx.Err(); err != nil {
		return result{}, err
	}
	var pre *preverified
	if c := rec.certificate(); c != nil {
		l.mu.RLock()
		epoch, keys := l.st.epoch, l.st.keys
		l.mu.RUnlock()
		pre = preverify(epoch, keys, *c)
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		return result{}, ErrClosed
	case l.failed != nil:
		return result{}, fmt.Errorf("%w: %w", ErrFailed, l.failed)
	}
	if err := ctx.Err(); err != nil {
		return result{}, err
	}
	if guard != nil {
		if err := guard(l.st); err != nil {
			return result{}, err
		}
	}
	rec.Seq = l.st.seq
	rec.Time = l.now().UnixMilli()
	payload, err := seal(rec, l.st.lastDigest)
	if err != nil {
		return result{}, err
	}
	commit, err := l.st.prepare(newTxn(rec), sigPolicy{pre: pre})
	if err != nil {
		return result{}, err
	}
	start := time.Now()
	if err := l.wal.append(payload); err != nil {
		if errors.Is(err, errWriteUndone) {
			return result{}, err
		}
		l.failed = err
		l.log.Error("ledger log failed; no more transactions until reopened", "err", err)
		return result{}, fmt.Errorf("%w: %w", ErrFailed, err)
	}
	l.metrics.appendSeconds.Observe(time.Since(start).Seconds())
	events := len(l.st.events)
	res := commit()
	if len(l.st.events) > events {
		close(l.wake)
		l.wake = make(chan struct{})
	}
	l.updateGauges()
	return res, nil
}

// updateGauges sets the gauges from the state; mu must be held.
func (l *Ledger) updateGauges() {
	l.metrics.epoch.Set(float64(l.st.epoch))
	l.metrics.events.Set(float64(len(l.st.events)))
	l.metrics.logBytes.Set(float64(l.wal.size))
}

// read runs f on the state under the read lock.
func (l *Ledger) read(ctx context.Context, f func(*state) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return ErrClosed
	}
	return f(l.st)
}

// NextCursor returns the cursor of the next event to be appended: where a
// consumer that wants only new events starts.
func (l *Ledger) NextCursor() chain.Cursor {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return chain.Cursor(len(l.st.events))
}
