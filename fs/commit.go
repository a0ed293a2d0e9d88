package fs

import (
	"context"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Durability, as ext4 gives it: a close hands the data to the kernel (the
// data file's page cache, the tree's memory-mapped Badger log), which
// outlives the mount's process, so that a file whose close returned
// survives kill -9 of the mount. Power loss is another matter: that takes
// a sync, and a sync per close cost two disk flushes per file, most of the
// time of copying a tree of small files in. So closes sync nothing; the
// committer syncs every CommitInterval (after changes) instead, and fsync
// still makes a file durable at once.

// DefaultCommitInterval bounds what a power cut can take from closed files:
// those closed in the last second.
const DefaultCommitInterval = time.Second

// Commit makes every closed file and every change of the tree durable:
// one syncfs(2) of the data files' file system, then a sync of the tree.
// It costs nothing when the tree has not changed since the last commit
// (every close that wrote changes it).
func (f *FS) Commit() error {
	f.commitMu.Lock()
	defer f.commitMu.Unlock()
	changes := f.meta.Changes()
	if changes == f.committed {
		return nil
	}
	hook("commit")
	if err := syncFS(f.cfg.Files.Dir); err != nil {
		return err
	}
	if err := f.meta.Sync(); err != nil {
		return err
	}
	f.committed = changes
	return nil
}

// CommitEvery commits every period until ctx ends, and once more then.
func (f *FS) CommitEvery(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := f.Commit(); err != nil {
				f.log.Error("making closed files durable", "err", err)
			}
			return
		case <-t.C:
		}
		if err := f.Commit(); err != nil {
			f.log.Error("making closed files durable; will try again", "err", err)
		}
	}
}

// syncFS flushes the file system holding dir to disk: every data file
// written since the last commit, in one call, however many there are.
func syncFS(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	defer d.Close()
	if err := unix.Syncfs(int(d.Fd())); err != nil {
		return fmt.Errorf("commit: syncfs %s: %w", dir, err)
	}
	return nil
}
