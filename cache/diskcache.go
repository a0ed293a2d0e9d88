package cache

import (
	"bytes"
	"container/list"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/walrusfs/walrusfs/encoding"
)

// DiskCache keeps windows of blobs read from the network in files under a
// directory, bounded in bytes, across restarts: the read cache of data sets
// that a machine reads but did not write. A blob never changes (its ID
// names its content), so an entry stays right as long as its bytes are
// intact; each file carries a SHA-256 of its key and data, checked at every
// read, and an entry that fails it (cut short, flipped bits, another
// entry's file) is removed and the window fetched again. What is cached is
// what the network serves: encrypted content stays encrypted on disk.
//
// Entries are evicted least recently used first, the order kept in memory
// and, across restarts, in the files' modification times.
type DiskCache struct {
	dir     string
	max     int64
	minFree int64
	log     *slog.Logger

	mu      sync.Mutex
	entries map[string]*list.Element // of *diskEntry, by name
	lru     *list.List               // most recent first
	used    int64
	hits    int64
	corrupt int64
	skipped int64 // windows not cached: the writer was behind

	free DiskFree // of the cache's disk

	// Windows are written by one goroutine, so that a read from the
	// network never waits for the disk; when it falls behind, windows go
	// uncached rather than queue without bound.
	pending chan pendingPut
	done    chan struct{}
	closed  bool
}

type pendingPut struct {
	name string
	data []byte
}

// pendingPuts bounds the windows waiting to be written (64 MiB at the
// default 4 MiB windows).
const pendingPuts = 16

type diskEntry struct {
	name string
	size int64 // of the file
}

// diskMagic starts every entry file; the SHA-256 follows, then the data.
var diskMagic = []byte("wfsrc1\n\x00")

const diskHeader = 8 + sha256.Size

