package fs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"

	"github.com/walrusfs/walrusfs/fs/meta"
)

// handle is an open file. The content state is the node's; a handle only
// remembers whether it may write.
type handle struct {
	n        *Node
	writable bool
	pt       bool // offered to the kernel for passthrough
}

var (
	_ fusefs.FileReader   = (*handle)(nil)
	_ fusefs.FileWriter   = (*handle)(nil)
	_ fusefs.FileFlusher  = (*handle)(nil)
	_ fusefs.FileFsyncer  = (*handle)(nil)
	_ fusefs.FileReleaser = (*handle)(nil)
)

func (n *Node) Open(ctx context.Context, flags uint32) (fusefs.FileHandle, uint32, syscall.Errno) {
	writable := flags&syscall.O_ACCMODE != syscall.O_RDONLY
	if writable && n.fs.cfg.ReadOnly {
		return nil, 0, syscall.EROFS
	}
	n.mu.Lock()
	regular := n.in.IsRegular()
	n.mu.Unlock()
	if !regular {
		return nil, 0, syscall.EINVAL
	}
	fh, errno := n.open(ctx, flags, writable)
	if errno != 0 {
		return nil, 0, errno
	}
	if errno := n.passthrough(fh); errno != 0 {
		fh.release()
		return nil, 0, errno
	}
	n.mu.Lock()
	remote := !n.in.Local && len(n.in.Chunks) > 0
	var openFlags uint32
	switch {
	case writable:
		n.keptVersion = 0
	case remote && !fh.pt:
		if n.keptVersion == n.in.Version+1 {
			openFlags |= fuse.FOPEN_KEEP_CACHE
		}
		n.keptVersion = n.in.Version + 1
	}
	n.mu.Unlock()
	if remote && !writable && n.fs.cfg.Reader != nil {
		n.fs.ahead.opened(n)
	}
	return fh, openFlags, 0
}

var _ fusefs.FilePassthroughFder = (*handle)(nil)

// passthrough decides whether the kernel may read and write a new handle's
// data file directly, as go-fuse's loopback lets it: only for local
// content, and only if every other open handle is in passthrough too (the
// kernel refuses to mix the modes on one inode). A passthrough writer's
// writes are not seen one by one, so its open counts as a change of the
// content, and size and times are read from the data file.
func (n *Node) passthrough(h *handle) syscall.Errno {
	n.mu.Lock()
	defer n.mu.Unlock()
	// go-fuse gives every new open of an inode whose backing file is
	// registered that backing file, whatever this says: count it as ours.
	forced := n.ptHandles > 0
	if !forced && (!n.fs.cfg.Passthrough || n.file == nil || !n.in.Local || n.handles != 1) {
		return 0
	}
	if h.writable {
		if errno := n.markWrittenLocked(); errno != 0 {
			return errno
		}
		if n.ptWriters == 0 {
			// From now on the data file's times are the file's.
			ts := []unix.Timespec{unix.NsecToTimespec(n.in.Atime), unix.NsecToTimespec(n.in.Mtime)}
			_ = unix.UtimesNanoAt(unix.AT_FDCWD, n.fs.cfg.Files.Path(n.ino), ts, 0)
		}
		n.ptWriters++
	}
	h.pt = true
	n.ptHandles++
	return 0
}

func (h *handle) PassthroughFd() (int, bool) {
	n := h.n
	n.mu.Lock()
	defer n.mu.Unlock()
	if !h.pt || n.file == nil {
		return 0, false
	}
	return int(n.file.Fd()), true
}

// syncPassthroughLocked takes size and modification time from the data
// file while passthrough writers may have changed it behind our back.
func (n *Node) syncPassthroughLocked() {
	if n.ptWriters == 0 || n.file == nil {
		return
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(n.file.Fd()), &st); err != nil {
		return
	}
	if mtime := st.Mtim.Nano(); uint64(st.Size) != n.in.Size || mtime != n.in.Mtime {
		n.in.Size, n.in.Mtime, n.in.Ctime = uint64(st.Size), mtime, max(st.Ctim.Nano(), n.in.Ctime)
		n.attrDirty = true
	}
	n.unsynced = true
}

