package fs_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	walrusfs "github.com/walrusfs/walrusfs/fs"
	"github.com/walrusfs/walrusfs/fs/meta"
)

// holdAt holds the first goroutine that reaches a slow I/O point there,
// until the returned release is called (also at the test's end); reached
// closes when one arrives.
func holdAt(t *testing.T, point string) (reached <-chan struct{}, release func()) {
	arrived, rel := make(chan struct{}), make(chan struct{})
	var once, relOnce sync.Once
	undo := walrusfs.SetTestHook(func(p string) {
		if p == point {
			once.Do(func() { close(arrived); <-rel })
		}
	})
	release = func() { relOnce.Do(func() { close(rel); undo() }) }
	t.Cleanup(release)
	return arrived, release
}

// within fails the test unless fn returns within d.
func within(t *testing.T, d time.Duration, what string, fn func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(d):
		if os.Getenv("WALRUSFS_TEST_STACKS") != "" {
			pprof.Lookup("goroutine").WriteTo(os.Stderr, 1)
		}
		t.Fatalf("%s: still waiting after %v, behind slow I/O", what, d)
	}
}

func waitFor(t *testing.T, reached <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-reached:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s never reached its slow I/O", what)
	}
}

// TestNoLockAcrossSlowIO holds the file system in a data file's sync, an
// eviction's sync and unlink, and a download, and checks that attributes,
// reads and creations go on meanwhile (R4: each used to wait behind a lock
// held across the I/O).
func TestNoLockAcrossSlowIO(t *testing.T) {
	tm := mount(t, startNet(t), t.TempDir(), 1<<20)
	a, other := filepath.Join(tm.Dir, "a"), filepath.Join(tm.Dir, "other")
	must(t, os.WriteFile(other, []byte("other"), 0o644))

	t.Run("fsync", func(t *testing.T) {
		reached, release := holdAt(t, "datasync")
		f, err := os.Create(a)
		must(t, err)
		defer f.Close()
		_, err = f.Write(bytes.Repeat([]byte("a"), 100_000))
		must(t, err)
		closed := make(chan error, 1)
		go func() { closed <- f.Sync() }()
		waitFor(t, reached, "fsync")
		within(t, 5*time.Second, "getxattr of the file being synced", func() error {
			_, err := unix.Getxattr(a, "user.walrus.state", make([]byte, 64))
			return err
		})
		within(t, 5*time.Second, "stat of another file", func() error { _, err := os.Stat(other); return err })
		release()
		must(t, <-closed)
	})

	t.Run("eviction of a file the kernel does not know", func(t *testing.T) {
		ghost, err := tm.Meta.Create(meta.RootIno, "ghost", meta.Inode{Mode: syscall.S_IFREG | 0o644})
		must(t, err)
		must(t, os.WriteFile(tm.Data.Path(ghost.Ino), nil, 0o600))
		_, err = tm.Meta.Update(ghost.Ino, func(in *meta.Inode) error {
			in.Local, in.Version, in.Certified = true, 1, 1
			return nil
		})
		must(t, err)
		reached, release := holdAt(t, "evict")
		evicted := make(chan error, 1)
		go func() { evicted <- tm.FS.Evict(ghost.Ino) }()
		waitFor(t, reached, "eviction")
		within(t, 5*time.Second, "creating a file", func() error {
			return os.WriteFile(filepath.Join(tm.Dir, "new"), []byte("new"), 0o644)
		})
		within(t, 5*time.Second, "stat of another file", func() error { _, err := os.Stat(other); return err })
		release()
		must(t, <-evicted)
	})

	t.Run("download for a writer", func(t *testing.T) {
		big := filepath.Join(tm.Dir, "big")
		want := bytes.Repeat([]byte("big!"), 500_000)
		must(t, os.WriteFile(big, want, 0o644))
		tm.drain(t)
		if _, err := tm.FS.EvictAll(); err != nil {
			t.Fatal(err)
		}
		reached, release := holdAt(t, "download")
		opened := make(chan error, 1)
		go func() {
			f, err := os.OpenFile(big, os.O_RDWR, 0)
			if err == nil {
				err = f.Close()
			}
			opened <- err
		}()
		waitFor(t, reached, "open for writing")
		within(t, 10*time.Second, "reading the file being downloaded", func() error {
			got, err := os.ReadFile(big)
			if err == nil && !bytes.Equal(got, want) {
				t.Error("read other bytes than written")
			}
			return err
		})
		release()
		must(t, <-opened)
		checkFile(t, big, want)
	})
	// Sound copies, new files among them, are not taken for damaged ones.
	if strings.Contains(tm.Logs.String(), "local copy") {
		t.Errorf("warnings about sound local copies:\n%s", tm.Logs.String())
	}
}
