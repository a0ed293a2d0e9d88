package store

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// Badger's configuration, in one place.
const (
	// valueThreshold: values of this size or more go to the value log.
	// Slivers (≥ 668 bytes on 1000 shards) and metadata do; markers, state,
	// cursor and the smallest slivers of tiny committees stay in the LSM tree.
	valueThreshold = 512
	// valueLogFileSize bounds a value (MaxSliverBytes plus header fits) and
	// is the unit of value-log GC.
	valueLogFileSize = 128 << 20
	// memTableSize: the LSM tree holds keys and pointers, so small
	// memtables flush rarely. A transaction may hold 15 % of it (≈ 1.2 MiB,
	// ≈ 13,000 entries); deleteBatch stays well below.
	memTableSize = 8 << 20
	numMemtables = 3
	// blockCacheSize and indexCacheSize cap the caches of LSM blocks and of
	// table indexes and Bloom filters.
	blockCacheSize = 16 << 20
	indexCacheSize = 16 << 20
)

// badgerOptions returns the Badger options of a store in dir.
func badgerOptions(dir string, o Options) badger.Options {
	return badger.DefaultOptions(dir).
		WithLogger(badgerLogger{o.Logger}).
		WithSyncWrites(false). // Store.Sync syncs once for many writes
		WithMetricsEnabled(false).
		WithValueThreshold(valueThreshold).
		WithValueLogFileSize(valueLogFileSize).
		WithMemTableSize(memTableSize).
		WithNumMemtables(numMemtables).
		WithNumLevelZeroTables(4).
		WithNumLevelZeroTablesStall(10).
		WithBaseTableSize(2 << 20).
		WithCompression(options.None). // slivers are incompressible; keys are hashes
		WithBlockCacheSize(blockCacheSize).
		WithIndexCacheSize(indexCacheSize).
		WithNumCompactors(2).
		WithNumGoroutines(2).
		WithDetectConflicts(true)
}

// badgerLogger sends Badger's logs to slog; Badger's info messages
// (compactions, flushes) are debug here.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) log(level slog.Level, format string, args ...any) {
	if !b.l.Enabled(context.Background(), level) {
		return
	}
	b.l.Log(context.Background(), level, strings.TrimSpace(fmt.Sprintf(format, args...)), "component", "badger")
}

func (b badgerLogger) Errorf(f string, a ...any)   { b.log(slog.LevelError, f, a...) }
func (b badgerLogger) Warningf(f string, a ...any) { b.log(slog.LevelWarn, f, a...) }
func (b badgerLogger) Infof(f string, a ...any)    { b.log(slog.LevelDebug, f, a...) }
func (b badgerLogger) Debugf(f string, a ...any)   { b.log(slog.LevelDebug-4, f, a...) }
