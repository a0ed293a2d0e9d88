// Command memfuse mounts a copy of a directory tree held wholly in memory
// through go-fuse, read-only, with long kernel cache timeouts. It does no
// I/O at all while serving, so reading a tree through it measures what the
// FUSE round trips alone cost on this machine: the ceiling for any FUSE file
// system that serves the same tree, walrusfs included. bench/coldread.sh
// times a tar through it beside walrusfs's.
//
//	memfuse [-no-open] SRC MOUNTPOINT
//
// With -no-open, files answer neither open nor flush (ENOSYS), so that the
// kernel stops asking (its no-open mode): the fewest round trips a file
// read can cost, for a file system without file handles.
//
// It serves until SIGINT or SIGTERM, or until the mount is unmounted.
package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	gofs "github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

func main() {
	noOpen := flag.Bool("no-open", false, "answer open and flush with ENOSYS (the kernel's no-open mode)")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: memfuse [-no-open] SRC MOUNTPOINT")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), flag.Arg(1), *noOpen); err != nil {
		fmt.Fprintln(os.Stderr, "memfuse:", err)
		os.Exit(1)
	}
}

// root builds the tree from src when the file system is mounted.
type root struct {
	gofs.Inode
	src    string
	noOpen bool
	err    error
}

// handleless is a file in memory that has the kernel open and flush it
// no more.
type handleless struct{ gofs.MemRegularFile }

func (*handleless) Open(context.Context, uint32) (gofs.FileHandle, uint32, syscall.Errno) {
	return nil, 0, syscall.ENOSYS
}

func (*handleless) Flush(context.Context, gofs.FileHandle) syscall.Errno { return syscall.ENOSYS }

func (r *root) OnAdd(ctx context.Context) {
	dirs := map[string]*gofs.Inode{r.src: &r.Inode} // WalkDir visits a directory before its entries
	r.err = filepath.WalkDir(r.src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == r.src {
			return err
		}
		parent := dirs[filepath.Dir(path)]
		info, err := d.Info()
		if err != nil {
			return err
		}
		attr := fuse.Attr{Mode: uint32(info.Mode().Perm()), Size: uint64(info.Size())}
		attr.SetTimes(nil, ptr(info.ModTime()), nil)
		var child *gofs.Inode
		switch {
		case d.IsDir():
			child = parent.NewPersistentInode(ctx, &gofs.Inode{}, gofs.StableAttr{Mode: syscall.S_IFDIR})
			dirs[path] = child
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			child = parent.NewPersistentInode(ctx, &gofs.MemSymlink{Data: []byte(target), Attr: attr},
				gofs.StableAttr{Mode: syscall.S_IFLNK})
		case d.Type().IsRegular():
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			var file gofs.InodeEmbedder = &gofs.MemRegularFile{Data: data, Attr: attr}
			if r.noOpen {
				file = &handleless{gofs.MemRegularFile{Data: data, Attr: attr}}
			}
			child = parent.NewPersistentInode(ctx, file, gofs.StableAttr{})
		default:
			return nil // devices, sockets and pipes: not part of a source tree
		}
		parent.AddChild(d.Name(), child, true)
		return nil
	})
}

func ptr[T any](v T) *T { return &v }

func run(src, mountpoint string, noOpen bool) error {
	r := &root{src: src, noOpen: noOpen}
	hour := time.Hour
	server, err := gofs.Mount(mountpoint, r, &gofs.Options{
		MountOptions: fuse.MountOptions{FsName: "memfuse", Name: "memfuse", MaxReadAhead: 1 << 20},
		EntryTimeout: &hour,
		AttrTimeout:  &hour,
	})
	if err != nil {
		return fmt.Errorf("mounting %s: %w", mountpoint, err)
	}
	if r.err != nil {
		server.Unmount()
		return fmt.Errorf("loading %s: %w", src, r.err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		server.Unmount()
	}()
	server.Wait()
	return nil
}
