package cache

import (
	"errors"
	"os"
	"slices"
	"testing"
	"time"
)

// TestFreeSpaceDropsOldestFirst: local copies go least recently modified
// first, a copy its file system refuses to drop is passed over, a candidate
// without a data file is not offered, and dropping stops once enough space
// is free.
func TestFreeSpaceDropsOldestFirst(t *testing.T) {
	files := Files{Dir: t.TempDir()}
	base := time.Now().Add(-time.Hour)
	// Inode i's copy is 100 bytes, modified at base + mtimeOrder[i] minutes.
	mtimeOrder := map[uint64]int{1: 3, 2: 1, 3: 4, 4: 2, 5: 5}
	for ino, m := range mtimeOrder {
		if err := os.WriteFile(files.Path(ino), make([]byte, 100), 0o600); err != nil {
			t.Fatal(err)
		}
		at := base.Add(time.Duration(m) * time.Minute)
		if err := os.Chtimes(files.Path(ino), at, at); err != nil {
			t.Fatal(err)
		}
	}
	free := int64(0)
	var offered []uint64
	evict := func(ino uint64) error {
		offered = append(offered, ino)
		if ino == 4 {
			return errors.New("open") // busy: its copy stays
		}
		free += 100
		return os.Remove(files.Path(ino))
	}
	candidates := func() ([]uint64, error) { return []uint64{1, 2, 3, 4, 5, 6}, nil } // 6 has no data file
	dropped, err := files.FreeSpace(250, func() int64 { return free }, candidates, evict)
	if err != nil {
		t.Fatal(err)
	}
	// By age: 2, 4 (refused), 1, 3 — then 300 bytes are free.
	if want := []uint64{2, 4, 1, 3}; !slices.Equal(offered, want) || dropped != 3 {
		t.Fatalf("offered %v, dropped %d; want %v, 3", offered, dropped, want)
	}
	if _, err := os.Stat(files.Path(5)); err != nil {
		t.Errorf("the newest copy went too: %v", err)
	}

	// Enough space already: nothing is listed or dropped.
	offered = nil
	listed := false
	dropped, err = files.FreeSpace(250, func() int64 { return free }, func() ([]uint64, error) { listed = true; return nil, nil }, evict)
	if err != nil || dropped != 0 || listed || len(offered) != 0 {
		t.Fatalf("with space free: dropped %d, listed %v, offered %v, %v", dropped, listed, offered, err)
	}
}
