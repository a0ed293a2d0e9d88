package cache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/walrusfs/walrusfs/chain"
	"github.com/walrusfs/walrusfs/encoding"
	"github.com/walrusfs/walrusfs/fs/meta"
	"github.com/walrusfs/walrusfs/walrus/client"
)

// failingStorer fails every store, counting them.
type failingStorer struct{ calls atomic.Int64 }

func (f *failingStorer) Store(ctx context.Context, blob []byte, epochs uint32, deletable bool) (*client.StoreResult, error) {
	f.calls.Add(1)
	return nil, errors.New("network down")
}

// queueFile creates a file of size bytes with a local copy and queues it.
func queueFile(tb testing.TB, m *meta.Store, files Files, name string, size int) uint64 {
	tb.Helper()
	in, err := m.Create(meta.RootIno, name, meta.Inode{Mode: 0o100644})
	if err == nil {
		err = os.WriteFile(files.Path(in.Ino), make([]byte, size), 0o600)
	}
	if err == nil {
		_, err = m.Update(in.Ino, func(x *meta.Inode) error { x.Version, x.Size, x.Local = 1, uint64(size), true; return nil })
	}
	if err == nil {
		_, err = m.Enqueue(in.Ino, name)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return in.Ino
}

func waitUntil(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			tb.Fatalf("still waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestUploaderTriesNewFilesFirst: with a backlog of files backing off
// after failures, a newly queued file is tried at once and alone, and the
// backlog waits out its backoff; the queue's totals count them all.
func TestUploaderTriesNewFilesFirst(t *testing.T) {
	m := openMeta(t)
	files := Files{Dir: t.TempDir()}
	const backlog = 600 // more than a pack holds
	for i := range backlog {
		queueFile(t, m, files, fmt.Sprintf("f%d", i), 100)
	}
	storer := &failingStorer{}
	u := NewUploader(m, m.Book(), files, storer, UploaderOptions{ChunkSize: 1 << 20, NShards: 1000, MinBackoff: time.Hour, MaxBackoff: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go u.Run(ctx, nil)
	waitUntil(t, "the backlog's first attempts", func() bool { return u.Stats().Failures == backlog })
	calls := storer.calls.Load()

	ino := queueFile(t, m, files, "new", 100)
	u.Queued(ino)
	waitUntil(t, "the new file's attempt", func() bool { return u.Stats().Failures == backlog+1 })
	time.Sleep(200 * time.Millisecond)
	if got := u.Stats().Failures; got != backlog+1 || storer.calls.Load() != calls+1 {
		t.Fatalf("after queueing one file: %d failures, %d stores; want %d and %d (the backlog backs off)",
			got, storer.calls.Load(), backlog+1, calls+1)
	}
	if n, bytes, err := m.Book().QueueTotals(); err != nil || n != backlog+1 || bytes != 100*(backlog+1) {
		t.Fatalf("queue totals %d files, %d bytes, %v; want %d and %d", n, bytes, err, backlog+1, 100*(backlog+1))
	}
}

// BenchmarkQueuedWithBacklog: the cost of queueing one more file (close)
// while 10,000 queued files back off, as when the network is down. The
// uploader used to read the whole queue for each.
func BenchmarkQueuedWithBacklog(b *testing.B) {
	m, err := meta.Open(b.TempDir(), 0, 0, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	files := Files{Dir: b.TempDir()}
	const backlog = 10_000
	for i := range backlog {
		queueFile(b, m, files, fmt.Sprintf("f%d", i), 100)
	}
	u := NewUploader(m, m.Book(), files, &failingStorer{}, UploaderOptions{ChunkSize: 1 << 20, NShards: 1000, MinBackoff: time.Hour, MaxBackoff: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go u.Run(ctx, nil)
	waitUntil(b, "the backlog's first attempts", func() bool { return u.Stats().Failures == backlog })
	b.ResetTimer()
	for i := range b.N {
		ino := queueFile(b, m, files, fmt.Sprintf("new%d", i), 100)
		u.Queued(ino)
		for u.Stats().Failures != int64(backlog+i+1) {
			time.Sleep(20 * time.Microsecond)
		}
	}
}

// TestFailedPackKeepsEveryFile: when a pack's blob cannot be stored, its
// files are tried again later and an empty file queued with them (no blob
// needed) is certified at once: no file taken on is left unscheduled.
func TestFailedPackKeepsEveryFile(t *testing.T) {
	m := openMeta(t)
	files := Files{Dir: t.TempDir()}
	empty := queueFile(t, m, files, "empty", 0)
	queueFile(t, m, files, "a", 100)
	queueFile(t, m, files, "b", 200)
	storer := &failingStorer{}
	u := NewUploader(m, m.Book(), files, storer, UploaderOptions{ChunkSize: 1 << 20, NShards: 1000, MinBackoff: 20 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go u.Run(ctx, nil)
	waitUntil(t, "the empty file certified", func() bool {
		in, err := m.Inode(empty)
		return err == nil && in.Certified == in.Version
	})
	waitUntil(t, "the pack tried again", func() bool { return storer.calls.Load() >= 3 })
	if n, _, err := m.Book().QueueTotals(); err != nil || n != 2 {
		t.Fatalf("queue: %d files, %v; want the pack's two", n, err)
	}
}

// TestWriteBack: with a write-back delay, a closed file is not tried
// before the delay, nor while writes go on (Writing), and is tried once
// they pause; a drain tries a waiting file at once.
func TestWriteBack(t *testing.T) {
	m := openMeta(t)
	files := Files{Dir: t.TempDir()}
	storer := &failingStorer{}
	const delay = 300 * time.Millisecond
	u := NewUploader(m, m.Book(), files, storer, UploaderOptions{ChunkSize: 1 << 20, NShards: 1000, MinBackoff: time.Hour, MaxBackoff: time.Hour, WriteBack: delay})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	u.rescan() // the queue is empty: no first read to race with
	go u.Run(ctx, nil)

	start := time.Now()
	u.Queued(queueFile(t, m, files, "a", 100))
	// Writes go on for 3 delays: the upload waits for them to pause.
	var lastWrite time.Time
	for time.Since(start) < 3*delay {
		u.Writing()
		lastWrite = time.Now()
		if storer.calls.Load() != 0 {
			t.Fatalf("tried after %v, while writes went on", time.Since(start))
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitUntil(t, "the attempt once writes paused", func() bool { return storer.calls.Load() == 1 })
	if paused := time.Since(lastWrite); paused < writesPause {
		t.Fatalf("tried %v after the last write, before writes paused for %v", paused, writesPause)
	}

	// A drain does not wait.
	u.Queued(queueFile(t, m, files, "b", 100))
	dctx, stop := context.WithTimeout(ctx, delay*2/3)
	defer stop()
	_ = u.Drain(dctx, nil) // the store fails: it ends with the timeout
	if storer.calls.Load() != 2 {
		t.Fatalf("%d stores; a drain should have tried the waiting file at once", storer.calls.Load())
	}
}

// gatedStorer stores blobs (a blob ID from their first bytes), holding
// those larger than gate until released.
type gatedStorer struct {
	gate    int
	release chan struct{}
	stored  atomic.Int64
}

func (g *gatedStorer) Store(ctx context.Context, blob []byte, epochs uint32, deletable bool) (*client.StoreResult, error) {
	if len(blob) > g.gate {
		select {
		case <-g.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	g.stored.Add(1)
	var id encoding.BlobID
	copy(id[:], fmt.Appendf(nil, "%d-%d", len(blob), g.stored.Load()))
	certified := chain.Epoch(1)
	return &client.StoreResult{BlobID: id, Object: chain.Blob{BlobID: id, Size: uint64(len(blob)), CertifiedEpoch: &certified, Storage: chain.Storage{EndEpoch: 100}}}, nil
}

// TestSmallFilesDoNotWaitForALargeOne: small files queued after a large
// one go up (in a pack) while the large one's store is still under way:
// the two kinds upload side by side.
func TestSmallFilesDoNotWaitForALargeOne(t *testing.T) {
	m := openMeta(t)
	files := Files{Dir: t.TempDir()}
	large := queueFile(t, m, files, "large", 3<<20)
	storer := &gatedStorer{gate: 2 << 20, release: make(chan struct{})}
	u := NewUploader(m, m.Book(), files, storer, UploaderOptions{ChunkSize: 4 << 20, NShards: 1000, Epochs: 5, MinBackoff: time.Hour, MaxBackoff: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go u.Run(ctx, nil)
	waitUntil(t, "the large file's upload", func() bool { c := u.Current(); return c != nil && c.Ino == large })
	var small []uint64
	for i := range 10 {
		small = append(small, queueFile(t, m, files, fmt.Sprintf("s%d", i), 1000+i))
		u.Queued(small[i])
	}
	certified := func(ino uint64) bool {
		in, err := m.Inode(ino)
		return err == nil && in.Certified == in.Version
	}
	waitUntil(t, "the small files certified while the large one uploads", func() bool {
		for _, ino := range small {
			if !certified(ino) {
				return false
			}
		}
		return true
	})
	if certified(large) || u.Current() == nil || u.Current().Ino != large {
		t.Fatalf("the large file: certified %v, current %+v", certified(large), u.Current())
	}
	close(storer.release)
	waitUntil(t, "the large file certified", func() bool { return certified(large) })
}

// sizeLimitedStorer refuses blobs over limit bytes, as a publisher with a
// body limit does, and counts the blobs it stored.
type sizeLimitedStorer struct {
	limit  int
	stored atomic.Int64
	bytes  atomic.Int64 // of the blobs stored
}

func (s *sizeLimitedStorer) Store(ctx context.Context, blob []byte, epochs uint32, deletable bool) (*client.StoreResult, error) {
	if len(blob) > s.limit {
		return nil, fmt.Errorf("%d bytes: over the limit of %d", len(blob), s.limit)
	}
	s.stored.Add(1)
	s.bytes.Add(int64(len(blob)))
	var id encoding.BlobID
	copy(id[:], fmt.Sprintf("%032d", s.stored.Load()))
	return &client.StoreResult{BlobID: id}, nil
}

// uploadAll runs an uploader over 100 shards, storing into storer with its
// limit as the chunk size, until the files inos are certified.
func uploadAll(t *testing.T, m *meta.Store, files Files, storer *sizeLimitedStorer, inos []uint64) *Uploader {
	t.Helper()
	u := NewUploader(m, m.Book(), files, storer, UploaderOptions{ChunkSize: storer.limit, NShards: 100, MinBackoff: time.Hour, MaxBackoff: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go u.Run(ctx, nil)
	waitUntil(t, "every file certified", func() bool {
		for _, ino := range inos {
			if in, err := m.Inode(ino); err != nil || in.Certified != in.Version {
				return false
			}
		}
		return true
	})
	return u
}

// TestQuiltsFitTheChunkSize: small files whose quilt would be larger than
// the chunk size (the largest blob the network takes) are stored as
// several quilts, each within it, and every file is certified.
func TestQuiltsFitTheChunkSize(t *testing.T) {
	m := openMeta(t)
	files := Files{Dir: t.TempDir()}
	const chunk = 256 << 10
	var inos []uint64
	for i := range 12 {
		inos = append(inos, queueFile(t, m, files, fmt.Sprintf("f%d", i), 60<<10)) // 720 KiB in all
	}
	storer := &sizeLimitedStorer{limit: chunk}
	u := uploadAll(t, m, files, storer, inos)
	if f := u.Stats().Failures; f != 0 {
		t.Fatalf("%d failed stores; every quilt should fit %d bytes", f, chunk)
	}
	if n := storer.stored.Load(); n < 3 {
		t.Fatalf("%d blobs stored for 720 KiB of files under a %d-byte limit", n, chunk)
	}
}

// TestQuiltsAreNotMostlyPadding: a large file among many small ones would
// make every column of their quilt as tall as its own (one quilt of them
// is about 7 times their bytes over 100 shards); the uploader divides them
// by size, and the quilts stored stay close to the files' bytes. Files of
// like sizes stay in one quilt.
func TestQuiltsAreNotMostlyPadding(t *testing.T) {
	for _, tc := range []struct {
		name       string
		sizes      []int
		wantBlobs  int64 // exactly, or 0: at least two
		maxPadding float64
	}{
		{"mixed", append([]int{200 << 10}, slices.Repeat([]int{2 << 10}, 60)...), 0, 1.6},
		{"alike", slices.Repeat([]int{2 << 10}, 60), 1, 1.6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := openMeta(t)
			files := Files{Dir: t.TempDir()}
			var inos []uint64
			data := 0
			for i, size := range tc.sizes {
				inos = append(inos, queueFile(t, m, files, fmt.Sprintf("f%d", i), size))
				data += size
			}
			storer := &sizeLimitedStorer{limit: 16 << 20}
			uploadAll(t, m, files, storer, inos)
			blobs, stored := storer.stored.Load(), storer.bytes.Load()
			if tc.wantBlobs > 0 && blobs != tc.wantBlobs || tc.wantBlobs == 0 && blobs < 2 {
				t.Errorf("%d blobs stored, want %d (0: two or more)", blobs, tc.wantBlobs)
			}
			if padding := float64(stored) / float64(data); padding > tc.maxPadding {
				t.Errorf("%d bytes of files stored as %d blobs of %d bytes in all: %.2f times, want at most %.2f", data, blobs, stored, padding, tc.maxPadding)
			}
		})
	}
}
