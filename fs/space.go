package fs

import (
	"context"
	"syscall"
	"time"
)

// freeBytes returns the space left for data files (see cache.DiskFree).
func (f *FS) freeBytes() int64 { return f.space.Bytes() }

// roomFor reports ENOSPC when writing n more bytes would leave less than
// MinFree on the cache's disk: data not yet certified is never evicted to
// make room, and the tree's database keeps room to record what happened.
func (f *FS) roomFor(n int64) syscall.Errno {
	if f.cfg.MinFree <= 0 || n <= 0 {
		return 0
	}
	if f.freeBytes()-n < f.cfg.MinFree {
		f.space.Stale() // look again next time: space may come back
		return syscall.ENOSPC
	}
	return 0
}

// gcEvery is how often Maintain reclaims the tree store's stale values.
const gcEvery = 10 * time.Minute

// Maintain, every period until ctx ends, queues changed files whose commit
// failed (recoverLater), reclaims the tree store's stale values now and
// then, and has the cache drop local copies of certified content
// (cache.Files.FreeSpace, through Evict) whenever free space falls under
// twice MinFree. Copies of content not yet certified are never dropped.
func (f *FS) Maintain(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	lastGC := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := f.recoverFailed(); err != nil {
			f.log.Error("queueing changed files", "err", err)
		}
		if time.Since(lastGC) >= gcEvery {
			lastGC = time.Now()
			if n, err := f.meta.CollectGarbage(); err != nil {
				f.log.Warn("collecting the tree's garbage", "err", err)
			} else if n > 0 {
				f.log.Debug("rewrote value-log files of the tree", "files", n)
			}
		}
		if f.cfg.MinFree <= 0 {
			continue
		}
		// Measured afresh each time: each eviction frees space.
		free := func() int64 {
			f.space.Stale()
			return f.freeBytes()
		}
		dropped, err := f.cfg.Files.FreeSpace(2*f.cfg.MinFree, free, f.meta.CleanLocal, f.Evict)
		if err != nil {
			f.log.Error("listing local copies", "err", err)
			continue
		}
		if dropped > 0 {
			f.log.Info("dropped local copies of certified files to keep space free", "files", dropped, "free", f.freeBytes())
		}
	}
}
