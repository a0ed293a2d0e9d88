package store

import (
	"errors"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// gcDiscardRatio: a value-log file is rewritten when at least half of it is
// garbage, for a lifetime write amplification of the value log of about 2
// in the worst case.
const gcDiscardRatio = 0.5

// maxRewritesPerPass bounds the value-log files one pass rewrites.
const maxRewritesPerPass = 16

// maintain runs maintenance every interval until Close.
func (s *Store) maintain(interval time.Duration) {
	defer s.wg.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.maintainOnce()
		}
	}
}

// maintainOnce drops expired pending data and collects value-log garbage.
func (s *Store) maintainOnce() {
	if s.opts.PendingTTL > 0 {
		n, err := s.EvictPending(time.Now().Add(-s.opts.PendingTTL))
		if err != nil && !errors.Is(err, ErrClosed) {
			s.log.Warn("dropping expired pending data", "err", err)
		} else if n > 0 {
			s.log.Info("dropped pending data of unregistered blobs", "entries", n, "ttl", s.opts.PendingTTL)
		}
	}
	for range maxRewritesPerPass {
		select {
		case <-s.stop:
			return
		default:
		}
		err := s.runValueLogGC()
		switch {
		case err == nil:
			s.log.Debug("rewrote a value-log file")
			continue
		case errors.Is(err, badger.ErrNoRewrite), errors.Is(err, badger.ErrRejected), errors.Is(err, ErrClosed):
		default:
			s.log.Warn("value-log garbage collection", "err", err)
		}
		return
	}
}

func (s *Store) runValueLogGC() error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.exit()
	return s.db.RunValueLogGC(gcDiscardRatio)
}
