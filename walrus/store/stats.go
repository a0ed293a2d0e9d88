package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/dgraph-io/badger/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// Stats counts what the store holds. The same figures are the gauges
// registered with Options.Registerer:
//   - walrus_store_blobs: blobs with stored metadata;
//   - walrus_store_slivers: stored slivers;
//   - walrus_store_bytes: bytes of stored metadata (BCS) and sliver data;
//   - walrus_store_pending_entries, walrus_store_pending_bytes: buffered
//     metadata and slivers of unregistered blobs, and their bytes;
//   - walrus_store_recovery_queue: blobs queued for recovery.
type Stats struct {
	Blobs          int64
	Slivers        int64
	Bytes          int64
	PendingEntries int64
	PendingBytes   int64
	RecoveryQueue  int64
}

// counters are the live Stats. Each operation adds its delta after its
// transaction committed. Pending bytes are added when reserved, before.
type counters struct {
	blobs, slivers, bytes        atomic.Int64
	pendingEntries, pendingBytes atomic.Int64
	recovery                     atomic.Int64
}

func (c *counters) add(d Stats) {
	c.blobs.Add(d.Blobs)
	c.slivers.Add(d.Slivers)
	c.bytes.Add(d.Bytes)
	c.pendingEntries.Add(d.PendingEntries)
	c.pendingBytes.Add(d.PendingBytes)
	c.recovery.Add(d.RecoveryQueue)
}

// Stats returns the current counts.
func (s *Store) Stats() Stats {
	return Stats{
		Blobs:          s.stats.blobs.Load(),
		Slivers:        s.stats.slivers.Load(),
		Bytes:          s.stats.bytes.Load(),
		PendingEntries: s.stats.pendingEntries.Load(),
		PendingBytes:   s.stats.pendingBytes.Load(),
		RecoveryQueue:  s.stats.recovery.Load(),
	}
}

// countedOf returns the delta of adding (sign 1) or removing (sign -1) a
// stored metadata or sliver value with a payload of size bytes.
func countedOf(dataKey []byte, size int64, sign int64) Stats {
	d := Stats{Bytes: sign * size}
	if dataKey[0] == tagSliver {
		d.Slivers = sign
	} else {
		d.Blobs = sign
	}
	return d
}

// plus returns the sum of two deltas.
func (d Stats) plus(e Stats) Stats {
	return Stats{
		Blobs: d.Blobs + e.Blobs, Slivers: d.Slivers + e.Slivers, Bytes: d.Bytes + e.Bytes,
		PendingEntries: d.PendingEntries + e.PendingEntries, PendingBytes: d.PendingBytes + e.PendingBytes,
		RecoveryQueue: d.RecoveryQueue + e.RecoveryQueue,
	}
}

// The counters of stored data are saved by Close and consumed by the next
// Open, which otherwise (after a crash) counts the keys. Pending data is
// always counted: its markers are few and small.
const statsLen = 1 + 4*8

func (s *Store) saveCounters() error {
	st := s.Stats()
	v := make([]byte, 1, statsLen)
	v[0] = valueFormat
	for _, x := range []int64{st.Blobs, st.Slivers, st.Bytes, st.RecoveryQueue} {
		v = binary.LittleEndian.AppendUint64(v, uint64(x))
	}
	return s.db.Update(func(txn *badger.Txn) error { return txn.Set(statsKey, v) })
}

func (s *Store) loadCounters() error {
	var saved []byte
	err := s.db.Update(func(txn *badger.Txn) error {
		item, err := txn.Get(statsKey)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if saved, err = item.ValueCopy(nil); err != nil {
			return err
		}
		return txn.Delete(statsKey)
	})
	if err != nil {
		return fmt.Errorf("load counters: %w", err)
	}
	pending, err := s.countPending()
	if err != nil {
		return err
	}
	if len(saved) == statsLen && saved[0] == valueFormat {
		x := func(i int) int64 { return int64(binary.LittleEndian.Uint64(saved[1+8*i:])) }
		s.stats.add(Stats{Blobs: x(0), Slivers: x(1), Bytes: x(2), RecoveryQueue: x(3)})
		s.stats.add(Stats{PendingEntries: int64(len(pending)), PendingBytes: sum(pending)})
		return nil
	}
	return s.countAll(pending)
}

func sum(m map[string]int64) int64 {
	var t int64
	for _, v := range m {
		t += v
	}
	return t
}

// countPending returns the size of every pending entry by data key.
func (s *Store) countPending() (map[string]int64, error) {
	out := map[string]int64{}
	err := s.db.View(func(txn *badger.Txn) error {
		return scan(txn, []byte{tagPending}, true, func(item *badger.Item) error {
			dk, err := dataKeyOf(item.Key())
			if err != nil {
				return err
			}
			return item.Value(func(v []byte) error {
				m, err := decodeMarker(v)
				out[string(dk)] = m.size
				return err
			})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("count pending entries: %w", err)
	}
	return out, nil
}

// countAll counts every entry; pending are those with a marker.
func (s *Store) countAll(pending map[string]int64) error {
	var st Stats
	st.PendingEntries, st.PendingBytes = int64(len(pending)), sum(pending)
	err := s.db.View(func(txn *badger.Txn) error {
		for _, tag := range []byte{tagMetadata, tagSliver} {
			err := scan(txn, []byte{tag}, false, func(item *badger.Item) error {
				if _, ok := pending[string(item.Key())]; ok {
					return nil
				}
				return item.Value(func(v []byte) error {
					st = st.plus(countedOf(item.Key(), payloadLen(item.Key(), v), 1))
					return nil
				})
			})
			if err != nil {
				return err
			}
		}
		return scan(txn, []byte{tagRecovery}, false, func(*badger.Item) error {
			st.RecoveryQueue++
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("count entries: %w", err)
	}
	s.stats.add(st)
	return nil
}

func (s *Store) registerMetrics() error {
	reg := s.opts.Registerer
	if reg == nil {
		return nil
	}
	gauge := func(name, help string, f func() int64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help},
			func() float64 { return float64(f()) })
	}
	s.metrics = []prometheus.Collector{
		gauge("walrus_store_blobs", "Blobs whose metadata is stored.", s.stats.blobs.Load),
		gauge("walrus_store_slivers", "Stored slivers.", s.stats.slivers.Load),
		gauge("walrus_store_bytes", "Bytes of stored metadata and sliver data.", s.stats.bytes.Load),
		gauge("walrus_store_pending_entries", "Buffered metadata and slivers of unregistered blobs.", s.stats.pendingEntries.Load),
		gauge("walrus_store_pending_bytes", "Bytes of buffered metadata and slivers of unregistered blobs.", s.stats.pendingBytes.Load),
		gauge("walrus_store_recovery_queue", "Blobs queued for sliver recovery.", s.stats.recovery.Load),
	}
	for i, c := range s.metrics {
		if err := reg.Register(c); err != nil {
			for _, r := range s.metrics[:i] {
				reg.Unregister(r)
			}
			s.metrics = nil
			return fmt.Errorf("register metrics: %w", err)
		}
	}
	return nil
}

func (s *Store) unregisterMetrics() {
	for _, c := range s.metrics {
		s.opts.Registerer.Unregister(c)
	}
}
