package fs

import (
	"context"
	"syscall"
	"time"

	"github.com/walrusfs/walrusfs/fs/meta"
)

// Public on purpose: a file or directory marked user.walrus.public=1 is
// stored unencrypted, readable by anyone with its blob IDs, and a
// directory so marked passes the mark to what is created in it. A file
// whose mark changes, by setxattr or by a move between a private and a
// public directory, is stored again as it now should be.

// node returns the node of an inode the kernel knows, or nil.
func (f *FS) node(ino uint64) *Node {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.nodes[ino]
}

// setPublicIno marks an inode the kernel does not know; its content, if
// any, is stored again only if it is on this machine.
func (f *FS) setPublicIno(_ context.Context, ino uint64, public bool) syscall.Errno {
	in, err := f.meta.Update(ino, func(in *meta.Inode) error {
		in.Public = public
		if in.IsRegular() && in.Local && in.Size > 0 {
			in.Version++
		}
		return nil
	})
	if err != nil {
		return f.errno("setxattr", err)
	}
	if in.IsRegular() && in.Local && in.Size > 0 {
		if _, err := f.meta.Enqueue(ino, ""); err != nil {
			return f.errno("setxattr", err)
		}
		f.queued(ino)
	} else if in.IsRegular() && in.Size > 0 {
		f.log.Warn("a file moved between private and public stays as it was stored until it is written again", "ino", ino)
	}
	return 0
}

// setPublic marks a node public or private; certified content is stored
// again (downloaded first if it is only on the network).
func (n *Node) setPublic(ctx context.Context, public bool) syscall.Errno {
	if n.fs.cfg.ReadOnly {
		return syscall.EROFS
	}
	n.mu.Lock()
	in := n.in
	n.mu.Unlock()
	if in.Public == public {
		return 0
	}
	again := in.IsRegular() && in.Size > 0 && in.Certified == in.Version
	if again {
		// Local until the change is recorded: no eviction meanwhile.
		n.content.Lock()
		defer n.content.Unlock()
		if _, errno := n.prepare(ctx, true, false); errno != 0 {
			return errno
		}
	}
	n.mu.Lock()
	upd, err := n.fs.meta.Update(n.ino, func(x *meta.Inode) error {
		x.Public = public
		x.Ctime = time.Now().UnixNano()
		if again {
			x.Version++
			x.Local = true
		}
		return nil
	})
	if err != nil {
		n.mu.Unlock()
		return n.fs.errno("setxattr", err)
	}
	n.applyLocked(upd)
	n.mu.Unlock()
	if again {
		if _, err := n.fs.meta.Enqueue(n.ino, n.Path(nil)); err != nil {
			return n.fs.errno("setxattr", err)
		}
		n.fs.queued(n.ino)
	}
	return 0
}

// queued tells the uploader, if there is one, that a file was queued.
func (f *FS) queued(ino uint64) {
	if f.cfg.Uploader != nil {
		f.cfg.Uploader.Writing()
		f.cfg.Uploader.Queued(ino)
	}
}

// writing tells the uploader, if there is one, that a file is being
// written: uploads hold off meanwhile (cache.UploaderOptions.WriteBack).
func (f *FS) writing() {
	if f.cfg.Uploader != nil {
		f.cfg.Uploader.Writing()
	}
}
