package fs

import (
	"errors"
	"os"

	"github.com/walrusfs/walrusfs/fs/meta"
)

// errBusy: the file is open or changed; its local copy stays.
var errBusy = errors.New("file is open or changed")

// Evict drops the local copy of a file whose content is certified on the
// network, so that later reads fetch it lazily. It refuses (and keeps the
// copy) while the file is open or changed.
func (f *FS) Evict(ino uint64) error {
	f.mu.Lock()
	n := f.nodes[ino]
	if n == nil {
		// No lock is held across the store's sync and the unlink: a node
		// made meanwhile waits for the eviction before it opens the file.
		done := make(chan struct{})
		if f.evicting == nil {
			f.evicting = map[uint64]chan struct{}{}
		}
		f.evicting[ino] = done
		f.mu.Unlock()
		_, err := f.evict(ino)
		f.mu.Lock()
		delete(f.evicting, ino)
		f.mu.Unlock()
		close(done)
		return err
	}
	f.mu.Unlock()
	// The content lock keeps opens (and so writes) away; the node's lock
	// is not held across the sync and the unlink.
	n.content.Lock()
	defer n.content.Unlock()
	n.mu.Lock()
	busy := n.handles > 0 || n.written || n.attrDirty
	n.mu.Unlock()
	if busy {
		return errBusy
	}
	in, err := f.evict(ino)
	if err != nil {
		return err
	}
	n.refresh(in)
	return nil
}

// waitEviction waits until no eviction of a file without a node runs.
func (f *FS) waitEviction(ino uint64) {
	f.mu.Lock()
	done := f.evicting[ino]
	f.mu.Unlock()
	if done != nil {
		<-done
	}
}

func (f *FS) evict(ino uint64) (*meta.Inode, error) {
	evicted := false
	in, err := f.meta.Update(ino, func(in *meta.Inode) error {
		if !in.Local || in.Certified != in.Version || !in.IsRegular() {
			return errBusy
		}
		in.Local, evicted = false, true
		return nil
	})
	if err != nil {
		return nil, err
	}
	if evicted {
		// The store must not say "local" after a power cut once the
		// copy is gone.
		hook("evict")
		if err := f.meta.Sync(); err != nil {
			return nil, err
		}
		if err := os.Remove(f.cfg.Files.Path(ino)); err != nil && !os.IsNotExist(err) {
			return nil, err
		}
	}
	return in, nil
}

// EvictAll drops every local copy that Evict may drop, and returns how many
// it dropped.
func (f *FS) EvictAll() (int, error) {
	inos, err := f.meta.CleanLocal()
	if err != nil {
		return 0, err
	}
	count := 0
	for _, ino := range inos {
		switch err := f.Evict(ino); {
		case err == nil:
			count++
		case errors.Is(err, errBusy):
		default:
			return count, err
		}
	}
	return count, nil
}