// open opens the node for a new handle. A writable handle needs the content
// local: a file only on the network is downloaded first (unless truncated),
// without holding the content lock, so that other opens of the file, read
// only ones above all, go on meanwhile.
func (n *Node) open(ctx context.Context, flags uint32, writable bool) (*handle, syscall.Errno) {
	trunc := writable && flags&syscall.O_TRUNC != 0
	n.content.Lock()
	defer n.content.Unlock()
	local, errno := n.prepare(ctx, writable, trunc)
	if errno != 0 {
		return nil, errno
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if local && n.file == nil && !n.lost {
		f, errno := n.openDataLocked()
		if errno != 0 {
			return nil, errno
		}
		n.file = f
	}
	n.handles++
	if writable {
		n.writers++
	}
	if trunc && n.in.Size > 0 {
		if errno := n.truncateLocked(0); errno != 0 {
			n.handles--
			if writable {
				n.writers--
			}
			if n.handles == 0 {
				n.file.Close()
				n.file = nil
			}
			return nil, errno
		}
	}
	return &handle{n: n, writable: writable}, 0
}

// prepare readies a file's content for a new handle, under the content
// lock: it checks a local copy, and makes the content local for a writer.
// The download runs without the content lock, so that other opens of the
// file, read-only ones above all, go on meanwhile; if the file changed
// meanwhile, it looks again.
func (n *Node) prepare(ctx context.Context, writable, trunc bool) (local bool, errno syscall.Errno) {
	var download *os.File // a downloaded copy, to install
	var downloaded uint64 // the version it holds
	discard := func() {
		if download != nil {
			download.Close()
			os.Remove(download.Name())
			download = nil
		}
	}
	defer discard()
	for {
		// Where the content lives is decided by the store, read again
		// here: an eviction may have raced the lookup that made this node.
		n.fs.waitEviction(n.ino)
		if in, err := n.fs.meta.Inode(n.ino); err == nil {
			n.refresh(in)
		}
		if errno := n.checkLocalCopy(writable, trunc); errno != 0 {
			return false, errno
		}
		n.mu.Lock()
		local, size, version := n.in.Local, n.in.Size, n.in.Version
		n.mu.Unlock()
		if !writable || local {
			return local, 0
		}
		empty := trunc || size == 0
		if !empty && (download == nil || downloaded != version) {
			discard()
			n.content.Unlock()
			var err error
			download, err = n.download(ctx, version)
			n.content.Lock()
			if err != nil {
				return false, n.fs.errno("open", err)
			}
			downloaded = version
			continue
		}
		if empty {
			discard() // a copy fetched before the file was truncated
		}
		switch err := n.makeLocal(download, version, empty); {
		case errors.Is(err, errStale):
			discard()
		case err != nil:
			return false, n.fs.errno("open", err)
		default:
			download = nil // installed
			return true, 0
		}
	}
}

// openDataLocked opens the local data file of a local file. An empty file
// gets an empty data file, whatever an earlier life of the inode number
// left there; a missing data file of a non-empty file is an error, never
// an empty file in its place.
func (n *Node) openDataLocked() (*os.File, syscall.Errno) {
	path := n.fs.cfg.Files.Path(n.ino)
	flags := os.O_RDWR
	if n.in.Size == 0 {
		flags |= os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if errors.Is(err, fs.ErrNotExist) {
		n.fs.log.Error("the local copy of a file is missing", "ino", n.ino, "size", n.in.Size, "path", path)
		return nil, syscall.EIO
	}
	if err != nil {
		return nil, n.fs.errno("open", err)
	}
	return f, 0
}

// errStale: the file changed while its content was downloaded.
var errStale = errors.New("file changed during download")

// download fetches a version of a file's content from the network into a
// temporary data file, after checking there is room for it.
func (n *Node) download(ctx context.Context, version uint64) (*os.File, error) {
	n.mu.Lock()
	chunks, size := n.in.Chunks, n.in.Size
	n.mu.Unlock()
	if errno := n.fs.roomFor(int64(size)); errno != 0 {
		return nil, fmt.Errorf("download inode %d (%d bytes): %w", n.ino, size, errno)
	}
	tmp, err := os.CreateTemp(n.fs.cfg.Files.Dir, fmt.Sprintf("%d.download-*", n.ino))
	if err != nil {
		return nil, err
	}
	hook("download")
	err = n.fs.cfg.Reader.Download(ctx, chunks, tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("download inode %d version %d: %w", n.ino, version, err)
	}
	return tmp, nil
}

// makeLocal gives a file whose content is on the network a local data file:
// downloaded, the copy of version download holds, or empty if empty is set
// (for a truncation). It fails with errStale if the file is local or at
// another version by now. The caller holds the content lock, under which
// every change of where the content lives happens. The content does not
// change, so neither does its version.
func (n *Node) makeLocal(downloaded *os.File, version uint64, empty bool) error {
	path := n.fs.cfg.Files.Path(n.ino)
	if cur, err := n.fs.meta.Inode(n.ino); err != nil {
		return err
	} else if cur.Local || cur.Version != version {
		return errStale
	}
	if empty {
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			return err
		}
	} else if err := os.Rename(downloaded.Name(), path); err != nil {
		return err
	}
	in, err := n.fs.meta.Update(n.ino, func(in *meta.Inode) error {
		in.Local = true
		if empty && in.Size > 0 {
			// Truncated to nothing: a new version of the content.
			in.Version++
			in.Size = 0
		}
		return nil
	})
	if err != nil {
		return err
	}
	if downloaded != nil {
		downloaded.Close()
	}
	n.mu.Lock()
	truncated := empty && n.in.Size > 0
	n.applyLocked(in)
	if truncated {
		n.written = true // a new version, to upload at close
	}
	n.mu.Unlock()
	return nil
}

// markWrittenLocked records, before the first change of the content since
// the file was last queued, that its version moved on; an upload of the
// older version then cannot take its place.
func (n *Node) markWrittenLocked() syscall.Errno {
	if n.written {
		return 0
	}
	in, err := n.fs.meta.Update(n.ino, func(in *meta.Inode) error {
		in.Version++
		in.Local = true
		return nil
	})
	if err != nil {
		return n.fs.errno("write", err)
	}
	n.applyLocked(in)
	n.written = true
	return 0
}

func (n *Node) truncateLocked(size uint64) syscall.Errno {
	if n.lost {
		if size > 0 {
			return syscall.EIO
		}
		f, err := os.OpenFile(n.fs.cfg.Files.Path(n.ino), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return n.fs.errno("truncate", err)
		}
		n.file, n.lost = f, false
	}
	if errno := n.markWrittenLocked(); errno != 0 {
		return errno
	}
	if err := n.file.Truncate(int64(size)); err != nil {
		return n.fs.errno("truncate", err)
	}
	now := time.Now().UnixNano()
	n.in.Size, n.in.Mtime, n.in.Ctime = size, now, now
	n.attrDirty, n.unsynced = true, true
	return 0
}

// truncate sets a file's size (Setattr). Without an open handle, the change
// is committed and queued at once, as no close will follow.
func (n *Node) truncate(ctx context.Context, size uint64) syscall.Errno {
	n.mu.Lock()
	regular := n.in.IsRegular()
	n.mu.Unlock()
	if !regular {
		return syscall.EISDIR
	}
	var flags uint32
	if size == 0 {
		flags = syscall.O_TRUNC // no need to download what goes away
	}
	fh, errno := n.open(ctx, flags, true)
	if errno != 0 {
		return errno
	}
	n.mu.Lock()
	errno = n.truncateLocked(size)
	// With no writer but this one, no close will queue the change: it is
	// queued now. (Readers do not count: their release commits nothing,
	// and may reach us after the next request.)
	last := n.writers == 1
	n.mu.Unlock()
	if errno == 0 && last {
		if errno = n.commit(true, false); errno != 0 {
			n.fs.recoverLater(n.ino)
		}
	}
	fh.release()
	return errno
}

func (h *handle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	n := h.n
	n.mu.Lock()
	local, f, size, chunks, lost := n.in.Local, n.file, n.in.Size, n.in.Chunks, n.lost
	n.mu.Unlock()
	if off < 0 {
		return nil, syscall.EINVAL
	}
	if lost {
		return nil, syscall.EIO
	}
	if uint64(off) >= size {
		return fuse.ReadResultData(nil), 0
	}
	dest = dest[:min(uint64(len(dest)), size-uint64(off))]
	if local && f != nil {
		// Spliced from the data file to the kernel, without a copy here.
		// A data file shorter than the size (a crash before its size was
		// synced) reads short; the kernel then sees zeros past it.
		return fuse.ReadResultFd(f.Fd(), off, len(dest)), 0
	}
	k, err := n.fs.cfg.Reader.ReadAt(ctx, chunks, dest, off)
	if err != nil {
		n.fs.log.Warn("read failed", "ino", n.ino, "offset", off, "err", err)
		return nil, syscall.EIO
	}
	return fuse.ReadResultData(dest[:k]), 0
}

func (h *handle) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	if !h.writable {
		return 0, syscall.EBADF
	}
	n := h.n
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.lost {
		return 0, syscall.EIO
	}
	if errno := n.fs.roomFor(off + int64(len(data)) - int64(n.in.Size)); errno != 0 {
		return 0, errno
	}
	if errno := n.markWrittenLocked(); errno != 0 {
		return 0, errno
	}
	n.fs.writing()
	k, err := n.file.WriteAt(data, off)
	if k > 0 {
		now := time.Now().UnixNano()
		n.in.Size = max(n.in.Size, uint64(off)+uint64(k))
		n.in.Mtime, n.in.Ctime = now, now
		n.attrDirty, n.unsynced = true, true
	}
	if err != nil {
		return uint32(k), n.fs.errno("write", err)
	}
	return uint32(k), 0
}

