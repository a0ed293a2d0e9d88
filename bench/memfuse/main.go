// Command memfuse mounts a copy of a directory tree held wholly in memory
// through go-fuse, read-only, with long kernel cache timeouts. It does no
// I/O at all while serving, so reading a tree through it measures what the
// FUSE round trips alone cost on this machine: the ceiling for any FUSE file
// system that serves the same tree, walrusfs included. bench/coldread.sh
// times a tar through it beside walrusfs's.
//
//	memfuse SRC MOUNTPOINT
//
// It serves until SIGINT or SIGTERM, or until the mount is unmounted.
package main

import (
	"context"
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
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: memfuse SRC MOUNTPOINT")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "memfuse:", err)
		os.Exit(1)
	}
}

// root builds the tree from src when the file system is mounted.
type root struct {
	gofs.Inode
	src string
	err error
}

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
			child = parent.NewPersistentInode(ctx, &gofs.MemRegularFile{Data: data, Attr: attr}, gofs.StableAttr{})
		default:
			return nil // devices, sockets and pipes: not part of a source tree
		}
		parent.AddChild(d.Name(), child, true)
		return nil
	})
}

func ptr[T any](v T) *T { return &v }

func run(src, mountpoint string) error {
	r := &root{src: src}
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
