// Package fs is walrusfs's file system: a go-fuse (hanwen/go-fuse/v2) tree
// whose metadata lives in fs/meta and whose file contents are Walrus blobs.
//
// A file written on this machine is "local": its data file (cache.Files) is
// its content, written in place with pwrite, made durable by fsync and by
// close, and queued for upload when closed. The uploader (cache.Uploader)
// stores it as blobs and, once they are certified, points the file at them.
// A file whose content is only on the network is read lazily, window by
// window, through cache.Reader; opening it for writing first downloads it.
//
// Kernel-side permission checks are used (the default_permissions mount
// option): the file system stores modes and owners and leaves access
// decisions to the kernel, as the local file systems do.
package fs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/walrusfs/walrusfs/cache"
	"github.com/walrusfs/walrusfs/fs/meta"
)

// Config assembles a file system.
type Config struct {
	Meta     *meta.Store
	Files    cache.Files
	Reader   *cache.Reader
	Uploader *cache.Uploader
	// ReadOnly refuses every change (EROFS).
	ReadOnly bool
	// Passthrough lets the kernel read and write local data files directly
	// (FUSE passthrough, where the kernel (6.9+) and the process's
	// privileges (CAP_SYS_ADMIN) allow; go-fuse falls back silently).
	Passthrough bool
	// MinFree is the space kept free on the cache's disk: writes that
	// would eat into it fail with ENOSPC (0: no check).
	MinFree int64
	// Public says the whole mount stores content unencrypted.
	Public bool
	// AttrTimeout and EntryTimeout are how long the kernel may keep
	// attributes and names without asking again (0: a second; negative:
	// not at all). Every change comes through the mount, so longer is
	// safe, and faster.
	AttrTimeout, EntryTimeout time.Duration
	// Shown overrides owners and permission bits as the kernel sees them.
	Shown Shown
	// Sum is the uploader's content hash (Uploader.Sum), which checks local
	// copies against their chunks' sums; nil skips the check.
	Sum    func(data []byte, public bool) [32]byte
	Logger *slog.Logger
}

// Shown overrides what the kernel is told of every file, as rclone's
// --uid, --gid and --umask do: its owner (UID, GID, where set) and its
// permission bits, less Umask. The kernel checks access against what it is
// told (default_permissions); what is stored is untouched, and chown and
// chmod still store their values. For trees written under other user IDs,
// or shared with --allow-other.
type Shown struct {
	UID, GID       uint32
	SetUID, SetGID bool
	Umask          uint32 // permission bits (0o777) to clear
}

// The uploader asks the file system which files are busy and tells it
// which got certified.
var _ cache.FileSystem = (*FS)(nil)

// FS is a mounted tree.
type FS struct {
	cfg  Config
	meta *meta.Store
	log  *slog.Logger

	mu    sync.Mutex
	nodes map[uint64]*Node // nodes the kernel knows, by inode number
	// evicting: evictions of files without nodes, under way (see Evict).
	evicting map[uint64]chan struct{}

	dropped atomic.Int64 // bad local copies dropped (checkLocalCopy)

	ahead readAhead // fetches the next files of a tree being read

	commitMu  sync.Mutex
	committed uint64 // the tree's change count at the last Commit

	recoverMu sync.Mutex
	toRecover map[uint64]bool // see recoverLater

	space cache.DiskFree // of the data files' disk
}

// New returns a file system; it deletes files left unlinked but open by an
// earlier run.
func New(cfg Config) (*FS, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	f := &FS{cfg: cfg, meta: cfg.Meta, log: cfg.Logger, nodes: map[uint64]*Node{}, space: cache.DiskFree{Dir: cfg.Files.Dir}}
	f.ahead.fs = f
	if n, err := cfg.Files.RemoveLeftovers(); err != nil {
		return nil, err
	} else if n > 0 {
		f.log.Info("removed partial downloads a killed process left", "files", n)
	}
	orphans, err := f.meta.Unlinked()
	if err != nil {
		return nil, err
	}
	for _, ino := range orphans {
		f.deleteInode(ino)
	}
	if err := f.Recover(); err != nil {
		return nil, err
	}
	return f, nil
}

