package store

import (
	"container/list"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/walrusfs/walrusfs/encoding"
)

// blobFiles keeps the bytes of slivers in one append-only file per blob;
// Badger keeps, under each sliver's key, where they are. Writing a sliver
// is then a pwrite into the page cache, where a memory-mapped value log
// would take a page fault per fresh page; removing a blob is an unlink,
// with no log to collect.
type blobFiles struct {
	dir string

	mu    sync.Mutex
	open  map[encoding.BlobID]*list.Element // of *blobFile, most recent first
	lru   *list.List
	dirty map[encoding.BlobID]bool // written since the last sync
}

type blobFile struct {
	id      encoding.BlobID
	f       *os.File
	size    int64 // bytes written or reserved
	refs    int   // operations using f
	removed bool  // out of the map: closed by the last release
}

// maxOpenBlobFiles bounds the descriptors kept open between operations.
const maxOpenBlobFiles = 64

func newBlobFiles(dir string) (*blobFiles, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sliver files: %w", err)
	}
	return &blobFiles{dir: dir, open: map[encoding.BlobID]*list.Element{}, lru: list.New(),
		dirty: map[encoding.BlobID]bool{}}, nil
}

func (b *blobFiles) path(id encoding.BlobID) string {
	s := id.String()
	return filepath.Join(b.dir, s[:2], s)
}

// acquire returns the blob's open file, opening (and with create, creating)
// it; release must follow.
func (b *blobFiles) acquire(id encoding.BlobID, create bool) (*blobFile, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e, ok := b.open[id]; ok {
		b.lru.MoveToFront(e)
		bf := e.Value.(*blobFile)
		bf.refs++
		return bf, nil
	}
	flags := os.O_RDWR
	if create {
		flags |= os.O_CREATE
		if err := os.MkdirAll(filepath.Dir(b.path(id)), 0o700); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(b.path(id), flags, 0o600)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	bf := &blobFile{id: id, f: f, size: fi.Size(), refs: 1}
	b.open[id] = b.lru.PushFront(bf)
	// Close idle files beyond the bound.
	for e := b.lru.Back(); e != nil && b.lru.Len() > maxOpenBlobFiles; {
		prev := e.Prev()
		if old := e.Value.(*blobFile); old.refs == 0 {
			old.f.Close()
			b.lru.Remove(e)
			delete(b.open, old.id)
		}
		e = prev
	}
	return bf, nil
}

func (b *blobFiles) release(bf *blobFile) {
	b.mu.Lock()
	bf.refs--
	if bf.removed && bf.refs == 0 {
		bf.f.Close()
	}
	b.mu.Unlock()
}

// append writes data at the end of the blob's file and returns where.
func (b *blobFiles) append(id encoding.BlobID, data []byte) (int64, error) {
	bf, err := b.acquire(id, true)
	if err != nil {
		return 0, fmt.Errorf("sliver file of %s: %w", id, err)
	}
	defer b.release(bf)
	b.mu.Lock()
	off := bf.size
	bf.size += int64(len(data))
	b.dirty[id] = true
	b.mu.Unlock()
	if _, err := bf.f.WriteAt(data, off); err != nil {
		return 0, fmt.Errorf("sliver file of %s: %w", id, err)
	}
	return off, nil
}

// read fills buf from offset off of the blob's file.
func (b *blobFiles) read(id encoding.BlobID, off int64, buf []byte) error {
	bf, err := b.acquire(id, false)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: the sliver file of %s is missing", ErrCorrupt, id)
	}
	if err != nil {
		return fmt.Errorf("sliver file of %s: %w", id, err)
	}
	defer b.release(bf)
	if _, err := bf.f.ReadAt(buf, off); err != nil {
		return fmt.Errorf("%w: sliver file of %s at %d: %w", ErrCorrupt, id, off, err)
	}
	return nil
}

// remove deletes the blob's file.
func (b *blobFiles) remove(id encoding.BlobID) error {
	b.mu.Lock()
	if e, ok := b.open[id]; ok {
		// Operations in flight keep the open file; the name goes now, the
		// descriptor with the last of them.
		bf := e.Value.(*blobFile)
		if bf.refs == 0 {
			bf.f.Close()
		} else {
			bf.removed = true
		}
		b.lru.Remove(e)
		delete(b.open, id)
	}
	delete(b.dirty, id)
	b.mu.Unlock()
	if err := os.Remove(b.path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove the sliver file of %s: %w", id, err)
	}
	return nil
}

// sync makes the files written since the last sync durable.
func (b *blobFiles) sync() error {
	b.mu.Lock()
	ids := make([]encoding.BlobID, 0, len(b.dirty))
	for id := range b.dirty {
		ids = append(ids, id)
	}
	clear(b.dirty)
	b.mu.Unlock()
	var errs []error
	for _, id := range ids {
		bf, err := b.acquire(id, false)
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed meanwhile
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := unix.Fdatasync(int(bf.f.Fd())); err != nil {
			errs = append(errs, fmt.Errorf("sync the sliver file of %s: %w", id, err))
			b.mu.Lock()
			b.dirty[id] = true
			b.mu.Unlock()
		}
		b.release(bf)
	}
	return errors.Join(errs...)
}

// close closes every open file.
func (b *blobFiles) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.open {
		e.Value.(*blobFile).f.Close()
	}
	clear(b.open)
	b.lru.Init()
}