// commit stores the file's attributes in the tree, and with enqueue queues
// a changed content for upload. With sync (fsync) it also makes the content
// and the tree durable; without (close), the next FS.Commit does (see
// commit.go). The data file's sync runs without the node's lock, so that
// stat and reads of the file go on meanwhile; commits of one file run one
// at a time.
func (n *Node) commit(enqueue, sync bool) syscall.Errno {
	n.commitMu.Lock()
	defer n.commitMu.Unlock()
	n.mu.Lock()
	n.syncPassthroughLocked()
	if file := n.file; sync && n.unsynced && file != nil {
		// Writes from now on need a sync of their own.
		n.unsynced = false
		n.mu.Unlock()
		if err := datasync(file); err != nil {
			n.mu.Lock()
			n.unsynced = true
			n.mu.Unlock()
			return n.fs.errno("fsync", err)
		}
		n.mu.Lock()
	}
	// A queued file may have grown unseen (passthrough writes after a
	// close queued it): its entry follows its size.
	requeue := enqueue && !n.written && n.attrDirty && n.in.Local
	enqueue = enqueue && n.written
	if n.attrDirty || enqueue {
		var setAttrs func(*meta.Inode) error
		if n.attrDirty {
			size, mtime, ctime := n.in.Size, n.in.Mtime, n.in.Ctime
			setAttrs = func(in *meta.Inode) error {
				in.Size, in.Mtime, in.Ctime = size, mtime, ctime
				return nil
			}
		}
		path := ""
		if enqueue || requeue {
			path = n.Path(nil)
		}
		in, err := n.fs.meta.UpdateAndEnqueue(n.ino, setAttrs, enqueue || requeue, path)
		if err != nil {
			n.mu.Unlock()
			return n.fs.errno("close", err)
		}
		if n.attrDirty {
			n.attrDirty = false
			n.applyLocked(in)
		}
	}
	queued := false
	if enqueue {
		n.written, queued = false, true
	}
	n.mu.Unlock()
	if sync {
		if err := n.fs.meta.Sync(); err != nil {
			return n.fs.errno("fsync", err)
		}
	}
	if queued {
		n.fs.queued(n.ino)
	}
	return 0
}