// Recover queues every changed local file whose current version has no
// queue entry and that no one is writing, with its size taken from its data
// file: what a crash left between a change and its close. It runs at start
// and after unmounting; while mounted, only files whose commit failed are
// looked at again (Maintain), so no periodic work scans the tree.
func (f *FS) Recover() error {
	files, err := f.meta.Unsettled()
	if err != nil {
		return err
	}
	for i := range files {
		if err := f.recoverFile(&files[i]); err != nil {
			return err
		}
	}
	return f.meta.Sync()
}

// recoverLater has Maintain look at a file again: its commit failed, so
// no close may queue its change.
func (f *FS) recoverLater(ino uint64) {
	f.recoverMu.Lock()
	defer f.recoverMu.Unlock()
	if f.toRecover == nil {
		f.toRecover = map[uint64]bool{}
	}
	f.toRecover[ino] = true
}

// recoverFailed queues the files recoverLater named, keeping those that
// fail again for the next time.
func (f *FS) recoverFailed() error {
	f.recoverMu.Lock()
	inos := f.toRecover
	f.toRecover = nil
	f.recoverMu.Unlock()
	var firstErr error
	for ino := range inos {
		in, err := f.meta.Inode(ino)
		if errors.Is(err, syscall.ENOENT) {
			continue
		}
		if err == nil && in.Unsettled() {
			err = f.recoverFile(in)
		}
		if err != nil {
			f.recoverLater(ino)
			firstErr = cmp.Or(firstErr, err)
		}
	}
	return firstErr
}

// recoverFile queues a changed file (see Recover).
func (f *FS) recoverFile(in *meta.Inode) error {
	if e, err := f.meta.Book().Queued(in.Ino); err == nil && e.Version == in.Version {
		return nil
	}
	if f.changing(in.Ino) {
		return nil // its writers' close queues it
	}
	fi, err := os.Stat(f.cfg.Files.Path(in.Ino))
	switch {
	case errors.Is(err, iofs.ErrNotExist) && in.Size > 0:
		f.markLost(in.Ino, in.Version, f.queuedPath(in.Ino), "local copy missing")
		return nil
	case errors.Is(err, iofs.ErrNotExist):
		// Empty: queued as it is; its data file is made at open.
	case err != nil:
		return fmt.Errorf("recover inode %d: %w", in.Ino, err)
	case uint64(fi.Size()) != in.Size:
		size := uint64(fi.Size())
		if _, err := f.meta.Update(in.Ino, func(in *meta.Inode) error {
			in.Size, in.Mtime = size, fi.ModTime().UnixNano()
			return nil
		}); err != nil {
			return err
		}
	}
	if _, err := f.meta.Enqueue(in.Ino, ""); err != nil {
		return err
	}
	f.queued(in.Ino)
	f.log.Info("queued a changed file no close queued", "ino", in.Ino, "bytes", in.Size)
	return nil
}

// queuedPath returns the path a file had when it was last queued, if any:
// a name for messages about a file no node stands for.
func (f *FS) queuedPath(ino uint64) string {
	if e, err := f.meta.Book().Queued(ino); err == nil {
		return e.Path
	}
	return ""
}

// Root returns the root directory's node.
func (f *FS) Root() (*Node, error) {
	in, err := f.meta.Inode(meta.RootIno)
	if err != nil {
		return nil, fmt.Errorf("fs: root: %w", err)
	}
	n := &Node{fs: f, ino: meta.RootIno, state: &state{in: *in}}
	f.mu.Lock()
	f.nodes[meta.RootIno] = n
	f.mu.Unlock()
	return n, nil
}