// OpenDiskCache opens (or creates, mode 0700) the cache in dir, bounded by
// max bytes and by keeping minFree bytes free on its disk. It looks at the
// directory once, to learn what an earlier run left, and removes files a
// killed process left half written.
func OpenDiskCache(dir string, max, minFree int64, log *slog.Logger) (*DiskCache, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("read cache: %w", err)
	}
	d := &DiskCache{dir: dir, max: max, minFree: minFree, log: log, entries: map[string]*list.Element{}, lru: list.New(), free: DiskFree{Dir: dir},
		pending: make(chan pendingPut, pendingPuts), done: make(chan struct{})}
	type found struct {
		diskEntry
		mtime time.Time
	}
	var all []found
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		if strings.HasPrefix(e.Name(), ".tmp-") {
			return os.Remove(path)
		}
		info, err := e.Info()
		if err != nil {
			return nil // removed meanwhile
		}
		all = append(all, found{diskEntry{name: e.Name(), size: info.Size()}, info.ModTime()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read cache %s: %w", dir, err)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].mtime.After(all[j].mtime) })
	for _, f := range all {
		e := f.diskEntry
		d.entries[e.name] = d.lru.PushBack(&e)
		d.used += e.size
	}
	d.mu.Lock()
	d.evictLocked(0)
	d.mu.Unlock()
	go d.writeLoop()
	return d, nil
}

// Close writes the windows waiting to be written and stops.
func (d *DiskCache) Close() {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	d.closed = true
	close(d.pending)
	d.mu.Unlock()
	<-d.done
}

func (d *DiskCache) writeLoop() {
	defer close(d.done)
	for p := range d.pending {
		d.store(p.name, p.data)
	}
}

// diskName names a window's entry: the blob, the window size and index.
func diskName(blob encoding.BlobID, size, index uint64) string {
	return fmt.Sprintf("%s-%d-%d", blob, size, index)
}

func (d *DiskCache) path(name string) string {
	// Spread over 64 directories by the blob ID's first character.
	return filepath.Join(d.dir, name[:1], name)
}

func diskSum(name string, data []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write(data)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// Has tells whether a window is cached (unchecked until Get reads it).
func (d *DiskCache) Has(blob encoding.BlobID, size, index uint64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.entries[diskName(blob, size, index)]
	return ok
}

// Get returns a cached window, or false if it is not cached or its entry
// is damaged (which is then removed).
func (d *DiskCache) Get(blob encoding.BlobID, size, index uint64) ([]byte, bool) {
	name := diskName(blob, size, index)
	d.mu.Lock()
	_, ok := d.entries[name]
	d.mu.Unlock()
	if !ok {
		return nil, false
	}
	path := d.path(name)
	b, err := os.ReadFile(path)
	if err != nil {
		d.drop(name, false)
		return nil, false
	}
	if len(b) < diskHeader || !bytes.Equal(b[:len(diskMagic)], diskMagic) {
		d.damaged(name, path, "no header")
		return nil, false
	}
	data := b[diskHeader:]
	if sum := diskSum(name, data); !bytes.Equal(sum[:], b[len(diskMagic):diskHeader]) {
		d.damaged(name, path, "checksum mismatch")
		return nil, false
	}
	now := time.Now()
	_ = os.Chtimes(path, now, now) // the order for the next run
	d.mu.Lock()
	if e, ok := d.entries[name]; ok {
		d.lru.MoveToFront(e)
	}
	d.hits++
	d.mu.Unlock()
	return data, true
}

func (d *DiskCache) damaged(name, path, why string) {
	d.log.Warn("dropped a damaged read cache entry; fetching it again", "path", path, "reason", why)
	d.drop(name, true)
}

// drop forgets an entry and removes its file.
func (d *DiskCache) drop(name string, corrupt bool) {
	d.mu.Lock()
	if e, ok := d.entries[name]; ok {
		d.used -= e.Value.(*diskEntry).size
		d.lru.Remove(e)
		delete(d.entries, name)
	}
	if corrupt {
		d.corrupt++
	}
	d.mu.Unlock()
	if err := os.Remove(d.path(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		d.log.Warn("removing a read cache entry", "err", err)
	}
}

// Put caches a window fetched from the network (data is not changed
// afterwards), in the background. Failures (a full disk, a writer behind)
// cost only the cache.
func (d *DiskCache) Put(blob encoding.BlobID, size, index uint64, data []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	select {
	case d.pending <- pendingPut{diskName(blob, size, index), data}:
	default:
		d.skipped++
	}
}

// store writes an entry unless it is cached or does not fit.
func (d *DiskCache) store(name string, data []byte) {
	need := int64(diskHeader + len(data))
	if need > d.max {
		return
	}
	d.mu.Lock()
	_, cached := d.entries[name]
	lowOnSpace := d.free.Bytes()-need < d.minFree
	d.mu.Unlock()
	if cached || lowOnSpace {
		return
	}
	if err := d.write(name, data); err != nil {
		d.log.Debug("not cached on disk", "entry", name, "err", err)
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.entries[name]; ok {
		return // written twice at once: one file, counted once
	}
	d.entries[name] = d.lru.PushFront(&diskEntry{name: name, size: need})
	d.used += need
	d.evictLocked(0)
}

// write writes an entry's file through a temporary file and a rename, so
// that a crash leaves either no entry or a whole one (or a torn one, which
// its checksum refuses: no sync is needed).
func (d *DiskCache) write(name string, data []byte) error {
	path := d.path(name)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-")
	if err != nil {
		return err
	}
	sum := diskSum(name, data)
	_, err = f.Write(append(append(make([]byte, 0, diskHeader), diskMagic...), sum[:]...))
	if err == nil {
		_, err = f.Write(data)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// A precise time, not the file system's coarse clock: the order
		// of use that the next run reads.
		now := time.Now()
		err = os.Chtimes(f.Name(), now, now)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// evictLocked removes least recently used entries until keep more bytes fit
// under the bound.
func (d *DiskCache) evictLocked(keep int64) {
	for e := d.lru.Back(); e != nil && d.used+keep > d.max; {
		prev := e.Prev()
		de := e.Value.(*diskEntry)
		d.lru.Remove(e)
		delete(d.entries, de.name)
		d.used -= de.size
		if err := os.Remove(d.path(de.name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			d.log.Warn("removing a read cache entry", "err", err)
		}
		e = prev
	}
}

// DiskCacheStats describe the on-disk read cache.
type DiskCacheStats struct {
	Bytes    int64 `json:"bytes"`
	MaxBytes int64 `json:"maxBytes"`
	Entries  int   `json:"entries"`
	Hits     int64 `json:"hits"`
	// Damaged counts entries refused by their checksum since start.
	Damaged int64 `json:"damaged,omitempty"`
	// Skipped counts windows left uncached because the disk was behind.
	Skipped int64 `json:"skipped,omitempty"`
}

// Stats returns the cache's figures.
func (d *DiskCache) Stats() DiskCacheStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return DiskCacheStats{Bytes: d.used, MaxBytes: d.max, Entries: len(d.entries), Hits: d.hits, Damaged: d.corrupt, Skipped: d.skipped}
}