// datasync is fdatasync(2) of an open file; the file may be closed
// meanwhile (the descriptor is held while in use, never reused under us).
func datasync(f *os.File) error {
	hook("datasync")
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var syncErr error
	if err := rc.Control(func(fd uintptr) { syncErr = unix.Fdatasync(int(fd)) }); err != nil {
		return err
	}
	return syncErr
}

func (h *handle) Flush(ctx context.Context) syscall.Errno {
	if !h.writable {
		return 0
	}
	return h.n.commit(true, false)
}

func (h *handle) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	return h.n.commit(false, true)
}

func (h *handle) Release(ctx context.Context) syscall.Errno {
	n := h.n
	if h.writable {
		// Writes after the last flush (through a shared mmap, or by the
		// kernel for a passthrough writer, unseen) are queued here.
		// A passthrough writer's later writes need no new version: the
		// uploader waits for the last one to close (FS.Busy), then reads
		// the final bytes under the version already queued.
		n.mu.Lock()
		n.syncPassthroughLocked()
		pending := n.written || n.attrDirty
		n.mu.Unlock()
		if pending {
			if errno := n.commit(true, false); errno != 0 {
				n.fs.log.Error("committing a closed file", "ino", n.ino, "errno", errno)
				n.fs.recoverLater(n.ino)
			}
		}
	}
	h.release()
	return 0
}

