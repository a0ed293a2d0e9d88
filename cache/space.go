package cache

import (
	"os"
	"sort"
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
