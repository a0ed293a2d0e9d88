package fs

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	fusefs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"

	"github.com/walrusfs/walrusfs/encoding/quilt"
	"github.com/walrusfs/walrusfs/fs/meta"
)

// Node is a file, directory or symlink the kernel knows. go-fuse may hold
// more than one Node object for an inode number over time (a lookup racing
// a forget makes a new one); they all share the inode's state.
type Node struct {
	fusefs.Inode
	fs  *FS
	ino uint64
	*state
}

// state is what the file system keeps of an inode while the kernel knows
// it, shared by its Node objects.
type state struct {
	// content serializes changes of where the content lives (download,
	// truncation, eviction) without blocking attribute requests.
	content sync.Mutex
	// commitMu serializes commits (see commit).
	commitMu sync.Mutex

	mu sync.Mutex
	// in caches the inode; while a file is written, its size and times
	// here run ahead of the store (attrDirty) until flush or fsync.
	in        meta.Inode
	attrDirty bool
	// written: the content changed since the file was last queued (its
	// version was bumped in the store before the first change).
	written bool
	// unsynced: data written since the data file was last synced.
	unsynced bool
	file     *os.File // the data file, open while handles are
	handles  int
	writers  int // handles open for writing, whose close commits
	// Handles in passthrough mode: the kernel reads and writes their data
	// file itself, so writes are not seen one by one (see passthrough).
	ptHandles, ptWriters int
	// checked is 1 + the version whose local copy was found sound.
	checked uint64
	// lost: the content's only copy is gone (see checkLocalCopy); reads
	// and writes fail until a truncation to nothing gives it new content.
	lost bool
	// keptVersion is 1 + the version of network content that a read-only
	// open had the kernel read through this file system: a later read-only
	// open of the same version lets the kernel keep those pages
	// (FOPEN_KEEP_CACHE), so a data set read again costs no round trips.
	// Every change of content bumps the version first, and a writable
	// open clears it (its passthrough writes bypass those pages).
	keptVersion uint64
}

var (
	_ fusefs.NodeLookuper      = (*Node)(nil)
	_ fusefs.NodeGetattrer     = (*Node)(nil)
	_ fusefs.NodeSetattrer     = (*Node)(nil)
	_ fusefs.NodeCreater       = (*Node)(nil)
	_ fusefs.NodeMkdirer       = (*Node)(nil)
	_ fusefs.NodeMknoder       = (*Node)(nil)
	_ fusefs.NodeSymlinker     = (*Node)(nil)
	_ fusefs.NodeLinker        = (*Node)(nil)
	_ fusefs.NodeReadlinker    = (*Node)(nil)
	_ fusefs.NodeUnlinker      = (*Node)(nil)
	_ fusefs.NodeRmdirer       = (*Node)(nil)
	_ fusefs.NodeRenamer       = (*Node)(nil)
	_ fusefs.NodeReaddirer     = (*Node)(nil)
	_ fusefs.NodeOpener        = (*Node)(nil)
	_ fusefs.NodeGetxattrer    = (*Node)(nil)
	_ fusefs.NodeSetxattrer    = (*Node)(nil)
	_ fusefs.NodeListxattrer   = (*Node)(nil)
	_ fusefs.NodeRemovexattrer = (*Node)(nil)
	_ fusefs.NodeStatfser      = (*Node)(nil)
	_ fusefs.NodeOnForgetter   = (*Node)(nil)
)

// fillAttr tells the kernel an inode's attributes, as Config.Shown has
// them shown.
func (f *FS) fillAttr(in *meta.Inode, out *fuse.Attr) {
	out.Ino = in.Ino
	out.Mode = in.Mode &^ f.cfg.Shown.Umask
	out.Nlink = in.Nlink
	out.Uid, out.Gid = in.UID, in.GID
	if f.cfg.Shown.SetUID {
		out.Uid = f.cfg.Shown.UID
	}
	if f.cfg.Shown.SetGID {
		out.Gid = f.cfg.Shown.GID
	}
	out.Rdev = in.Rdev
	out.Size = in.Size
	switch {
	case in.IsDir():
		out.Size = 4096
	case in.IsSymlink():
		out.Size = uint64(len(in.Target))
	}
	out.Blocks = (out.Size + 511) / 512
	out.Blksize = 1 << 16
	setTime := func(ns int64, sec *uint64, nsec *uint32) {
		*sec, *nsec = uint64(ns/1e9), uint32(ns%1e9)
	}
	setTime(in.Atime, &out.Atime, &out.Atimensec)
	setTime(in.Mtime, &out.Mtime, &out.Mtimensec)
	setTime(in.Ctime, &out.Ctime, &out.Ctimensec)
}