// release drops the handle's hold on the node.
func (h *handle) release() {
	n := h.n
	n.mu.Lock()
	n.handles--
	if h.writable {
		n.writers--
	}
	if h.pt {
		n.ptHandles--
		if h.writable {
			n.syncPassthroughLocked()
			n.ptWriters--
		}
	}
	last := n.handles == 0
	if last && n.file != nil {
		n.file.Close()
		n.file = nil
	}
	gone := last && n.in.Nlink == 0
	n.mu.Unlock()
	if gone {
		n.fs.deleteInode(n.ino)
	}
}

var _ fusefs.FileAllocater = (*handle)(nil)

// Allocate is fallocate(2) on the local data file: preallocation (with or
// without keeping the size), hole punching and zeroing change the content
// like writes do.
func (h *handle) Allocate(ctx context.Context, off uint64, size uint64, mode uint32) syscall.Errno {
	if !h.writable {
		return syscall.EBADF
	}
	n := h.n
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.lost {
		return syscall.EIO
	}
	if mode&unix.FALLOC_FL_PUNCH_HOLE == 0 {
		if errno := n.fs.roomFor(int64(off+size) - int64(n.in.Size)); errno != 0 {
			return errno
		}
	}
	if errno := n.markWrittenLocked(); errno != 0 {
		return errno
	}
	if mode&(unix.FALLOC_FL_COLLAPSE_RANGE|unix.FALLOC_FL_INSERT_RANGE) != 0 {
		return syscall.EOPNOTSUPP // they move bytes: sizes would need tracking
	}
	if err := unix.Fallocate(int(n.file.Fd()), mode, int64(off), int64(size)); err != nil {
		return n.fs.errno("fallocate", err)
	}
	now := time.Now().UnixNano()
	if mode&unix.FALLOC_FL_KEEP_SIZE == 0 {
		n.in.Size = max(n.in.Size, off+size)
	}
	n.in.Mtime, n.in.Ctime = now, now
	n.attrDirty, n.unsynced = true, true
	return 0
}
