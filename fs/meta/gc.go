package meta

import (
	"errors"
	"path/filepath"
	"syscall"

	"github.com/dgraph-io/badger/v4"
)

// gcDiscardRatio: a value-log file is rewritten once half of it is stale.
const gcDiscardRatio = 0.5

// CollectGarbage rewrites the tree's value-log files that are mostly stale
// and returns how many it rewrote. Values over the value threshold (inodes
// of thousands of chunks) live in the value log, and every update of one
// leaves its old copy there: without this the log only grows.
func (s *Store) CollectGarbage() (int, error) {
	for n := 0; ; n++ {
		switch err := s.db.RunValueLogGC(gcDiscardRatio); {
		case err == nil:
			continue
		case errors.Is(err, badger.ErrNoRewrite), errors.Is(err, badger.ErrRejected):
			return n, nil
		default:
			return n, err
		}
	}
}

// DiskBytes returns the disk space the tree's files take now (blocks
// allocated: Badger's logs are sparse files of a fixed size).
func (s *Store) DiskBytes() int64 {
	files, _ := filepath.Glob(filepath.Join(s.db.Opts().Dir, "*"))
	var total int64
	for _, f := range files {
		var st syscall.Stat_t
		if err := syscall.Stat(f, &st); err == nil {
			total += st.Blocks * 512
		}
	}
	return total
}