// applyLocked takes the stored inode in, keeping the size and times a write
// put ahead of it. A copy older than the cached one (read before a change
// that raced ahead) is ignored. Every change read back from the store goes
// through here, whole: copying a few fields would let an older copy's
// other fields stand.
func (st *state) applyLocked(in *meta.Inode) {
	if in.Seq < st.in.Seq {
		return
	}
	c := *in
	if st.attrDirty {
		c.Size, c.Mtime, c.Ctime = st.in.Size, st.in.Mtime, st.in.Ctime
	}
	st.in = c
}

// refresh is applyLocked under the state's lock.
func (st *state) refresh(in *meta.Inode) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.applyLocked(in)
}

// reload re-reads the inode from the store.
func (n *Node) reload() {
	if in, err := n.fs.meta.Inode(n.ino); err == nil {
		n.refresh(in)
	}
}

// child returns the kernel-side inode of a stored inode, with the state the
// inode's other Node objects share. A new state reads the inode again; an
// eviction under way meanwhile is waited for at open (waitEviction).
func (n *Node) child(ctx context.Context, in *meta.Inode, out *fuse.EntryOut) *fusefs.Inode {
	f := n.fs
	f.mu.Lock()
	var st *state
	if prev := f.nodes[in.Ino]; prev != nil {
		st = prev.state
		st.refresh(in)
	} else {
		if fresh, err := f.meta.Inode(in.Ino); err == nil {
			in = fresh
		}
		st = &state{in: *in}
	}
	node := &Node{fs: f, ino: in.Ino, state: st}
	inode := n.NewInode(ctx, node, fusefs.StableAttr{Mode: in.Mode & syscall.S_IFMT, Ino: in.Ino})
	f.nodes[in.Ino] = node
	f.mu.Unlock()
	st.mu.Lock()
	f.fillAttr(&st.in, &out.Attr)
	st.mu.Unlock()
	return inode
}

// OnForget drops the inode's state when the kernel forgets its newest Node
// (an older one's forgetting leaves the state to the newer), and the inode
// itself if it has no links left.
func (n *Node) OnForget() {
	f := n.fs
	f.mu.Lock()
	newest := f.nodes[n.ino] == n
	n.mu.Lock()
	idle := n.handles == 0 && !n.written && !n.attrDirty
	gone := n.in.Nlink == 0 && n.handles == 0
	n.mu.Unlock()
	if newest && idle {
		delete(f.nodes, n.ino)
	}
	f.mu.Unlock()
	if newest && gone {
		f.deleteInode(n.ino)
	}
}

func (n *Node) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fusefs.Inode, syscall.Errno) {
	if errno := checkName(name); errno != 0 {
		return nil, errno
	}
	in, err := n.fs.meta.Lookup(n.ino, name)
	if err != nil {
		return nil, n.fs.errno("lookup", err)
	}
	return n.child(ctx, in, out), 0
}

func (n *Node) Getattr(ctx context.Context, fh fusefs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.syncPassthroughLocked()
	n.fs.fillAttr(&n.in, &out.Attr)
	return 0
}

