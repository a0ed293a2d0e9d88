package mountd

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
)

// mountPoint makes dir if missing; a dead mount left there by a killed
// process is detached first.
func mountPoint(dir string, log *slog.Logger) (string, error) {
	// statfs is never answered from the kernel's caches: on a mount whose
	// process is gone it fails with ENOTCONN.
	var sfs syscall.Statfs_t
	if err := syscall.Statfs(dir, &sfs); errors.Is(err, syscall.ENOTCONN) {
		// Left mounted by a mount process that died (kill -9, a crash):
		// detach it, as its data is safe in the state directory.
		log.Warn("detaching a mount left by a process that is gone", "dir", dir)
		if err := Unmount(dir, true); err != nil {
			return "", fmt.Errorf("%s is a dead mount and cannot be detached: %w", dir, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("mount point: %w", err)
	}
	return dir, nil
}

// unmount unmounts, retrying a busy mount for a while.
func unmount(srv *fuse.Server, dir string) error {
	var err error
	for i := 0; i < 20; i++ {
		if err = srv.Unmount(); err == nil {
			return nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("unmount %s (is it busy?): %w", dir, err)
}

// Unmount unmounts the FUSE mount on dir with fusermount3 (or fusermount),
// which lets users unmount their own mounts, or with umount(2) as root;
// lazy detaches it even while busy or dead. The mount's process then
// drains its upload queue and exits.
func Unmount(dir string, lazy bool) error {
	args := []string{"-u", dir}
	flags := 0
	if lazy {
		args = []string{"-u", "-z", dir}
		flags = syscall.MNT_DETACH
	}
	for _, prog := range []string{"fusermount3", "fusermount"} {
		if path, err := exec.LookPath(prog); err == nil {
			if out, err := exec.Command(path, args...).CombinedOutput(); err != nil {
				return fmt.Errorf("%s %s: %v: %s", prog, strings.Join(args, " "), err, bytes.TrimSpace(out))
			}
			return nil
		}
	}
	if err := syscall.Unmount(dir, flags); err != nil {
		return fmt.Errorf("unmount %s: %w", dir, err)
	}
	return nil
}
