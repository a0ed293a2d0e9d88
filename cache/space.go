package cache

import (
	"os"
	"sort"
	"sync"
	"syscall"
	"time"
)

// FreeSpace drops local copies of certified content, least recently
// modified first, until free reports at least want bytes: candidates lists
// the files whose local copy holds certified content, and evict drops one
// (refusing with an error, and keeping it, while the file is open or
// changed). A candidate without a data file is passed over. It returns how
// many copies it dropped. free is asked again after each eviction, so it
// must not answer from a stale measure.
func (f Files) FreeSpace(want int64, free func() int64, candidates func() ([]uint64, error), evict func(ino uint64) error) (int, error) {
	if free() >= want {
		return 0, nil
	}
	inos, err := candidates()
	if err != nil {
		return 0, err
	}
	type copyInfo struct {
		ino   uint64
		mtime time.Time
	}
	var copies []copyInfo
	for _, ino := range inos {
		if fi, err := os.Stat(f.Path(ino)); err == nil {
			copies = append(copies, copyInfo{ino, fi.ModTime()})
		}
	}
	sort.Slice(copies, func(i, j int) bool { return copies[i].mtime.Before(copies[j].mtime) })
	dropped := 0
	for _, c := range copies {
		if evict(c.ino) == nil {
			dropped++
		}
		if free() >= want {
			break
		}
	}
	return dropped, nil
}

// DiskFree measures the free bytes of a directory's disk, at most once a
// second: writes and cache fills ask it, so it must be cheap. The zero
// value with Dir set is ready.
type DiskFree struct {
	Dir string

	mu   sync.Mutex
	at   time.Time // when last measured
	free int64
}

// Bytes returns the free bytes, as last measured (a failed measure keeps
// the last one).
func (d *DiskFree) Bytes() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	if time.Since(d.at) > time.Second {
		var st syscall.Statfs_t
		if err := syscall.Statfs(d.Dir, &st); err == nil {
			d.free = int64(st.Bavail) * st.Bsize
		}
		d.at = time.Now()
	}
	return d.free
}

// Stale has the next Bytes measure again: space was freed, or may come
// back.
func (d *DiskFree) Stale() {
	d.mu.Lock()
	d.at = time.Time{}
	d.mu.Unlock()
}
