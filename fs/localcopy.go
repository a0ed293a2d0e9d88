package fs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"sync"
	"syscall"

	"github.com/walrusfs/walrusfs/cache"
	cachestate "github.com/walrusfs/walrusfs/cache/state"
	"github.com/walrusfs/walrusfs/fs/meta"
)

// A local data file is one of two things. For a file whose current version
// is certified it is a cache of the network's copy: missing, cut short or
// not matching the chunks' sums, it is dropped and the file is read from
// the network. For a file changed since, it is the only copy: missing, the
// file is lost, which is recorded once (status names it) instead of logged
// at every read.

// checkLocalCopy checks a local file's data file before the first handle
// opens it. Each version's copy is checked against its sums once while the
// kernel knows the file. With trunc (the content is going away) a missing
// copy of a changed file is replaced by an empty one instead. A lost file
// opens only for writing, so that it can be truncated: the kernel opens
// before it truncates for O_TRUNC.
func (n *Node) checkLocalCopy(writable, trunc bool) syscall.Errno {
	n.mu.Lock()
	in := n.in
	open, checked := n.file != nil, n.checked == in.Version+1
	n.mu.Unlock()
	if !in.Local || open || checked || !in.IsRegular() || in.Size == 0 {
		return 0 // an empty file's data file is made at open
	}
	path := n.fs.cfg.Files.Path(n.ino)
	fi, err := os.Stat(path)
	if err != nil && !errors.Is(err, iofs.ErrNotExist) {
		return n.fs.errno("open", err)
	}
	missing := err != nil
	if in.Certified != in.Version || !chunksCover(in.Chunks, in.Size) {
		if !missing {
			return n.markChecked(in.Version)
		}
		if trunc {
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				return n.fs.errno("open", err)
			}
			return 0
		}
		n.fs.markLost(n.ino, in.Version, n.Path(nil), "local copy missing")
		if !writable {
			return syscall.EIO
		}
		n.mu.Lock()
		n.lost = true
		n.mu.Unlock()
		return 0
	}
	var damage string
	switch {
	case missing:
		damage = "missing"
	case uint64(fi.Size()) < in.Size:
		damage = fmt.Sprintf("cut short (%d of %d bytes)", fi.Size(), in.Size)
	default:
		bad, err := n.fs.verifyCopy(path, in.Chunks, in.Public)
		if err != nil {
			return n.fs.errno("verify local copy", err)
		}
		if bad >= 0 {
			damage = fmt.Sprintf("damaged (chunk %d does not match its sum)", bad)
		}
	}
	if damage == "" {
		return n.markChecked(in.Version)
	}
	// The network's copy is the file: drop the bad one, as an eviction
	// would, and read from the network from now on.
	evicted, err := n.fs.evict(n.ino)
	if err != nil {
		return n.fs.errno("drop a damaged local copy", err)
	}
	n.refresh(evicted)
	// One warning; after it (a lost data directory: thousands), a count
	// in status and debug lines.
	log := n.fs.log.Debug
	if n.fs.dropped.Add(1) == 1 {
		log = n.fs.log.Warn
	}
	log("a file's local copy is "+damage+"; reading it from the network (status counts such copies)", "path", n.Path(nil), "ino", n.ino)
	return 0
}

// DroppedCopies returns how many bad local copies of certified files were
// dropped since the mount started.
func (f *FS) DroppedCopies() int64 { return f.dropped.Load() }

func (n *Node) markChecked(version uint64) syscall.Errno {
	n.mu.Lock()
	n.checked = version + 1
	n.mu.Unlock()
	return 0
}

// chunksCover tells whether chunks hold size bytes: a certified file's
// chunks, checked before they stand in for a local copy.
func chunksCover(chunks []meta.Chunk, size uint64) bool {
	var sum uint64
	for _, c := range chunks {
		sum += c.Size
	}
	return sum == size
}

// copyBufs holds buffers for checking copies chunk by chunk.
var copyBufs sync.Pool

// verifyCopy compares a data file with its chunks' sums and returns the
// first chunk that differs, or -1. Chunks without a sum (certified before
// sums were kept) and files without a Sum function pass.
func (f *FS) verifyCopy(path string, chunks []meta.Chunk, public bool) (int, error) {
	if f.cfg.Sum == nil {
		return -1, nil
	}
	file, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer file.Close()
	var off int64
	for i, c := range chunks {
		if len(c.Sum) == 0 {
			off += int64(c.Size)
			continue
		}
		bp, _ := copyBufs.Get().(*[]byte)
		if bp == nil || uint64(cap(*bp)) < c.Size {
			b := make([]byte, c.Size)
			bp = &b
		}
		buf := (*bp)[:c.Size]
		_, err := file.ReadAt(buf, off)
		sum := f.cfg.Sum(buf, public)
		copyBufs.Put(bp)
		if errors.Is(err, io.EOF) {
			return i, nil
		}
		if err != nil {
			return 0, err
		}
		if !bytes.Equal(sum[:], c.Sum) {
			return i, nil
		}
		off += int64(c.Size)
	}
	return -1, nil
}

// markLost records that a file's only copy is gone, and says so once.
func (f *FS) markLost(ino, version uint64, path, reason string) {
	cache.MarkLost(f.meta, f.log, cachestate.LostFile{Ino: ino, Version: version, Path: path, Reason: reason})
}