func (n *Node) Setattr(ctx context.Context, fh fusefs.FileHandle, sa *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if n.fs.cfg.ReadOnly {
		return syscall.EROFS
	}
	if size, ok := sa.GetSize(); ok {
		if errno := n.truncate(ctx, size); errno != 0 {
			return errno
		}
	}
	now := time.Now().UnixNano()
	n.mu.Lock()
	n.syncPassthroughLocked()
	size, mtime, dirty := n.in.Size, n.in.Mtime, n.attrDirty
	n.mu.Unlock()
	in, err := n.fs.meta.Update(n.ino, func(in *meta.Inode) error {
		if dirty {
			in.Size, in.Mtime = size, mtime
		}
		if mode, ok := sa.GetMode(); ok {
			in.Mode = in.Mode&syscall.S_IFMT | mode&07777
		}
		if uid, ok := sa.GetUID(); ok {
			in.UID = uid
		}
		if gid, ok := sa.GetGID(); ok {
			in.GID = gid
		}
		if sa.Valid&(fuse.FATTR_UID|fuse.FATTR_GID) != 0 && in.IsRegular() {
			in.Mode &^= syscall.S_ISUID | syscall.S_ISGID // as chown(2) does
		}
		if sa.Valid&fuse.FATTR_ATIME_NOW != 0 {
			in.Atime = now
		} else if t, ok := sa.GetATime(); ok {
			in.Atime = t.UnixNano()
		}
		if sa.Valid&fuse.FATTR_MTIME_NOW != 0 {
			in.Mtime = now
		} else if t, ok := sa.GetMTime(); ok {
			in.Mtime = t.UnixNano()
		}
		if t, ok := sa.GetCTime(); ok {
			in.Ctime = t.UnixNano()
		} else {
			in.Ctime = now
		}
		return nil
	})
	if err != nil {
		return n.fs.errno("setattr", err)
	}
	n.mu.Lock()
	n.attrDirty = false
	n.applyLocked(in)
	if n.ptWriters > 0 && sa.Valid&(fuse.FATTR_MTIME|fuse.FATTR_MTIME_NOW) != 0 {
		// The data file's time is the truth while passthrough writers
		// run (syncPassthroughLocked reads it): it gets the new one too.
		ts := []unix.Timespec{unix.NsecToTimespec(in.Atime), unix.NsecToTimespec(in.Mtime)}
		_ = unix.UtimesNanoAt(unix.AT_FDCWD, n.fs.cfg.Files.Path(n.ino), ts, 0)
	}
	n.fs.fillAttr(&n.in, &out.Attr)
	n.mu.Unlock()
	return 0
}

// nameMax is the longest name, in bytes, as on ext4 (statfs says so).
const nameMax = 255

// checkName refuses a name longer than nameMax, as every call taking a
// name does on ext4.
func checkName(names ...string) syscall.Errno {
	for _, name := range names {
		if len(name) > nameMax {
			return syscall.ENAMETOOLONG
		}
	}
	return 0
}

func (n *Node) newChild(ctx context.Context, name string, tmpl meta.Inode, out *fuse.EntryOut) (*fusefs.Inode, *meta.Inode, syscall.Errno) {
	if errno := checkName(name); errno != 0 {
		return nil, nil, errno
	}
	if n.fs.cfg.ReadOnly {
		return nil, nil, syscall.EROFS
	}
	tmpl.UID, tmpl.GID = caller(ctx)
	n.mu.Lock()
	tmpl.Public = n.in.Public // a public directory's entries are public
	if n.in.Mode&syscall.S_ISGID != 0 {
		// A set-group-ID directory passes its group on, and its bit to
		// subdirectories.
		tmpl.GID = n.in.GID
		if tmpl.IsDir() {
			tmpl.Mode |= syscall.S_ISGID
		}
	}
	n.mu.Unlock()
	in, err := n.fs.meta.Create(n.ino, name, tmpl)
	if err != nil {
		return nil, nil, n.fs.errno("create", err)
	}
	n.reload()
	return n.child(ctx, in, out), in, 0
}

func (n *Node) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*fusefs.Inode, fusefs.FileHandle, uint32, syscall.Errno) {
	// The data file first: a crash then leaves at most an unused file.
	inode, in, errno := n.newChild(ctx, name, meta.Inode{Mode: syscall.S_IFREG | mode&07777}, out)
	if errno != 0 {
		return nil, nil, 0, errno
	}
	node := inode.Operations().(*Node)
	fh, errno := node.open(ctx, flags|syscall.O_TRUNC, true)
	if errno != 0 {
		return nil, nil, 0, errno
	}
	if errno := node.passthrough(fh); errno != 0 {
		fh.release()
		return nil, nil, 0, errno
	}
	_ = in
	return inode, fh, 0, 0
}

