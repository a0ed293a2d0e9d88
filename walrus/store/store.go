package store

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/walrusfs/walrusfs/encoding"
)

// Options configure a store. The zero value is valid: Sync makes writes
// durable, 1 GiB
// of pending data kept at most one hour, value-log GC every five minutes,
// no logs, no metrics.
type Options struct {
	// Logger receives the store's and Badger's logs (Badger's info as
	// debug); nil discards them.
	Logger *slog.Logger
	// Registerer receives the store's gauges (see Stats); nil registers
	// none. Close unregisters them.
	Registerer prometheus.Registerer
	// NoSync makes Sync a no-op. Writes then survive a crash of the process
	// but not of the machine. For tests and benchmarks.
	NoSync bool
	// MaxPendingBytes bounds the buffered data of unregistered blobs;
	// 0 means 1 GiB.
	MaxPendingBytes int64
	// PendingTTL is how long pending data waits for its blob's
	// registration before it is dropped; 0 means one hour, negative never.
	PendingTTL time.Duration
	// GCInterval is the period of value-log garbage collection and of
	// dropping expired pending data; 0 means five minutes, negative never.
	GCInterval time.Duration
}

const (
	defaultMaxPendingBytes = 1 << 30
	defaultPendingTTL      = time.Hour
	defaultGCInterval      = 5 * time.Minute
)

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxPendingBytes == 0 {
		o.MaxPendingBytes = defaultMaxPendingBytes
	}
	if o.PendingTTL == 0 {
		o.PendingTTL = defaultPendingTTL
	}
	if o.GCInterval == 0 {
		o.GCInterval = defaultGCInterval
	}
	return o
}

// Store is a node's persistent state in one Badger database. Its methods
// are safe for concurrent use.
type Store struct {
	db    *badger.DB
	files *blobFiles // the slivers' bytes
	opts  Options
	log   *slog.Logger

	// mu is held shared by every operation and exclusively by Close, which
	// so waits for operations in flight. Operations take it once: none calls
	// another exported method.
	mu     sync.RWMutex
	closed bool

	// blobs orders operations on one blob; see lockBlob.
	blobs [256]sync.RWMutex

	stats   counters
	metrics []prometheus.Collector

	stop chan struct{}
	wg   sync.WaitGroup
}

// schema identifies the key layout and value formats of doc.go.
const schema = "walrusfs/store/1"

// Open opens or creates the store in dir.
func Open(dir string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	if opts.MaxPendingBytes < 0 {
		return nil, fmt.Errorf("store: negative MaxPendingBytes %d", opts.MaxPendingBytes)
	}
	db, err := badger.Open(badgerOptions(dir, opts))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	files, err := newBlobFiles(filepath.Join(dir, "slivers"))
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	s := &Store{db: db, files: files, opts: opts, log: opts.Logger, stop: make(chan struct{})}
	if err := s.init(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	if err := s.registerMetrics(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: open %s: %w", dir, err)
	}
	if opts.GCInterval > 0 {
		s.wg.Add(1)
		go s.maintain(opts.GCInterval)
	}
	st := s.Stats()
	s.log.Info("store opened", "dir", dir, "sync", !opts.NoSync, "blobs", st.Blobs,
		"slivers", st.Slivers, "bytes", st.Bytes, "pending_bytes", st.PendingBytes,
		"recovery_queue", st.RecoveryQueue)
	return s, nil
}

// init checks the schema and loads the counters.
func (s *Store) init() error {
	err := s.db.Update(func(txn *badger.Txn) error {
		item, err := txn.Get(schemaKey)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return txn.Set(schemaKey, []byte(schema))
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			if string(v) != schema {
				return fmt.Errorf("%w: schema %q, want %q", ErrCorrupt, v, schema)
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("check schema: %w", err)
	}
	return s.loadCounters()
}

// Close stops background work, waits for operations in flight and closes
// the database. Later calls return ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.closed = true
	s.mu.Unlock()

	close(s.stop)
	s.wg.Wait()
	s.unregisterMetrics()
	err := s.saveCounters()
	if serr := s.files.sync(); err == nil && !s.opts.NoSync {
		err = serr
	}
	s.files.close()
	if cerr := s.db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	s.log.Info("store closed")
	return nil
}

// Sync makes every write that returned before it durable on disk (one sync
// of the value log and of the write-ahead log). Writes are not synced one by
// one: a storage node syncs before it signs a confirmation for a blob or
// marks a recovery done, so thousands of sliver writes cost one sync, while
// a crash of the process loses nothing that was written (the logs are
// memory-mapped files the kernel keeps).
func (s *Store) Sync() error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.exit()
	if s.opts.NoSync {
		return nil
	}
	if err := s.files.sync(); err != nil {
		return fmt.Errorf("store: sync: %w", err)
	}
	if err := s.db.Sync(); err != nil {
		return fmt.Errorf("store: sync: %w", err)
	}
	return nil
}

// enter starts an operation; exit ends it.
func (s *Store) enter() error {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrClosed
	}
	return nil
}

func (s *Store) exit() { s.mu.RUnlock() }

// lockBlob locks a blob's stripe: shared for puts, exclusive for what
// removes or promotes its data or changes its state. It returns the unlock.
func (s *Store) lockBlob(id encoding.BlobID, exclusive bool) func() {
	l := &s.blobs[id[0]]
	if exclusive {
		l.Lock()
		return l.Unlock
	}
	l.RLock()
	return l.RUnlock
}

// maxConflictRetries bounds the retries of a transaction that lost a
// conflict with a concurrent one.
const maxConflictRetries = 16

// update runs fn in a read-write transaction, retrying on conflicts.
func (s *Store) update(fn func(txn *badger.Txn) error) error {
	for i := 0; ; i++ {
		err := s.db.Update(fn)
		if !errors.Is(err, badger.ErrConflict) || i == maxConflictRetries {
			return err
		}
	}
}

// exists reports whether a key is present.
func exists(txn *badger.Txn, key []byte) (bool, error) {
	_, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	return err == nil, err
}