// Mount mounts the file system on dir. allowOther lets other users in (the
// mount is private to its user otherwise).
func (f *FS) Mount(dir string, allowOther bool) (*fuse.Server, error) {
	root, err := f.Root()
	if err != nil {
		return nil, err
	}
	attr := max(cmp.Or(f.cfg.AttrTimeout, time.Second), 0)
	entry := max(cmp.Or(f.cfg.EntryTimeout, time.Second), 0)
	opts := &fusefs.Options{
		MountOptions: fuse.MountOptions{
			AllowOther:   allowOther,
			FsName:       "walrusfs",
			Name:         "walrusfs",
			MaxWrite:     1 << 20,
			MaxReadAhead: 1 << 20,
			Options:      []string{"default_permissions"},
		},
		EntryTimeout: &entry,
		AttrTimeout:  &attr,
		// Modes as stored: a file created with mode 0 has mode 0 (go-fuse
		// would otherwise show 0644).
		NullPermissions: true,
		RootStableAttr:  &fusefs.StableAttr{Ino: meta.RootIno},
		UID:             uint32(os.Getuid()),
		GID:             uint32(os.Getgid()),
	}
	if f.cfg.ReadOnly {
		opts.MountOptions.Options = append(opts.MountOptions.Options, "ro")
	}
	srv, err := fusefs.Mount(dir, root, opts)
	if err != nil {
		return nil, fmt.Errorf("mount %s: %w", dir, err)
	}
	return srv, nil
}

// Certified tells the file system a file now points at certified blobs.
func (f *FS) Certified(ino uint64) {
	f.mu.Lock()
	n := f.nodes[ino]
	f.mu.Unlock()
	if n == nil {
		return
	}
	in, err := f.meta.Inode(ino)
	if err != nil {
		return
	}
	n.refresh(in)
}

// whileKnown reports what test says of an inode's state, under its lock,
// or false if the kernel does not know the inode.
func (f *FS) whileKnown(ino uint64, test func(*state) bool) bool {
	f.mu.Lock()
	n := f.nodes[ino]
	f.mu.Unlock()
	if n == nil {
		return false
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return test(n.state)
}

// changing tells whether a file is open for writing or has changes not
// committed yet: its close will queue it.
func (f *FS) changing(ino uint64) bool {
	return f.whileKnown(ino, func(st *state) bool { return st.writers > 0 || st.written || st.attrDirty })
}

// Busy tells whether a file has passthrough writers: its content may be
// changing unseen, so it must not be uploaded yet.
func (f *FS) Busy(ino uint64) bool {
	return f.whileKnown(ino, func(st *state) bool { return st.ptWriters > 0 })
}

// errno turns an error from meta or the OS into the errno to return.
func (f *FS) errno(op string, err error) syscall.Errno {
	if err == nil {
		return 0
	}
	var e syscall.Errno
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, context.Canceled):
		return syscall.EINTR
	case errors.Is(err, context.DeadlineExceeded):
		return syscall.EIO
	}
	f.log.Error("file system operation failed", "op", op, "err", err)
	return syscall.EIO
}

// deleteInode removes an inode with no links left and its data file.
// The data file goes first: a crash between the two leaves an unlinked
// inode, which the next start deletes again, where the other order would
// leave a data file nothing refers to.
func (f *FS) deleteInode(ino uint64) {
	in, err := f.meta.Inode(ino)
	if errors.Is(err, syscall.ENOENT) {
		return
	}
	if err != nil {
		f.log.Error("deleting an unlinked file", "ino", ino, "err", err)
		return
	}
	if in.Nlink > 0 || ino == meta.RootIno {
		return
	}
	if err := os.Remove(f.cfg.Files.Path(ino)); err != nil && !os.IsNotExist(err) {
		f.log.Warn("removing the data of an unlinked file", "ino", ino, "err", err)
		return
	}
	if _, err := f.meta.Forget(ino); err != nil {
		f.log.Error("deleting an unlinked file", "ino", ino, "err", err)
	}
}

// caller returns the uid and gid of the process making a request.
func caller(ctx context.Context) (uint32, uint32) {
	if c, ok := fuse.FromContext(ctx); ok {
		return c.Uid, c.Gid
	}
	return uint32(os.Getuid()), uint32(os.Getgid())
}

// Walrus extended attributes: read-only, computed.
const (
	xattrBlobID = "user.walrus.blob_id"
	xattrState  = "user.walrus.state"
	// xattrPatchID is the quilt patch ID of a small file stored as a patch
	// of a Walrus quilt, as Walrus's aggregators and SDKs take it.
	xattrPatchID = "user.walrus.quilt_patch_id"
	// xattrPublic ("1" or "0") marks a file stored unencrypted on purpose,
	// or a directory whose new entries are; users set it.
	xattrPublic = "user.walrus.public"
)

func isWalrusXattr(name string) bool { return strings.HasPrefix(name, "user.walrus.") }