func (n *Node) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*fusefs.Inode, syscall.Errno) {
	inode, _, errno := n.newChild(ctx, name, meta.Inode{Mode: syscall.S_IFDIR | mode&07777}, out)
	return inode, errno
}

func (n *Node) Mknod(ctx context.Context, name string, mode uint32, dev uint32, out *fuse.EntryOut) (*fusefs.Inode, syscall.Errno) {
	inode, _, errno := n.newChild(ctx, name, meta.Inode{Mode: mode, Rdev: dev}, out)
	if errno == 0 && mode&syscall.S_IFMT == syscall.S_IFREG {
		// A regular file made by mknod has an empty data file.
		if err := os.WriteFile(n.fs.cfg.Files.Path(inode.StableAttr().Ino), nil, 0o600); err != nil {
			return nil, n.fs.errno("mknod", err)
		}
	}
	return inode, errno
}

func (n *Node) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*fusefs.Inode, syscall.Errno) {
	inode, _, errno := n.newChild(ctx, name, meta.Inode{Mode: syscall.S_IFLNK | 0o777, Target: target}, out)
	return inode, errno
}

func (n *Node) Readlink(ctx context.Context) ([]byte, syscall.Errno) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.in.IsSymlink() {
		return nil, syscall.EINVAL
	}
	return []byte(n.in.Target), 0
}

func (n *Node) Link(ctx context.Context, target fusefs.InodeEmbedder, name string, out *fuse.EntryOut) (*fusefs.Inode, syscall.Errno) {
	if errno := checkName(name); errno != 0 {
		return nil, errno
	}
	if n.fs.cfg.ReadOnly {
		return nil, syscall.EROFS
	}
	t, ok := target.(*Node)
	if !ok {
		return nil, syscall.EXDEV
	}
	in, err := n.fs.meta.Link(t.ino, n.ino, name)
	if err != nil {
		return nil, n.fs.errno("link", err)
	}
	n.reload()
	return n.child(ctx, in, out), 0
}

// removed updates the node of an inode that lost a link, if the kernel
// knows it, and deletes the inode if nothing refers to it any more.
func (f *FS) removed(in *meta.Inode) {
	f.mu.Lock()
	node := f.nodes[in.Ino]
	f.mu.Unlock()
	if node != nil {
		node.refresh(in)
		node.mu.Lock()
		open := node.handles > 0
		node.mu.Unlock()
		if open && in.Nlink == 0 {
			// Its data lives on through the open descriptor; the data
			// file's name goes now, as the file's last name did (an
			// fstat of a passthrough file sees the data file).
			_ = os.Remove(f.cfg.Files.Path(in.Ino))
		}
		if open {
			return // the last release deletes it
		}
	}
	if in.Nlink == 0 {
		f.deleteInode(in.Ino)
	}
}

func (n *Node) Unlink(ctx context.Context, name string) syscall.Errno {
	if errno := checkName(name); errno != 0 {
		return errno
	}
	if n.fs.cfg.ReadOnly {
		return syscall.EROFS
	}
	in, err := n.fs.meta.Remove(n.ino, name, false)
	if err != nil {
		return n.fs.errno("unlink", err)
	}
	n.reload()
	n.fs.removed(in)
	return 0
}

func (n *Node) Rmdir(ctx context.Context, name string) syscall.Errno {
	if errno := checkName(name); errno != 0 {
		return errno
	}
	if n.fs.cfg.ReadOnly {
		return syscall.EROFS
	}
	in, err := n.fs.meta.Remove(n.ino, name, true)
	if err != nil {
		return n.fs.errno("rmdir", err)
	}
	n.reload()
	n.fs.removed(in)
	return 0
}

func (n *Node) Rename(ctx context.Context, name string, newParent fusefs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	if errno := checkName(name, newName); errno != 0 {
		return errno
	}
	if n.fs.cfg.ReadOnly {
		return syscall.EROFS
	}
	np, ok := newParent.(*Node)
	if !ok {
		return syscall.EXDEV
	}
	if flags&^(meta.RenameNoReplace|meta.RenameExchange) != 0 {
		return syscall.EINVAL // RENAME_WHITEOUT is for overlay file systems
	}
	moved, _ := n.fs.meta.Lookup(n.ino, name)
	replaced, err := n.fs.meta.Rename(n.ino, name, np.ino, newName, flags)
	if err != nil {
		return n.fs.errno("rename", err)
	}
	n.reload()
	if np != n {
		np.reload()
	}
	if moved != nil {
		n.fs.reloadIno(moved.Ino)
	}
	if replaced != nil {
		n.fs.removed(replaced)
	}
	if moved != nil && moved.IsRegular() && np != n {
		np.mu.Lock()
		public := np.in.Public
		np.mu.Unlock()
		if moved.Public != public {
			// Moved between a private and a public directory: stored
			// again as the new place wants.
			if node := n.fs.node(moved.Ino); node != nil {
				return node.setPublic(ctx, public)
			}
			return n.fs.setPublicIno(ctx, moved.Ino, public)
		}
	}
	return 0
}

// reloadIno refreshes the node of an inode, if the kernel knows it.
func (f *FS) reloadIno(ino uint64) {
	f.mu.Lock()
	node := f.nodes[ino]
	f.mu.Unlock()
	if node != nil {
		node.reload()
	}
}

func (n *Node) Readdir(ctx context.Context) (fusefs.DirStream, syscall.Errno) {
	entries, err := n.fs.meta.ReadDir(n.ino)
	if err != nil {
		return nil, n.fs.errno("readdir", err)
	}
	n.mu.Lock()
	parent := n.in.Parent
	n.mu.Unlock()
	if n.ino == meta.RootIno {
		parent = meta.RootIno
	}
	out := make([]fuse.DirEntry, 0, len(entries)+2)
	out = append(out,
		fuse.DirEntry{Name: ".", Ino: n.ino, Mode: syscall.S_IFDIR},
		fuse.DirEntry{Name: "..", Ino: parent, Mode: syscall.S_IFDIR})
	for _, e := range entries {
		out = append(out, fuse.DirEntry{Name: e.Name, Ino: e.Ino, Mode: e.Mode})
	}
	return fusefs.NewListDirStream(out), 0
}

var _ fusefs.NodeFsyncer = (*Node)(nil)

// Fsync makes a file durable (through its handle) or, for a directory,
// the tree: renames and creations in it survive a power cut once it
// returns.
func (n *Node) Fsync(ctx context.Context, f fusefs.FileHandle, flags uint32) syscall.Errno {
	if h, ok := f.(*handle); ok {
		return h.Fsync(ctx, flags)
	}
	if err := n.fs.meta.Sync(); err != nil {
		return n.fs.errno("fsync", err)
	}
	return 0
}

func (n *Node) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	var st syscall.Statfs_t
	if err := syscall.Statfs(n.fs.cfg.Files.Dir, &st); err != nil {
		return n.fs.errno("statfs", err)
	}
	out.Bsize = uint32(st.Bsize)
	out.Frsize = uint32(st.Bsize)
	out.Blocks, out.Bfree, out.Bavail = st.Blocks, st.Bfree, st.Bavail
	out.Files, out.Ffree = 1<<40, 1<<40
	out.NameLen = 255
	return 0
}

// Extended attributes.

func (n *Node) walrusXattr(name string) ([]byte, syscall.Errno) {
	n.mu.Lock()
	in := n.in
	written := n.written
	n.mu.Unlock()
	if name == xattrPublic {
		if in.Public || n.fs.cfg.Public {
			return []byte("1"), 0
		}
		return []byte("0"), 0
	}
	if !in.IsRegular() {
		return nil, syscall.ENODATA
	}
	certified := in.Certified == in.Version && !written
	switch name {
	case xattrBlobID:
		if !certified {
			return nil, syscall.ENODATA
		}
		// A whole blob by its ID; a patch of a quilt by its patch ID; a
		// range of a blob shared by small files (as older mounts stored
		// them) as ID:OFFSET:LENGTH. What walrusfs read takes; for
		// encrypted content, its age file.
		ids := make([]string, len(in.Chunks))
		for i, c := range in.Chunks {
			switch {
			case c.InQuilt():
				ids[i] = patchID(c).String()
			case !c.Whole():
				ids[i] = fmt.Sprintf("%s:%d:%d", c.Blob, c.Off, c.Stored())
			default:
				ids[i] = c.Blob.String()
			}
		}
		return []byte(strings.Join(ids, " ")), 0
	case xattrPatchID:
		if !certified || len(in.Chunks) != 1 || !in.Chunks[0].InQuilt() {
			return nil, syscall.ENODATA
		}
		return []byte(patchID(in.Chunks[0]).String()), 0
	case xattrState:
		suffix := ""
		if in.Public || n.fs.cfg.Public {
			suffix = " public" // readable by anyone with the blob ID
		}
		switch {
		case certified:
			return []byte("certified" + suffix), 0
		case written:
			return []byte("dirty" + suffix), 0
		}
		if e, err := n.fs.meta.Book().Queued(n.ino); err == nil && e.Version == in.Version {
			return []byte("uploading" + suffix), 0
		}
		if lost, _ := n.fs.meta.Book().IsLost(n.ino, in.Version); lost {
			return []byte("lost"), 0
		}
		return []byte("dirty" + suffix), 0
	}
	return nil, syscall.ENODATA
}

// patchID is a quilt chunk's patch ID.
func patchID(c meta.Chunk) quilt.PatchID {
	return quilt.PatchID{Quilt: c.Blob, Start: c.Patch.Start, End: c.Patch.End}
}

func xattrOut(v []byte, dest []byte) (uint32, syscall.Errno) {
	if len(dest) == 0 {
		return uint32(len(v)), 0
	}
	if len(dest) < len(v) {
		return uint32(len(v)), syscall.ERANGE
	}
	return uint32(copy(dest, v)), 0
}

func (n *Node) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	if isWalrusXattr(attr) {
		v, errno := n.walrusXattr(attr)
		if errno != 0 {
			return 0, errno
		}
		return xattrOut(v, dest)
	}
	v, err := n.fs.meta.GetXattr(n.ino, attr)
	if err != nil {
		return 0, n.fs.errno("getxattr", err)
	}
	return xattrOut(v, dest)
}

func (n *Node) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	if n.fs.cfg.ReadOnly {
		return syscall.EROFS
	}
	if attr == xattrPublic {
		var public bool
		switch strings.TrimSpace(string(data)) {
		case "1", "true", "yes":
			public = true
		case "0", "false", "no":
		default:
			return syscall.EINVAL
		}
		return n.setPublic(ctx, public)
	}
	if isWalrusXattr(attr) {
		return syscall.EPERM
	}
	if strings.HasPrefix(attr, "system.posix_acl_") {
		// No ACLs: tools such as cp -a then set modes with chmod.
		return syscall.EOPNOTSUPP
	}
	if err := n.fs.meta.SetXattr(n.ino, attr, data, flags); err != nil {
		return n.fs.errno("setxattr", err)
	}
	n.reload()
	return 0
}

func (n *Node) Removexattr(ctx context.Context, attr string) syscall.Errno {
	if n.fs.cfg.ReadOnly {
		return syscall.EROFS
	}
	if isWalrusXattr(attr) {
		return syscall.EPERM
	}
	if err := n.fs.meta.RemoveXattr(n.ino, attr); err != nil {
		return n.fs.errno("removexattr", err)
	}
	n.reload()
	return 0
}

func (n *Node) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	names, err := n.fs.meta.ListXattr(n.ino)
	if err != nil {
		return 0, n.fs.errno("listxattr", err)
	}
	n.mu.Lock()
	regular, dir := n.in.IsRegular(), n.in.IsDir()
	n.mu.Unlock()
	if regular || dir {
		names = append(names, xattrPublic)
	}
	if regular {
		for _, a := range []string{xattrBlobID, xattrPatchID, xattrState} {
			if _, errno := n.walrusXattr(a); errno == 0 {
				names = append(names, a)
			}
		}
	}
	var buf []byte
	for _, name := range names {
		buf = append(append(buf, name...), 0)
	}
	return xattrOut(buf, dest)
}
